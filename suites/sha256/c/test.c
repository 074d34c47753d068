/* Tests of the C side of suite sha256: the FIPS 180-2 examples, every vector
 * of vectors.json, the benchmark buffer and the JSON reader's refusals.
 * `make test` builds and runs it with the path of vectors.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256op.h"
#include "vectors.h"

static int failures;

#define CHECK(cond, ...)                                      \
    do {                                                      \
        if (!(cond)) {                                        \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                     \
            fputc('\n', stderr);                              \
            failures++;                                       \
        }                                                     \
    } while (0)

/* FIPS 180-2's published digests, written out here independently of
 * vectors.json so a wrong file and a wrong hash cannot agree. */
static const struct { const char *text; const char *sha256; } fips[] = {
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};
static const char million_a[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static void hex_digest(const EVP_MD *md, const unsigned char *p, size_t n, char hex[65])
{
    unsigned char d[BN_SHA256_LEN];
    if (!bn_sha256_digest(md, p, n, d)) {
        strcpy(hex, "EVP_Digest failed");
        return;
    }
    bn_hex(d, sizeof d, hex);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sha256_test VECTORS.json\n");
        return 2;
    }
    EVP_MD *md = bn_sha256_fetch();
    if (!md) {
        fprintf(stderr, "EVP_MD_fetch(SHA256) failed\n");
        return 1;
    }
    char hex[65];

    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        hex_digest(md, (const unsigned char *)fips[i].text, strlen(fips[i].text), hex);
        CHECK(strcmp(hex, fips[i].sha256) == 0, "\"%s\": %s", fips[i].text, hex);
    }
    unsigned char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    hex_digest(md, a, 1000000, hex);
    CHECK(strcmp(hex, million_a) == 0, "million a: %s", hex);

    struct bn_vector *vs;
    size_t n;
    char err[512];
    if (bn_vectors_load(argv[1], &vs, &n, err, sizeof err) < 0) {
        fprintf(stderr, "FAIL loading %s\n", err);
        return 1;
    }
    CHECK(n == 7, "%zu vectors, want 7", n);
    for (size_t i = 0; i < n; i++) {
        hex_digest(md, vs[i].input, vs[i].len, hex);
        CHECK(strcmp(hex, vs[i].sha256) == 0, "%s: %s, want %s", vs[i].name, hex, vs[i].sha256);
        for (size_t k = 0; k < sizeof fips / sizeof fips[0]; k++)
            if (vs[i].len == strlen(fips[k].text) && memcmp(vs[i].input, fips[k].text, vs[i].len) == 0)
                CHECK(strcmp(vs[i].sha256, fips[k].sha256) == 0, "%s: file disagrees with FIPS", vs[i].name);
        if (vs[i].len == 1000000 && memcmp(vs[i].input, a, 1000000) == 0)
            CHECK(strcmp(vs[i].sha256, million_a) == 0, "%s: file disagrees with FIPS", vs[i].name);
    }
    static const size_t sizes[] = {64, 4096, 1048576};
    for (size_t k = 0; k < 3; k++) {
        char name[32];
        snprintf(name, sizeof name, "buffer-%zu", sizes[k]);
        const struct bn_vector *found = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(vs[i].name, name) == 0)
                found = &vs[i];
        CHECK(found != NULL, "no vector %s", name);
        if (found) {
            unsigned char *b = malloc(sizes[k]);
            bn_pattern(b, sizes[k], BN_PATTERN_MOD);
            CHECK(found->len == sizes[k] && memcmp(found->input, b, sizes[k]) == 0,
                  "%s is not the benchmark buffer", name);
            free(b);
        }
    }
    bn_vectors_free(vs, n);
    free(a);

    /* Input forms, escapes included. */
    const char *good = "{\"x\": [1, true, null, -2.5e3], \"vectors\": ["
                       "{\"name\": \"t\", \"input\": {\"text\": \"h\\u00e9\\n\"}, \"sha256\": \"%s\"},"
                       "{\"name\": \"r\", \"input\": {\"repeat\": \"ab\", \"count\": 3}, \"sha256\": \"%s\"},"
                       "{\"name\": \"p\", \"input\": {\"pattern_mod\": 3, \"length\": 5}, \"sha256\": \"%s\"}]}";
    char doc[1024];
    const char *z = "0000000000000000000000000000000000000000000000000000000000000000";
    snprintf(doc, sizeof doc, good, z, z, z);
    if (bn_vectors_parse(doc, strlen(doc), &vs, &n, err, sizeof err) < 0) {
        CHECK(0, "good document refused: %s", err);
    } else {
        CHECK(n == 3, "%zu vectors", n);
        CHECK(vs[0].len == 4 && memcmp(vs[0].input, "h\xc3\xa9\n", 4) == 0, "text escapes");
        CHECK(vs[1].len == 6 && memcmp(vs[1].input, "ababab", 6) == 0, "repeat");
        CHECK(vs[2].len == 5 && memcmp(vs[2].input, "\0\1\2\0\1", 5) == 0, "pattern");
        bn_vectors_free(vs, n);
    }
    static const char *const bad[] = {
        "", "{}", "{\"vectors\": 1}", "{\"vectors\": [}", "{\"vectors\": []} x",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"text\": \"a\"}, \"sha256\": \"ABC\"}]}",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"text\": 1}, \"sha256\": \"%s\"}]}",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"repeat\": \"a\"}, \"sha256\": \"%s\"}]}",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"repeat\": \"a\", \"count\": -1}, \"sha256\": \"%s\"}]}",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"pattern_mod\": 0, \"length\": 1}, \"sha256\": \"%s\"}]}",
        "{\"vectors\": [{\"name\": \"a b\", \"input\": {\"text\": \"\"}, \"sha256\": \"%s\"}]}",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"text\": \"\\q\"}, \"sha256\": \"%s\"}]}",
        "{\"vectors\": [{\"name\": \"x\", \"input\": {\"text\": \"\"}, \"sha256\": \"%s\"},"
        " {\"name\": \"x\", \"input\": {\"text\": \"\"}, \"sha256\": \"%s\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(doc, sizeof doc, bad[i], z, z);
        int rc = bn_vectors_parse(doc, strlen(doc), &vs, &n, err, sizeof err);
        CHECK(rc < 0, "accepted %s", doc);
        if (rc == 0)
            bn_vectors_free(vs, n);
    }

    EVP_MD_free(md);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("sha256_test: all checks passed\n");
    return 0;
}
