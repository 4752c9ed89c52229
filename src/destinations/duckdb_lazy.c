/* duckdb_lazy.c — libduckdb is loaded on first use (dlopen), not when cdlt starts: `cdlt --version`,
 * and runs against PostgreSQL, SQLite or files, never pay for loading DuckDB (~25 ms of relocations
 * and static constructors). Every DuckDB C API function cdlt calls is defined here with DuckDB's
 * own prototype (from duckdb.h) and forwards to the real one, resolved once from the library.
 *
 * The library is looked up as: $CDLT_DUCKDB_LIBRARY, then libduckdb.so in the directory of the
 * binary or libcdlt.so holding this code, then "libduckdb.so" through the normal search (RUNPATH,
 * LD_LIBRARY_PATH, system dirs), then the build-time path CDLT_DUCKDB_DEFAULT_PATH. Destinations call cdlt_duckdb_available() before any
 * DuckDB function, so a missing library is a clear error, not a crash.
 *
 * When a new DuckDB function is used, add a line to the list below (prototype from duckdb.h). */
#define _GNU_SOURCE
#include "destinations/duckdb_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duckdb.h"

#include "util/dynlib.h"

#ifndef CDLT_DUCKDB_DEFAULT_PATH
#define CDLT_DUCKDB_DEFAULT_PATH "libduckdb.so"
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;
static char load_error[512];

/* "<dir of the object holding this code>/libduckdb.so": the installed libcdlt.so finds the
 * libduckdb.so installed next to it even when dlopen is called through an interposer (ASan's)
 * whose own RUNPATH would be searched instead of ours */
static char beside[4096];

static const char *beside_us(void) {
  Dl_info info;
  if (!dladdr((void *)&beside_us, &info) || !info.dli_fname) return NULL;
  const char *slash = strrchr(info.dli_fname, '/');
  if (!slash) return NULL;
  int n = snprintf(beside, sizeof beside, "%.*s/libduckdb.so", (int)(slash - info.dli_fname), info.dli_fname);
  return n > 0 && (size_t)n < sizeof beside ? beside : NULL;
}

static void load(void) {
  const char *env = getenv("CDLT_DUCKDB_LIBRARY");
  const char *tries[] = {env, beside_us(), "libduckdb.so", CDLT_DUCKDB_DEFAULT_PATH};
  lib = cdlt_dynlib_open_first(tries, sizeof tries / sizeof *tries, load_error, sizeof load_error);
}

int cdlt_duckdb_available(cdlt_error *err) {
  pthread_once(&once, load);
  if (lib) return 0;
  return cdlt_error_set(err, CDLT_ERR_DESTINATION,
                        "cannot load libduckdb (set CDLT_DUCKDB_LIBRARY to its path): %s", load_error);
}

void cdlt_duckdb_allocator_purge(void) {
  pthread_once(&once, load);
  typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
  mallctl_fn ctl = lib ? (mallctl_fn)dlsym(lib, "duckdb_je_mallctl") : NULL;
  if (ctl) ctl("arena.4096.purge", NULL, NULL, NULL, 0);   /* 4096: MALLCTL_ARENAS_ALL */
}

/* the real function; only reached after cdlt_duckdb_available() succeeded */
static void *sym(const char *name) {
  pthread_once(&once, load);
  void *p = lib ? dlsym(lib, name) : NULL;
  if (!p) abort();   /* a destination skipped cdlt_duckdb_available(): a bug */
  return p;
}

duckdb_state duckdb_append_data_chunk(duckdb_appender appender, duckdb_data_chunk chunk) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_append_data_chunk");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_appender, duckdb_data_chunk))f)(appender, chunk);
}

duckdb_state duckdb_appender_close(duckdb_appender appender) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_appender_close");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_appender))f)(appender);
}

duckdb_state duckdb_appender_create_query(duckdb_connection connection, const char *query, idx_t column_count, duckdb_logical_type *types, const char *table_name, const char **column_names, duckdb_appender *out_appender) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_appender_create_query");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_connection, const char *, idx_t, duckdb_logical_type *, const char *, const char **, duckdb_appender *))f)(connection, query, column_count, types, table_name, column_names, out_appender);
}

