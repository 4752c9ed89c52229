/* destination.c — allocation and release of destinations, query results. */
#include "destinations/destination.h"

#include <stdlib.h>
#include <string.h>

void cdlt_rows_free(cdlt_rows *r) {
  if (!r) return;
  if (r->col_names)
    for (size_t c = 0; c < r->ncols; c++) free(r->col_names[c]);
  if (r->cells)
    for (size_t i = 0; i < r->nrows * r->ncols; i++) free(r->cells[i]);
  free(r->col_names);
  free(r->cells);
  memset(r, 0, sizeof *r);
}

int cdlt_destination_open(const cdlt_destination_vtab *vt, const cdlt_destination_config *cfg,
                          cdlt_destination **out, cdlt_error *err) {
  *out = NULL;
  if (!vt || !cfg || vt->instance_size < sizeof(cdlt_destination))
    return cdlt_error_set(err, CDLT_ERR_USAGE, "invalid destination");
  cdlt_destination *d = calloc(1, vt->instance_size);
  if (!d) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  d->vtab = vt;
  int rc = vt->open(d, cfg, err);
  if (rc) {
    free(d);
    return rc;
  }
  *out = d;
  return 0;
}

void cdlt_destination_close(cdlt_destination *d) {
  if (!d) return;
  if (d->vtab && d->vtab->close) d->vtab->close(d);
  free(d);
}
