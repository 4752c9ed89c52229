# JSONTestSuite (nst/JSONTestSuite): one ctest entry per file, json_suite/<file>.
#   y_*  must parse (cdlt_json_parse), and the streaming reader fed 1-byte chunks must agree;
#   n_*  must be rejected with CDLT_ERR_PARSE and a position inside the file;
#   i_*  implementation-defined: must not crash; cdlt's choice per category is asserted
#        (see docs/internals/JSON.md).
# test_json_suite with no argument runs every file of the folder in one process.
file(GLOB CDLT_JSON_SUITE_FILES CONFIGURE_DEPENDS "${CDLT_SHARED_DIR}/testdata/json/JSONTestSuite/*.json")
foreach(f ${CDLT_JSON_SUITE_FILES})
  get_filename_component(fname "${f}" NAME)
  add_test(NAME "json_suite/${fname}" COMMAND test_json_suite "${f}")
  set_tests_properties("json_suite/${fname}" PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 120)
endforeach()
