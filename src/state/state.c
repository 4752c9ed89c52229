/* state.c — pipeline state: state.json, version hash, destination row encoding. */
#include "state/state.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/faultpoint.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/isotime.h"

int cdlt_pua_datetime(cdlt_buf *out, int64_t epoch_us) {
  char iso[48];
  size_t n = cdlt_format_iso_utc(epoch_us, iso);
  if (cdlt_buf_puts(out, CDLT_PUA_DATETIME) || cdlt_buf_append(out, iso, n)) return CDLT_ERR_NOMEM;
  return 0;
}

static cdlt_json_value *pua_value(cdlt_json_doc *d, int64_t us) {
  cdlt_buf b;
  cdlt_buf_init(&b);
  cdlt_json_value *v = cdlt_pua_datetime(&b, us) ? NULL : cdlt_json_string(d, b.data, b.len);
  cdlt_buf_release(&b);
  return v;
}

int cdlt_state_init_new(cdlt_state *st, const char *pipeline_name, cdlt_error *err) {
  cdlt_json_doc_init(&st->doc);
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *r = st->root = cdlt_json_object(d);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, ".");
  cdlt_json_value *local = cdlt_json_object(d);
  if (!r || !local) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  cdlt_json_object_set(d, r, "_state_version", cdlt_json_int(d, 0));
  cdlt_json_object_set(d, r, "_state_engine_version", cdlt_json_int(d, CDLT_STATE_ENGINE_VERSION));
  cdlt_json_object_set(d, local, "first_run", cdlt_json_bool(d, true));
  cdlt_json_object_set(d, local, "_dev_mode", cdlt_json_bool(d, false));
  cdlt_json_object_set(d, local, "initial_cwd", cdlt_json_cstr(d, cwd));
  /* dlt's run context: settings in <cwd>/.dlt, everything else the cwd (§7.1) */
  cdlt_json_value *ctx = cdlt_json_object(d);
  cdlt_buf tmp;
  cdlt_buf_init(&tmp);
  if (!ctx || cdlt_buf_printf(&tmp, "%s/.dlt", cwd)) { cdlt_buf_release(&tmp); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  cdlt_json_object_set(d, ctx, "settings_dir", cdlt_json_cstr(d, tmp.data));
  cdlt_json_object_set(d, ctx, "local_dir", cdlt_json_cstr(d, cwd));
  cdlt_json_object_set(d, ctx, "run_dir", cdlt_json_cstr(d, cwd));
  cdlt_buf_reset(&tmp);
  if (cdlt_buf_printf(&tmp, "file://%s", cwd)) { cdlt_buf_release(&tmp); return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); }
  cdlt_json_object_set(d, ctx, "uri", cdlt_json_cstr(d, tmp.data));
  cdlt_buf_release(&tmp);
  cdlt_json_object_set(d, local, "last_run_context", ctx);
  cdlt_json_object_set(d, r, "_local", local);
  cdlt_json_object_set(d, r, "pipeline_name", cdlt_json_cstr(d, pipeline_name));
  /* the initial hash is set without a bump (dlt's first state), so the first real content
   * change makes it version 1 */
  return cdlt_state_bump(st, NULL, err);
}

int cdlt_state_load(cdlt_state *st, const char *path, cdlt_error *err) {
  cdlt_json_doc_init(&st->doc);
  st->root = NULL;
  cdlt_buf b;
  cdlt_buf_init(&b);
  int rc = cdlt_fs_read_file(path, &b, err);
  if (!rc) rc = cdlt_json_parse(&st->doc, b.data ? b.data : "", b.len, path, &st->root, err);
  cdlt_buf_release(&b);
  if (!rc && st->root->type != CDLT_JSON_OBJECT)
    rc = cdlt_error_set(err, CDLT_ERR_PARSE, "pipeline state '%s' is not a JSON object", path);
  return rc;
}

int cdlt_state_save(const cdlt_state *st, const char *path, cdlt_error *err) {
  int rc = cdlt_fault_point("state.before_save", err);
  if (rc) return rc;
  cdlt_buf b;
  cdlt_buf_init(&b);
  rc = cdlt_json_write(&b, st->root, 0);
  if (rc) rc = cdlt_error_set(err, rc, "out of memory");
  else rc = cdlt_fs_write_atomic(path, NULL, b.data, b.len, 0600, err);
  cdlt_buf_release(&b);
  return rc;
}

void cdlt_state_release(cdlt_state *st) {
  cdlt_json_doc_release(&st->doc);
  st->root = NULL;
}

int cdlt_state_set(cdlt_state *st, const char *key, const cdlt_json_value *value) {
  cdlt_json_value *c = cdlt_json_copy(&st->doc, value);
  return c ? cdlt_json_object_set(&st->doc, st->root, key, c) : CDLT_ERR_NOMEM;
}

int cdlt_state_set_str(cdlt_state *st, const char *key, const char *value) {
  cdlt_json_value *v = value ? cdlt_json_cstr(&st->doc, value) : cdlt_json_null(&st->doc);
  return v ? cdlt_json_object_set(&st->doc, st->root, key, v) : CDLT_ERR_NOMEM;
}

/* the state object without the keys in `skip` (a shallow view; members borrowed) */
static int write_without(const cdlt_json_value *root, const char *const *skip, unsigned flags, cdlt_buf *out) {
  cdlt_json_value view = *root;
  cdlt_json_member *m = malloc((root->u.obj.len + 1) * sizeof *m);
  if (!m) return CDLT_ERR_NOMEM;
  size_t n = 0;
  for (size_t k = 0; k < root->u.obj.len; k++) {
    bool drop = false;
    for (const char *const *s = skip; *s; s++)
      if (!strcmp(root->u.obj.members[k].key, *s)) drop = true;
    if (!drop) m[n++] = root->u.obj.members[k];
  }
  view.u.obj.members = m;
  view.u.obj.len = n;
  int rc = cdlt_json_write(out, &view, flags);
  free(m);
  return rc;
}

