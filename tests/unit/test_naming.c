/* test_naming.c — naming conventions (contract §1) against spec/golden/unit/naming_golden.json,
 * plus the worked examples of §1.1 / §1.2 and API edge cases.
 * The golden file is read with the project's JSON parser (cdlt_json_parse). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cdlt/cdlt.h"
#include "schema/naming.h"
#include "json/json.h"
#include "util/buf.h"

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static cdlt_buf out;

/* fn: 0 identifier, 1 path, 2 table identifier, 3 tables path */
static const char *norm(const char *conv_name, size_t max, int fn, const char *s, size_t len) {
  const cdlt_naming *conv = cdlt_naming_find(conv_name);
  if (!conv) return "<unknown convention>";
  cdlt_naming_ctx ctx = cdlt_naming_ctx_make(conv, max);
  cdlt_error err = {0};
  cdlt_buf_reset(&out);
  int rc;
  switch (fn) {
    case 0: rc = cdlt_naming_normalize_identifier(&ctx, s, len, &out, &err); break;
    case 1: rc = cdlt_naming_normalize_path(&ctx, s, len, &out, &err); break;
    case 2: rc = cdlt_naming_normalize_table_identifier(&ctx, s, len, &out, &err); break;
    default: rc = cdlt_naming_normalize_tables_path(&ctx, s, len, &out, &err); break;
  }
  if (rc) return "<error>";
  return out.data ? out.data : "";
}

#define NORM_ID(conv, max, s) norm(conv, max, 0, s, strlen(s))
#define NORM_PATH(conv, max, s) norm(conv, max, 1, s, strlen(s))

/* ------------------------------------------------------------------------------------------ */
/* golden file */

static int golden_naming_cases, golden_tag_cases, golden_fragment_cases;

static const cdlt_json_value *member(const cdlt_json_value *o, size_t i, const char **key) {
  *key = o->u.obj.members[i].key;
  return o->u.obj.members[i].value;
}

