/* Suite sha256 in C: the op (OpenSSL 3 EVP_Digest with SHA-256) and the
 * benchmark buffer. The benchmarks, the verify command and the tests all
 * hash through bn_sha256_digest, so what is checked is what is timed. */
#ifndef BN_SHA256OP_H
#define BN_SHA256OP_H

#include <stddef.h>

#include <openssl/evp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BN_SHA256_LEN 32
#define BN_PATTERN_MOD 251

/* Fetches the SHA-256 implementation once (EVP_MD_fetch); NULL on failure.
 * Release it with EVP_MD_free. */
EVP_MD *bn_sha256_fetch(void);

/* One op: the SHA-256 digest of len bytes at data into out. 1 on success,
 * 0 if OpenSSL reports a failure. */
int bn_sha256_digest(const EVP_MD *md, const unsigned char *data, size_t len,
                     unsigned char out[BN_SHA256_LEN]);

/* Fills buf with len bytes, byte i = i % mod (1 <= mod <= 256). */
void bn_pattern(unsigned char *buf, size_t len, unsigned mod);

/* Writes the lower-case hex of n bytes into hex (2n + 1 bytes, NUL-ended). */
void bn_hex(const unsigned char *bytes, size_t n, char *hex);

#ifdef __cplusplus
}
#endif

#endif
