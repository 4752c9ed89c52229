# bad_inputs.cmake — registers test_bad_inputs (the bad-input catalogue, docs/internals/BAD_INPUTS.md)
# with a longer timeout than the default 300 s: it loads a 100 MB string and a 50,000-column table,
# which under ASan on a busy 2-core machine can take several minutes.
add_test(NAME bad_inputs COMMAND test_bad_inputs)
set_tests_properties(bad_inputs PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 1200)
