/* test_toml_suite.c — runs toml-test (shared/testdata/toml/toml-test) against the TOML reader.
 *
 *   test_toml_suite <file.toml>   one file (registered per file by toml_suite.cmake)
 *   test_toml_suite               every file listed in files-toml-1.0.0
 *
 * A valid/ file must parse and decode to exactly the values of the matching .json, written in
 * toml-test's tagged form {"type": T, "value": "text"}; compared as toml-test does: integers by
 * value, floats as float64 (every nan equal), date-times as instants with normalised separators.
 * An invalid/ file must be rejected with CDLT_ERR_PARSE or CDLT_ERR_LIMIT and a line number. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/toml.h"

static bool is_tag(const cdlt_json_value *e) {
  if (e->type != CDLT_JSON_OBJECT || e->u.obj.len != 2) return false;
  const cdlt_json_value *t = cdlt_json_get(e, "type"), *v = cdlt_json_get(e, "value");
  return t && v && t->type == CDLT_JSON_STRING && v->type == CDLT_JSON_STRING;
}

static double parse_float_text(const char *s) {
  if (!strcmp(s, "nan") || !strcmp(s, "+nan") || !strcmp(s, "-nan")) return NAN;
  if (!strcmp(s, "inf") || !strcmp(s, "+inf")) return INFINITY;
  if (!strcmp(s, "-inf")) return -INFINITY;
  return strtod(s, NULL);
}

/* A date-time as comparable parts: seconds since a fixed epoch in UTC (offset applied) and the
 * fraction digits without trailing zeros. Returns false when the text is not a date-time. */
typedef struct dt {
  long long secs;
  char frac[32];
  int has_date, has_time, has_offset;
} dt;

static long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

static bool parse_dt(const char *s, dt *o) {
  memset(o, 0, sizeof *o);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  const char *p = s;
  if (strlen(p) >= 10 && p[4] == '-') {
    if (sscanf(p, "%4d-%2d-%2d", &y, &mo, &d) != 3) return false;
    o->has_date = 1;
    p += 10;
    if (*p == 'T' || *p == 't' || *p == ' ') p++;
    else if (*p) return false;
  }
  if (*p) {
    if (sscanf(p, "%2d:%2d:%2d", &h, &mi, &se) != 3) return false;
    o->has_time = 1;
    p += 8;
    if (*p == '.') {
      p++;
      size_t n = 0;
      while (*p >= '0' && *p <= '9') {
        if (n < sizeof o->frac - 1) o->frac[n++] = *p;
        p++;
      }
      while (n && o->frac[n - 1] == '0') o->frac[--n] = 0;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
      o->has_offset = 1;
      p++;
    } else if (*p == '+' || *p == '-') {
      int oh, om;
      if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return false;
      off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
      o->has_offset = 1;
      p += 6;
    }
    if (*p) return false;
    o->secs = (long long)h * 3600 + mi * 60 + se - off * 60;
  }
  if (o->has_date) o->secs += days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
  return true;
}

static bool same_dt(const char *a, const char *b) {
  dt x, y;
  if (!parse_dt(a, &x) || !parse_dt(b, &y)) return false;
  return x.secs == y.secs && !strcmp(x.frac, y.frac) && x.has_date == y.has_date &&
         x.has_time == y.has_time && x.has_offset == y.has_offset;
}

