/*
 * secretverify — answers the test vectors of the guarded-secret suite with
 * the C kernel, the same secret_new / secret_verify / secret_destroy the
 * benchmarks measure.
 *
 *   secretverify VECTORS
 *
 * VECTORS is a JSON file such as spec/vectors.json. For every object of its
 * "verify" list (name, secret_hex, candidate_hex, ...) this builds a Secret
 * from secret_hex, verifies candidate_hex once and destroys the Secret, then
 * prints one line per vector in the file's order:
 *
 *   equal-32 true
 *   first-byte-differs false
 *
 * "expected" is not read: answering is the kernel's job, comparing is the
 * caller's. Nothing else goes to stdout, and no message ever holds secret
 * bytes or their hex (a malformed vector is named by its position and name
 * only). The file's text, the parsed strings and the decoded secrets are
 * zeroed before they are freed.
 *
 * Exit status: 0 when every vector was answered, whatever the answers; 2
 * with one line on stderr for a usage error or a file that cannot be read or
 * is not a well-formed vectors file; 1 with one line on stderr when the
 * kernel fails (for example mlock refused under RLIMIT_MEMLOCK). The whole
 * file is checked before the first Secret is built and the answers are
 * written once all are known, so a failed run prints nothing on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "secret.h"
#include "workload.h"

#define USAGE "usage: secretverify VECTORS"

struct vector {
    const char *name; /* points into the parsed tree */
    uint8_t *secret, *candidate;
    size_t secret_len, candidate_len;
};

__attribute__((format(printf, 2, 3))) static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("secretverify: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/* Zero every string of the tree (keys included) before it is freed. */
static void wipe_strings(jval *v)
{
    if (v->str)
        explicit_bzero(v->str, strlen(v->str));
    for (size_t i = 0; i < v->n; i++) {
        wipe_strings(&v->items[i]);
        if (v->keys && v->keys[i])
            explicit_bzero(v->keys[i], strlen(v->keys[i]));
    }
}

/* Non-empty, no space and no control character: it can stand as the first
 * word of an answer line. */
static bool valid_name(const char *name)
{
    if (name == NULL || *name == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* Decode item[key] into *out; false when it is absent, not a string or not
 * an even number of hex digits. */
static bool hex_field(const jval *item, const char *key, uint8_t **out, size_t *n)
{
    const char *text = jstr(jget(item, key));
    if (text == NULL)
        return false;
    size_t cap = strlen(text) / 2 + 1;
    *out = malloc(cap);
    if (*out == NULL) {
        fputs("secretverify: out of memory\n", stderr);
        exit(1);
    }
    if (!workload_hex_decode(text, *out, cap, n)) {
        free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

/* Check the tree and decode its "verify" list into *out (count in *count).
 * On a problem, write it into msg and return false. The messages say where
 * the problem is, never what the values are. */
static bool decode(const jval *root, struct vector **out, size_t *count, char *msg, size_t len)
{
    if (root->t != J_OBJ) {
        snprintf(msg, len, "not a JSON object");
        return false;
    }
    const jval *list = jget(root, "verify");
    if (list == NULL) {
        snprintf(msg, len, "no \"verify\" list");
        return false;
    }
    if (list->t != J_ARR) {
        snprintf(msg, len, "\"verify\" is not a list of objects");
        return false;
    }
    if (list->n == 0) {
        snprintf(msg, len, "the \"verify\" list is empty");
        return false;
    }
    struct vector *vs = calloc(list->n, sizeof *vs);
    if (vs == NULL) {
        snprintf(msg, len, "out of memory");
        return false;
    }
    *out = vs;
    for (size_t i = 0; i < list->n; i++) {
        const jval *item = &list->items[i];
        *count = i;
        if (item->t != J_OBJ) {
            snprintf(msg, len, "\"verify\" is not a list of objects");
            return false;
        }
        const char *name = jstr(jget(item, "name"));
        if (!valid_name(name)) {
            snprintf(msg, len, "verify[%zu]: name is missing or not a non-empty string without spaces or control characters", i);
            return false;
        }
        vs[i].name = name;
        if (!hex_field(item, "secret_hex", &vs[i].secret, &vs[i].secret_len)) {
            snprintf(msg, len, "verify[%zu] (%s): secret_hex is missing, not a string or not an even number of hex digits", i, name);
            return false;
        }
        *count = i + 1;
        if (!hex_field(item, "candidate_hex", &vs[i].candidate, &vs[i].candidate_len)) {
            snprintf(msg, len, "verify[%zu] (%s): candidate_hex is missing, not a string or not an even number of hex digits", i, name);
            return false;
        }
    }
    *count = list->n;
    return true;
}

static void free_vectors(struct vector *vs, size_t count)
{
    for (size_t i = 0; vs != NULL && i < count; i++) {
        if (vs[i].secret) {
            explicit_bzero(vs[i].secret, vs[i].secret_len);
            free(vs[i].secret);
        }
        free(vs[i].candidate);
    }
    free(vs);
}

/* Build a Secret, verify once, destroy it. SECRET_OK or the first failure;
 * errno as the kernel left it. The decoded secret is zeroed as soon as the
 * Secret holds its own copy. */
static int answer(struct vector *v, bool *equal)
{
    secret *s = NULL;
    int code = secret_new(v->secret, v->secret_len, &s);
    explicit_bzero(v->secret, v->secret_len);
    if (code != SECRET_OK)
        return code;
    code = secret_verify(s, v->candidate_len ? v->candidate : NULL, v->candidate_len, equal);
    int saved = errno;
    int destroyed = secret_destroy(s);
    if (code == SECRET_OK && destroyed != SECRET_OK) {
        code = destroyed;
        saved = errno;
    }
    secret_free(s);
    errno = saved;
    return code;
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fputs(USAGE "\n", stderr);
        return 2;
    }
    const char *path = argv[1];
    size_t len;
    char *text = read_file(path, &len);
    if (text == NULL)
        return fail(2, "cannot read %s: %s", path, strerror(errno));
    jval root;
    size_t at = 0;
    bool parsed = jparse(text, len, &root, &at);
    explicit_bzero(text, len);
    free(text);
    if (!parsed)
        return fail(2, "%s: not valid JSON (error at byte %zu)", path, at);

    struct vector *vs = NULL;
    size_t count = 0;
    char msg[512];
    int status = 0;
    if (!decode(&root, &vs, &count, msg, sizeof msg)) {
        status = fail(2, "%s: %s", path, msg);
        goto out;
    }

    size_t cap = 64, used = 0;
    char *lines = malloc(cap);
    for (size_t i = 0; i < count && lines != NULL; i++) {
        bool equal = false;
        int code = answer(&vs[i], &equal);
        if (code != SECRET_OK) {
            char why[512];
            secret_describe(code, errno, why, sizeof why);
            status = fail(1, "vector %s: %s", vs[i].name, why);
            break;
        }
        size_t need = strlen(vs[i].name) + sizeof " false\n";
        while (used + need > cap) {
            char *grown = realloc(lines, cap *= 2);
            if (grown == NULL) {
                free(lines);
                lines = NULL;
                break;
            }
            lines = grown;
        }
        if (lines != NULL)
            used += (size_t)sprintf(lines + used, "%s %s\n", vs[i].name, equal ? "true" : "false");
    }
    if (lines == NULL)
        status = fail(1, "out of memory");
    else if (status == 0 && (fwrite(lines, 1, used, stdout) != used || fflush(stdout) != 0))
        status = fail(1, "writing the answers: %s", strerror(errno));
    free(lines);

out:
    free_vectors(vs, count);
    wipe_strings(&root);
    jfree(&root);
    return status;
}
