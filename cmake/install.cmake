# install.cmake — libcdlt.so (the static library linked whole), `cmake --install` rules, the
# pkg-config file cdlt.pc and the CMake package (find_package(cdlt) -> cdlt::cdlt).
# libduckdb.so is installed next to libcdlt.so, which finds it through RUNPATH $ORIGIN; the other
# dependencies (sqlite3, zlib, libcrypto) are system libraries; libduckdb and libpq are loaded on first use. See
# docs/internals/C_API.md.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(cdlt_shared SHARED ${CMAKE_SOURCE_DIR}/cmake/shared_lib.c)
target_link_libraries(cdlt_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,cdlt_lib>")
target_include_directories(cdlt_shared INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                                                 $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(cdlt_shared PROPERTIES
  OUTPUT_NAME cdlt EXPORT_NAME cdlt VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  BUILD_RPATH "${CDLT_DUCKDB_DIR}/lib" INSTALL_RPATH "$ORIGIN")

install(TARGETS cdlt_shared EXPORT cdltTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cdlt_lib ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES "${CDLT_DUCKDB_DIR}/lib/libduckdb.so" DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/cdlt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

configure_file(${CMAKE_SOURCE_DIR}/cdlt.pc.in ${CMAKE_BINARY_DIR}/cdlt.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cdlt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(EXPORT cdltTargets NAMESPACE cdlt:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cdlt)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/cdltConfig.cmake.in ${CMAKE_BINARY_DIR}/cdltConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cdlt)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cdltConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cdltConfig.cmake ${CMAKE_BINARY_DIR}/cdltConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cdlt)
