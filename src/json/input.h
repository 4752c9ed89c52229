/* input.h — a byte source: a file (plain or gzip, detected from the data), stdin, memory, or a byte
 * range of a plain file.
 *
 * Files are read through zlib's gzread, which passes plain data through unchanged and inflates
 * gzip data (also concatenated members), so callers never care whether a file is compressed.
 * A truncated or corrupt gzip stream is an error (CDLT_ERR_PARSE), never a silent EOF.
 * Errors name the source: "cannot open 'x.jsonl': No such file or directory". */
#ifndef CDLT_JSON_INPUT_H
#define CDLT_JSON_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct cdlt_input cdlt_input;

/* Opens `path` ("-" = stdin, named "<stdin>"; stdin itself is not closed by _close).
 * Returns 0, CDLT_ERR_NOT_FOUND (no such file), CDLT_ERR_IO or CDLT_ERR_NOMEM. */
int cdlt_input_open(cdlt_input **out, const char *path, cdlt_error *err);

/* A source over memory the caller keeps alive until _close (not copied). `name` (copied) is used
 * in messages; NULL = "<memory>". Each read returns at most `max_chunk` bytes (0 = no limit):
 * tests use 1 to exercise every buffer boundary of a reader. */
int cdlt_input_open_memory(cdlt_input **out, const void *data, size_t len, const char *name,
                           size_t max_chunk, cdlt_error *err);

/* A source over bytes [offset, offset + len) of the open regular file `fd` (borrowed, not closed:
 * threads may share it), read with pread through the reader's bounded buffer, as is (no gzip).
 * `name` (copied) is used in messages. When the file ends before offset + len (it shrank while it
 * was read) a read fails with CDLT_ERR_IO: "cannot read 'x': it ends at byte N, before byte M (the
 * file shrank while it was read)". */
int cdlt_input_open_file_range(cdlt_input **out, int fd, uint64_t offset, uint64_t len, const char *name,
                               cdlt_error *err);

/* Reads up to `cap` bytes into buf. Returns the number read (> 0), 0 at the end of the data, or
 * a negative cdlt_status (err filled: CDLT_ERR_IO for system errors, CDLT_ERR_PARSE for corrupt
 * or truncated gzip data). After an error, further reads return the same error code. */
long cdlt_input_read(cdlt_input *in, char *buf, size_t cap, cdlt_error *err);

/* The source's name for messages (the path, "<stdin>", or the memory name). Owned by `in`. */
const char *cdlt_input_name(const cdlt_input *in);

/* Closes the file (not stdin) and frees `in`. Accepts NULL. */
void cdlt_input_close(cdlt_input *in);

#endif
