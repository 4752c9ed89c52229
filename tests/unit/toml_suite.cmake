# toml-test (toml-lang/toml-test): one ctest entry per TOML 1.0 file, toml_suite/<relpath>, taken
# from the suite's own list files-toml-1.0.0 (not every file applies to TOML 1.0).
#   valid/**/X.toml    must parse and decode to exactly the tagged values of valid/**/X.json;
#   invalid/**/X.toml  must be rejected with CDLT_ERR_PARSE (or CDLT_ERR_LIMIT) and a position.
# test_toml_suite with no argument runs every listed file in one process.
set(CDLT_TOML_SUITE_DIR "${CDLT_SHARED_DIR}/testdata/toml/toml-test")
if(EXISTS "${CDLT_TOML_SUITE_DIR}/files-toml-1.0.0")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CDLT_TOML_SUITE_DIR}/files-toml-1.0.0")
  file(STRINGS "${CDLT_TOML_SUITE_DIR}/files-toml-1.0.0" CDLT_TOML_SUITE_FILES REGEX "\\.toml$")
  foreach(rel ${CDLT_TOML_SUITE_FILES})
    add_test(NAME "toml_suite/${rel}" COMMAND test_toml_suite "${CDLT_TOML_SUITE_DIR}/${rel}")
    set_tests_properties("toml_suite/${rel}" PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 60)
  endforeach()
endif()
