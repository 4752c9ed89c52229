/* load_early.h — loading a package while it is still being normalized (docs/internals/LOAD_OVERLAP.md).
 *
 * The early loader is a thread that owns the destination while normalize runs: it opens it when
 * the first finished chunk arrives (cdlt_load_early_chunk, the parallel normalize's chunk callback),
 * BEGINs one transaction, and for every chunk, in chunk order, creates the dataset / migrates the
 * chunk's tables to the schema as of that chunk and bulk-loads the chunk's job files. It never
 * commits: once normalize has committed the package on disk, cdlt_load_early_finish hands the open
 * transaction (and the names of the jobs it loaded) to cdlt_load_package_tx, which loads the rest,
 * writes dlt's rows and commits exactly as the serial load does. Any failure of the early loader
 * rolls its transaction back and closes the destination: the serial load then runs as if nothing
 * had happened (same statements, same error). A normalize failure rolls it back as well.
 *
 * Threads: the destination is used only by the loader thread until cdlt_load_early_finish has
 * joined it; then by the caller's thread. The chunk callback runs on the normalize merge thread and
 * only queues the chunk.
 *
 * Also declared here: the open-transaction interface of the load stage (load_stage.c) that the
 * early loader drives. */
#ifndef CDLT_LOAD_LOAD_EARLY_H
#define CDLT_LOAD_LOAD_EARLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "destinations/destination.h"
#include "pipeline/pipeline_internal.h"
#include "schema/schema.h"
#include "util/error.h"

/* --- load_stage.c: a package's load transaction, opened before the package is normalized --- */

typedef struct cdlt_load_tx cdlt_load_tx;

/* BEGINs a transaction on dest for a package of p. *out is owned by the caller (cdlt_load_tx_free
 * or cdlt_load_package_tx); dest is borrowed and must outlive it. */
int cdlt_load_tx_begin(cdlt_pipeline *p, cdlt_destination *dest, cdlt_load_tx **out, cdlt_error *err);
/* Creates the dataset when missing (first call) and migrates `tables` to `schema` (borrowed for the
 * call): CREATE TABLE / ALTER TABLE ADD COLUMN against the columns that exist in the transaction. */
int cdlt_load_tx_migrate(cdlt_load_tx *tx, const cdlt_schema *schema, const char *const *tables, size_t n,
                         cdlt_error *err);
/* Bulk-loads the job file `name` at `path` into its table as defined by `schema` (fault point
 * `load.early_job` before it), and remembers the name. Errors as the serial load words them. */
int cdlt_load_tx_load_job(cdlt_load_tx *tx, const cdlt_schema *schema, const char *name, const char *path,
                          cdlt_error *err);
/* Rolls the transaction back if it is still open, frees tx. NULL-safe. */
void cdlt_load_tx_free(cdlt_load_tx *tx);
/* cdlt_load_package continued in tx's open transaction (NULL tx: cdlt_load_package): the jobs tx
 * loaded are not loaded again, everything else is the serial load. tx is consumed (freed). */
int cdlt_load_package_tx(cdlt_pipeline *p, cdlt_destination *dest, const char *load_id, cdlt_load_tx *tx,
                         cdlt_error *err);

/* --- load_early.c: the early loader --- */

typedef struct cdlt_load_early cdlt_load_early;

/* The nice value of the normalize workers while the early loader runs (cdlt_norm_hooks). */
#define CDLT_LOAD_EARLY_NICE 19

/* Starts the loader thread for p (the destination is opened on the first chunk). *out owned by the
 * caller: cdlt_load_early_finish and/or cdlt_load_early_free. */
int cdlt_load_early_start(cdlt_pipeline *p, cdlt_load_early **out, cdlt_error *err);
/* cdlt_norm_chunk_fn (normalize_parallel.h): queues a finished chunk; takes schema. */
void cdlt_load_early_chunk(void *el, cdlt_schema *schema, const char *const *names, const char *const *paths,
                           size_t n);
/* The normalize hook before its commit (cdlt_norm_hooks.before_commit): waits until every queued
 * chunk is loaded (or dropped), so the job files are no longer read when the package moves. */
void cdlt_load_early_drain(void *el);
/* When cdlt_load_early_drain was called (µs since the epoch; 0 = not yet): the end of the
 * normalize work proper, for the trace (the normalize step then waits for the loader). */
int64_t cdlt_load_early_normalized_us(cdlt_load_early *el);
/* Call after normalize committed the package: waits until every queued chunk is loaded. When the
 * early load went through (at least one chunk, no failure) returns true and hands over the open
 * destination (*dest, caller closes) and transaction (*tx, for cdlt_load_package_tx) and when the
 * early load began (*started_us); otherwise false and nothing is handed over. */
bool cdlt_load_early_finish(cdlt_load_early *el, cdlt_destination **dest, cdlt_load_tx **tx, int64_t *started_us);
/* Stops the thread (discarding queued chunks), rolls back and closes whatever it still owns, frees
 * el. NULL-safe. */
void cdlt_load_early_free(cdlt_load_early *el);

#endif
