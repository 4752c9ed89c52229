/* hash.c — SHA3-256, SHAKE-128, base64, dlt digests, randomness, zlib. See hash.h. */
#include "util/hash.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "cdlt/cdlt.h"

/* ------------------------------------------------------------------------------------------ */
/* digest algorithms: fetched once (an implicit fetch per EVP_DigestInit is measurably slower) */

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha3_256, *md_shake128;

static void md_fetch(void) {
  md_sha3_256 = EVP_MD_fetch(NULL, "SHA3-256", NULL);
  md_shake128 = EVP_MD_fetch(NULL, "SHAKE-128", NULL);
}

static void crypto_fail(const char *what) {
  /* libcrypto without SHA3/SHAKE or failing to hash: a broken installation (see hash.h). */
  fprintf(stderr, "cdlt: fatal: OpenSSL %s failed\n", what);
  abort();
}

static const EVP_MD *md_get(int shake) {
  pthread_once(&md_once, md_fetch);
  const EVP_MD *md = shake ? md_shake128 : md_sha3_256;
  if (!md) crypto_fail(shake ? "SHAKE-128 fetch" : "SHA3-256 fetch");
  return md;
}

/* ------------------------------------------------------------------------------------------ */
/* SHA3-256 */

void cdlt_sha3_256(const void *data, size_t len, uint8_t out[32]) {
  unsigned int n = 0;
  if (!EVP_Digest(data, len, out, &n, md_get(0), NULL) || n != 32) crypto_fail("SHA3-256");
}

struct cdlt_sha3_ctx {
  EVP_MD_CTX *md;
};

cdlt_sha3_ctx *cdlt_sha3_new(void) {
  cdlt_sha3_ctx *c = malloc(sizeof *c);
  if (!c) return NULL;
  c->md = EVP_MD_CTX_new();
  if (!c->md) { free(c); return NULL; }
  if (!EVP_DigestInit_ex(c->md, md_get(0), NULL)) crypto_fail("SHA3-256 init");
  return c;
}

void cdlt_sha3_update(cdlt_sha3_ctx *ctx, const void *data, size_t len) {
  if (len && !EVP_DigestUpdate(ctx->md, data, len)) crypto_fail("SHA3-256 update");
}

void cdlt_sha3_final(cdlt_sha3_ctx *ctx, uint8_t out[32]) {
  unsigned int n = 0;
  if (!EVP_DigestFinal_ex(ctx->md, out, &n) || n != 32) crypto_fail("SHA3-256 final");
  cdlt_sha3_free(ctx);
}

void cdlt_sha3_free(cdlt_sha3_ctx *ctx) {
  if (!ctx) return;
  EVP_MD_CTX_free(ctx->md);
  free(ctx);
}

/* ------------------------------------------------------------------------------------------ */
/* SHAKE-128 */

void cdlt_shake128(const void *data, size_t len, uint8_t *out, size_t outlen) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) crypto_fail("EVP_MD_CTX_new");
  if (!EVP_DigestInit_ex(md, md_get(1), NULL) || (len && !EVP_DigestUpdate(md, data, len)) ||
      !EVP_DigestFinalXOF(md, out, outlen))
    crypto_fail("SHAKE-128");
  EVP_MD_CTX_free(md);
}

