#include "sha256op.h"

EVP_MD *bn_sha256_fetch(void)
{
    return EVP_MD_fetch(NULL, "SHA256", NULL);
}

int bn_sha256_digest(const EVP_MD *md, const unsigned char *data, size_t len,
                     unsigned char out[BN_SHA256_LEN])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, md, NULL) == 1 && n == BN_SHA256_LEN;
}

void bn_pattern(unsigned char *buf, size_t len, unsigned mod)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(i % mod);
}

void bn_hex(const unsigned char *bytes, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
}