static void test_golden(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/spec/golden/unit/naming_golden.json", check_shared_dir());
  size_t flen = 0;
  char *text = check_read_file(path, &flen);
  CHECK_MSG(text != NULL, "cannot read %s", path);
  if (!text) return;
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *root = NULL;
  cdlt_error perr = {0};
  CHECK_OK(cdlt_json_parse(&doc, text, flen, path, &root, &perr), &perr);
  if (!root || root->type != CDLT_JSON_OBJECT) goto done;

  /* naming: keys "<convention>[_max63].<function>" */
  const cdlt_json_value *cases = cdlt_json_get(root, "naming");
  CHECK(cases && cases->type == CDLT_JSON_ARRAY && cases->u.arr.len > 0);
  for (size_t c = 0; cases && c < cases->u.arr.len; c++) {
    const cdlt_json_value *cs = cases->u.arr.items[c];
    const cdlt_json_value *input = cdlt_json_get(cs, "input");
    if (!input || input->type != CDLT_JSON_STRING) { CHECK_MSG(0, "case %zu has no input", c); continue; }
    for (size_t k = 0; k < cs->u.obj.len; k++) {
      const char *key;
      const cdlt_json_value *ev = member(cs, k, &key);
      if (strcmp(key, "input") == 0) continue;
      const char *dot = strchr(key, '.');
      if (!dot || ev->type != CDLT_JSON_STRING) { CHECK_MSG(0, "unexpected golden key '%s'", key); continue; }
      char conv[64];
      size_t cl = (size_t)(dot - key);
      if (cl >= sizeof conv) cl = sizeof conv - 1;
      memcpy(conv, key, cl);
      conv[cl] = 0;
      size_t max = 0;
      char *m = strstr(conv, "_max");
      if (m) { max = (size_t)strtoul(m + 4, NULL, 10); *m = 0; }
      int fn;
      if (strcmp(dot + 1, "normalize_identifier") == 0) fn = 0;
      else if (strcmp(dot + 1, "normalize_path") == 0) fn = 1;
      else if (strcmp(dot + 1, "normalize_table_identifier") == 0) fn = 2;
      else if (strcmp(dot + 1, "normalize_tables_path") == 0) fn = 3;
      else { CHECK_MSG(0, "unknown golden function '%s'", key); continue; }
      const char *expected = ev->u.str.ptr;
      const char *got = norm(conv, max, fn, input->u.str.ptr, input->u.str.len);
      golden_naming_cases++;
      CHECK_MSG(strcmp(got, expected) == 0, "golden %s(max %zu).%s(\"%s\"): expected \"%s\", got \"%s\"",
                conv, max, dot + 1, input->u.str.ptr, expected, got);
    }
  }

  /* tags */
  const cdlt_json_value *tags = cdlt_json_get(root, "tags_collision_prob_0.001");
  CHECK(tags && tags->type == CDLT_JSON_ARRAY && tags->u.arr.len > 0);
  for (size_t i = 0; tags && i < tags->u.arr.len; i++) {
    const cdlt_json_value *in_s = cdlt_json_get(tags->u.arr.items[i], "input");
    const char *tag = cdlt_json_get_str(tags->u.arr.items[i], "tag");
    if (!in_s || in_s->type != CDLT_JSON_STRING || !tag) { CHECK_MSG(0, "tag case %zu malformed", i); continue; }
    char got[7];
    cdlt_naming_tag(in_s->u.str.ptr, in_s->u.str.len, got);
    golden_tag_cases++;
    CHECK_MSG(strcmp(got, tag) == 0, "golden tag(\"%s\"): expected \"%s\", got \"%s\"",
              in_s->u.str.ptr, tag, got);
  }

  /* shorten_fragments (snake_case) */
  const cdlt_json_value *frags = cdlt_json_get(root, "shorten_fragments");
  CHECK(frags && frags->type == CDLT_JSON_ARRAY && frags->u.arr.len > 0);
  for (size_t i = 0; frags && i < frags->u.arr.len; i++) {
    const cdlt_json_value *fc = frags->u.arr.items[i];
    const cdlt_json_value *f = cdlt_json_get(fc, "fragments"), *ml = cdlt_json_get(fc, "max_length");
    const char *exp = cdlt_json_get_str(fc, "shorten_fragments");
    if (!f || f->type != CDLT_JSON_ARRAY || !ml || !exp) { CHECK_MSG(0, "fragments case %zu malformed", i); continue; }
    const char *parts[32];
    size_t lens[32], np = f->u.arr.len < 32 ? f->u.arr.len : 32;
    for (size_t j = 0; j < np; j++) {
      parts[j] = f->u.arr.items[j]->u.str.ptr;
      lens[j] = f->u.arr.items[j]->u.str.len;
    }
    size_t max = ml->type == CDLT_JSON_INT ? (size_t)ml->u.num.i : 0;
    cdlt_naming_ctx ctx = cdlt_naming_ctx_make(cdlt_naming_find("snake_case"), max);
    cdlt_buf_reset(&out);
    CHECK_OK(cdlt_naming_shorten_fragments(&ctx, parts, lens, np, &out), (cdlt_error *)NULL);
    golden_fragment_cases++;
    CHECK_MSG(out.data && strcmp(out.data, exp) == 0,
              "golden shorten_fragments(#%zu, max %zu): expected \"%s\", got \"%s\"", i, max, exp,
              out.data ? out.data : "");
  }
done:
  cdlt_json_doc_release(&doc);
  free(text);
  printf("golden: %d naming cases, %d tags, %d shorten_fragments\n", golden_naming_cases,
         golden_tag_cases, golden_fragment_cases);
  CHECK(golden_naming_cases >= 1000);
  CHECK(golden_tag_cases >= 50);
  CHECK(golden_fragment_cases >= 4);
}

/* ------------------------------------------------------------------------------------------ */
/* §1.1 worked examples: input, normalize_identifier, normalize_path */

