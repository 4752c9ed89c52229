/* normalize_internal.h — the normalizer's state and the pieces of the general path that its row
 * templates (normalize_template.c) share with it (normalize.c). Not a public interface. */
#ifndef CDLT_NORMALIZE_NORMALIZE_INTERNAL_H
#define CDLT_NORMALIZE_NORMALIZE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "json/json.h"
#include "normalize/normalize.h"
#include "normalize/row_template.h"
#include "schema/naming.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/strmap.h"

#define DEFAULT_MAX_NESTING 1000
#define COLUMN_MEMO_SIZE 1024   /* powers of two */
#define KEY_MEMO_SIZE 1024
#define JOIN_MEMO_SIZE 512
#define CONTRACT_MEMO_SIZE 64
#define JOIN_MEMO_PARTS 6
#define ROW_TEMPLATES 8         /* shapes kept per normalizer (row_template.h), roots and children */

/* A row template (cdlt_normalizer_try_template): the shape of a row's object (a root item, or an
 * element of a list) and how its row was written, valid for one schema generation. */
typedef struct tpl_emit {      /* a data column of the row, in the order the row writes them */
  uint32_t slot;
  const cdlt_column *c;        /* NULL: the column does not exist (its values so far were null) */
  uint32_t key_len;
  char *key;                   /* `"name":` */
} tpl_emit;
typedef struct tpl_list {      /* a list, in the order the row's children are written */
  uint32_t slot;
  const char **parts;          /* the child table's path parts (interned), from the root */
  size_t nparts;
  int child;                   /* the tpl[] entry that matched its last element, -1: none yet */
} tpl_list;
typedef struct row_tpl {
  cdlt_row_template *shape;    /* NULL: an unused entry */
  cdlt_table *t;               /* the row's table */
  const char *root;            /* root rows: the root table name as the caller passes it; NULL: a child */
  int budget;                  /* the nesting budget the row was flattened with */
  bool root_id;                /* children: their rows get a _dlt_root_id; a root: it propagates its id */
  uint64_t gen;                /* the normalizer's schema_gen it was made on */
  const char **parts;          /* the table's path parts (interned) */
  size_t nparts;
  tpl_emit *emit;
  size_t nemit;
  tpl_list *lists;
  size_t nlists;
  char *tail;                  /* root rows: `"_dlt_load_id":<this load's id>,"_dlt_id":` */
  size_t tail_len;
  const cdlt_column *id_col, *root_col, *parent_col, *idx_col;   /* the dlt columns (types) */
  uint64_t used;               /* the clock of its last match (the least recently used is replaced) */
  int busy;                    /* its row's lists are being normalized: not to be replaced */
} row_tpl;

typedef struct table_stat {
  char *name;
  uint64_t rows;
} table_stat;

