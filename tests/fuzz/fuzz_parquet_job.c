/* fuzz_parquet_job.c — libFuzzer target for the Parquet job writer (src/formats/parquet_job.h):
 * the input is written as a job file (normalized JSON Lines) of a table with a column of every
 * cdlt type (timestamps with and without a time zone and with a precision, dates, times, decimals
 * of three widths, wei, base64 binary, JSON, HUGEINT-sized bigints) and converted to Parquet with
 * tiny row group, page and dictionary limits, so that every flush and fallback path runs.
 * Invariants: a conversion either fails with a message naming the job file, or writes a file that
 * starts and ends with Parquet's magic "PAR1" with the footer length in between pointing inside
 * the file. Violations abort. Built by tests/fuzz/fuzz.cmake. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/parquet_job.h"

#define C(n, t) {.name = n, .type = t, .nullable = true, .precision = -1, .scale = -1, .timezone = true}
static cdlt_column_def cols[] = {
    C("t", CDLT_TYPE_TEXT),         C("b", CDLT_TYPE_BIGINT),   C("h", CDLT_TYPE_BIGINT),
    C("d", CDLT_TYPE_DOUBLE),       C("o", CDLT_TYPE_BOOL),     C("j", CDLT_TYPE_JSON),
    C("ts", CDLT_TYPE_TIMESTAMP),   C("tn", CDLT_TYPE_TIMESTAMP), C("dt", CDLT_TYPE_DATE),
    C("tm", CDLT_TYPE_TIME),        C("bin", CDLT_TYPE_BINARY), C("dec", CDLT_TYPE_DECIMAL),
    C("d4", CDLT_TYPE_DECIMAL),     C("d12", CDLT_TYPE_DECIMAL), C("w", CDLT_TYPE_WEI),
};

static void fail(const char *what) {
  fprintf(stderr, "fuzz_parquet_job: %s\n", what);
  abort();
}

/* the file is "PAR1" ... footer, 4-byte footer length, "PAR1" */
static void check_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) fail("no output file after a successful conversion");
  unsigned char head[4], tail[8];
  if (fread(head, 1, 4, f) != 4 || memcmp(head, "PAR1", 4)) fail("the file does not start with PAR1");
  if (fseek(f, -8, SEEK_END) || fread(tail, 1, 8, f) != 8 || memcmp(tail + 4, "PAR1", 4)) fail("the file does not end with PAR1");
  long size = ftell(f);
  uint32_t footer = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
  if (footer == 0 || (long)footer + 12 > size) fail("the footer length points outside the file");
  fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char src[64], dest[64];
  if (!src[0]) {
    snprintf(src, sizeof src, "/tmp/fuzz_parquet_job_%d.jsonl", (int)getpid());
    snprintf(dest, sizeof dest, "/tmp/fuzz_parquet_job_%d.parquet", (int)getpid());
    cols[2].precision = 128;   /* HUGEINT */
    cols[7].timezone = false;
    cols[7].precision = 3;
    cols[12].precision = 4;
    cols[12].scale = 2;
    cols[13].precision = 12;
    cols[13].scale = 3;
  }
  FILE *f = fopen(src, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  cdlt_table_def table = {.name = "items", .columns = cols, .ncolumns = sizeof cols / sizeof *cols};
  cdlt_pq_options opt = {.row_group_bytes = 4096, .row_group_rows = 7, .page_bytes = 256, .dict_bytes = 512};
  if (size && data[0] & 1) opt.no_dictionary = true;
  cdlt_error err = {0};
  int rc = cdlt_parquet_write_job(&table, src, dest, &opt, &err);
  if (rc == 0) check_file(dest);
  else if (!err.msg[0]) fail("an error without a message");
  unlink(dest);
  return 0;
}
