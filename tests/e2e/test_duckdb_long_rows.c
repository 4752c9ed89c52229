/* test_duckdb_long_rows.c — rows far larger than the DuckDB loader's memory budget load and
 * commit: 3,400 rows of 40 KiB strings (136 MB), then 70 rows of 1 MiB, then a merge of long rows
 * into them. The bulk load runs under its own memory limit (docs/internals/PERF_DUCKDB.md), which
 * must be lifted again for the COMMIT and the merge SQL that follow it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "e2e.h"

/* n rows {"id": i, "s": <len bytes of 'a'+i%26>}, as one file */
static const char *long_rows(const env *e, const char *name, int first, int n, size_t len) {
  size_t cap = (size_t)n * (len + 64) + 1;
  char *buf = malloc(cap);
  size_t o = 0;
  for (int i = first; i < first + n; i++) {
    o += (size_t)sprintf(buf + o, "{\"id\": %d, \"s\": \"", i);
    memset(buf + o, 'a' + i % 26, len);
    o += len;
    o += (size_t)sprintf(buf + o, "\"}\n");
  }
  const char *path = write_bytes(e, name, buf, o);
  free(buf);
  return path;
}

int main(void) {
  env e;
  env_new(&e);

  const char *f40k = long_rows(&e, "t.jsonl", 0, 3400, 40 * 1024);
  cdlt_ok(&e, "run '%s' --pipeline lr --credentials '%s'", f40k, e.db);
  CHECK_Q(e.db, "SELECT count(*), min(length(s)), max(length(s)), sum(id) FROM lr_dataset.t", "3400|40960|40960|5778300");

  const char *f1m = long_rows(&e, "t.jsonl", 3400, 70, 1024 * 1024);
  cdlt_ok(&e, "run '%s' --pipeline lr --credentials '%s'", f1m, e.db);
  CHECK_Q(e.db, "SELECT count(*), max(length(s)), count(DISTINCT _dlt_load_id) FROM lr_dataset.t", "3470|1048576|2");

  /* merge after a bulk load: the staging load, then the merge SQL in the same transaction */
  const char *upd = long_rows(&e, "t.jsonl", 3000, 800, 40 * 1024);
  cdlt_ok(&e, "run '%s' --pipeline lr --credentials '%s' --write-disposition merge --primary-key id", upd, e.db);
  /* ids 3000..3469 replaced, 3470..3799 added; the 1 MiB rows (3400..3469) were among the replaced */
  CHECK_Q(e.db, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM lr_dataset.t", "3800|3800|0|3799");
  CHECK_Q(e.db, "SELECT count(*) FROM lr_dataset.t WHERE length(s) = 40960", "3800");

  return check_finish();
}