static void test_worked_examples(void) {
  static const char *const ex[][3] = {
      {"event_value", "event_value", "event_value"},
      {"event value", "event_value", "event_value"},
      {"event-.!:*<>value", "event_x_value", "event_x_value"},
      {"1event_n'", "_1event_nx", "_1event_nx"},
      {"123event_n'", "_123event_nx", "_123event_nx"},
      {"123BaNaNa", "_123_ba_na_na", "_123_ba_na_na"},
      {"BANANA", "banana", "banana"},
      {"BAN_ANA", "ban_ana", "ban_ana"},
      {"BANaNA", "ba_na_na", "ba_na_na"},
      {" Small Love Potion ", "small_love_potion", "small_love_potion"},
      {"BANANA_", "bananax", "bananax"},
      {"BANANA____", "bananaxxxx", "banana"},
      {"+-!$*@#=|:", "x_xa_lx", "x_xa_lx"},
      {"+1", "x1", "x1"},
      {"-1", "_1", "_1"},
      {"camelCase", "camel_case", "camel_case"},
      {"CamelCase", "camel_case", "camel_case"},
      {"createdAt", "created_at", "created_at"},
      {"HTTPResponseCode", "http_response_code", "http_response_code"},
      {"getHTTPResponse", "get_http_response", "get_http_response"},
      {"userID", "user_id", "user_id"},
      {"a1B2c3", "a1_b2c3", "a1_b2c3"},
      {"\xC3\x84pfel\xC3\x9c" "ber", "_pfel_ber", "_pfel_ber"},
      {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "x", "x"},
      {"na\xC3\xAFve caf\xC3\xA9", "na_ve_cafx", "na_ve_cafx"},
      {"__dunder__", "_dunderxx", "dunder"},
      {"__", "xx", ""},
      {"a__b", "a_b", "a__b"},
      {"A__B__C", "a_b_c", "a__b__c"},
      {"Small___Love____Potion_____x", "small_love_potion_x", "small___love__potion___x"},
      {"e_vent__value_value2___", "e_vent_value_value2xxx", "e_vent__value_value2__x"},
      {"100%", "_100x", "_100x"},
      {"e-mail@host", "e_mailahost", "e_mailahost"},
      {"$price", "_price", "_price"},
      {"\xF0\x9F\xA6\x9APeacock", "_peacock", "_peacock"},
      {"\xD9\xA3" "digits", "_\xD9\xA3" "digits", "_\xD9\xA3" "digits"},
      {"_dlt_id", "_dlt_id", "_dlt_id"},
  };
  for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
    CHECK_EQ_STR(NORM_ID("snake_case", 0, ex[i][0]), ex[i][1]);
    CHECK_EQ_STR(NORM_PATH("snake_case", 0, ex[i][0]), ex[i][2]);
  }
  CHECK_EQ_STR(NORM_ID("snake_case", 63,
                       "veryLongFieldNameThatExceedsTheSixtyThreeCharacterPostgresLimitForSureYes"),
               "very_long_field_name_that_excbpc1ka_postgres_limit_for_sure_yes");
  CHECK_EQ_STR(NORM_PATH("snake_case", 63,
                         "veryLongFieldNameThatExceedsTheSixtyThreeCharacterPostgresLimitForSureYes"),
               "very_long_field_name_that_excbpc1ka_postgres_limit_for_sure_yes");
  char x70[71];
  memset(x70, 'x', 70);
  x70[70] = 0;
  CHECK_EQ_STR(NORM_ID("snake_case", 63, x70),
               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxuaqhmqxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  CHECK_EQ_STR(NORM_PATH("snake_case", 63, x70),
               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxuaqhmqxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  /* bare shorten_identifier */
  const char *cello = "she played cello well";
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier(cello, strlen(cello), cello, strlen(cello), 20, &out),
           (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "she plauanpualo well");
  /* not longer than max: unchanged */
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier(cello, strlen(cello), "x", 1, 21, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, cello);
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier(cello, strlen(cello), "x", 1, 0, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, cello);
}

/* §1.1 tag placement fixtures: _trim_and_tag(s, "123456", max) */
static void test_tag_placement(void) {
  char tag[7], expect[32];
  cdlt_naming_tag("src", 3, tag);
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_trim_and_tag("DLT_HUB", 7, "123456", 7, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "D123456");
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_trim_and_tag("prefDLT_HUB_suf", 15, "123456", 8, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "p123456f");
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_trim_and_tag("DLTHUB", 6, "123456", 6, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "123456");
  /* shorten_identifier only trims when longer than max */
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier("DLT_HUB", 7, "src", 3, 7, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "DLT_HUB");
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier("prefDLT_HUB_suf", 15, "src", 3, 8, &out), (cdlt_error *)NULL);
  snprintf(expect, sizeof expect, "p%sf", tag);
  CHECK_EQ_STR(out.data, expect);
  /* multi-byte code points are counted as one character each */
  const char *u = "\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4";  /* 10 x ä */
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier(u, strlen(u), "src", 3, 10, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, u);
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_identifier(u, strlen(u), "src", 3, 9, &out), (cdlt_error *)NULL);
  snprintf(expect, sizeof expect, "\xC3\xA4\xC3\xA4%s\xC3\xA4", tag);
  CHECK_EQ_STR(out.data, expect);
  CHECK_EQ_INT(cdlt_utf8_length(out.data, out.len), 9);
}

/* ------------------------------------------------------------------------------------------ */
/* §1.2 paths */

