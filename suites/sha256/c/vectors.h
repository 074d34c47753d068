/* Reads the suite's vectors.json: {"vectors": [{"name": N, "input": I,
 * "sha256": H}, ...]} where I is {"text": S}, {"repeat": S, "count": N} or
 * {"pattern_mod": M, "length": N}. Other top-level keys are ignored. */
#ifndef BN_VECTORS_H
#define BN_VECTORS_H

#include <stddef.h>

struct bn_vector {
    char *name;
    unsigned char *input;
    size_t len;
    char sha256[65]; /* expected, lower-case hex */
};

/* Parses the file at path into *out (count in *n). 0 on success; -1 with a
 * one-line reason in err (errlen bytes) otherwise. */
int bn_vectors_load(const char *path, struct bn_vector **out, size_t *n, char *err, size_t errlen);

/* The same from text (len bytes). */
int bn_vectors_parse(const char *text, size_t len, struct bn_vector **out, size_t *n, char *err,
                     size_t errlen);

void bn_vectors_free(struct bn_vector *v, size_t n);

#endif
