/* test_hash.c — SHA3/SHAKE vectors, dlt digests, base64, randomness, zlib. */
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cdlt/cdlt.h"
#include "schema/naming.h"
#include "util/buf.h"
#include "util/hash.h"

static void hex(const uint8_t *b, size_t n, char *out) {
  static const char h[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[b[i] >> 4];
    out[2 * i + 1] = h[b[i] & 15];
  }
  out[2 * n] = 0;
}

static void test_sha3(void) {
  uint8_t d[32];
  char hx[65];
  cdlt_sha3_256("", 0, d);
  hex(d, 32, hx);
  CHECK_EQ_STR(hx, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  cdlt_sha3_256("abc", 3, d);
  hex(d, 32, hx);
  CHECK_EQ_STR(hx, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");

  /* incremental, as the schema version hash: JSON then table / column names */
  cdlt_sha3_ctx *c = cdlt_sha3_new();
  CHECK(c != NULL);
  cdlt_sha3_update(c, "{\"a\":1}", 7);
  cdlt_sha3_update(c, "tbl", 3);
  cdlt_sha3_update(c, "", 0);
  cdlt_sha3_update(c, "col", 3);
  cdlt_sha3_final(c, d);
  char b64[45];
  CHECK_EQ_INT(cdlt_base64_encode(d, 32, b64, true), 44);
  CHECK_EQ_STR(b64, "ZPl6MgnTwHulaten+CaV2soP5fGBGlyV7xpaX4CdMB4=");
  /* split updates give the one-shot digest */
  c = cdlt_sha3_new();
  cdlt_sha3_update(c, "a", 1);
  cdlt_sha3_update(c, "bc", 2);
  cdlt_sha3_final(c, d);
  hex(d, 32, hx);
  CHECK_EQ_STR(hx, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  cdlt_sha3_free(cdlt_sha3_new());
  cdlt_sha3_free(NULL);
}

static void test_shake(void) {
  uint8_t d[32];
  char hx[65];
  cdlt_shake128("", 0, d, 32);
  hex(d, 32, hx);
  CHECK_EQ_STR(hx, "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
  cdlt_shake128("abc", 3, d, 32);
  hex(d, 32, hx);
  CHECK_EQ_STR(hx, "5881092dd818bf5cf8a3ddb793fbcba74097d5c526a6d35f97b83351940f2cc8");
  /* an XOF prefix is a prefix */
  cdlt_shake128("abc", 3, d, 5);
  hex(d, 5, hx);
  CHECK_EQ_STR(hx, "5881092dd8");
}

/* the reusable context gives the same digests as the one-shot function, call after call */
static void test_digest128_with_ctx(void) {
  cdlt_digest_ctx *ctx = cdlt_digest_ctx_new();
  CHECK(ctx != NULL);
  char in[300], a[64], b[64];
  int bad = 0;
  for (size_t len = 0; len < sizeof in; len++) {
    in[len] = (char)('a' + len % 26);
    size_t nbytes = len % 2 ? 10 : 15;
    cdlt_digest128(in, len, nbytes, a);
    cdlt_digest128_with(ctx, in, len, nbytes, b);
    if (strcmp(a, b)) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  cdlt_digest128_with(ctx, "2", 1, 15, b);
  cdlt_digest128("2", 1, 15, a);
  CHECK_EQ_STR(b, a);
  cdlt_digest_ctx_free(ctx);
}

static void test_digest128(void) {
  char out[64];
  const char *s = "SB/mvsew9rzxPA_users__pets_0";
  cdlt_digest128(s, strlen(s), 10, out);
  CHECK_EQ_STR(out, "7GZrBRW/typaiw");
  cdlt_digest128("2", 1, 15, out);
  CHECK_EQ_STR(out, "Tp44cKMYfAuJiBfxLAqu");
  cdlt_digest128("{\"id\":1}", 8, 10, out);  /* §3.3 key_hash example */
  CHECK_EQ_STR(out, "z5jIxXIbUnmbKw");
  CHECK_EQ_INT(cdlt_base64_encoded_len(10, false), 14);
  CHECK_EQ_INT(cdlt_base64_encoded_len(15, false), 20);
}

static void test_base64(void) {
  static const struct { const char *raw, *pad, *nopad; } v[] = {
      {"", "", ""},          {"f", "Zg==", "Zg"},         {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"}, {"foob", "Zm9vYg==", "Zm9vYg"}, {"fooba", "Zm9vYmE=", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char enc[32];
    uint8_t dec[32];
    size_t n = strlen(v[i].raw), dl = 99;
    CHECK_EQ_INT(cdlt_base64_encode((const uint8_t *)v[i].raw, n, enc, true), strlen(v[i].pad));
    CHECK_EQ_STR(enc, v[i].pad);
    CHECK_EQ_INT(cdlt_base64_encoded_len(n, true), strlen(v[i].pad));
    CHECK_EQ_INT(cdlt_base64_encode((const uint8_t *)v[i].raw, n, enc, false), strlen(v[i].nopad));
    CHECK_EQ_STR(enc, v[i].nopad);
    CHECK_EQ_INT(cdlt_base64_encoded_len(n, false), strlen(v[i].nopad));
    cdlt_error err = {0};
    CHECK_OK(cdlt_base64_decode(v[i].pad, strlen(v[i].pad), dec, &dl, &err), &err);
    CHECK(dl == n && memcmp(dec, v[i].raw, n) == 0);
    CHECK_OK(cdlt_base64_decode(v[i].nopad, strlen(v[i].nopad), dec, &dl, &err), &err);
    CHECK(dl == n && memcmp(dec, v[i].raw, n) == 0);
  }
  /* all byte values round trip, + and / used */
  uint8_t all[256], back[256 + 3];
  for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
  char enc[400];
  size_t el = cdlt_base64_encode(all, 256, enc, true), dl = 0;
  CHECK(strchr(enc, '+') && strchr(enc, '/'));
  cdlt_error err = {0};
  CHECK_OK(cdlt_base64_decode(enc, el, back, &dl, &err), &err);
  CHECK(dl == 256 && memcmp(all, back, 256) == 0);

  static const char *const bad[] = {"Zg=",  "Z",     "Zm9vY",  "Zm9v\n", "Zm 9v", "Zm-_",
                                    "Z===", "=Zg=",  "Zg==Zg==", "Zh==", "Zm9=", "Zg=A", "Zm9v===="};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cdlt_error e = {0};
    uint8_t out[16];
    int rc = cdlt_base64_decode(bad[i], strlen(bad[i]), out, &dl, &e);
    CHECK_MSG(rc == CDLT_ERR_PARSE, "base64 decode of invalid '%s' returned %d", bad[i], rc);
    CHECK_MSG(rc == 0 || e.msg[0], "error message for '%s'", bad[i]);
  }
}

static void test_random(void) {
  char id1[15], id2[15];
  CHECK_OK(cdlt_random_row_id(id1), (cdlt_error *)NULL);
  CHECK_OK(cdlt_random_row_id(id2), (cdlt_error *)NULL);
  CHECK_EQ_INT(strlen(id1), 14);
  CHECK(strcmp(id1, id2) != 0);
  uint8_t dec[16];
  size_t dl = 0;
  CHECK(cdlt_base64_decode(id1, 14, dec, &dl, NULL) == 0 && dl == 10);
  for (size_t n = 0; n < 40; n += 7) {
    char hx[64];
    memset(hx, '#', sizeof hx);
    CHECK_OK(cdlt_random_hex(hx, n), (cdlt_error *)NULL);
    CHECK_EQ_INT(strlen(hx), n);
    CHECK(strspn(hx, "0123456789abcdef") == n);
  }
  uint8_t big[5000] = {0};
  CHECK_OK(cdlt_random_bytes(big, sizeof big), (cdlt_error *)NULL);
  size_t zeros = 0;
  for (size_t i = 0; i < sizeof big; i++) zeros += big[i] == 0;
  CHECK(zeros < 100);
}

/* A forked child does not repeat its parent's next ids (the per-thread pool is refilled after a
 * fork): without the refill the child's next id would be the parent's next id. */
static void test_random_row_id_after_fork(void) {
  char first[15];
  CHECK_OK(cdlt_random_row_id(first), (cdlt_error *)NULL);   /* the pool is filled */
  int fds[2];
  CHECK(pipe(fds) == 0);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    char ids[3][15];
    for (int k = 0; k < 3; k++)
      if (cdlt_random_row_id(ids[k])) _exit(1);
    _exit(write(fds[1], ids, sizeof ids) == (ssize_t)sizeof ids ? 0 : 1);
  }
  close(fds[1]);
  char child[3][15], parent[3][15];
  CHECK(read(fds[0], child, sizeof child) == (ssize_t)sizeof child);
  close(fds[0]);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int k = 0; k < 3; k++) CHECK_OK(cdlt_random_row_id(parent[k]), (cdlt_error *)NULL);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) CHECK_MSG(strcmp(child[a], parent[b]) != 0, "child and parent both drew %s", child[a]);
}

static void test_zlib(void) {
  /* byte-exact with Python zlib.compress(data, 9) */
  const char *s = "{\"_state_version\":1,\"hello\":\"world world world world\"}";
  cdlt_buf z, back;
  cdlt_buf_init(&z);
  cdlt_buf_init(&back);
  CHECK_OK(cdlt_zlib_compress(s, strlen(s), 9, &z), (cdlt_error *)NULL);
  char hx[512];
  CHECK(z.len < 200);
  hex((const uint8_t *)z.data, z.len, hx);
  CHECK_EQ_STR(hx, "78daab568a2f2e492c498d2f4b2d2acecccf53b232d451ca48cdc9c957b2522acf2fca4951c020956a"
                   "011904138f");
  cdlt_error err = {0};
  CHECK_OK(cdlt_zlib_decompress(z.data, z.len, 0, &back, &err), &err);
  CHECK_EQ_STR(back.data, s);

  /* a big, partly incompressible payload round trips */
  size_t n = 3 * 1024 * 1024 + 17;
  uint8_t *big = malloc(n);
  CHECK(big != NULL);
  CHECK_OK(cdlt_random_bytes(big, n / 2), (cdlt_error *)NULL);
  for (size_t i = n / 2; i < n; i++) big[i] = (uint8_t)(i % 7);
  cdlt_buf_reset(&z);
  cdlt_buf_reset(&back);
  CHECK_OK(cdlt_zlib_compress(big, n, 9, &z), (cdlt_error *)NULL);
  CHECK_OK(cdlt_zlib_decompress(z.data, z.len, 0, &back, &err), &err);
  CHECK(back.len == n && memcmp(back.data, big, n) == 0);
  /* limit */
  cdlt_buf_reset(&back);
  CHECK_EQ_INT(cdlt_zlib_decompress(z.data, z.len, 1000, &back, &err), CDLT_ERR_LIMIT);
  CHECK_EQ_INT(back.len, 0);
  /* truncated, corrupt, trailing garbage */
  CHECK_EQ_INT(cdlt_zlib_decompress(z.data, z.len / 2, 0, &back, &err), CDLT_ERR_PARSE);
  CHECK_EQ_INT(back.len, 0);
  CHECK_EQ_INT(cdlt_zlib_decompress("not zlib at all", 15, 0, &back, &err), CDLT_ERR_PARSE);
  CHECK_EQ_INT(cdlt_zlib_decompress("", 0, 0, &back, &err), CDLT_ERR_PARSE);
  cdlt_buf_reset(&z);
  CHECK_OK(cdlt_zlib_compress("abc", 3, 9, &z), (cdlt_error *)NULL);
  CHECK_OK(cdlt_buf_append(&z, "xx", 2), (cdlt_error *)NULL);
  CHECK_EQ_INT(cdlt_zlib_decompress(z.data, z.len, 0, &back, &err), CDLT_ERR_PARSE);
  /* empty input */
  cdlt_buf_reset(&z);
  cdlt_buf_reset(&back);
  CHECK_OK(cdlt_zlib_compress("", 0, 9, &z), (cdlt_error *)NULL);
  CHECK_OK(cdlt_zlib_decompress(z.data, z.len, 0, &back, &err), &err);
  CHECK_EQ_INT(back.len, 0);
  free(big);
  cdlt_buf_release(&z);
  cdlt_buf_release(&back);
}

/* §1.1 tag fixtures (_compute_tag with collision probability 0.001) */
static void test_tags(void) {
  static const char *const fx[][2] = {
      {"3f17271231504b8cf65690bcdc379df8a3b8aabe12efe1ea82848ec5f497cb69", "gds0iw"},
      {"58e5c351b53ffe1233e0656a532a721ae1d2ac7af71b6cfec8ceb64c63b10721", "uyboiq"},
      {"e3f34629839cedcabba95354e48a78dc80b0cd35c02ddfbbf20196ba7f968866", "51wdcg"},
  };
  for (size_t i = 0; i < 3; i++) {
    char tag[7];
    cdlt_naming_tag(fx[i][0], strlen(fx[i][0]), tag);
    CHECK_EQ_STR(tag, fx[i][1]);
  }
}

int main(void) {
  test_sha3();
  test_shake();
  test_digest128();
  test_digest128_with_ctx();
  test_base64();
  test_random();
  test_random_row_id_after_fork();
  test_zlib();
  test_tags();
  return check_finish();
}