/* ------------------------------------------------------------------------------------------ */
/* base64 */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t cdlt_base64_encoded_len(size_t n, bool pad) {
  if (pad) return (n + 2) / 3 * 4;
  return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t cdlt_base64_encode(const uint8_t *in, size_t n, char *out, bool pad) {
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = b64_alphabet[v >> 18];
    out[o++] = b64_alphabet[(v >> 12) & 63];
    out[o++] = b64_alphabet[(v >> 6) & 63];
    out[o++] = b64_alphabet[v & 63];
  }
  size_t rest = n - i;
  if (rest) {
    uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
    out[o++] = b64_alphabet[v >> 18];
    out[o++] = b64_alphabet[(v >> 12) & 63];
    if (rest == 2) out[o++] = b64_alphabet[(v >> 6) & 63];
    if (pad) {
      out[o++] = '=';
      if (rest == 1) out[o++] = '=';
    }
  }
  out[o] = 0;
  return o;
}

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int cdlt_base64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen, cdlt_error *err) {
  size_t body = n;
  if (n % 4 == 0 && n) {  /* possibly padded */
    if (in[n - 1] == '=') body--;
    if (in[n - 2] == '=') body--;
  }
  if (body % 4 == 1)
    return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid base64: impossible length %zu", n);
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < body; i++) {
    int v = b64_value((unsigned char)in[i]);
    if (v < 0)
      return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid base64: unexpected character at %zu", i);
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid base64: non-zero trailing bits");
  /* padding, when present, must be exactly what the body length calls for */
  if (body != n && (body + (4 - body % 4) % 4) != n)
    return cdlt_error_set(err, CDLT_ERR_PARSE, "invalid base64: bad padding");
  *outlen = o;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* dlt digests, randomness */

void cdlt_digest128(const char *s, size_t len, size_t nbytes, char *out) {
  uint8_t stackbuf[64];
  uint8_t *h = nbytes <= sizeof stackbuf ? stackbuf : malloc(nbytes);
  if (!h) crypto_fail("digest128 allocation");
  cdlt_shake128(s, len, h, nbytes);
  cdlt_base64_encode(h, nbytes, out, false);
  if (h != stackbuf) free(h);
}

struct cdlt_digest_ctx {
  EVP_MD_CTX *md;
};

cdlt_digest_ctx *cdlt_digest_ctx_new(void) {
  cdlt_digest_ctx *c = malloc(sizeof *c);
  if (!c) return NULL;
  c->md = EVP_MD_CTX_new();
  if (!c->md) { free(c); return NULL; }
  return c;
}

void cdlt_digest_ctx_free(cdlt_digest_ctx *ctx) {
  if (!ctx) return;
  EVP_MD_CTX_free(ctx->md);
  free(ctx);
}

void cdlt_digest128_with(cdlt_digest_ctx *ctx, const char *s, size_t len, size_t nbytes, char *out) {
  uint8_t stackbuf[64];
  uint8_t *h = nbytes <= sizeof stackbuf ? stackbuf : malloc(nbytes);
  if (!h) crypto_fail("digest128 allocation");
  if (!EVP_DigestInit_ex(ctx->md, md_get(1), NULL) || (len && !EVP_DigestUpdate(ctx->md, s, len)) ||
      !EVP_DigestFinalXOF(ctx->md, h, nbytes))
    crypto_fail("SHAKE-128");
  cdlt_base64_encode(h, nbytes, out, false);
  if (h != stackbuf) free(h);
}

int cdlt_random_bytes(uint8_t *out, size_t n) {
  while (n) {
    int chunk = n > INT_MAX ? INT_MAX : (int)n;
    if (RAND_bytes(out, chunk) != 1) return CDLT_ERR_INTERNAL;
    out += chunk;
    n -= (size_t)chunk;
  }
  return 0;
}

/* Root row ids are drawn from a per-thread pool refilled by one RAND_bytes call per 409 ids
 * (one call per row was ~8% of normalize). The pool is refilled after a fork, so a child process
 * never repeats its parent's ids: a fork handler bumps a generation the pool is checked against
 * (a getpid() system call per id was ~1% of normalize). */
#define ROW_ID_POOL 4090
static _Thread_local uint8_t row_id_pool[ROW_ID_POOL];
static _Thread_local size_t row_id_pos = ROW_ID_POOL;
static _Thread_local unsigned row_id_gen;
static atomic_uint fork_gen = 1;   /* thread pools start at 0: filled on first use */
static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void) { atomic_fetch_add(&fork_gen, 1); }
static void install_fork_handler(void) { pthread_atfork(NULL, NULL, after_fork_in_child); }

int cdlt_random_row_id(char out[15]) {
  pthread_once(&fork_handler_once, install_fork_handler);
  unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
  if (row_id_pos + 10 > ROW_ID_POOL || row_id_gen != gen) {
    int rc = cdlt_random_bytes(row_id_pool, ROW_ID_POOL);
    if (rc) return rc;
    row_id_pos = 0;
    row_id_gen = gen;
  }
  cdlt_base64_encode(row_id_pool + row_id_pos, 10, out, false);
  memset(row_id_pool + row_id_pos, 0, 10);   /* used bytes are not kept around */
  row_id_pos += 10;
  return 0;
}