duckdb_state duckdb_appender_destroy(duckdb_appender *appender) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_appender_destroy");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_appender *))f)(appender);
}

duckdb_error_data duckdb_appender_error_data(duckdb_appender appender) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_appender_error_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_error_data (*)(duckdb_appender))f)(appender);
}

duckdb_state duckdb_appender_flush(duckdb_appender appender) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_appender_flush");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_appender))f)(appender);
}

void duckdb_close(duckdb_database *database) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_close");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_database *))f)(database);
}

idx_t duckdb_column_count(duckdb_result *result) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_column_count");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((idx_t (*)(duckdb_result *))f)(result);
}

duckdb_logical_type duckdb_column_logical_type(duckdb_result *result, idx_t col) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_column_logical_type");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_logical_type (*)(duckdb_result *, idx_t))f)(result, col);
}

const char * duckdb_column_name(duckdb_result *result, idx_t col) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_column_name");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((const char * (*)(duckdb_result *, idx_t))f)(result, col);
}

duckdb_type duckdb_column_type(duckdb_result *result, idx_t col) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_column_type");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_type (*)(duckdb_result *, idx_t))f)(result, col);
}

duckdb_state duckdb_connect(duckdb_database database, duckdb_connection *out_connection) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_connect");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_database, duckdb_connection *))f)(database, out_connection);
}

duckdb_value duckdb_create_blob(const uint8_t *data, idx_t length) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_blob");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(const uint8_t *, idx_t))f)(data, length);
}

duckdb_data_chunk duckdb_create_data_chunk(duckdb_logical_type *types, idx_t column_count) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_data_chunk");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_data_chunk (*)(duckdb_logical_type *, idx_t))f)(types, column_count);
}

duckdb_value duckdb_create_date(duckdb_date input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_date");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_date))f)(input);
}

duckdb_value duckdb_create_decimal(duckdb_decimal input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_decimal");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_decimal))f)(input);
}

duckdb_value duckdb_create_hugeint(duckdb_hugeint input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_hugeint");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_hugeint))f)(input);
}

duckdb_value duckdb_create_interval(duckdb_interval input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_interval");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_interval))f)(input);
}

duckdb_logical_type duckdb_create_logical_type(duckdb_type type) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_logical_type");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_logical_type (*)(duckdb_type))f)(type);
}

duckdb_value duckdb_create_time(duckdb_time input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_time");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_time))f)(input);
}

duckdb_value duckdb_create_timestamp(duckdb_timestamp input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_timestamp");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_timestamp))f)(input);
}

duckdb_value duckdb_create_timestamp_ms(duckdb_timestamp_ms input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_timestamp_ms");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_timestamp_ms))f)(input);
}

duckdb_value duckdb_create_timestamp_ns(duckdb_timestamp_ns input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_timestamp_ns");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_timestamp_ns))f)(input);
}

duckdb_value duckdb_create_timestamp_s(duckdb_timestamp_s input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_timestamp_s");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_timestamp_s))f)(input);
}

duckdb_value duckdb_create_timestamp_tz(duckdb_timestamp input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_timestamp_tz");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_timestamp))f)(input);
}

duckdb_value duckdb_create_uhugeint(duckdb_uhugeint input) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_uhugeint");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_value (*)(duckdb_uhugeint))f)(input);
}

idx_t duckdb_data_chunk_get_size(duckdb_data_chunk chunk) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_data_chunk_get_size");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((idx_t (*)(duckdb_data_chunk))f)(chunk);
}

duckdb_vector duckdb_data_chunk_get_vector(duckdb_data_chunk chunk, idx_t col_idx) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_data_chunk_get_vector");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_vector (*)(duckdb_data_chunk, idx_t))f)(chunk, col_idx);
}

void duckdb_data_chunk_reset(duckdb_data_chunk chunk) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_data_chunk_reset");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_data_chunk))f)(chunk);
}

void duckdb_data_chunk_set_size(duckdb_data_chunk chunk, idx_t size) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_data_chunk_set_size");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_data_chunk, idx_t))f)(chunk, size);
}

