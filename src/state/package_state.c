/* package_state.c — writing load_package_state.json (see package_state.h). */
#include "state/package_state.h"

#include <string.h>

#include "state/state.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/loadid.h"

int cdlt_package_state_write(const cdlt_package *pkg, const char *load_id, const cdlt_json_value *state_row,
                             cdlt_error *err) {
  cdlt_json_doc d;
  cdlt_json_doc_init(&d);
  cdlt_buf created, b;
  cdlt_buf_init(&created);
  cdlt_buf_init(&b);
  int rc = cdlt_pua_datetime(&created, cdlt_load_id_to_us(load_id));
  /* the hashed part: everything but the version keys (and load_metrics, added by the loader) */
  cdlt_json_value *hashed = cdlt_json_object(&d);
  if (!rc && hashed) {
    rc |= cdlt_json_object_set(&d, hashed, "created_at", cdlt_json_string(&d, created.data, created.len));
    if (state_row) rc |= cdlt_json_object_set(&d, hashed, "pipeline_state", cdlt_json_copy(&d, state_row));
    rc |= cdlt_json_write(&b, hashed, CDLT_JSON_WRITE_SORT_KEYS);
  }
  char hash[45];
  uint8_t digest[32];
  cdlt_sha3_256(b.data ? b.data : "", b.len, digest);
  cdlt_base64_encode(digest, 32, hash, true);
  /* the file, in dlt's key order: _version_hash after created_at */
  cdlt_json_value *ps = cdlt_json_object(&d);
  if (!rc && hashed && ps) {
    rc |= cdlt_json_object_set(&d, ps, "_state_version", cdlt_json_int(&d, 1));
    rc |= cdlt_json_object_set(&d, ps, "_state_engine_version", cdlt_json_int(&d, 1));
    rc |= cdlt_json_object_set(&d, ps, "created_at", cdlt_json_string(&d, created.data, created.len));
    rc |= cdlt_json_object_set(&d, ps, "_version_hash", cdlt_json_cstr(&d, hash));
    if (state_row) rc |= cdlt_json_object_set(&d, ps, "pipeline_state", cdlt_json_get(hashed, "pipeline_state"));
    cdlt_buf_reset(&b);
    rc |= cdlt_json_write(&b, ps, 0);
  }
  if (rc || !hashed || !ps) rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  else rc = cdlt_package_write_file(pkg, CDLT_PACKAGE_STATE_FILE, b.data, b.len, err);
  cdlt_buf_release(&b);
  cdlt_buf_release(&created);
  cdlt_json_doc_release(&d);
  return rc;
}
