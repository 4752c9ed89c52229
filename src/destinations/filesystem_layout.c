/* filesystem_layout.c — dlt's filesystem layout templates (dlt/destinations/path_utils.py):
 * placeholders, the table prefix used to find a table's files, and listing them.
 *
 * Placeholders: {schema_name} {table_name} {load_id} {file_id} {ext} {curr_date} {timestamp}
 * {load_package_timestamp} and pendulum's date tokens YYYY YY Y MMMM MMM MM M DD D HH H mm m dddd
 * ddd dd d Q (lower-cased, as dlt does). Time placeholders use the package's creation time (the
 * load id), in UTC, as dlt does when no current_datetime is configured. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destinations/filesystem.h"
#include "util/buf.h"
#include "util/isotime.h"

static const char *const month_names[] = {"january", "february", "march",     "april",   "may",      "june",
                                          "july",    "august",   "september", "october", "november", "december"};
static const char *const day_names[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

typedef struct layout_params {
  const char *schema_name, *table, *load_id, *file_id, *ext;
  int64_t ts_us;
} layout_params;

/* Appends the value of placeholder name[0..n) to b; 1 when unknown. */
static int put_placeholder(cdlt_buf *b, const char *name, size_t n, const layout_params *p) {
#define IS(s) (n == strlen(s) && !memcmp(name, s, n))
  if (IS("schema_name")) return cdlt_buf_puts(b, p->schema_name);
  if (IS("table_name")) return cdlt_buf_puts(b, p->table);
  if (IS("load_id")) return cdlt_buf_puts(b, p->load_id);
  if (IS("file_id")) return cdlt_buf_puts(b, p->file_id);
  if (IS("ext")) return cdlt_buf_puts(b, p->ext);
  int64_t secs = cdlt_floordiv(p->ts_us, CDLT_US_PER_SEC);
  if (IS("timestamp") || IS("load_package_timestamp")) return cdlt_buf_printf(b, "%lld", (long long)secs);
  int64_t days = cdlt_floordiv(secs, 86400), sod = secs - days * 86400;
  int64_t y;
  int m, d;
  cdlt_civil_from_days(days, &y, &m, &d);
  int hour = (int)(sod / 3600), minute = (int)(sod / 60 % 60);
  int wday = (int)cdlt_floormod(days + 4, 7);   /* 1970-01-01 was a Thursday; 0 = Sunday */
  if (IS("curr_date")) return cdlt_buf_printf(b, "%04lld-%02d-%02d", (long long)y, m, d);
  if (IS("YYYY") || IS("Y")) return cdlt_buf_printf(b, "%04lld", (long long)y);
  if (IS("YY")) return cdlt_buf_printf(b, "%02d", (int)(y % 100));
  if (IS("MMMM")) return cdlt_buf_puts(b, month_names[m - 1]);
  if (IS("MMM")) return cdlt_buf_printf(b, "%.3s", month_names[m - 1]);
  if (IS("MM")) return cdlt_buf_printf(b, "%02d", m);
  if (IS("M")) return cdlt_buf_printf(b, "%d", m);
  if (IS("DD")) return cdlt_buf_printf(b, "%02d", d);
  if (IS("D")) return cdlt_buf_printf(b, "%d", d);
  if (IS("HH")) return cdlt_buf_printf(b, "%02d", hour);
  if (IS("H")) return cdlt_buf_printf(b, "%d", hour);
  if (IS("mm")) return cdlt_buf_printf(b, "%02d", minute);
  if (IS("m")) return cdlt_buf_printf(b, "%d", minute);
  if (IS("dddd")) return cdlt_buf_puts(b, day_names[wday]);
  if (IS("ddd")) return cdlt_buf_printf(b, "%.3s", day_names[wday]);
  if (IS("dd")) return cdlt_buf_printf(b, "%.2s", day_names[wday]);
  if (IS("d")) return cdlt_buf_printf(b, "%d", wday);
  if (IS("Q")) return cdlt_buf_printf(b, "%d", (m - 1) / 3 + 1);
#undef IS
  return 1;
}

/* Formats layout[0..len) into b. *has_ext set when {ext} occurs. */
static int format_layout(cdlt_buf *b, const char *layout, size_t len, const layout_params *p, bool *has_ext,
                         cdlt_error *err) {
  if (has_ext) *has_ext = false;
  for (size_t i = 0; i < len;) {
    if (layout[i] != '{') {
      if (cdlt_buf_putc(b, layout[i++])) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      continue;
    }
    const char *close = memchr(layout + i, '}', len - i);
    if (!close) return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid filesystem layout '%s': unclosed '{'", layout);
    const char *name = layout + i + 1;
    size_t n = (size_t)(close - name);
    int r = put_placeholder(b, name, n, p);
    if (r < 0) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    if (r > 0)
      return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid filesystem layout '%s': unknown placeholder '%.*s'", layout,
                            (int)n, name);
    if (has_ext && n == 3 && !memcmp(name, "ext", 3)) *has_ext = true;
    i += n + 2;
  }
  return 0;
}

