/* test_coerce_double.c — a JSON number stored into a double column is written as Python's repr()
 * of its value. coerce.c copies the number's text when it already is that repr (the fast path);
 * this test checks the copy against formatting the parsed double (cdlt_format_double, the slow
 * path) for fixed edge cases and for 200,000 generated number texts of every shape. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/json.h"
#include "schema/coerce.h"
#include "util/buf.h"

/* what the column gets for the JSON number `text` */
static void coerce_text(const char *text, cdlt_buf *out) {
  cdlt_json_doc doc;
  cdlt_json_doc_init(&doc);
  cdlt_json_value *v = NULL;
  cdlt_error err = {0};
  int rc = cdlt_json_parse(&doc, text, strlen(text), "number", &v, &err);
  CHECK(rc == 0);
  cdlt_buf_reset(out);
  if (!rc) CHECK(cdlt_coerce_write(CDLT_TYPE_DOUBLE, v, out));
  cdlt_json_doc_release(&doc);
}

/* the reference: the double formatted as Python's repr */
static void reference(const char *text, char ref[40]) {
  double d = strtod(text, NULL);
  if (d == 0 && !strpbrk(text, ".eE")) d = 0.0;   /* the integer -0 is Python's int 0: 0.0 */
  size_t n = cdlt_format_double(d, ref);
  ref[n] = 0;
}

static void check_text(const char *text) {
  cdlt_buf out;
  cdlt_buf_init(&out);
  char ref[40];
  coerce_text(text, &out);
  reference(text, ref);
  if (!out.data || strcmp(out.data, ref) != 0) {
    fprintf(stderr, "number %s: wrote %s, repr is %s\n", text, out.data ? out.data : "(null)", ref);
    CHECK(0);
  }
  cdlt_buf_release(&out);
}

static void check_exact(const char *text, const char *want) {
  cdlt_buf out;
  cdlt_buf_init(&out);
  coerce_text(text, &out);
  CHECK_EQ_STR(out.data, want);
  cdlt_buf_release(&out);
}

static unsigned long long rng_state = 0x2545F4914F6CDD1DULL;
static unsigned rnd(unsigned n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (unsigned)(rng_state % n);
}

/* a random JSON number: sign, 0 or digits, optional fraction with leading/trailing zeros,
 * optional exponent */
static void random_number(char *b) {
  size_t o = 0;
  if (rnd(3) == 0) b[o++] = '-';
  if (rnd(3) == 0) b[o++] = '0';
  else {
    b[o++] = (char)('1' + rnd(9));
    unsigned n = rnd(19);
    for (unsigned k = 0; k < n; k++) b[o++] = (char)('0' + (rnd(4) == 0 ? 0 : rnd(10)));
  }
  if (rnd(6) != 0) {
    b[o++] = '.';
    unsigned lead = rnd(4) == 0 ? rnd(7) : 0, n = 1 + rnd(19);
    for (unsigned k = 0; k < lead; k++) b[o++] = '0';
    for (unsigned k = 0; k < n; k++) b[o++] = (char)('0' + (rnd(3) == 0 ? 0 : rnd(10)));
  }
  if (rnd(8) == 0) {
    b[o++] = rnd(2) ? 'e' : 'E';
    if (rnd(2)) b[o++] = rnd(2) ? '-' : '+';
    unsigned n = 1 + rnd(2);
    for (unsigned k = 0; k < n; k++) b[o++] = (char)('0' + rnd(10));
  }
  b[o] = 0;
}

int main(void) {
  /* repr forms copied as they are */
  check_exact("1.5", "1.5");
  check_exact("-0.0", "-0.0");
  check_exact("0.0", "0.0");
  check_exact("100.0", "100.0");
  check_exact("0.0001", "0.0001");
  check_exact("123456789012345.0", "123456789012345.0");
  check_exact("0.123456789012345", "0.123456789012345");
  /* texts that are not the repr are formatted from the double */
  check_exact("1.50", "1.5");
  check_exact("0.00001", "1e-05");
  check_exact("0.000123", "0.000123");
  check_exact("0.0000123", "1.23e-05");
  check_exact("1e5", "100000.0");
  check_exact("1.0e16", "1e+16");
  check_exact("12345678901234567.0", "1.2345678901234568e+16");
  check_exact("0.30000000000000004", "0.30000000000000004");
  check_exact("0.1000000000000000055511151231257827", "0.1");
  check_exact("7", "7.0");
  check_exact("-12", "-12.0");
  check_exact("00.5" + 1, "0.5");
  /* and every generated shape agrees with formatting the parsed double */
  char b[96];
  for (int k = 0; k < 200000; k++) {
    random_number(b);
    check_text(b);
  }
  return check_finish();
}
