/* merge_sql.c — follow-up SQL of merge and staging replace chains; see merge_sql.h.
 *
 * Mirrors dlt's SqlMergeFollowupJob / SqlStagingReplaceFollowupJob (dlt/destinations/sql_jobs.py,
 * dlt 1.26 as recorded in the golden SQL). Every function appends to a cdlt_buf and returns 0 or
 * a negative cdlt_status. */
#include "load/merge_sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/naming.h"
#include "util/hash.h"
#include "util/isotime.h"

#define TRY(x)           \
  do {                   \
    int rc_ = (x);       \
    if (rc_) return rc_; \
  } while (0)
#define TRYM(x)                                                         \
  do {                                                                  \
    if (x) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); \
  } while (0)

/* ---------------------------------------------------------------- schema helpers */

static bool col_prop(const cdlt_column *c, const char *prop) { return cdlt_json_get_bool(c->json, prop, false); }
static bool complete(const cdlt_column *c) { return c->type != CDLT_TYPE_NONE; }

static const cdlt_column *first_with(const cdlt_table *t, const char *prop) {
  for (size_t k = 0; k < t->ncolumns; k++)
    if (complete(t->columns[k]) && col_prop(t->columns[k], prop)) return t->columns[k];
  return NULL;
}

/* first complete column whose `prop` is set to a string (dedup_sort) */
static const cdlt_column *first_with_str(const cdlt_table *t, const char *prop) {
  for (size_t k = 0; k < t->ncolumns; k++)
    if (complete(t->columns[k]) && cdlt_json_get_str(t->columns[k]->json, prop)) return t->columns[k];
  return NULL;
}

static size_t count_with(const cdlt_table *t, const char *prop) {
  size_t n = 0;
  for (size_t k = 0; k < t->ncolumns; k++)
    if (complete(t->columns[k]) && col_prop(t->columns[k], prop)) n++;
  return n;
}

const char *cdlt_merge_strategy(const cdlt_table *root) {
  const char *s = cdlt_json_get_str(root->json, "x-merge-strategy");
  return s ? s : "delete-insert";
}

bool cdlt_merge_uses_staging(const cdlt_schema *s, const cdlt_table *root, const char *replace_strategy) {
  const char *wd = cdlt_table_write_disposition(s, root);
  if (!strcmp(wd, "merge")) return true;
  if (!strcmp(wd, "replace") && replace_strategy &&
      (!strcmp(replace_strategy, "insert-from-staging") || !strcmp(replace_strategy, "staging-optimized")))
    return true;
  return false;
}

static int chain_add(const cdlt_schema *s, const cdlt_table *t, const cdlt_table **out, size_t *n, size_t cap,
                     int depth) {
  if (*n >= cap || depth > 1000) return 0;
  out[(*n)++] = t;
  for (size_t k = 0; k < s->ntables; k++) {
    const cdlt_table *c = s->tables[k];
    if (c->parent && !strcmp(c->parent, t->name) && cdlt_table_seen_data(c)) chain_add(s, c, out, n, cap, depth + 1);
  }
  return 0;
}

int cdlt_merge_chain(const cdlt_schema *s, const cdlt_table *root, const cdlt_table ***out, size_t *n,
                     cdlt_error *err) {
  *out = calloc(s->ntables + 1, sizeof **out);
  *n = 0;
  if (!*out) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return chain_add(s, root, *out, n, s->ntables + 1, 0);
}

/* ---------------------------------------------------------------- text helpers */

typedef struct gen {
  cdlt_buf *b;
  const cdlt_merge_params *mp;
  const cdlt_sql_dialect *d;
  cdlt_error *err;
} gen;

