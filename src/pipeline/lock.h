/* lock.h — the pipeline lock: one process at a time works in a pipeline's working directory.
 *
 * An exclusive flock(2) on <working_dir>/.lock, held from the start to the end of a run (and of
 * the `cdlt pipeline` commands that change the working dir). The file holds the holder's pid, for
 * the message a second process gets. The kernel drops the lock when the holder dies (also on
 * SIGKILL), so a crashed run never leaves a stale lock. */
#ifndef CDLT_PIPELINE_LOCK_H
#define CDLT_PIPELINE_LOCK_H

#include "util/error.h"

typedef struct cdlt_pipeline_lock {
  int fd;   /* -1 when not held */
} cdlt_pipeline_lock;

/* Takes the lock of the working dir `wd_path` for pipeline `name` (for messages). Waits up to
 * timeout_ms for another holder (0 = fail at once). Fails with CDLT_ERR_BUSY:
 * "pipeline 'x' is in use by another process (pid N)". lock->fd is -1 on failure. */
int cdlt_pipeline_lock_acquire(cdlt_pipeline_lock *lock, const char *wd_path, const char *name, long timeout_ms,
                               cdlt_error *err);
/* Releases the lock (the file stays). Accepts a lock that is not held. */
void cdlt_pipeline_lock_release(cdlt_pipeline_lock *lock);
/* The wait of cdlt run: $CDLT_LOCK_TIMEOUT seconds (a decimal number), default 0. */
long cdlt_pipeline_lock_timeout_ms(void);

#endif
