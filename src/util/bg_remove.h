/* bg_remove.h — removing a folder tree on a background thread.
 *
 * Used for the extracted copy of a package once normalize has committed the normalized one:
 * unlinking ~1 GB of just-written job files takes 0.1–0.3 s (the kernel frees their page cache
 * and waits for their writeback), which the load stage then does not wait for. The caller
 * always waits for the removal before it returns to its own caller, so no thread outlives an
 * API call. */
#ifndef CDLT_UTIL_BG_REMOVE_H
#define CDLT_UTIL_BG_REMOVE_H

#include "util/error.h"

typedef struct cdlt_bg_remove cdlt_bg_remove;

/* Starts removing `path` (taken: freed by cdlt_bg_remove_wait). Fault point "removal.before"
 * is reached on the removing thread. When no thread can be started the removal is done before
 * this returns, and its result is kept for the wait. NULL only when out of memory (path is
 * then removed before this returns, and freed). */
cdlt_bg_remove *cdlt_bg_remove_start(char *path);

/* Waits until the removal is done and frees r (NULL: nothing to wait for, returns 0). Returns
 * 0, or the removal's error in err ("cannot remove '<path>': ..."). */
int cdlt_bg_remove_wait(cdlt_bg_remove *r, cdlt_error *err);

#endif