int cdlt_random_hex(char *out, size_t nchars) {
  static const char hex[] = "0123456789abcdef";
  uint8_t b[32];
  size_t o = 0;
  while (o < nchars) {
    size_t want = (nchars - o + 1) / 2;
    if (want > sizeof b) want = sizeof b;
    int rc = cdlt_random_bytes(b, want);
    if (rc) return rc;
    for (size_t i = 0; i < want && o < nchars; i++) {
      out[o++] = hex[b[i] >> 4];
      if (o < nchars) out[o++] = hex[b[i] & 15];
    }
  }
  out[o] = 0;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* zlib */

int cdlt_zlib_compress(const void *data, size_t len, int level, cdlt_buf *out) {
  if (level < -1 || level > 9) return CDLT_ERR_USAGE;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  /* same parameters as CPython's zlib.compress: deflateInit(level) = window 15, memLevel 8 */
  if (deflateInit(&zs, level) != Z_OK) return CDLT_ERR_NOMEM;
  size_t start = out->len;
  int rc = 0;
  zs.next_in = (Bytef *)(uintptr_t)data;
  size_t left = len;
  for (;;) {
    uInt in_chunk = left > UINT_MAX ? UINT_MAX : (uInt)left;
    zs.avail_in = in_chunk;
    int flush = left == in_chunk ? Z_FINISH : Z_NO_FLUSH;
    int zr;
    do {
      if (cdlt_buf_reserve(out, 16384)) { rc = CDLT_ERR_NOMEM; goto done; }
      size_t room = out->cap - out->len - 1;
      if (room > UINT_MAX) room = UINT_MAX;
      zs.next_out = (Bytef *)out->data + out->len;
      zs.avail_out = (uInt)room;
      zr = deflate(&zs, flush);
      if (zr == Z_STREAM_ERROR) { rc = CDLT_ERR_INTERNAL; goto done; }
      out->len += room - zs.avail_out;
    } while (zs.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
    left -= in_chunk - zs.avail_in;
    if (flush == Z_FINISH) break;
  }
done:
  deflateEnd(&zs);
  if (rc) out->len = start;
  if (out->data) out->data[out->len] = 0;
  return rc;
}

int cdlt_zlib_decompress(const void *data, size_t len, size_t max_out, cdlt_buf *out,
                         cdlt_error *err) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit(&zs) != Z_OK) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  size_t start = out->len;
  int rc = 0;
  const Bytef *in = data;
  size_t left = len;
  int zr = Z_OK;
  while (zr != Z_STREAM_END) {
    if (zs.avail_in == 0) {
      if (!left) {
        rc = cdlt_error_set(err, CDLT_ERR_PARSE, "invalid zlib data: truncated stream");
        goto done;
      }
      zs.next_in = (Bytef *)(uintptr_t)in;
      zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
      in += zs.avail_in;
      left -= zs.avail_in;
    }
    if (cdlt_buf_reserve(out, 65536)) { rc = cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory"); goto done; }
    size_t room = out->cap - out->len - 1;
    if (room > UINT_MAX) room = UINT_MAX;
    zs.next_out = (Bytef *)out->data + out->len;
    zs.avail_out = (uInt)room;
    zr = inflate(&zs, Z_NO_FLUSH);
    out->len += room - zs.avail_out;
    if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_STREAM_ERROR || zr == Z_MEM_ERROR) {
      rc = cdlt_error_set(err, zr == Z_MEM_ERROR ? CDLT_ERR_NOMEM : CDLT_ERR_PARSE,
                          "invalid zlib data: %s", zs.msg ? zs.msg : "corrupt stream");
      goto done;
    }
    if (zr == Z_BUF_ERROR && zs.avail_in == 0 && !left) {
      rc = cdlt_error_set(err, CDLT_ERR_PARSE, "invalid zlib data: truncated stream");
      goto done;
    }
    if (max_out && out->len - start > max_out) {
      rc = cdlt_error_set(err, CDLT_ERR_LIMIT, "zlib data expands beyond %zu bytes", max_out);
      goto done;
    }
  }
  if (zs.avail_in || left) rc = cdlt_error_set(err, CDLT_ERR_PARSE, "invalid zlib data: trailing bytes after the stream");
done:
  inflateEnd(&zs);
  if (rc) out->len = start;
  if (out->data) out->data[out->len] = 0;
  return rc;
}