struct cdlt_normalizer {
  cdlt_schema *schema;
  cdlt_row_sink sink;
  cdlt_naming_ctx naming;
  char load_id[64];
  cdlt_strmap key_cache;        /* raw key -> normalize_path(key), malloc'd */
  cdlt_strmap table_key_cache;  /* raw key -> normalize_tables_path(key), malloc'd */
  cdlt_strmap join_cache;       /* path parts joined by \x1f -> shorten_fragments(parts), malloc'd */
  cdlt_strmap root_names;       /* root table name -> its interned copy, malloc'd */
  cdlt_buf join_key;
  const char *last_counted;     /* table name of stats[last_counted_idx]: rows come in runs */
  size_t last_counted_idx;
  /* direct-mapped memo of cdlt_table_column(t, name), checked by name; emptied whenever the
   * normalizer adds or completes a column or table (schema_gen) */
  struct column_memo {
    const cdlt_table *t;
    const char *name;      /* the name looked up (field names are interned: the same pointer each row) */
    cdlt_column *c;
    uint64_t gen;
    uint8_t key_len;       /* the name as a JSON key, `"name":`, when it fits key[], else 0 */
    char key[55];
  } column_memo[COLUMN_MEMO_SIZE];
  uint64_t schema_gen;
  /* the columns / data_type contract modes of a table, by table (the same schema_gen rule) */
  /* per table, what normalize_row reads from the schema document for every row */
  struct contract_memo {
    const cdlt_table *t;
    uint64_t gen;
    int columns, data_type;   /* contract modes */
    bool evolve_once;         /* x-normalizer: evolve-columns-once */
    bool propagate_root_id;   /* root tables: _dlt_id propagated as _dlt_root_id (§3.5) */
    bool seen_data;           /* x-normalizer: seen-data is set */
  } contract_memo[CONTRACT_MEMO_SIZE];
  const cdlt_table *nesting_root;   /* table_max_nesting(nesting_root) = nesting, at schema_gen */
  uint64_t nesting_gen;
  int nesting;
  /* direct-mapped memo of join_parts by the parts' (interned) pointers */
  struct join_memo { size_t count; const char *parts[JOIN_MEMO_PARTS]; const char *joined; } join_memo[JOIN_MEMO_SIZE];
  /* direct-mapped memo of norm_key for data keys: the raw key (owned by key_cache) and its result */
  /* raw key -> normalized; head/tail: the key's first and last (up to) 8 bytes, as key_memo_slot
   * loads them, so keys of up to 16 bytes are compared without memcmp */
  struct key_memo { const char *raw; size_t len; const char *norm; uint64_t head, tail; } key_memo[KEY_MEMO_SIZE];
  cdlt_arena arena;             /* per item */
  cdlt_json_doc scratch;        /* per item: values made by the normalizer (ids) */
  cdlt_buf line, name, tmp;
  cdlt_strmap stats_by_name;
  table_stat *stats;
  size_t nstats, stats_cap;
  /* schema contract of the row being emitted (§10) */
  struct row_contract {
    bool table_new;          /* the row's table had no complete column when the row started */
    int columns, data_type;  /* contract_mode */
    bool drop;               /* discard_row hit: the row (and its children) is not written */
  } rc;
  uint64_t discarded_rows, discarded_values;
  cdlt_digest_ctx *digest;      /* SHAKE-128 for row ids, reused row after row */
  row_tpl tpl[ROW_TEMPLATES];
  uint64_t tpl_clock;
  uint32_t tpl_misses;          /* root items since the last template match */
  uint32_t child_misses;        /* list elements since the last child template match */
  bool child_templated;         /* a child template was matched */
  cdlt_slot *slots;             /* CDLT_ROW_TEMPLATE_MAX_SLOTS */
  cdlt_json_doc list_doc;       /* per templated item: its lists */
  cdlt_buf slot_text;
};

/* one (column, value) of a row being built */
typedef struct field {
  const char *name;
  const cdlt_json_value *value;
} field;

/* a list found while flattening: its path parts relative to the row's table */
typedef struct found_list {
  const char **parts;
  size_t nparts;
  const cdlt_json_value *list;
} found_list;

typedef struct vec {
  void *items;
  size_t len, cap, elem;
} vec;

/* --- normalize.c: the general path --- */

/* appends item (v->elem bytes) to v, growing it in arena a: 0 or CDLT_ERR_NOMEM */
int cdlt_norm_vec_push(cdlt_arena *a, vec *v, const void *item);
/* one more row of table (counted per table for the load info): 0 or CDLT_ERR_NOMEM */
int cdlt_norm_count_row(cdlt_normalizer *n, const char *table);
/* the table name of path parts..., last (shortened as dlt does), interned by n; NULL when out of memory */
const char *cdlt_norm_join_parts(cdlt_normalizer *n, const char *const *parts, size_t nparts, const char *last);
/* obj (a row of t) flattened with nesting budget `budget` into fields (field) and the lists it
 * unnests (found_list), in dlt's order, in the item arena */
int cdlt_norm_flatten(cdlt_normalizer *n, const cdlt_table *t, const cdlt_json_value *obj, int budget, vec *fields,
                      vec *lists, cdlt_error *err);
/* fields whose names collide: the last value at the first's place (a Python dict) */
int cdlt_norm_dedupe_fields(cdlt_normalizer *n, vec *fields);
/* element i of a list of row parent_id of parent_table (whose child table has path table_parts),
 * and the whole list: its rows and their children */
int cdlt_norm_list_item(cdlt_normalizer *n, const cdlt_json_value *v, size_t i, const char **table_parts,
                        size_t ntable_parts, const char *parent_table, int budget, const char *parent_id,
                        const cdlt_json_value *root_id, cdlt_error *err);
int cdlt_norm_list(cdlt_normalizer *n, const cdlt_json_value *list, const char **table_parts, size_t ntable_parts,
                   const char *parent_table, int budget, const char *parent_id, const cdlt_json_value *root_id,
                   cdlt_error *err);

/* --- normalize_template.c: row templates --- */

/* frees what tp owns and empties it */
void cdlt_norm_tpl_clear(row_tpl *tp);
/* may keep a template of obj, just normalized (see normalize_template.c) */
void cdlt_norm_tpl_learn(cdlt_normalizer *n, cdlt_table *t, const char *root_table, const char *const *parts,
                         size_t nparts, int budget, bool root_id, const cdlt_json_value *obj, const char *raw,
                         size_t raw_len);

#endif
