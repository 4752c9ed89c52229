# c_api.cmake — ctest entries of test_c_api: the API tests, one test per example of examples/c
# (built by cmake/examples.cmake, run and checked in DuckDB), and the install test
# (cmake/install_test.sh: cmake --install into a temp prefix, then an example built against the
# installed copy with pkg-config and with find_package(cdlt)).
add_test(NAME c_api COMMAND test_c_api)
set_tests_properties(c_api PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 300)
foreach(ex quickstart paginated transformer)
  add_test(NAME example_${ex} COMMAND test_c_api --example ${ex} $<TARGET_FILE:example_${ex}>)
  set_tests_properties(example_${ex} PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 300)
endforeach()
if(CDLT_SANITIZE)
  set(CDLT_INSTALL_TEST_CFLAGS "-fsanitize=address,undefined")
endif()
add_test(NAME c_api_install COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/install_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR}
         $<TARGET_FILE:test_c_api> "${CDLT_INSTALL_TEST_CFLAGS}")
set_tests_properties(c_api_install PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 600)
