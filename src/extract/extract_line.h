/* extract_line.h — the parallel extract's fast path (extract_line.c): whether one line of JSON
 * Lines is an item the JSON reader would take and hand on as its own bytes (see
 * cdlt_json_reader_item_raw), so that the line can be written to the job as it is, without a DOM.
 * Used by run_range (extract_parallel.c) only. */
#ifndef CDLT_EXTRACT_EXTRACT_LINE_H
#define CDLT_EXTRACT_EXTRACT_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json_reader.h"

/* True when line (len bytes, without its line end) is one compact JSON object that
 * cdlt_json_reader_next_item would return whole (under limits, NULL = defaults) as one item, that
 * cdlt_extract_sink_check accepts without looking (no integer of more than 18 digits) and whose
 * bytes cdlt_json_reader_item_raw would return as its compact serialization. False for anything
 * else (also for valid lines it does not take): the caller then gives the line to the reader.
 * line is borrowed; nothing is kept or allocated. */
bool cdlt_extract_line_verbatim(const char *line, size_t len, const cdlt_json_limits *limits);

#endif