duckdb_type duckdb_decimal_internal_type(duckdb_logical_type type) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_decimal_internal_type");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_type (*)(duckdb_logical_type))f)(type);
}

uint8_t duckdb_decimal_scale(duckdb_logical_type type) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_decimal_scale");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((uint8_t (*)(duckdb_logical_type))f)(type);
}

uint8_t duckdb_decimal_width(duckdb_logical_type type) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_decimal_width");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((uint8_t (*)(duckdb_logical_type))f)(type);
}

void duckdb_destroy_data_chunk(duckdb_data_chunk *chunk) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_destroy_data_chunk");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_data_chunk *))f)(chunk);
}

void duckdb_destroy_error_data(duckdb_error_data *error_data) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_destroy_error_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_error_data *))f)(error_data);
}

void duckdb_destroy_logical_type(duckdb_logical_type *type) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_destroy_logical_type");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_logical_type *))f)(type);
}

void duckdb_destroy_result(duckdb_result *result) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_destroy_result");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_result *))f)(result);
}

void duckdb_destroy_value(duckdb_value *value) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_destroy_value");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_value *))f)(value);
}

void duckdb_disconnect(duckdb_connection *connection) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_disconnect");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_connection *))f)(connection);
}

const char * duckdb_error_data_message(duckdb_error_data error_data) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_error_data_message");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((const char * (*)(duckdb_error_data))f)(error_data);
}

void duckdb_free(void *ptr) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_free");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(void *))f)(ptr);
}

char * duckdb_get_varchar(duckdb_value value) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_get_varchar");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((char * (*)(duckdb_value))f)(value);
}

duckdb_state duckdb_open_ext(const char *path, duckdb_database *out_database, duckdb_config config, char **out_error) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_open_ext");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(const char *, duckdb_database *, duckdb_config, char **))f)(path, out_database, config, out_error);
}

char * duckdb_value_varchar(duckdb_result *result, idx_t col, idx_t row) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_value_varchar");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((char * (*)(duckdb_result *, idx_t, idx_t))f)(result, col, row);
}

duckdb_state duckdb_query(duckdb_connection connection, const char *query, duckdb_result *out_result) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_query");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_connection, const char *, duckdb_result *))f)(connection, query, out_result);
}

idx_t duckdb_result_chunk_count(duckdb_result result) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_result_chunk_count");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((idx_t (*)(duckdb_result))f)(result);
}

const char * duckdb_result_error(duckdb_result *result) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_result_error");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((const char * (*)(duckdb_result *))f)(result);
}

duckdb_data_chunk duckdb_result_get_chunk(duckdb_result result, idx_t chunk_index) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_result_get_chunk");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_data_chunk (*)(duckdb_result, idx_t))f)(result, chunk_index);
}

idx_t duckdb_row_count(duckdb_result *result) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_row_count");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((idx_t (*)(duckdb_result *))f)(result);
}

const char * duckdb_string_t_data(duckdb_string_t *string) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_string_t_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((const char * (*)(duckdb_string_t *))f)(string);
}

uint32_t duckdb_string_t_length(duckdb_string_t string) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_string_t_length");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((uint32_t (*)(duckdb_string_t))f)(string);
}

bool duckdb_validity_row_is_valid(uint64_t *validity, idx_t row) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_validity_row_is_valid");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((bool (*)(uint64_t *, idx_t))f)(validity, row);
}

void duckdb_validity_set_row_validity(uint64_t *validity, idx_t row, bool valid) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_validity_set_row_validity");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(uint64_t *, idx_t, bool))f)(validity, row, valid);
}

void duckdb_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_vector_assign_string_element_len");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_vector, idx_t, const char *, idx_t))f)(vector, index, str, str_len);
}

void duckdb_vector_ensure_validity_writable(duckdb_vector vector) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_vector_ensure_validity_writable");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_vector))f)(vector);
}

void * duckdb_vector_get_data(duckdb_vector vector) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_vector_get_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((void * (*)(duckdb_vector))f)(vector);
}

