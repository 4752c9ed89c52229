# examples.cmake — the C API examples of examples/c, built against the library like any
# application (only <cdlt/cdlt.h>); tests/e2e/c_api.cmake runs them.
file(GLOB CDLT_C_EXAMPLES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/examples/c/*.c)
foreach(src ${CDLT_C_EXAMPLES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(example_${name} ${src})
  target_include_directories(example_${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(example_${name} PRIVATE cdlt_lib)
  set_target_properties(example_${name} PROPERTIES BUILD_RPATH "${CDLT_DUCKDB_DIR}/lib")
endforeach()
