/* pq_lazy.c — libpq is loaded on first use (dlopen), not when cdlt starts: libpq brings ~20
 * libraries (Kerberos, LDAP, GnuTLS...) whose loading and constructors took 3 of the 4.6 ms of
 * `cdlt --version`, and runs against DuckDB, SQLite or files never need it. Every libpq function
 * cdlt calls is defined here with libpq's own prototype (libpq-fe.h) and forwards to the real one,
 * resolved once from the library ("libpq.so.5", else "libpq.so", or $CDLT_LIBPQ_LIBRARY).
 * The PostgreSQL destination calls cdlt_pq_available() before any libpq function, so a missing
 * library is a clear error, not a crash.
 *
 * When a new libpq function is used, add a line to the list at the end (prototype from libpq-fe.h). */
#define _GNU_SOURCE
#include "destinations/pq_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "util/dynlib.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;
static char load_error[512];

static void load(void) {
  const char *tries[] = {getenv("CDLT_LIBPQ_LIBRARY"), "libpq.so.5", "libpq.so"};
  lib = cdlt_dynlib_open_first(tries, sizeof tries / sizeof *tries, load_error, sizeof load_error);
}

int cdlt_pq_available(cdlt_error *err) {
  pthread_once(&once, load);
  if (lib) return 0;
  return cdlt_error_set(err, CDLT_ERR_DESTINATION,
                        "cannot load libpq (install libpq5 or set CDLT_LIBPQ_LIBRARY to its path): %s", load_error);
}

/* the real function; only reached after cdlt_pq_available() succeeded */
static void *resolve(_Atomic(void *) *slot, const char *name) {
  void *f = atomic_load_explicit(slot, memory_order_acquire);
  if (f) return f;
  pthread_once(&once, load);
  f = lib ? dlsym(lib, name) : NULL;
  if (!f) abort();   /* the destination skipped cdlt_pq_available(): a bug */
  atomic_store_explicit(slot, f, memory_order_release);
  return f;
}

/* FORWARD(return type, name, (parameters), (arguments)); FORWARD_VOID for functions without a result */
#define FORWARD(ret, name, params, args)                        \
  ret name params {                                             \
    static _Atomic(void *) slot;                                \
    return ((ret(*) params)resolve(&slot, #name)) args;         \
  }
#define FORWARD_VOID(name, params, args)                        \
  void name params {                                            \
    static _Atomic(void *) slot;                                \
    ((void(*) params)resolve(&slot, #name)) args;               \
  }

FORWARD_VOID(PQclear, (PGresult *res), (res))
FORWARD(ExecStatusType, PQresultStatus, (const PGresult *res), (res))
FORWARD(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query))
FORWARD(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode))
FORWARD(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
FORWARD(int, PQputCopyEnd, (PGconn *conn, const char *errormsg), (conn, errormsg))
FORWARD(int, PQntuples, (const PGresult *res), (res))
FORWARD(char *, PQerrorMessage, (const PGconn *conn), (conn))
FORWARD(PGconn *, PQconnectdbParams, (const char *const *keywords, const char *const *values, int expand_dbname), (keywords, values, expand_dbname))
FORWARD(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn), (conn))
FORWARD(ConnStatusType, PQstatus, (const PGconn *conn), (conn))
FORWARD(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, void *arg), (conn, proc, arg))
FORWARD(char *, PQresultErrorMessage, (const PGresult *res), (res))
FORWARD(int, PQputCopyData, (PGconn *conn, const char *buffer, int nbytes), (conn, buffer, nbytes))
FORWARD(int, PQnfields, (const PGresult *res), (res))
FORWARD(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
FORWARD(PGresult *, PQgetResult, (PGconn *conn), (conn))
FORWARD(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num))
FORWARD(char *, PQfname, (const PGresult *res, int field_num), (res, field_num))
FORWARD_VOID(PQfinish, (PGconn *conn), (conn))
FORWARD(PGresult *, PQexecParams, (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat), (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))
FORWARD(char *, PQcmdStatus, (PGresult *res), (res))