/* Compares actual value a (of doc) with expected tagged JSON e; reports the first difference. */
static bool same(const cdlt_toml_doc *doc, const cdlt_json_value *a, const cdlt_json_value *e,
                 const char *path, char *why, size_t why_cap) {
  cdlt_toml_kind k = cdlt_toml_kind_of(doc, a);
  if (e->type == CDLT_JSON_ARRAY) {
    if (a->type != CDLT_JSON_ARRAY || a->u.arr.len != e->u.arr.len) {
      snprintf(why, why_cap, "%s: expected an array of %zu items", path, e->u.arr.len);
      return false;
    }
    for (size_t i = 0; i < e->u.arr.len; i++) {
      char sub[512];
      snprintf(sub, sizeof sub, "%s[%zu]", path, i);
      if (!same(doc, a->u.arr.items[i], e->u.arr.items[i], sub, why, why_cap)) return false;
    }
    return true;
  }
  if (e->type != CDLT_JSON_OBJECT) {
    snprintf(why, why_cap, "%s: malformed expected value", path);
    return false;
  }
  if (is_tag(e)) {
    const char *type = cdlt_json_get_str(e, "type"), *val = cdlt_json_get_str(e, "value");
    const char *kn = cdlt_toml_kind_name(k);
    if (strcmp(type, kn)) {
      snprintf(why, why_cap, "%s: expected type %s, got %s", path, type, kn);
      return false;
    }
    bool ok = false;
    char got[128] = "";
    switch (k) {
      case CDLT_TOML_STRING: {
        const cdlt_json_value *ev = cdlt_json_get(e, "value");
        ok = a->u.str.len == ev->u.str.len && !memcmp(a->u.str.ptr, ev->u.str.ptr, a->u.str.len);
        snprintf(got, sizeof got, "%.100s", a->u.str.ptr);
        break;
      }
      case CDLT_TOML_INTEGER:
        ok = a->type == CDLT_JSON_INT && a->u.num.i == strtoll(val, NULL, 10);
        snprintf(got, sizeof got, "%lld", (long long)a->u.num.i);
        break;
      case CDLT_TOML_FLOAT: {
        double x = parse_float_text(val);
        ok = a->type == CDLT_JSON_FLOAT && ((isnan(x) && isnan(a->u.num.d)) || x == a->u.num.d);
        snprintf(got, sizeof got, "%.17g", a->u.num.d);
        break;
      }
      case CDLT_TOML_BOOL:
        ok = a->type == CDLT_JSON_BOOL && !strcmp(val, a->u.boolean ? "true" : "false");
        snprintf(got, sizeof got, "%s", a->u.boolean ? "true" : "false");
        break;
      case CDLT_TOML_DATETIME:
      case CDLT_TOML_DATETIME_LOCAL:
      case CDLT_TOML_DATE_LOCAL:
      case CDLT_TOML_TIME_LOCAL:
        ok = a->type == CDLT_JSON_STRING && same_dt(a->u.str.ptr, val);
        snprintf(got, sizeof got, "%.100s", a->u.str.ptr);
        break;
      default:
        break;
    }
    if (!ok) snprintf(why, why_cap, "%s: expected %s '%s', got '%s'", path, type, val, got);
    return ok;
  }
  if (k != CDLT_TOML_TABLE || a->type != CDLT_JSON_OBJECT || a->u.obj.len != e->u.obj.len) {
    snprintf(why, why_cap, "%s: expected a table of %zu keys, got %s of %zu", path, e->u.obj.len,
             cdlt_toml_kind_name(k), a->type == CDLT_JSON_OBJECT ? a->u.obj.len : 0);
    return false;
  }
  for (size_t i = 0; i < e->u.obj.len; i++) {
    const cdlt_json_member *m = &e->u.obj.members[i];
    const cdlt_json_value *av = cdlt_json_getn(a, m->key, m->key_len);
    char sub[512];
    snprintf(sub, sizeof sub, "%s.%.*s", path, (int)m->key_len, m->key);
    if (!av) {
      snprintf(why, why_cap, "%s: missing", sub);
      return false;
    }
    if (!same(doc, av, m->value, sub, why, why_cap)) return false;
  }
  return true;
}

static void run_file(const char *path) {
  size_t len = 0;
  char *data = check_read_file(path, &len);
  if (!CHECK_MSG(data != NULL, "cannot read %s", path)) return;
  bool valid = strstr(path, "/valid/") != NULL;
  cdlt_toml_doc doc;
  cdlt_toml_doc_init(&doc);
  cdlt_error err = {0};
  int rc = cdlt_toml_parse(&doc, data, len, path, &err);
  if (valid) {
    if (CHECK_MSG(rc == 0, "%s: valid file rejected: %s", path, err.msg)) {
      char jpath[4096];
      snprintf(jpath, sizeof jpath, "%.*s.json", (int)(strlen(path) - 5), path);
      size_t jlen = 0;
      char *jdata = check_read_file(jpath, &jlen);
      CHECK_MSG(jdata != NULL, "cannot read %s", jpath);
      cdlt_json_doc jd;
      cdlt_json_doc_init(&jd);
      cdlt_json_value *expected = NULL;
      cdlt_error jerr = {0};
      if (jdata && CHECK_MSG(cdlt_json_parse(&jd, jdata, jlen, jpath, &expected, &jerr) == 0, "%s",
                             jerr.msg)) {
        char why[1024] = "";
        CHECK_MSG(same(&doc, doc.root, expected, "$", why, sizeof why), "%s: %s", path, why);
      }
      cdlt_json_doc_release(&jd);
      free(jdata);
    }
  } else {
    CHECK_MSG(rc == CDLT_ERR_PARSE || rc == CDLT_ERR_LIMIT, "%s: invalid file accepted (rc %d)", path, rc);
    if (rc) CHECK_MSG(err.line >= 1 && strstr(err.msg, path) != NULL, "%s: no position: %s", path, err.msg);
  }
  cdlt_toml_doc_release(&doc);
  free(data);
}

int main(int argc, char **argv) {
  if (argc > 1) {
    for (int i = 1; i < argc; i++) run_file(argv[i]);
    return check_finish();
  }
  char dir[4096], list[4200];
  snprintf(dir, sizeof dir, "%s/testdata/toml/toml-test", check_shared_dir());
  snprintf(list, sizeof list, "%s/files-toml-1.0.0", dir);
  FILE *f = fopen(list, "r");
  if (!CHECK_MSG(f != NULL, "cannot open %s", list)) return check_finish();
  char line[1024];
  size_t n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    size_t l = strlen(line);
    if (l < 5 || strcmp(line + l - 5, ".toml")) continue;
    char path[5300];
    snprintf(path, sizeof path, "%s/%s", dir, line);
    run_file(path);
    n++;
  }
  fclose(f);
  CHECK_MSG(n > 700, "only %zu files listed", n);
  return check_finish();
}
