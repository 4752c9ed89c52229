/* faultpoint.h — named points where tests can make cdlt crash or fail, to prove crash safety.
 *
 * Production code calls cdlt_fault_point("load.after_job") at the places where a crash matters
 * (between a write and its rename, between two SQL statements...). Normally this is a cheap
 * no-op. When the environment variable CDLT_FAULT_POINT names that point, the process is killed
 * with SIGKILL at that point (as a power cut would); CDLT_FAULT_HIT=N kills at the N-th time the
 * point is reached (default 1; the count starts afresh when CDLT_FAULT_POINT or CDLT_FAULT_HIT
 * changes within a process). CDLT_FAULT_MODE=error makes the point return CDLT_ERR_IO with the
 * message "injected fault at '<name>'" instead of killing, for "clear error, then rerun" tests.
 * This is SQLite's test-hook idea, kept always compiled so
 * the tests exercise the very binary users run. */
#ifndef CDLT_UTIL_FAULTPOINT_H
#define CDLT_UTIL_FAULTPOINT_H

#include "util/error.h"

/* Returns 0, or (error mode) CDLT_ERR_IO with err set. May not return (kill mode). */
int cdlt_fault_point(const char *name, cdlt_error *err);

/* For system calls: CDLT_FAULT_MODE=errno:ENOSPC (or errno:EIO, errno:EDQUOT) makes the armed
 * point return that errno, which the caller reports as if the call had failed with it (a full
 * disk during a write, fsync or rename). Returns 0 when not armed; kill mode kills as above.
 * CDLT_FAULT_MODE=pause makes the point create the file named by CDLT_FAULT_PAUSE_FILE and wait
 * (up to 120 s) until a test removes it — to stop a database server under a running load. */
int cdlt_fault_errno(const char *name);

#endif
