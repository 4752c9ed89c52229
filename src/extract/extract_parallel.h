/* extract_parallel.h — extract of one big plain JSON Lines file on several threads (issue 8).
 *
 * The file is split into byte ranges at newlines; every range is parsed speculatively on its own
 * thread, read with pread through the reader's bounded buffer, and its items are checked (cdlt_extract_sink_check) and written
 * into an extra job of the sink whose file id sorts in range order (one random prefix + the range
 * index), so the jobs hold the items in file order. The split is right only when every range
 * parses to its very end (then, by induction from range 0, every split point is an item boundary
 * of the sequential parse); any failure — a split inside a multi-line value, a bad item, a BOM
 * at a range start, I/O — discards every extra job and tells the caller to extract the file
 * sequentially, which then reports exactly the sequential error. See docs/internals/PERF_JSON.md. */
#ifndef CDLT_EXTRACT_EXTRACT_PARALLEL_H
#define CDLT_EXTRACT_EXTRACT_PARALLEL_H

#include <stdint.h>

#include "extract/extract_stage.h"
#include "json/json_reader.h"
#include "util/error.h"

/* files smaller than this are extracted sequentially */
#define CDLT_EXTRACT_PARALLEL_MIN_BYTES ((uint64_t)8 << 20)
/* at most this many ranges (threads): each holds a few MiB (input buffer, job buffers) */
#define CDLT_EXTRACT_PARALLEL_MAX_RANGES 8

/* cdlt_extract_parallel_file's result when the file must be extracted sequentially */
#define CDLT_EXTRACT_SEQUENTIAL 1

/* Extracts every item of the file at path into the sink on up to `workers` threads. Returns 0
 * when done (items in extra jobs, counted in the sink), CDLT_EXTRACT_SEQUENTIAL when nothing was
 * written and the caller must extract the file sequentially (the file is not eligible: stdin, not
 * a regular file, smaller than CDLT_EXTRACT_PARALLEL_MIN_BYTES, gzip, a top-level array, a sink
 * that is not order-free, one worker; or the parallel attempt failed), or a negative status when
 * the finished jobs cannot be written out or the file shrank while it was read (err filled:
 * "cannot read '<path>': the file shrank while it was read (N bytes, expected M)"). */
int cdlt_extract_parallel_file(cdlt_extract_sink *sink, const char *path, const cdlt_json_limits *limits,
                               unsigned workers, cdlt_error *err);

#endif
