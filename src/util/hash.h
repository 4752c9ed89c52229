/* hash.h — hashing, base64, randomness and zlib helpers (OpenSSL libcrypto + zlib).
 *
 * Everything here is byte-exact with the Python functions dlt uses:
 *   cdlt_sha3_256*     hashlib.sha3_256           (schema version_hash, contract §4.4)
 *   cdlt_shake128      hashlib.shake_128(...).digest(n)
 *   cdlt_digest128     dlt.common.utils.digest128 / digest128b: base64(shake128(s)[:n]) without '='
 *   cdlt_base64_*      base64.b64encode / b64decode (standard alphabet A-Za-z0-9+/)
 *   cdlt_zlib_*        zlib.compress(data, level) / zlib.decompress (zlib format, not gzip)
 *
 * All functions are thread-safe. Digest functions never fail (an OpenSSL failure is a broken
 * installation and aborts the process: there is no meaningful way to continue without hashing). */
#ifndef CDLT_UTIL_HASH_H
#define CDLT_UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

/* --- SHA3-256 --- */
void cdlt_sha3_256(const void *data, size_t len, uint8_t out[32]);

/* Incremental SHA3-256: new → update* → final. final writes the digest and frees the context
 * (the context must not be used afterwards). cdlt_sha3_free discards a context without finishing
 * (NULL-safe). new returns NULL only on allocation failure. */
typedef struct cdlt_sha3_ctx cdlt_sha3_ctx;
cdlt_sha3_ctx *cdlt_sha3_new(void);
void cdlt_sha3_update(cdlt_sha3_ctx *ctx, const void *data, size_t len);
void cdlt_sha3_final(cdlt_sha3_ctx *ctx, uint8_t out[32]);
void cdlt_sha3_free(cdlt_sha3_ctx *ctx);

/* --- SHAKE-128: first outlen bytes of the XOF output --- */
void cdlt_shake128(const void *data, size_t len, uint8_t *out, size_t outlen);

/* --- base64, standard alphabet --- */
/* Encoded length of n bytes (without the NUL): 4*ceil(n/3) padded, ceil(4n/3) unpadded. */
size_t cdlt_base64_encoded_len(size_t n, bool pad);
/* Writes the encoding of in[0..n) plus a NUL into out (cdlt_base64_encoded_len(n, pad) + 1 bytes);
 * returns the encoded length. pad=false omits the trailing '=' (as dlt's .rstrip("=")). */
size_t cdlt_base64_encode(const uint8_t *in, size_t n, char *out, bool pad);
/* Upper bound of the decoded size of n base64 chars. */
#define CDLT_BASE64_DECODED_MAX(n) (((n) / 4) * 3 + 3)
/* Strict decoder: accepts either the canonical padded form (length multiple of 4, 0-2 '=' only at
 * the end) or the same text with all padding removed. Rejects any other character (including
 * whitespace and the url-safe '-' '_'), '=' anywhere else, impossible lengths (n % 4 == 1) and
 * non-zero trailing bits. out needs CDLT_BASE64_DECODED_MAX(n) bytes; *outlen receives the size.
 * Returns 0 or CDLT_ERR_PARSE (message in err). */
int cdlt_base64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen, cdlt_error *err);

/* --- dlt digests --- */
/* dlt's digest128(s, nbytes): base64 of the first nbytes of SHAKE-128(s), '=' stripped. out needs
 * cdlt_base64_encoded_len(nbytes, false) + 1 bytes (nbytes=10 → 14 chars + NUL; 15 → 20 + NUL).
 * s is any byte string (UTF-8 for text), so this also is digest128b. */
void cdlt_digest128(const char *s, size_t len, size_t nbytes, char *out);

/* A reusable SHAKE-128 context for many digest128 calls on one thread (the normalizer's row ids):
 * saves OpenSSL's context allocation and setup per digest. Owned by the caller: free with
 * cdlt_digest_ctx_free (NULL is a no-op); new returns NULL when out of memory. */
typedef struct cdlt_digest_ctx cdlt_digest_ctx;
cdlt_digest_ctx *cdlt_digest_ctx_new(void);
void cdlt_digest_ctx_free(cdlt_digest_ctx *ctx);
/* cdlt_digest128 through ctx (same result). */
void cdlt_digest128_with(cdlt_digest_ctx *ctx, const char *s, size_t len, size_t nbytes, char *out);

/* --- randomness (OpenSSL RAND_bytes, CSPRNG) --- */
/* Fills out with n random bytes; returns 0 or CDLT_ERR_INTERNAL when the RNG fails. */
int cdlt_random_bytes(uint8_t *out, size_t n);
/* A random root-row _dlt_id: base64 of 10 random bytes, '=' stripped: 14 chars + NUL. */
int cdlt_random_row_id(char out[15]);
/* nchars random lowercase hex digits plus NUL into out (nchars + 1 bytes). */
int cdlt_random_hex(char *out, size_t nchars);

/* --- zlib (RFC 1950 stream, as Python's zlib.compress / zlib.decompress) --- */
/* Appends the compressed form of data to out. level 0-9 (-1 = zlib default; dlt state uses 9).
 * Returns 0, CDLT_ERR_NOMEM or CDLT_ERR_INTERNAL. */
int cdlt_zlib_compress(const void *data, size_t len, int level, cdlt_buf *out);
/* Appends the decompressed data to out. Fails with CDLT_ERR_PARSE on a corrupt or truncated
 * stream or trailing garbage, CDLT_ERR_LIMIT when the output would exceed max_out bytes
 * (0 = no limit). err may be NULL. */
int cdlt_zlib_decompress(const void *data, size_t len, size_t max_out, cdlt_buf *out,
                         cdlt_error *err);

#endif