static void test_paths(void) {
  const cdlt_naming *sc = cdlt_naming_find("snake_case");
  static const struct { const char *p; const char *pieces[5]; } bp[] = {
      {"A__B__C", {"A", "B", "C"}},
      {"_a___b__C___D", {"_a", "_b", "C", "_D"}},
      {"_a_____b", {"_a", "_b"}},
      {"_a____b", {"_a", "b"}},
      {"", {NULL}},
      {"__", {NULL}},
      {" __  __\t", {NULL}},
      {"a", {"a"}},
      {"__a__ __b", {"a", "b"}},
  };
  for (size_t i = 0; i < sizeof bp / sizeof bp[0]; i++) {
    size_t n = 99;
    char **pieces = cdlt_naming_break_path(sc, bp[i].p, strlen(bp[i].p), &n);
    CHECK(pieces != NULL);
    if (!pieces) continue;
    size_t expect_n = 0;
    while (expect_n < 5 && bp[i].pieces[expect_n]) expect_n++;
    CHECK_MSG(n == expect_n, "break_path('%s') gave %zu pieces, expected %zu", bp[i].p, n, expect_n);
    for (size_t j = 0; j < n && j < expect_n; j++) CHECK_EQ_STR(pieces[j], bp[i].pieces[j]);
    CHECK(pieces[n] == NULL);
    free(pieces);
  }
  /* make_path drops blank parts */
  const char *parts[] = {"a", "", " ", "b", "\xC2\xA0", "c"};
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_make_path(sc, parts, NULL, 6, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "a__b__c");
  const cdlt_naming *direct = cdlt_naming_find("direct");
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_make_path(direct, parts, NULL, 6, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "a\xE2\x96\xB6" "b\xE2\x96\xB6" "c");
  size_t n = 0;
  char **dp = cdlt_naming_break_path(direct, "a\xE2\x96\xB6" "b__c", strlen("a\xE2\x96\xB6" "b__c"), &n);
  CHECK_EQ_INT(n, 2);
  if (dp && n == 2) { CHECK_EQ_STR(dp[0], "a"); CHECK_EQ_STR(dp[1], "b__c"); }
  free(dp);

  CHECK_EQ_STR(NORM_PATH("snake_case", 0, "Small__Love__Potion"), "small__love__potion");
  CHECK_EQ_STR(norm("snake_case", 0, 3, "Users__Pets", 11), "users__pets");

  /* shorten_fragments examples */
  cdlt_naming_ctx ctx = cdlt_naming_ctx_make(sc, 0);
  const char *f1[] = {"users", "pets"};
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_fragments(&ctx, f1, NULL, 2, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "users__pets");
  char a40[41], b40[41];
  memset(a40, 'a', 40); a40[40] = 0;
  memset(b40, 'b', 40); b40[40] = 0;
  const char *f2[] = {a40, b40};
  ctx.max_length = 63;
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_fragments(&ctx, f2, NULL, 2, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaarsjyfqbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  const char *f3[] = {"short_ident_1", "short_ident_2", "short_ident_3"};
  ctx.max_length = 16;
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_fragments(&ctx, f3, NULL, 3, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "shortc93wvaent_3");
  /* appends after existing content, tag from the joined fragments only */
  cdlt_buf_reset(&out);
  cdlt_buf_puts(&out, "prefix:");
  CHECK_OK(cdlt_naming_shorten_fragments(&ctx, f3, NULL, 3, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "prefix:shortc93wvaent_3");
  /* zero fragments: nothing */
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_fragments(&ctx, f3, NULL, 0, &out), (cdlt_error *)NULL);
  CHECK_EQ_INT(out.len, 0);
  /* empty key → relational normalizer uses _empty: b + _empty */
  const char *f4[] = {"b", "_empty"};
  ctx.max_length = 0;
  cdlt_buf_reset(&out);
  CHECK_OK(cdlt_naming_shorten_fragments(&ctx, f4, NULL, 2, &out), (cdlt_error *)NULL);
  CHECK_EQ_STR(out.data, "b___empty");
}

/* ------------------------------------------------------------------------------------------ */
/* §1.3 other conventions, lookup, errors, Unicode edges */

static void test_other_conventions(void) {
  CHECK_EQ_STR(NORM_ID("sql_cs_v1", 0, "123BaNaNa"), "_123BaNaNa");
  CHECK_EQ_STR(NORM_ID("sql_cs_v1", 0, "+-!$*@#=|:"), "_");
  CHECK_EQ_STR(NORM_ID("sql_cs_v1", 0, "+1"), "_1");
  CHECK_EQ_STR(NORM_ID("sql_cs_v1", 0, "___a___b"), "_a_b");
  CHECK_EQ_STR(NORM_ID("sql_ci_v1", 0, "BANaNA"), "banana");
  CHECK_EQ_STR(NORM_ID("duck_case", 0, "\xF0\x9F\xA6\x9APeacock"), "\xF0\x9F\xA6\x9APeacock");
  CHECK_EQ_STR(NORM_ID("duck_case", 0, "A\nB\"C\rD"), "A_B_C_D");
  CHECK_EQ_STR(NORM_ID("duck_case", 0, "1-1"), "1-1");
  CHECK_EQ_STR(NORM_ID("direct", 0, "a\nb'c\"d\re\xE2\x96\xB6" "f.g__h"), "a_b_c_d_e_f.g__h");
  /* s3_tables: snake_case, max 255 by default, tables lose leading underscores */
  CHECK_EQ_STR(NORM_ID("s3_tables", 0, "_Hello"), "_hello");
  CHECK_EQ_STR(norm("s3_tables", 0, 2, "_Hello", 6), "hello");
  CHECK_EQ_STR(norm("s3_tables", 0, 3, "_a___b", 6), "a__b");
  char x300[301];
  memset(x300, 'x', 300);
  x300[300] = 0;
  CHECK_EQ_INT(strlen(NORM_ID("s3_tables", 0, x300)), 255);
  CHECK_EQ_INT(strlen(NORM_ID("snake_case", 0, x300)), 300);
  /* the dlt prefix */
  static const char *const all[] = {"snake_case", "sql_cs_v1", "sql_ci_v1", "duck_case", "direct",
                                    "s3_tables"};
  for (size_t i = 0; i < 6; i++) {
    /* s3_tables drops leading underscores of table names: its dlt prefix is "dlt" */
    CHECK_EQ_STR(norm(all[i], 0, 2, CDLT_DLT_PREFIX, 4), i == 5 ? "dlt" : "_dlt");
    CHECK(cdlt_naming_find(all[i]) != NULL);
  }
  CHECK_EQ_STR(norm("s3_tables", 0, 0, CDLT_DLT_PREFIX, 4), "_dlt");
}

static void test_lookup_and_errors(void) {
  const cdlt_naming *sc = cdlt_naming_find("snake_case");
  CHECK(sc && strcmp(sc->name, "snake_case") == 0 && strcmp(sc->path_separator, "__") == 0);
  CHECK(cdlt_naming_find("dlt.common.normalizers.names.snake_case") == sc);
  CHECK(cdlt_naming_find("dlt.common.normalizers.naming.snake_case") == sc);
  CHECK(cdlt_naming_find("dlt.common.normalizers.naming.sql_ci_v1") == cdlt_naming_find("sql_ci_v1"));
  CHECK(cdlt_naming_default() == sc);
  CHECK(cdlt_naming_find("snake") == NULL);
  CHECK(cdlt_naming_find("") == NULL);
  CHECK(cdlt_naming_find(NULL) == NULL);
  CHECK_EQ_STR(cdlt_naming_find("direct")->path_separator, "\xE2\x96\xB6");
  CHECK(!sc->case_sensitive && cdlt_naming_find("sql_cs_v1")->case_sensitive);

  cdlt_naming_ctx ctx = cdlt_naming_ctx_make(NULL, 0);
  CHECK(ctx.conv == sc);
  static const char *const empties[] = {"", " ", "\t\n", "\xC2\xA0\xE3\x80\x80"};
  for (size_t i = 0; i < 4; i++) {
    cdlt_error err = {0};
    cdlt_buf_reset(&out);
    cdlt_buf_puts(&out, "keep");
    int rc = cdlt_naming_normalize_identifier(&ctx, empties[i], strlen(empties[i]), &out, &err);
    CHECK_EQ_INT(rc, CDLT_ERR_USAGE);
    CHECK(strstr(err.msg, "empty identifier") != NULL);
    CHECK_EQ_STR(out.data, "keep");
    /* paths never fail: no pieces → "" */
    cdlt_buf_reset(&out);
    CHECK_OK(cdlt_naming_normalize_path(&ctx, empties[i], strlen(empties[i]), &out, &err), &err);
    CHECK_EQ_INT(out.len, 0);
  }
  cdlt_error err = {0};
  CHECK_EQ_INT(cdlt_naming_normalize_identifier(&ctx, NULL, 0, &out, &err), CDLT_ERR_USAGE);
}

static void test_unicode(void) {
  /* str.strip() strips Unicode whitespace (NBSP, ideographic space, NEL, line separator) */
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "\xC2\xA0\xE3\x80\x80" "Abc\xC2\x85\xE2\x80\xA8"), "abc");
  CHECK_EQ_STR(NORM_ID("duck_case", 0, "\xC2\xA0 A b \xE2\x80\x83"), "A b");
  /* but not zero-width space (not whitespace in Python) */
  CHECK_EQ_STR(NORM_ID("duck_case", 0, "\xE2\x80\x8B" "a"), "\xE2\x80\x8B" "a");
  /* non-ASCII decimal digits survive snake_case; fullwidth digit leading → '_' prefix */
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "\xEF\xBC\x91" "a"), "_\xEF\xBC\x91" "a");
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "a\xE0\xA5\xA9" "B"), "a\xE0\xA5\xA9" "b");  /* Devanagari 3 */
  /* [a-z0-9] in camel pass 2 is ASCII-only: a non-ASCII digit before an upper letter does not split */
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "x\xD9\xA3" "B"), "x\xD9\xA3" "b");
  /* ... but pass 1 ([^_] before [A-Z][a-z]+) splits after any character */
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "x\xD9\xA3" "Bc"), "x\xD9\xA3" "_bc");
  /* Roman numeral XII is Nl, not Nd */
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "\xE2\x85\xAB"), "x");
  /* mathematical digits (outside the BMP) are Nd */
  CHECK_EQ_STR(NORM_ID("sql_cs_v1", 0, "\xF0\x9D\x9F\x8E"), "_\xF0\x9D\x9F\x8E");
  CHECK(cdlt_unicode_is_decimal(0x1D7FF) && !cdlt_unicode_is_decimal(0x1D800));
  CHECK(cdlt_unicode_is_decimal(0x0660) && !cdlt_unicode_is_decimal(0x00B2) && !cdlt_unicode_is_decimal(0x216B));
  CHECK(cdlt_unicode_is_space(0x3000) && cdlt_unicode_is_space(0x1C) && !cdlt_unicode_is_space(0x200B));
  /* invalid UTF-8: each bad byte is one character; snake_case replaces it, duck_case keeps it */
  CHECK_EQ_STR(NORM_ID("snake_case", 0, "a\xFF" "b"), "a_b");
  CHECK_EQ_STR(NORM_ID("duck_case", 0, "a\xFF\xC3" "b"), "a\xFF\xC3" "b");
  CHECK_EQ_INT(cdlt_utf8_length("a\xFF\xC3" "b\xC3\xA4", 6), 5);
  /* NUL inside a key */
  CHECK_EQ_STR(norm("snake_case", 0, 0, "a\0b", 3), "a_b");
  /* shortening counts code points (duck_case keeps multi-byte characters) */
  char longu[256] = "";
  for (int i = 0; i < 70; i++) strcat(longu, "\xC3\xA4");
  const char *r = NORM_ID("duck_case", 63, longu);
  CHECK_EQ_INT(cdlt_utf8_length(r, strlen(r)), 63);
}