int cdlt_fsd_check_layout(const char *layout, cdlt_error *err) {
  const char *t = strstr(layout, "{table_name}");
  if (!t) return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid filesystem layout '%s': {table_name} placeholder not found", layout);
  /* only {schema_name} may come before {table_name} */
  for (const char *q = strchr(layout, '{'); q && q < t; q = strchr(q + 1, '{'))
    if (strncmp(q, "{schema_name}", 13))
      return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid filesystem layout '%s': only {schema_name} may come before {table_name}",
                            layout);
  if (t[12] == '{' || t[12] == 0)
    return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid filesystem layout '%s': a separator is required after {table_name}", layout);
  cdlt_buf b;
  cdlt_buf_init(&b);
  layout_params p = {"s", "t", "1", "f", "jsonl", 0};
  int rc = format_layout(&b, layout, strlen(layout), &p, NULL, err);
  cdlt_buf_release(&b);
  return rc;
}

int cdlt_fsd_format_path(const char *layout, const char *schema_name, const char *table, const char *load_id,
                         const char *file_id, const char *ext, bool gz, int64_t ts_us, char **out, cdlt_error *err) {
  *out = NULL;
  cdlt_buf b;
  cdlt_buf_init(&b);
  layout_params p = {schema_name, table, load_id, file_id, ext, ts_us};
  bool has_ext;
  int rc = format_layout(&b, layout, strlen(layout), &p, &has_ext, err);
  if (!rc && !has_ext && cdlt_buf_printf(&b, ".%s", ext)) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc && gz && cdlt_buf_puts(&b, ".gz")) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (rc) {
    cdlt_buf_release(&b);
    return rc;
  }
  *out = cdlt_buf_detach(&b);
  return *out ? 0 : cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
}

/* Adds every regular file under dir (full path) whose path relative to root starts with prefix. */
static int walk(const char *dir, size_t root_len, const char *prefix, cdlt_fs_names *out, cdlt_error *err) {
  cdlt_fs_names names;
  cdlt_fs_names_init(&names);
  if (cdlt_fs_list_dir(dir, false, false, &names, NULL)) return 0;   /* missing dir: no files */
  int rc = 0;
  for (size_t k = 0; k < names.len && !rc; k++) {
    if (names.names[k][0] == '.') continue;   /* temp files of atomic writes */
    char *full = cdlt_path_join(dir, names.names[k]);
    if (!full) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); break; }
    const char *rel = full + root_len + 1;
    if (cdlt_fs_is_dir(full)) {
      /* descend only where the prefix can still match */
      size_t rl = strlen(rel), pl = strlen(prefix);
      if (!strncmp(rel, prefix, rl < pl ? rl : pl)) rc = walk(full, root_len, prefix, out, err);
    } else if (!strncmp(rel, prefix, strlen(prefix)) && strcmp(names.names[k], CDLT_FSD_INIT_FILE)) {
      char **n = realloc(out->names, (out->len + 1) * sizeof *n);
      if (!n) { free(full); rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); break; }
      out->names = n;
      n[out->len++] = full;
      full = NULL;
    }
    free(full);
  }
  cdlt_fs_names_release(&names);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int cdlt_fsd_list_table_files(const cdlt_fsd *d, const char *dataset, const char *schema_name, const char *table,
                              cdlt_fs_names *out, cdlt_error *err) {
  cdlt_buf prefix;
  cdlt_buf_init(&prefix);
  int rc = 0;
  if (!strncmp(table, "_dlt_", 5)) {
    rc = cdlt_buf_printf(&prefix, "%s/", table) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  } else {
    const char *t = strstr(d->layout, "{table_name}");
    layout_params p = {schema_name, table, "", "", "", 0};
    rc = t ? format_layout(&prefix, d->layout, (size_t)(t - d->layout) + 13, &p, NULL, err)
           : cdlt_error_set(err, CDLT_ERR_USAGE, "invalid filesystem layout '%s'", d->layout);
  }
  char *root = rc ? NULL : cdlt_path_join(d->bucket, dataset);
  if (!rc && !root) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  if (!rc) {
    size_t before = out->len;
    rc = walk(root, strlen(root), prefix.data, out, err);
    if (!rc && out->len > before) qsort(out->names + before, out->len - before, sizeof *out->names, cmp_str);
  }
  free(root);
  cdlt_buf_release(&prefix);
  return rc;
}