static int puts_(gen *g, const char *s) {
  if (cdlt_buf_puts(g->b, s)) return cdlt_error_set(g->err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}
static int ident(gen *g, const char *name) { return cdlt_sql_ident(g->b, g->d, name, g->err); }
static int final_t(gen *g, const char *table) { return cdlt_sql_qualified(g->b, g->d, g->mp->dataset, table, g->err); }
static int staging_t(gen *g, const char *table) {
  return cdlt_sql_qualified(g->b, g->d, g->mp->staging_dataset, table, g->err);
}
/* ends a statement: ";" and the line break before the next one */
static int end_stmt(gen *g) { return puts_(g, ";\n"); }

/* "a", "b" — complete columns of t, skipping `skip1`/`skip2` (may be NULL); prefix before each */
static int col_list(gen *g, const cdlt_table *t, const char *prefix, const char *skip1, const char *skip2) {
  bool first = true;
  for (size_t k = 0; k < t->ncolumns; k++) {
    const cdlt_column *c = t->columns[k];
    if (!complete(c)) continue;
    if ((skip1 && !strcmp(c->name, skip1)) || (skip2 && !strcmp(c->name, skip2))) continue;
    if (!first) TRY(puts_(g, ", "));
    first = false;
    if (prefix) TRY(puts_(g, prefix));
    TRY(ident(g, c->name));
  }
  return 0;
}

/* appends a SQL template: %T final table, %S staging table, %I identifier (const char *),
 * %C the complete columns of a table (const cdlt_table *), %s raw text, %% a "%" */
static int sqlf(gen *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = 0;
  for (const char *p = fmt; !rc && *p;) {
    const char *q = strchr(p, '%');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (len && cdlt_buf_append(g->b, p, len)) rc = cdlt_error_set(g->err, CDLT_ERR_NOMEM, "out of memory");
    if (rc || !q) break;
    switch (q[1]) {
      case 'T': rc = final_t(g, va_arg(ap, const char *)); break;
      case 'S': rc = staging_t(g, va_arg(ap, const char *)); break;
      case 'I': rc = ident(g, va_arg(ap, const char *)); break;
      case 'C': rc = col_list(g, va_arg(ap, const cdlt_table *), NULL, NULL, NULL); break;
      case 's': rc = puts_(g, va_arg(ap, const char *)); break;
      case '%': rc = puts_(g, "%"); break;
      default: rc = cdlt_error_set(g->err, CDLT_ERR_INTERNAL, "bad sql template directive in \"%s\"", fmt); break;
    }
    p = q + 2;
  }
  va_end(ap);
  return rc;
}

/* the columns with a hint, escaped, joined by sep (with `d.`/`s.` equality when eq) */
static int key_list(gen *g, const cdlt_table *t, const char *prop, const char *sep) {
  bool first = true;
  for (size_t k = 0; k < t->ncolumns; k++) {
    const cdlt_column *c = t->columns[k];
    if (!complete(c) || !col_prop(c, prop)) continue;
    if (!first) TRY(puts_(g, sep));
    first = false;
    TRY(ident(g, c->name));
  }
  return 0;
}

static int key_eq(gen *g, const cdlt_table *t, const char *prop) {
  bool first = true;
  for (size_t k = 0; k < t->ncolumns; k++) {
    const cdlt_column *c = t->columns[k];
    if (!complete(c) || !col_prop(c, prop)) continue;
    if (!first) TRY(puts_(g, " AND "));
    first = false;
    TRY(sqlf(g, "d.%I = s.%I", c->name, c->name));
  }
  return 0;
}

/* row key of a table: row_key, else unique, else a single primary key (dlt get_row_key_col) */
static int row_key_col(gen *g, const cdlt_table *t, const char **out) {
  const cdlt_column *c = first_with(t, "row_key");
  if (!c) c = first_with(t, "unique");
  if (!c && count_with(t, "primary_key") == 1) c = first_with(t, "primary_key");
  if (!c)
    return cdlt_error_set(g->err, CDLT_ERR_SCHEMA,
                          "no row_key, unique, or single primary key column (e.g. '_dlt_id') in table '%s'", t->name);
  *out = c->name;
  return 0;
}

/* root key of a nested table: root_key, else parent_key for direct children of the root */
static int root_key_col(gen *g, const cdlt_table *root, const cdlt_table *t, const char **out) {
  const cdlt_column *c = first_with(t, "root_key");
  if (!c && t->parent && !strcmp(t->parent, root->name)) c = first_with(t, "parent_key");
  if (!c)
    return cdlt_error_set(g->err, CDLT_ERR_SCHEMA, "no root_key column (e.g. '_dlt_root_id') in table '%s'", t->name);
  *out = c->name;
  return 0;
}

/* hard delete condition (dlt _get_hard_delete_col_and_cond); with `invert` the not-deleted one */
static int hard_delete_cond(gen *g, const cdlt_column *hd, bool invert, const char *prefix) {
  const char *p = prefix ? prefix : "";
  bool is_bool = hd->type == CDLT_TYPE_BOOL;
  if (!invert)
    return is_bool ? sqlf(g, "%s%I = %s", p, hd->name, g->d->bool_true_literal)
                   : sqlf(g, "%s%I IS NOT NULL", p, hd->name);
  TRY(sqlf(g, "%s%I IS NULL", p, hd->name));
  return is_bool ? sqlf(g, " OR %s%I = %s", p, hd->name, g->d->bool_false_literal) : 0;
}

/* <root>_<op>_<32 hex>, shortened to the dialect's identifier length */
static int temp_name(gen *g, const char *root, const char *op, const char *fixed, cdlt_buf *out) {
  char hex[33];
  if (fixed) snprintf(hex, sizeof hex, "%s", fixed);
  else if (cdlt_random_hex(hex, 32)) return cdlt_error_set(g->err, CDLT_ERR_INTERNAL, "random number generator failed");
  cdlt_buf raw;
  cdlt_buf_init(&raw);
  int rc = cdlt_buf_printf(&raw, "%s_%s_%s", root, op, hex) ? CDLT_ERR_NOMEM : 0;
  size_t max = g->d->max_identifier_length > 65535 ? 0 : g->d->max_identifier_length;
  if (!rc) rc = cdlt_naming_shorten_identifier(raw.data, raw.len, raw.data, raw.len, max, out);
  cdlt_buf_release(&raw);
  if (rc) return cdlt_error_set(g->err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}

/* SELECT <cols> FROM ( SELECT ROW_NUMBER() OVER (partition BY <keys> ORDER BY <sort>) AS
 * _dlt_dedup_rn, <cols>[, <cond cols>] FROM <table> ) AS _dlt_dedup_numbered WHERE _dlt_dedup_rn = 1
 * AND (<cond>)  — dlt gen_select_from_dedup_sql. cols_fn writes the column list. */
typedef int (*cols_fn)(gen *g, const void *arg);

static int dedup_select(gen *g, const cdlt_table *staged, cols_fn cols, const void *arg, const char *partition_prop,
                        const char *partition_col, const cdlt_column *sort, const char *cond_col, const char *cond,
                        bool skip_dedup) {
  TRY(puts_(g, "SELECT "));
  TRY(cols(g, arg));
  if (skip_dedup) return sqlf(g, " FROM %S WHERE %s", staged->name, cond);
  TRY(puts_(g, " FROM ( SELECT ROW_NUMBER() OVER (partition BY "));
  if (partition_col) TRY(ident(g, partition_col));
  else TRY(key_list(g, staged, partition_prop, ", "));
  if (sort) {
    const char *order = cdlt_json_get_str(sort->json, "dedup_sort");
    TRY(sqlf(g, " ORDER BY %I %s", sort->name, order && !strcmp(order, "asc") ? "ASC" : "DESC"));
  } else {
    TRY(puts_(g, " ORDER BY (SELECT NULL)"));
  }
  TRY(puts_(g, ") AS _dlt_dedup_rn, "));
  TRY(cols(g, arg));
  if (cond_col) TRY(sqlf(g, ", %I", cond_col));
  return sqlf(g, " FROM %S ) AS _dlt_dedup_numbered WHERE _dlt_dedup_rn = 1 AND (%s)", staged->name, cond);
}

static int cols_of_table(gen *g, const void *arg) { return col_list(g, arg, NULL, NULL, NULL); }
static int one_col(gen *g, const void *arg) { return ident(g, arg); }

/* a condition rendered into its own buffer (to be used several times) */
static int render_not_deleted(gen *g, const cdlt_column *hd, cdlt_buf *out) {
  gen g2 = *g;
  g2.b = out;
  return hard_delete_cond(&g2, hd, true, NULL);
}

/* ---------------------------------------------------------------- delete-insert (§8.3) */

static int gen_delete_insert(gen *g, const cdlt_table *const *chain, size_t n) {
  const cdlt_table *root = chain[0];
  size_t npk = count_with(root, "primary_key"), nmk = count_with(root, "merge_key");
  const char *row_key = NULL;
  cdlt_buf del_tmp, ins_tmp, cond, tmp;
  cdlt_buf_init(&del_tmp);
  cdlt_buf_init(&ins_tmp);
  cdlt_buf_init(&cond);
  cdlt_buf_init(&tmp);
  int rc = 0;
  if (n > 1) rc = row_key_col(g, root, &row_key);

  if (!rc && npk + nmk > 0) {
    /* d.pk = s.pk [AND ...] [OR d.mk = s.mk ...] */
    gen gk = *g;
    gk.b = &tmp;
    if (npk) rc = key_eq(&gk, root, "primary_key");
    if (!rc && npk && nmk) rc = puts_(&gk, " OR ");
    if (!rc && nmk) rc = key_eq(&gk, root, "merge_key");
    if (!rc && n == 1) {
      rc = sqlf(g, "DELETE FROM %T as d WHERE EXISTS (SELECT 1 FROM %S as s WHERE %s);\n", root->name, root->name,
                tmp.data);
    } else if (!rc) {
      rc = temp_name(g, root->name, "delete", g->mp->delete_suffix, &del_tmp);
      if (!rc)
        rc = sqlf(g, "%s%s AS SELECT d.%I FROM %T as d WHERE EXISTS (SELECT 1 FROM %S as s WHERE %s);\n",
                  g->d->temp_table_create, del_tmp.data, row_key, root->name, root->name, tmp.data);
      /* nested tables by their root key, then the root by its row key */
      for (size_t k = 1; !rc && k <= n; k++) {
        const cdlt_table *t = k < n ? chain[k] : root;
        const char *key = row_key;
        if (k < n) rc = root_key_col(g, root, t, &key);
        if (!rc) rc = sqlf(g, "DELETE FROM %T WHERE %I IN ( SELECT * FROM %s );\n", t->name, key, del_tmp.data);
      }
    }
  }

  const cdlt_column *hd = first_with(root, "hard_delete");
  const cdlt_column *sort = first_with_str(root, "dedup_sort");
  bool skip_dedup = cdlt_json_get_bool(root->json, "x-stage-data-deduplicated", false);
  if (!rc) rc = hd ? render_not_deleted(g, hd, &cond) : (cdlt_buf_puts(&cond, "1 = 1") ? CDLT_ERR_NOMEM : 0);

  bool have_ins = false;
  if (!rc && n > 1 && (npk > 0 || hd)) {
    have_ins = true;
    rc = temp_name(g, root->name, "insert", g->mp->insert_suffix, &ins_tmp);
    if (!rc) rc = sqlf(g, "%s%s AS ", g->d->temp_table_create, ins_tmp.data);
    if (!rc && npk)
      rc = dedup_select(g, root, one_col, row_key, "primary_key", NULL, sort, hd ? hd->name : NULL, cond.data, skip_dedup);
    else if (!rc)
      rc = sqlf(g, "SELECT %I FROM %S WHERE %s", row_key, root->name, cond.data);
    if (!rc) rc = end_stmt(g);
  }

  for (size_t k = 0; !rc && k < n; k++) {
    const cdlt_table *t = chain[k];
    bool nested = k > 0;
    cdlt_buf_reset(&tmp);
    gen gc = *g;
    gc.b = &tmp;
    if (have_ins && ((npk > 0 && n > 1) || (npk == 0 && nested && hd))) {
      const char *uc = row_key;
      if (nested) rc = root_key_col(g, root, t, &uc);
      if (!rc) rc = sqlf(&gc, "%I IN (SELECT * FROM %s)", uc, ins_tmp.data);
    } else {
      rc = puts_(&gc, cond.data);
    }
    if (!rc) rc = sqlf(g, "INSERT INTO %T(%C) ", t->name, t);
    if (rc) break;
    if (!nested && npk > 0 && n == 1) {
      rc = dedup_select(g, t, cols_of_table, t, "primary_key", NULL, sort, NULL, tmp.data, skip_dedup);
    } else if (nested) {
      const char *nrk = NULL;
      rc = row_key_col(g, t, &nrk);
      if (!rc) rc = dedup_select(g, t, cols_of_table, t, NULL, nrk, NULL, NULL, tmp.data, skip_dedup);
    } else {
      rc = sqlf(g, "SELECT %C FROM %S WHERE %s", t, t->name, tmp.data);
    }
    if (!rc) rc = end_stmt(g);
  }
  cdlt_buf_release(&del_tmp);
  cdlt_buf_release(&ins_tmp);
  cdlt_buf_release(&cond);
  cdlt_buf_release(&tmp);
  return rc;
}

/* ---------------------------------------------------------------- upsert / insert-only (§8.4) */

static int merge_insert_clause(gen *g, const cdlt_table *t) {
  TRY(sqlf(g, " WHEN NOT MATCHED THEN INSERT (%C) VALUES (", t));
  TRY(col_list(g, t, "s.", NULL, NULL));
  return puts_(g, ")");
}

static int merge_update_clause(gen *g, const cdlt_table *t) {
  TRY(puts_(g, " WHEN MATCHED THEN UPDATE SET "));
  bool first = true;
  for (size_t k = 0; k < t->ncolumns; k++) {
    const cdlt_column *c = t->columns[k];
    if (!complete(c)) continue;
    if (!first) TRY(puts_(g, ", "));
    first = false;
    TRY(sqlf(g, "%I = s.%I", c->name, c->name));
  }
  return 0;
}

static int gen_upsert(gen *g, const cdlt_table *const *chain, size_t n, bool insert_only) {
  const cdlt_table *root = chain[0];
  if (!g->d->supports_merge)
    return cdlt_error_set(g->err, CDLT_ERR_USAGE, "merge strategy '%s' of table '%s' needs MERGE, which %s does not support",
                          insert_only ? "insert-only" : "upsert", root->name, g->d->name);
  if (count_with(root, "primary_key") == 0)
    return cdlt_error_set(g->err, CDLT_ERR_SCHEMA, "merge strategy '%s' of table '%s' requires a primary key",
                          insert_only ? "insert-only" : "upsert", root->name);
  const cdlt_column *hd = first_with(root, "hard_delete");
  const char *root_rk = NULL;
  if (n > 1) TRY(row_key_col(g, root, &root_rk));

  if (insert_only) {
    /* nested first: only children of roots that are new and not deleted (existing records stay untouched) */
    for (size_t k = 1; k < n; k++) {
      const cdlt_table *t = chain[k];
      const char *rk = NULL, *nrk = NULL;
      TRY(root_key_col(g, root, t, &rk));
      TRY(row_key_col(g, t, &nrk));
      TRY(sqlf(g, "MERGE INTO %T d USING (SELECT * FROM %S WHERE %I NOT IN (SELECT %I FROM %T)", t->name, t->name, rk,
               root_rk, root->name));
      if (hd) {
        TRY(sqlf(g, " AND %I NOT IN (SELECT %I FROM %S WHERE ", rk, root_rk, root->name));
        TRY(hard_delete_cond(g, hd, false, NULL));
        TRY(puts_(g, ")"));
      }
      TRY(sqlf(g, ") s ON d.%I = s.%I", nrk, nrk));
      TRY(merge_insert_clause(g, t));
      TRY(end_stmt(g));
    }
    if (hd) {
      TRY(sqlf(g, "MERGE INTO %T d USING (SELECT * FROM %S WHERE ", root->name, root->name));
      TRY(hard_delete_cond(g, hd, true, NULL));
      TRY(puts_(g, ") s ON "));
    } else {
      TRY(sqlf(g, "MERGE INTO %T d USING %S s ON ", root->name, root->name));
    }
    TRY(key_eq(g, root, "primary_key"));
    TRY(merge_insert_clause(g, root));
    return end_stmt(g);
  }

  TRY(sqlf(g, "MERGE INTO %T d USING %S s ON ", root->name, root->name));
  TRY(key_eq(g, root, "primary_key"));
  if (hd) {
    TRY(puts_(g, " WHEN MATCHED AND "));
    TRY(hard_delete_cond(g, hd, false, "s."));
    TRY(puts_(g, " THEN DELETE"));
  }
  TRY(merge_update_clause(g, root));
  TRY(merge_insert_clause(g, root));
  TRY(end_stmt(g));
  for (size_t k = 1; k < n; k++) {
    const cdlt_table *t = chain[k];
    const char *rk = NULL, *nrk = NULL;
    TRY(root_key_col(g, root, t, &rk));
    TRY(row_key_col(g, t, &nrk));
    TRY(sqlf(g, "MERGE INTO %T d USING %S s ON d.%I = s.%I", t->name, t->name, nrk, nrk));
    TRY(merge_update_clause(g, t));
    TRY(merge_insert_clause(g, t));
    TRY(end_stmt(g));
    /* elements no longer in the list */
    TRY(sqlf(g, "DELETE FROM %T WHERE %I IN (SELECT %I FROM %S) AND %I NOT IN (SELECT %I FROM %S);\n", t->name, rk,
             root_rk, root->name, nrk, nrk, t->name));
    if (hd) {
      TRY(sqlf(g, "DELETE FROM %T WHERE %I IN (SELECT %I FROM %S WHERE ", t->name, rk, root_rk, root->name));
      TRY(hard_delete_cond(g, hd, false, NULL));
      TRY(puts_(g, ");\n"));
    }
  }
  return 0;
}

/* ---------------------------------------------------------------- scd2 (§8.5) */

/* a json timestamp hint (ISO text or unix seconds) as epoch microseconds */
static bool hint_timestamp(const cdlt_json_value *v, int64_t *us) {
  if (!v) return false;
  if (v->type == CDLT_JSON_STRING) {
    cdlt_datetime dt;
    if (!cdlt_coerce_text_to_timestamp(v->u.str.ptr, v->u.str.len, &dt)) return false;
    *us = dt.epoch_us;
    return true;
  }
  if (v->type == CDLT_JSON_INT) return cdlt_timestamp_from_unix_int(v->u.num.i, us);
  if (v->type == CDLT_JSON_FLOAT) return cdlt_timestamp_from_unix_double(v->u.num.d, us);
  return false;
}

static int ts_literal(gen *g, int64_t us, cdlt_buf *out) {
  char t[40];
  cdlt_format_boundary(us, t);
  if (cdlt_buf_printf(out, "'%s'", t)) return cdlt_error_set(g->err, CDLT_ERR_NOMEM, "out of memory");
  return 0;
}

static int gen_scd2(gen *g, const cdlt_table *const *chain, size_t n) {
  const cdlt_table *root = chain[0];
  const cdlt_column *from = first_with(root, "x-valid-from"), *to = first_with(root, "x-valid-to");
  const cdlt_column *hash = first_with(root, "x-row-version");
  const char *from_n = from ? from->name : "_dlt_valid_from", *to_n = to ? to->name : "_dlt_valid_to";
  const char *hash_n = hash ? hash->name : "_dlt_id";
  int64_t boundary = g->mp->package_created_us;
  cdlt_json_value *bt = cdlt_json_get(root->json, "x-boundary-timestamp");
  if (bt && bt->type != CDLT_JSON_NULL && !hint_timestamp(bt, &boundary))
    return cdlt_error_set(g->err, CDLT_ERR_SCHEMA, "table '%s': x-boundary-timestamp is not a timestamp", root->name);
  cdlt_buf blit, alit, active;
  cdlt_buf_init(&blit);
  cdlt_buf_init(&alit);
  cdlt_buf_init(&active);
  int rc = ts_literal(g, boundary, &blit);
  cdlt_json_value *art = to ? cdlt_json_get(to->json, "x-active-record-timestamp") : NULL;
  if (!rc && art && art->type != CDLT_JSON_NULL) {
    int64_t aus;
    if (!hint_timestamp(art, &aus))
      rc = cdlt_error_set(g->err, CDLT_ERR_SCHEMA, "table '%s': x-active-record-timestamp is not a timestamp", root->name);
    if (!rc) rc = ts_literal(g, aus, &alit);
    gen ga = *g;
    ga.b = &active;
    if (!rc) rc = sqlf(&ga, "%I = %s", to_n, alit.data);
  } else if (!rc) {
    gen ga = *g;
    ga.b = &active;
    if (cdlt_buf_puts(&alit, "NULL")) rc = cdlt_error_set(g->err, CDLT_ERR_NOMEM, "out of memory");
    if (!rc) rc = sqlf(&ga, "%I IS NULL", to_n);
  }
#define R(x) \
  if (!rc) rc = (x)
  /* retire */
  R(sqlf(g, "UPDATE %T SET %I = %s WHERE %s AND %I NOT IN (SELECT %I FROM %S)", root->name, to_n, blit.data,
         active.data, hash_n, hash_n, root->name));
  size_t nmk = count_with(root, "merge_key");
  if (nmk > 0) {
    for (int pass = 0; pass < 2 && !rc; pass++) {
      R(puts_(g, pass == 0 ? " AND " : " IN (SELECT "));
      if (nmk > 1) R(puts_(g, "CONCAT("));
      R(key_list(g, root, "merge_key", ", "));
      if (nmk > 1) R(puts_(g, ")"));
    }
    R(sqlf(g, " FROM %S)", root->name));
  }
  R(end_stmt(g));
  /* insert new active records */
  R(sqlf(g, "INSERT INTO %T (", root->name));
  R(col_list(g, root, NULL, from_n, to_n));
  R(sqlf(g, ", %I, %I) SELECT ", from_n, to_n));
  R(col_list(g, root, NULL, from_n, to_n));
  R(sqlf(g, ", %s AS %I, %s AS %I FROM %S AS s WHERE %I NOT IN (SELECT %I FROM %T WHERE %s);\n", blit.data, from_n,
         alit.data, to_n, root->name, hash_n, hash_n, root->name, active.data));
  /* nested tables are insert-only, by their row key */
  for (size_t k = 1; !rc && k < n; k++) {
    const cdlt_table *t = chain[k];
    const char *nrk = NULL;
    R(row_key_col(g, t, &nrk));
    R(sqlf(g, "INSERT INTO %T (%C) SELECT %C FROM %S WHERE %I NOT IN (SELECT %I FROM %T);\n", t->name, t, t, t->name,
           nrk, nrk, t->name));
  }
#undef R
  cdlt_buf_release(&blit);
  cdlt_buf_release(&alit);
  cdlt_buf_release(&active);
  return rc;
}

/* ---------------------------------------------------------------- replace from staging (§8.2) */

static int gen_replace(gen *g, const cdlt_table *const *chain, size_t n) {
  bool optimized = g->mp->replace_strategy && !strcmp(g->mp->replace_strategy, "staging-optimized") &&
                   g->d->supports_set_schema;
  for (size_t k = 0; k < n; k++) {
    const cdlt_table *t = chain[k];
    if (optimized) {
      TRY(sqlf(g,
               "DROP TABLE IF EXISTS %T;\n"
               "ALTER TABLE %S SET SCHEMA %I;\n"
               "CREATE TABLE %S (like %T including all);\n",
               t->name, t->name, g->mp->dataset, t->name, t->name));
      continue;
    }
    /* the dialect's truncate statement already ends with ";" */
    TRY(cdlt_sql_truncate_table(g->b, g->d, g->mp->dataset, t->name, g->err));
    TRY(sqlf(g, "\nINSERT INTO %T(%C) SELECT %C FROM %S;\n", t->name, t, t, t->name));
  }
  return 0;
}

int cdlt_merge_chain_sql(cdlt_buf *out, const cdlt_merge_params *mp, const cdlt_schema *s,
                         const cdlt_table *const *chain, size_t nchain, cdlt_error *err) {
  if (nchain == 0) return cdlt_error_set(err, CDLT_ERR_USAGE, "empty table chain");
  gen g = {out, mp, mp->dialect, err};
  const cdlt_table *root = chain[0];
  const char *wd = cdlt_table_write_disposition(s, root);
  size_t start = out->len;
  int rc;
  if (!strcmp(wd, "replace")) {
    rc = gen_replace(&g, chain, nchain);
  } else if (!strcmp(wd, "merge")) {
    const char *strategy = cdlt_merge_strategy(root);
    if (!strcmp(strategy, "delete-insert")) rc = gen_delete_insert(&g, chain, nchain);
    else if (!strcmp(strategy, "upsert")) rc = gen_upsert(&g, chain, nchain, false);
    else if (!strcmp(strategy, "insert-only")) rc = gen_upsert(&g, chain, nchain, true);
    else if (!strcmp(strategy, "scd2")) rc = gen_scd2(&g, chain, nchain);
    else rc = cdlt_error_set(err, CDLT_ERR_SCHEMA, "unknown merge strategy '%s' of table '%s'", strategy, root->name);
  } else {
    rc = cdlt_error_set(err, CDLT_ERR_USAGE, "table '%s' with write disposition '%s' has no follow-up sql", root->name, wd);
  }
  /* drop the last line break: lines are separated, not terminated */
  if (!rc && out->len > start && out->data[out->len - 1] == '\n') out->data[--out->len] = 0;
  return rc;
}