/* the fast path gives the same result as the general path would: compare with keys that differ
 * only in surrounding whitespace (which always takes the general path) */
static void test_fast_path_consistency(void) {
  static const char *const keys[] = {"id", "name", "created_at", "a1", "x_y_z", "_dlt_id",
                                     "value", "a_1_b", "abc_def_ghi_jkl_mno_pqr_stu_vwx_yz0_123_456_789_abc_def_ghi_jkl_mno"};
  static const char *const convs[] = {"snake_case", "sql_cs_v1", "sql_ci_v1", "duck_case", "direct"};
  for (size_t c = 0; c < 5; c++)
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
      for (size_t max = 0; max <= 63; max += 63) {
        char *a = strdup(NORM_ID(convs[c], max, keys[k]));
        char spaced[128];
        snprintf(spaced, sizeof spaced, " %s ", keys[k]);
        /* identifier: the tag comes from the stripped input, so results must be equal */
        CHECK_EQ_STR(NORM_ID(convs[c], max, spaced), a);
        free(a);
      }
}

int main(void) {
  cdlt_buf_init(&out);
  test_golden();
  test_worked_examples();
  test_tag_placement();
  test_paths();
  test_other_conventions();
  test_lookup_and_errors();
  test_unicode();
  test_fast_path_consistency();
  cdlt_buf_release(&out);
  return check_finish();
}
