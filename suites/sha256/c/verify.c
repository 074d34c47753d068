/* sha256_verify VECTORS: prints "NAME HEXDIGEST" for every vector of the
 * file, hashed with bn_sha256_digest (the benchmarks' op). Comparing with the
 * expected digests is left to the caller. Exit 2 on bad usage or an
 * unreadable / malformed file, 1 if OpenSSL fails. */
#include <stdio.h>
#include <stdlib.h>

#include "sha256op.h"
#include "vectors.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sha256_verify VECTORS.json (exactly one argument, got %d)\n", argc - 1);
        return 2;
    }
    struct bn_vector *vs;
    size_t n;
    char err[512];
    if (bn_vectors_load(argv[1], &vs, &n, err, sizeof err) < 0) {
        fprintf(stderr, "sha256_verify: %s\n", err);
        return 2;
    }
    EVP_MD *md = bn_sha256_fetch();
    if (!md) {
        fprintf(stderr, "sha256_verify: EVP_MD_fetch(SHA256) failed\n");
        bn_vectors_free(vs, n);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char d[BN_SHA256_LEN];
        char hex[2 * BN_SHA256_LEN + 1];
        if (!bn_sha256_digest(md, vs[i].input, vs[i].len, d)) {
            fprintf(stderr, "sha256_verify: EVP_Digest failed on %s\n", vs[i].name);
            rc = 1;
            break;
        }
        bn_hex(d, sizeof d, hex);
        printf("%s %s\n", vs[i].name, hex);
    }
    EVP_MD_free(md);
    bn_vectors_free(vs, n);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "sha256_verify: writing to stdout failed\n");
        return 1;
    }
    return rc;
}