uint64_t * duckdb_vector_get_validity(duckdb_vector vector) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_vector_get_validity");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((uint64_t * (*)(duckdb_vector))f)(vector);
}

idx_t duckdb_vector_size(void) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_vector_size");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((idx_t (*)(void))f)();
}

duckdb_table_function duckdb_create_table_function(void) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_create_table_function");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_table_function (*)(void))f)();
}

void duckdb_destroy_table_function(duckdb_table_function *table_function) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_destroy_table_function");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function *))f)(table_function);
}

void duckdb_table_function_set_name(duckdb_table_function table_function, const char *name) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_table_function_set_name");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function, const char *))f)(table_function, name);
}

void duckdb_table_function_set_extra_info(duckdb_table_function table_function, void *extra_info, duckdb_delete_callback_t destroy) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_table_function_set_extra_info");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function, void *, duckdb_delete_callback_t))f)(table_function, extra_info, destroy);
}

void duckdb_table_function_set_bind(duckdb_table_function table_function, duckdb_table_function_bind_t bind) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_table_function_set_bind");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function, duckdb_table_function_bind_t))f)(table_function, bind);
}

void duckdb_table_function_set_init(duckdb_table_function table_function, duckdb_table_function_init_t init) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_table_function_set_init");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function, duckdb_table_function_init_t))f)(table_function, init);
}

void duckdb_table_function_set_local_init(duckdb_table_function table_function, duckdb_table_function_init_t init) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_table_function_set_local_init");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function, duckdb_table_function_init_t))f)(table_function, init);
}

void duckdb_table_function_set_function(duckdb_table_function table_function, duckdb_table_function_t function) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_table_function_set_function");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_table_function, duckdb_table_function_t))f)(table_function, function);
}

duckdb_state duckdb_register_table_function(duckdb_connection con, duckdb_table_function function) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_register_table_function");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((duckdb_state (*)(duckdb_connection, duckdb_table_function))f)(con, function);
}

void * duckdb_bind_get_extra_info(duckdb_bind_info info) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_bind_get_extra_info");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((void * (*)(duckdb_bind_info))f)(info);
}

void duckdb_bind_add_result_column(duckdb_bind_info info, const char *name, duckdb_logical_type type) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_bind_add_result_column");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_bind_info, const char *, duckdb_logical_type))f)(info, name, type);
}

void duckdb_bind_set_bind_data(duckdb_bind_info info, void *bind_data, duckdb_delete_callback_t destroy) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_bind_set_bind_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_bind_info, void *, duckdb_delete_callback_t))f)(info, bind_data, destroy);
}

void duckdb_bind_set_error(duckdb_bind_info info, const char *error) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_bind_set_error");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_bind_info, const char *))f)(info, error);
}

void * duckdb_init_get_bind_data(duckdb_init_info info) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_init_get_bind_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((void * (*)(duckdb_init_info))f)(info);
}

void duckdb_init_set_max_threads(duckdb_init_info info, idx_t max_threads) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_init_set_max_threads");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_init_info, idx_t))f)(info, max_threads);
}

void duckdb_init_set_init_data(duckdb_init_info info, void *init_data, duckdb_delete_callback_t destroy) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_init_set_init_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_init_info, void *, duckdb_delete_callback_t))f)(info, init_data, destroy);
}

void duckdb_init_set_error(duckdb_init_info info, const char *error) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_init_set_error");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_init_info, const char *))f)(info, error);
}

void * duckdb_function_get_bind_data(duckdb_function_info info) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_function_get_bind_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((void * (*)(duckdb_function_info))f)(info);
}

void * duckdb_function_get_local_init_data(duckdb_function_info info) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_function_get_local_init_data");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  return ((void * (*)(duckdb_function_info))f)(info);
}

void duckdb_function_set_error(duckdb_function_info info, const char *error) {
  static _Atomic(void *) slot;
  void *f = atomic_load_explicit(&slot, memory_order_acquire);
  if (!f) {
    f = sym("duckdb_function_set_error");
    atomic_store_explicit(&slot, f, memory_order_release);
  }
  ((void (*)(duckdb_function_info, const char *))f)(info, error);
}
