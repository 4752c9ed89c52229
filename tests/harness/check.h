/* check.h — the minimal test harness every cdlt test uses.
 *
 *   CHECK(cond)                 fails (and continues) when cond is false
 *   CHECK_EQ_INT(a, b)          integers, prints both
 *   CHECK_EQ_STR(a, b)          NUL-terminated strings (NULL-safe), prints both
 *   CHECK_OK(rc, err)           rc == 0, else prints err->msg
 *   return check_finish();      from main(): prints "N passed, N failed", exit code 1 on failure
 *
 * Helpers for tests: paths to shared/ and the source tree, temp dirs, running the cdlt binary. */
#ifndef CDLT_TEST_CHECK_H
#define CDLT_TEST_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int check_passed, check_failed;

#define CHECK(cond) check_report((cond) ? 1 : 0, __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) check_report((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_INT(a, b)                                                                  \
  do {                                                                                      \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);                         \
    check_report(check_a_ == check_b_, __FILE__, __LINE__, "%s == %s (%lld vs %lld)", #a, #b, \
                 check_a_, check_b_);                                                       \
  } while (0)
#define CHECK_EQ_STR(a, b)                                                                  \
  do {                                                                                      \
    const char *check_a_ = (a), *check_b_ = (b);                                            \
    bool check_ok_ = (!check_a_ && !check_b_) || (check_a_ && check_b_ && !strcmp(check_a_, check_b_)); \
    check_report(check_ok_, __FILE__, __LINE__, "%s == %s (\"%s\" vs \"%s\")", #a, #b,      \
                 check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");           \
  } while (0)
#define CHECK_OK(rc, err)                                                                   \
  do {                                                                                      \
    int check_rc_ = (rc);                                                                   \
    check_report(check_rc_ == 0, __FILE__, __LINE__, "%s returned %d: %s", #rc, check_rc_,  \
                 (err)->msg);                                                               \
  } while (0)

/* Records one check; prints a line for failures. Returns ok. */
int check_report(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints the closing "N passed, N failed" line; returns the process exit code. */
int check_finish(void);

/* $CDLT_SHARED_DIR (set by ctest) or ../shared relative to the source dir. Static storage. */
const char *check_shared_dir(void);
/* $CDLT_SOURCE_DIR (set by ctest). */
const char *check_source_dir(void);
/* $CDLT_BIN: path of the cdlt executable (set by ctest). */
const char *check_cdlt_bin(void);
/* Creates a fresh empty temp directory (mkdtemp under $TMPDIR or /tmp); returns a static copy
 * valid until the next call. Removed by check_finish unless CDLT_KEEP_TMP is set. */
const char *check_tmpdir(void);
/* Reads a whole file into a malloc'd NUL-terminated buffer (caller frees); NULL on error. */
char *check_read_file(const char *path, size_t *len_out);
/* Runs `sh -c cmd`, captures stdout+stderr into a malloc'd string (*output, caller frees);
 * returns the exit status (or -1). */
int check_run(const char *cmd, char **output);

#endif
