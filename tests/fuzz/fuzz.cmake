# fuzz.cmake — the fuzz targets tests/fuzz/fuzz_<name>.c (docs/internals/FUZZING.md).
#
# With -DCDLT_FUZZ=ON (a separate clang tree, made by tests/fuzz/fuzz.sh build) every target is a
# libFuzzer binary fuzz_<name>; `cdlt_fuzz_all` builds them all.
# In the normal (gcc) tree, for every target:
#   fuzz_<name>_regressions  replays tests/fuzz/regressions/<name>/ plus the seed corpus through the
#                            target linked with replay_main.c (also under -DCDLT_SANITIZE=ON);
#   fuzz_<name>              a short libFuzzer run (CDLT_FUZZ_SECONDS, default 20) of the clang
#                            binary, which the fixture test fuzz_build builds first into
#                            <build>/fuzz. Not registered in the sanitizer tree (the fuzz binaries
#                            already run under ASan+UBSan) or when clang is missing.
set(CDLT_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(CDLT_FUZZ_TARGETS json_reader naming normalizer normalize_templates parquet_job)
if(EXISTS ${CDLT_FUZZ_DIR}/fuzz_toml.c)
  list(APPEND CDLT_FUZZ_TARGETS toml)
endif()

if(CDLT_FUZZ)
  add_custom_target(cdlt_fuzz_all)
  foreach(t ${CDLT_FUZZ_TARGETS})
    add_executable(fuzz_${t} ${CDLT_FUZZ_DIR}/fuzz_${t}.c)
    target_include_directories(fuzz_${t} PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(fuzz_${t} PRIVATE cdlt_lib)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    set_target_properties(fuzz_${t} PROPERTIES BUILD_RPATH "${CDLT_DUCKDB_DIR}/lib" RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
    add_dependencies(cdlt_fuzz_all fuzz_${t})
  endforeach()
  return()
endif()

set(CDLT_FUZZ_SECONDS 20 CACHE STRING "Seconds of each short libFuzzer run in the test suite")
foreach(t ${CDLT_FUZZ_TARGETS})
  add_executable(fuzz_${t}_replay ${CDLT_FUZZ_DIR}/fuzz_${t}.c ${CDLT_FUZZ_DIR}/replay_main.c)
  target_include_directories(fuzz_${t}_replay PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(fuzz_${t}_replay PRIVATE cdlt_lib)
  set_target_properties(fuzz_${t}_replay PROPERTIES BUILD_RPATH "${CDLT_DUCKDB_DIR}/lib")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env CDLT_SHARED_DIR=${CDLT_SHARED_DIR}
                          bash ${CDLT_FUZZ_DIR}/fuzz.sh seeds ${CMAKE_SOURCE_DIR} ${t}
                  OUTPUT_VARIABLE seed_dirs OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REPLACE "\n" ";" seed_dirs "${seed_dirs}")
  if(t STREQUAL "normalizer" OR t STREQUAL "normalize_templates")
    list(FILTER seed_dirs EXCLUDE REGEX "realworld")   # 30 s (minutes under ASan); the fuzz run has them
  endif()
  add_test(NAME fuzz_${t}_regressions COMMAND fuzz_${t}_replay ${CDLT_FUZZ_DIR}/regressions/${t} ${seed_dirs})
  set_tests_properties(fuzz_${t}_regressions PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 600)
endforeach()

find_program(CDLT_CLANG clang)
if(CDLT_CLANG AND NOT CDLT_SANITIZE)
  set(fuzz_env "${CDLT_TEST_ENV};CLANG=${CDLT_CLANG}")
  add_test(NAME fuzz_build COMMAND bash ${CDLT_FUZZ_DIR}/fuzz.sh build ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/fuzz)
  set_tests_properties(fuzz_build PROPERTIES FIXTURES_SETUP cdlt_fuzz TIMEOUT 1200 SKIP_RETURN_CODE 77
                       ENVIRONMENT "${fuzz_env}")
  foreach(t ${CDLT_FUZZ_TARGETS})
    add_test(NAME fuzz_${t} COMMAND bash ${CDLT_FUZZ_DIR}/fuzz.sh run ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/fuzz ${t} ${CDLT_FUZZ_SECONDS})
    math(EXPR fuzz_timeout "${CDLT_FUZZ_SECONDS} + 180")
    set_tests_properties(fuzz_${t} PROPERTIES FIXTURES_REQUIRED cdlt_fuzz TIMEOUT ${fuzz_timeout} SKIP_RETURN_CODE 77
                         ENVIRONMENT "${fuzz_env}")
  endforeach()
endif()

# The cdlt CLI end to end under valgrind (tests/valgrind/run_cli.sh). Not in the sanitizer tree:
# valgrind cannot run ASan binaries.
find_program(CDLT_VALGRIND valgrind)
if(CDLT_VALGRIND AND NOT CDLT_SANITIZE)
  add_test(NAME valgrind_cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/valgrind/run_cli.sh $<TARGET_FILE:cdlt>)
  set_tests_properties(valgrind_cli PROPERTIES ENVIRONMENT "${CDLT_TEST_ENV}" TIMEOUT 900 SKIP_RETURN_CODE 77)
endif()
