/* filesystem_write.c — writing table files for the filesystem destination: a loader job file
 * (JSON Lines) copied as jsonl (gzip on request), converted to csv with DuckDB's COPY ... TO in
 * the destination's in-memory database, or to parquet by cdlt's own writer (src/formats). Every file is written to a temp name
 * ('.<8 hex>.tmp' in the target dir, skipped by listings) and renamed into place. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "destinations/duckdb_cast.h"
#include "destinations/filesystem.h"
#include "formats/parquet_job.h"
#include "load/sql_gen.h"
#include "util/buf.h"

/* read_json's maximum_object_size: at least this, and at least the longest line of the job file
 * (DuckDB sizes its read buffers from it — 1 GiB cost ~100 MB more RSS than 16 MiB — and loops
 * forever on a line longer than it) */
#define FSD_MIN_OBJECT_SIZE ((uint64_t)16 << 20)
/* rows per parquet row group: the writer holds one row group uncompressed in memory (DuckDB's
 * default of 122,880 rows: a cdlt run of the nested set to parquet peaked at 283 MB; 16384: 140 MB;
 * 8192: 109 MB, files 0.3% larger) */
#define FSD_PARQUET_ROW_GROUP_SIZE 8192

int cdlt_fsd_column_read_sql(cdlt_buf *cols, cdlt_buf *sel, const cdlt_column_def *c, bool all_varchar,
                             cdlt_error *err) {
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  const char *read_type = "VARCHAR", *pre = "", *post = "";
  cdlt_buf tn;
  cdlt_buf_init(&tn);
  int rc = 0;
  switch (c->type) {
    case CDLT_TYPE_TEXT: break;
    case CDLT_TYPE_BIGINT: read_type = c->precision > 64 ? "HUGEINT" : "BIGINT"; break;
    case CDLT_TYPE_DOUBLE: read_type = "DOUBLE"; break;
    case CDLT_TYPE_BOOL: read_type = "BOOLEAN"; break;
    case CDLT_TYPE_JSON: read_type = "JSON"; break;
    default:   /* parsed from text by a cast (duckdb_cast.c) */
      rc = cdlt_duckdb_text_cast(c, &pre, &tn, err);
      if (rc < 0) goto done;
      rc = 0;
      post = tn.data;
      break;
  }
  if (all_varchar && strcmp(read_type, "VARCHAR")) {   /* csv: every value is text, cast it */
    if (!*pre) {
      pre = "CAST(";
      if (cdlt_buf_printf(&tn, " AS %s)", read_type)) goto nomem;
      post = tn.data;
    }
    read_type = "VARCHAR";
  }
  if (cols) {
    if (cols->len) rc |= cdlt_buf_puts(cols, ", ");
    rc |= cdlt_sql_string_literal(cols, dl, c->name, strlen(c->name));
    rc |= cdlt_buf_printf(cols, ": '%s'", read_type);
  }
  if (sel->len) rc |= cdlt_buf_puts(sel, ", ");
  rc |= cdlt_buf_puts(sel, pre);
  if (rc) goto nomem;
  if ((rc = cdlt_sql_ident(sel, dl, c->name, err))) goto done;
  if (cdlt_buf_puts(sel, post)) goto nomem;
  if (*pre) {   /* keep the column name */
    if (cdlt_buf_puts(sel, " AS ")) goto nomem;
    if ((rc = cdlt_sql_ident(sel, dl, c->name, err))) goto done;
  }
done:
  cdlt_buf_release(&tn);
  return rc;
nomem:
  cdlt_buf_release(&tn);
  return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

/* "<dir of path>/.<8 hex>.tmp", creating the dir; malloc'd into *out */
static int temp_path_for(const char *path, char **out, cdlt_error *err) {
  *out = NULL;
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
  if (!dir) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  int rc = cdlt_fs_mkdir_p(dir, 0755, err);
  char hex[CDLT_FS_TEMP_NAME_LEN + 1];
  if (!rc) rc = cdlt_fs_random_hex(hex, CDLT_FS_TEMP_NAME_LEN, err);
  if (!rc && asprintf(out, "%s/.%s.tmp", dir, hex) < 0) {
    *out = NULL;
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  free(dir);
  return rc;
}

int cdlt_fsd_write_small(const char *path, const char *data, size_t len, cdlt_error *err) {
  char *tmp = NULL;
  int rc = temp_path_for(path, &tmp, err);
  if (rc) return rc;
  FILE *f = fopen(tmp, "wb");
  if (!f) rc = cdlt_error_errno(err, errno, "cannot create '%s'", tmp);
  else {
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    if (fclose(f) != 0) ok = false;
    if (!ok) rc = cdlt_error_errno(err, errno, "cannot write '%s'", tmp);
  }
  if (!rc) rc = cdlt_fs_rename(tmp, path, err);
  if (rc) cdlt_fs_unlink(tmp, NULL);
  free(tmp);
  return rc;
}

/* src (plain or gzip) → tmp, gzip-compressed when gz, else a plain copy of the decompressed text */
static int copy_jsonl(const char *src, const char *tmp, bool gz, cdlt_error *err) {
  gzFile in = gzopen(src, "rb");
  if (!in) return cdlt_error_set(err, CDLT_ERR_IO, "cannot open '%s'", src);
  gzFile out = gzopen(tmp, gz ? "wb6" : "wbT");   /* T: transparent (no compression) */
  if (!out) {
    gzclose(in);
    return cdlt_error_set(err, CDLT_ERR_IO, "cannot create '%s'", tmp);
  }
  char buf[1 << 16];
  int n, rc = 0;
  while ((n = gzread(in, buf, sizeof buf)) > 0)
    if (gzwrite(out, buf, (unsigned)n) != n) { rc = cdlt_error_set(err, CDLT_ERR_IO, "cannot write '%s'", tmp); break; }
  if (!rc && n < 0) rc = cdlt_error_set(err, CDLT_ERR_IO, "cannot read '%s'", src);
  gzclose(in);
  if (gzclose(out) != Z_OK && !rc) rc = cdlt_error_set(err, CDLT_ERR_IO, "cannot write '%s'", tmp);
  return rc;
}

/* The length of the longest line of a job file (plain or gzip), newline included. */
static int longest_line(const char *src, uint64_t *out, cdlt_error *err) {
  gzFile in = gzopen(src, "rb");
  if (!in) return cdlt_error_set(err, CDLT_ERR_IO, "cannot open '%s'", src);
  enum { BUF = 1 << 17 };
  char *buf = malloc(BUF);
  if (!buf) {
    gzclose(in);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  gzbuffer(in, BUF);
  uint64_t cur = 0, max = 0;
  int n;
  while ((n = gzread(in, buf, BUF)) > 0) {
    const char *p = buf, *end = buf + n;
    for (const char *nl; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
      cur += (uint64_t)(nl - p) + 1;
      if (cur > max) max = cur;
      cur = 0;
    }
    cur += (uint64_t)(end - p);
  }
  if (cur > max) max = cur;
  int rc = n < 0 ? cdlt_error_set(err, CDLT_ERR_IO, "cannot read '%s'", src) : 0;
  gzclose(in);
  free(buf);
  *out = max;
  return rc;
}

static int duck_copy(cdlt_fsd *d, const cdlt_table_def *table, const char *src, const char *tmp, const char *format,
                     bool gz, cdlt_error *err) {
  cdlt_destination *duck;
  int rc = cdlt_fsd_duck(d, &duck, err);
  if (rc) return rc;
  const cdlt_sql_dialect *dl = &cdlt_dialect_duckdb;
  cdlt_buf sql, cols, sel;
  cdlt_buf_init(&sql);
  cdlt_buf_init(&cols);
  cdlt_buf_init(&sel);
  uint64_t longest = 0, max_object = FSD_MIN_OBJECT_SIZE;
  for (size_t i = 0; i < table->ncolumns && !rc; i++) rc = cdlt_fsd_column_read_sql(&cols, &sel, &table->columns[i], false, err);
  if (!rc) rc = longest_line(src, &longest, err);
  if (rc) goto done;
  if (longest + 1 > max_object) max_object = longest + (1 << 20);
  int w = cdlt_buf_printf(&sql, "COPY (SELECT %s FROM read_json(", sel.data);
  w |= cdlt_sql_string_literal(&sql, dl, src, strlen(src));
  w |= cdlt_buf_printf(&sql,
                       ", format='newline_delimited', records=true, columns={%s}, compression='auto_detect', "
                       "maximum_object_size=%" PRIu64 ", ignore_errors=false)) TO ",
                       cols.data, max_object);
  w |= cdlt_sql_string_literal(&sql, dl, tmp, strlen(tmp));
  if (!strcmp(format, "parquet")) w |= cdlt_buf_printf(&sql, " (FORMAT parquet, ROW_GROUP_SIZE %d)", FSD_PARQUET_ROW_GROUP_SIZE);
  else w |= cdlt_buf_printf(&sql, " (FORMAT csv, HEADER true, DELIMITER ',', COMPRESSION '%s')", gz ? "gzip" : "none");
  if (w) {
    rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    goto done;
  }
  /* one thread: each more holds its own read buffer and row group (~2.5x the memory) */
  rc = duck->vtab->execute(duck, "SET threads=1", err);
  if (!rc) {
    rc = duck->vtab->execute(duck, sql.data, err);
    cdlt_error ignored = {0};   /* DuckDB's default thread count again, for the views' queries */
    duck->vtab->execute(duck, "RESET threads", &ignored);
  }
  if (rc) cdlt_error_wrap(err, "filesystem: cannot write %s file for table '%s'", format, table->name);
done:
  cdlt_buf_release(&sql);
  cdlt_buf_release(&cols);
  cdlt_buf_release(&sel);
  return rc;
}

int cdlt_fsd_write_table_file(cdlt_fsd *d, const cdlt_table_def *table, const char *src, const char *dest_path,
                              const char *format, bool gz, cdlt_error *err) {
  char *tmp = NULL;
  int rc = temp_path_for(dest_path, &tmp, err);
  if (rc) return rc;
  if (!strcmp(format, "jsonl")) rc = copy_jsonl(src, tmp, gz, err);
  else if (!strcmp(format, "parquet")) {   /* cdlt's own writer (src/formats), no DuckDB */
    rc = cdlt_parquet_write_job(table, src, tmp, NULL, err);
    if (rc) cdlt_error_wrap(err, "filesystem: cannot write parquet file for table '%s'", table->name);
  } else if (!strcmp(format, "csv")) rc = duck_copy(d, table, src, tmp, format, gz, err);
  else rc = cdlt_error_set(err, CDLT_ERR_USAGE, "filesystem: unsupported file format '%s' (jsonl, csv, parquet)", format);
  if (!rc) rc = cdlt_fs_rename(tmp, dest_path, err);
  if (rc) cdlt_fs_unlink(tmp, NULL);
  free(tmp);
  return rc;
}
