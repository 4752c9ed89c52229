/* cdlt.h — the public C API of cdlt, dlt (the data load tool) in C.
 *
 * This is the one header applications include. Conventions:
 *  - Every function returning int returns CDLT_OK (0) or a negative cdlt_status.
 *  - Handles are opaque; `_new`/`_free` for heap objects, `_open`/`_close` for objects holding outside
 *    resources. Destructors accept NULL.
 *  - The error text of a failed call belongs to the handle it was made on (cdlt_errmsg) and stays
 *    valid until the next call on that handle.
 *  - The library never prints and never exits. A handle is used by one thread at a time; different
 *    handles may be used from different threads.
 *  - Ownership of every returned pointer is stated at the function. */
#ifndef CDLT_CDLT_H
#define CDLT_CDLT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cdlt_status {
  CDLT_OK = 0,
  CDLT_ERR_USAGE = -1,        /* invalid argument or option */
  CDLT_ERR_IO = -2,           /* file system error */
  CDLT_ERR_PARSE = -3,        /* malformed input (JSON, TOML, schema file) */
  CDLT_ERR_NOMEM = -4,        /* out of memory */
  CDLT_ERR_SCHEMA = -5,       /* schema violation, type that cannot be coerced */
  CDLT_ERR_DESTINATION = -6,  /* the destination refused or failed */
  CDLT_ERR_LIMIT = -7,        /* a configured limit was hit (nesting depth, item size...) */
  CDLT_ERR_BUSY = -8,         /* another process holds the pipeline lock */
  CDLT_ERR_INTERNAL = -9,     /* a bug: please report */
  CDLT_ERR_NOT_FOUND = -10,   /* pipeline, package or file does not exist */
  CDLT_ERR_CONTRACT = -11     /* schema contract violated (freeze) */
} cdlt_status;

/* Version string "MAJOR.MINOR.PATCH"; static, never freed. */
const char *cdlt_version(void);

/* Short static description of a status code ("parse error"); never NULL. */
const char *cdlt_status_str(int status);

#ifdef __cplusplus
}
#endif
#endif