int cdlt_state_compute_hash(const cdlt_state *st, char out[45], cdlt_error *err) {
  static const char *const skip[] = {"_local", "_state_version", "_state_engine_version", "_version_hash", NULL};
  cdlt_buf b;
  cdlt_buf_init(&b);
  if (write_without(st->root, skip, CDLT_JSON_WRITE_SORT_KEYS, &b)) {
    cdlt_buf_release(&b);
    return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  }
  uint8_t digest[32];
  cdlt_sha3_256(b.data, b.len, digest);
  cdlt_buf_release(&b);
  cdlt_base64_encode(digest, 32, out, true);
  return 0;
}

int cdlt_state_bump(cdlt_state *st, bool *changed, cdlt_error *err) {
  char h[45];
  int rc = cdlt_state_compute_hash(st, h, err);
  if (rc) return rc;
  const char *prev = cdlt_json_get_str(st->root, "_version_hash");
  bool differs = !prev || strcmp(prev, h) != 0;
  if (changed) *changed = differs;
  if (prev && differs) {
    int64_t v = cdlt_json_get_int(st->root, "_state_version", 0);
    cdlt_json_object_set(&st->doc, st->root, "_state_version", cdlt_json_int(&st->doc, v + 1));
  }
  if (differs) return cdlt_state_set_str(st, "_version_hash", h) ? cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory") : 0;
  return 0;
}

bool cdlt_state_needs_extract(const cdlt_state *st) {
  const char *h = cdlt_json_get_str(st->root, "_version_hash");
  const char *last = cdlt_json_get_str(cdlt_json_get(st->root, "_local"), "_last_extracted_hash");
  return !last || !h || strcmp(h, last) != 0;
}

int cdlt_state_mark_extracted(cdlt_state *st, int64_t now_us) {
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *local = cdlt_json_get_or_add_object(d, st->root, "_local");
  const char *h = cdlt_json_get_str(st->root, "_version_hash");
  cdlt_json_value *at = pua_value(d, now_us);
  if (!local || !at || !h) return CDLT_ERR_NOMEM;
  if (cdlt_json_object_set(d, local, "_last_extracted_at", at)) return CDLT_ERR_NOMEM;
  return cdlt_json_object_set(d, local, "_last_extracted_hash", cdlt_json_cstr(d, h));
}

int cdlt_state_row(cdlt_state *st, const char *load_id, int64_t now_us, cdlt_json_value **row, cdlt_error *err) {
  static const char *const skip[] = {"_local", NULL};
  cdlt_buf json, z;
  cdlt_buf_init(&json);
  cdlt_buf_init(&z);
  int rc = write_without(st->root, skip, 0, &json);
  if (!rc) rc = cdlt_zlib_compress(json.data, json.len, 9, &z);
  char *b64 = NULL;
  if (!rc) {
    b64 = malloc(cdlt_base64_encoded_len(z.len, true) + 1);
    if (!b64) rc = CDLT_ERR_NOMEM;
    else cdlt_base64_encode((const uint8_t *)z.data, z.len, b64, true);
  }
  cdlt_buf_release(&json);
  cdlt_buf_release(&z);
  if (rc) { free(b64); return cdlt_error_set(err, rc, "cannot encode pipeline state"); }
  cdlt_json_doc *d = &st->doc;
  cdlt_json_value *r = cdlt_json_object(d);
  const char *name = cdlt_json_get_str(st->root, "pipeline_name");
  const char *hash = cdlt_json_get_str(st->root, "_version_hash");
  cdlt_json_object_set(d, r, "version", cdlt_json_int(d, cdlt_json_get_int(st->root, "_state_version", 0)));
  cdlt_json_object_set(d, r, "engine_version", cdlt_json_int(d, CDLT_STATE_ENGINE_VERSION));
  cdlt_json_object_set(d, r, "pipeline_name", cdlt_json_cstr(d, name ? name : ""));
  cdlt_json_object_set(d, r, "state", cdlt_json_cstr(d, b64));
  cdlt_json_object_set(d, r, "created_at", pua_value(d, now_us));
  cdlt_json_object_set(d, r, "version_hash", hash ? cdlt_json_cstr(d, hash) : cdlt_json_null(d));
  cdlt_json_object_set(d, r, "_dlt_load_id", cdlt_json_cstr(d, load_id));
  free(b64);
  *row = r;
  return 0;
}

int cdlt_state_decode(cdlt_state *st, const char *encoded, cdlt_error *err) {
  cdlt_json_doc_init(&st->doc);
  st->root = NULL;
  size_t n = strlen(encoded);
  int rc;
  if (n && encoded[0] == '{') {
    rc = cdlt_json_parse(&st->doc, encoded, n, "destination state", &st->root, err);
  } else {
    uint8_t *raw = malloc(CDLT_BASE64_DECODED_MAX(n) + 1);
    if (!raw) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
    size_t rawlen = 0;
    cdlt_buf json;
    cdlt_buf_init(&json);
    rc = cdlt_base64_decode(encoded, n, raw, &rawlen, err);
    if (!rc) rc = cdlt_zlib_decompress(raw, rawlen, 0, &json, err);
    if (!rc) rc = cdlt_json_parse(&st->doc, json.data ? json.data : "", json.len, "destination state", &st->root, err);
    free(raw);
    cdlt_buf_release(&json);
  }
  if (!rc && st->root->type != CDLT_JSON_OBJECT)
    rc = cdlt_error_set(err, CDLT_ERR_PARSE, "destination state is not a JSON object");
  return rc;
}
