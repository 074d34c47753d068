/* A small JSON reader (objects, arrays, strings with escapes, numbers,
 * true/false/null) that is enough for vectors.json, and the vectors loader. */
#include "vectors.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256op.h"

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
    enum jtype type;
    int is_count;      /* J_NUM: a plain non-negative integer that fits */
    uint64_t count;
    char *str;         /* J_STR: bytes, NUL-ended (may hold NULs: see len) */
    size_t len;
    struct jval *items; /* J_ARR, J_OBJ: n values */
    char **keys;        /* J_OBJ: n keys */
    size_t n;
};

struct parser {
    const char *p, *end;
    char *err;
    size_t errlen;
    int depth;
};

static int fail(struct parser *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, ps->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void jfree(struct jval *v)
{
    free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_u4(struct parser *ps, unsigned *u)
{
    if (ps->end - ps->p < 4)
        return fail(ps, "short \\u escape");
    *u = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(ps->p[i]);
        if (h < 0)
            return fail(ps, "bad \\u escape");
        *u = *u << 4 | (unsigned)h;
    }
    ps->p += 4;
    return 0;
}

/* A string; ps->p is just past the opening quote. UTF-8 out. */
static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s)
        return fail(ps, "out of memory");
    for (;;) {
        if (ps->p >= ps->end) {
            free(s);
            return fail(ps, "unterminated string");
        }
        unsigned c = (unsigned char)*ps->p++;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(s);
            return fail(ps, "control character in string");
        }
        if (cap - n < 5) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                return fail(ps, "out of memory");
            }
            s = t;
        }
        if (c != '\\') {
            s[n++] = (char)c;
            continue;
        }
        if (ps->p >= ps->end) {
            free(s);
            return fail(ps, "unterminated string");
        }
        char e = *ps->p++;
        unsigned u;
        switch (e) {
        case '"': case '\\': case '/': s[n++] = e; break;
        case 'b': s[n++] = '\b'; break;
        case 'f': s[n++] = '\f'; break;
        case 'n': s[n++] = '\n'; break;
        case 'r': s[n++] = '\r'; break;
        case 't': s[n++] = '\t'; break;
        case 'u':
            if (read_u4(ps, &u) < 0) {
                free(s);
                return -1;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo;
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    free(s);
                    return fail(ps, "lone surrogate in \\u escape");
                }
                ps->p += 2;
                if (read_u4(ps, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
                    free(s);
                    return fail(ps, "bad surrogate pair in \\u escape");
                }
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                free(s);
                return fail(ps, "lone surrogate in \\u escape");
            }
            if (u < 0x80) {
                s[n++] = (char)u;
            } else if (u < 0x800) {
                s[n++] = (char)(0xC0 | u >> 6);
                s[n++] = (char)(0x80 | (u & 0x3F));
            } else if (u < 0x10000) {
                s[n++] = (char)(0xE0 | u >> 12);
                s[n++] = (char)(0x80 | (u >> 6 & 0x3F));
                s[n++] = (char)(0x80 | (u & 0x3F));
            } else {
                s[n++] = (char)(0xF0 | u >> 18);
                s[n++] = (char)(0x80 | (u >> 12 & 0x3F));
                s[n++] = (char)(0x80 | (u >> 6 & 0x3F));
                s[n++] = (char)(0x80 | (u & 0x3F));
            }
            break;
        default:
            free(s);
            return fail(ps, "bad escape \\%c in string", e);
        }
    }
    s[n] = '\0';
    *out = s;
    *outlen = n;
    return 0;
}

static int parse_value(struct parser *ps, struct jval *v);

static int parse_container(struct parser *ps, struct jval *v, char close)
{
    size_t cap = 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            struct jval *items = realloc(v->items, cap * sizeof *items);
            if (!items)
                return fail(ps, "out of memory");
            v->items = items;
            if (v->type == J_OBJ) {
                char **keys = realloc(v->keys, cap * sizeof *keys);
                if (!keys)
                    return fail(ps, "out of memory");
                v->keys = keys;
            }
        }
        struct jval *item = &v->items[v->n];
        memset(item, 0, sizeof *item);
        if (v->type == J_OBJ) {
            size_t klen;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a key string");
            ps->p++;
            if (parse_string(ps, &v->keys[v->n], &klen) < 0)
                return -1;
            v->n++; /* counted now so that jfree releases the key */
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p++ != ':')
                return fail(ps, "expected ':' after a key");
            if (parse_value(ps, item) < 0)
                return -1;
        } else {
            v->n++;
            if (parse_value(ps, item) < 0)
                return -1;
        }
        skip_ws(ps);
        if (ps->p >= ps->end)
            return fail(ps, "unexpected end of input");
        char c = *ps->p++;
        if (c == close)
            return 0;
        if (c != ',')
            return fail(ps, "expected ',' or '%c'", close);
    }
}

static int parse_number(struct parser *ps, struct jval *v)
{
    int plain = 1;
    uint64_t u = 0;
    if (ps->p < ps->end && *ps->p == '-') {
        plain = 0;
        ps->p++;
    }
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return fail(ps, "bad number");
    if (*ps->p == '0' && ps->end - ps->p > 1 && ps->p[1] >= '0' && ps->p[1] <= '9')
        return fail(ps, "number with a leading zero");
    for (; ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; ps->p++) {
        unsigned d = (unsigned)(*ps->p - '0');
        if (u > (UINT64_MAX - d) / 10)
            plain = 0;
        else
            u = u * 10 + d;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        plain = 0;
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad number");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        plain = 0;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad number");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    v->type = J_NUM;
    v->is_count = plain;
    v->count = plain ? u : 0;
    return 0;
}

static int literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "unexpected character '%c'", *ps->p);
    ps->p += n;
    return 0;
}

static int parse_value(struct parser *ps, struct jval *v)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    if (++ps->depth > 32)
        return fail(ps, "nested too deeply");
    int rc;
    switch (*ps->p) {
    case '{': ps->p++; v->type = J_OBJ; rc = parse_container(ps, v, '}'); break;
    case '[': ps->p++; v->type = J_ARR; rc = parse_container(ps, v, ']'); break;
    case '"': ps->p++; v->type = J_STR; rc = parse_string(ps, &v->str, &v->len); break;
    case 't': v->type = J_BOOL; rc = literal(ps, "true"); break;
    case 'f': v->type = J_BOOL; rc = literal(ps, "false"); break;
    case 'n': v->type = J_NULL; rc = literal(ps, "null"); break;
    default: rc = parse_number(ps, v); break;
    }
    ps->depth--;
    return rc;
}

static const struct jval *member(const struct jval *obj, const char *key)
{
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

/* The input object's bytes into v->input / v->len. */
static int expand(const struct jval *in, struct bn_vector *v, char *err, size_t errlen)
{
    const struct jval *text = member(in, "text"), *rep = member(in, "repeat"),
                      *count = member(in, "count"), *mod = member(in, "pattern_mod"),
                      *length = member(in, "length");
    if (text && in->n == 1) {
        if (text->type != J_STR)
            goto bad_string;
        v->len = text->len;
        v->input = malloc(v->len + 1);
        if (!v->input)
            goto oom;
        memcpy(v->input, text->str, v->len);
        return 0;
    }
    if (rep && count && in->n == 2) {
        if (rep->type != J_STR)
            goto bad_string;
        if (count->type != J_NUM || !count->is_count || count->count > SIZE_MAX / (rep->len + 1))
            goto bad_count;
        v->len = rep->len * (size_t)count->count;
        v->input = malloc(v->len + 1);
        if (!v->input)
            goto oom;
        for (size_t i = 0; i < (size_t)count->count; i++)
            memcpy(v->input + i * rep->len, rep->str, rep->len);
        return 0;
    }
    if (mod && length && in->n == 2) {
        if (mod->type != J_NUM || !mod->is_count || mod->count < 1 || mod->count > 256) {
            snprintf(err, errlen, "input: \"pattern_mod\" must be in 1..256");
            return -1;
        }
        if (length->type != J_NUM || !length->is_count || length->count >= SIZE_MAX)
            goto bad_count;
        v->len = (size_t)length->count;
        v->input = malloc(v->len + 1);
        if (!v->input)
            goto oom;
        bn_pattern(v->input, v->len, (unsigned)mod->count);
        return 0;
    }
    snprintf(err, errlen, "input: expected text, repeat+count or pattern_mod+length");
    return -1;
bad_string:
    snprintf(err, errlen, "input: \"text\" / \"repeat\" must be a string");
    return -1;
bad_count:
    snprintf(err, errlen, "input: \"count\" / \"length\" must be a non-negative integer");
    return -1;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int bn_vectors_parse(const char *text, size_t len, struct bn_vector **out, size_t *n, char *err,
                     size_t errlen)
{
    struct parser ps = {text, text + len, err, errlen, 0};
    struct jval doc;
    memset(&doc, 0, sizeof doc);
    struct bn_vector *vs = NULL;
    size_t nv = 0;
    char why[200];

    if (parse_value(&ps, &doc) < 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", err);
        snprintf(err, errlen, "not JSON: %s at byte %zu", msg, (size_t)(ps.p - text));
        goto fail;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        snprintf(err, errlen, "not JSON: trailing text at byte %zu", (size_t)(ps.p - text));
        goto fail;
    }
    const struct jval *list = doc.type == J_OBJ ? member(&doc, "vectors") : NULL;
    if (!list || list->type != J_ARR) {
        snprintf(err, errlen, "no \"vectors\" array");
        goto fail;
    }
    vs = calloc(list->n ? list->n : 1, sizeof *vs);
    if (!vs) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct jval *e = &list->items[i];
        const struct jval *name = e->type == J_OBJ ? member(e, "name") : NULL;
        if (!name || name->type != J_STR || name->len == 0 || strlen(name->str) != name->len
            || strpbrk(name->str, " \t\r\n\f\v")) {
            snprintf(err, errlen, "vector %zu: name must be a non-empty string without spaces", i);
            goto fail;
        }
        for (size_t j = 0; j < nv; j++)
            if (strcmp(vs[j].name, name->str) == 0) {
                snprintf(err, errlen, "vector \"%s\" appears twice", name->str);
                goto fail;
            }
        const struct jval *h = member(e, "sha256");
        int hex_ok = h && h->type == J_STR && h->len == 64;
        for (size_t k = 0; hex_ok && k < 64; k++)
            hex_ok = (h->str[k] >= '0' && h->str[k] <= '9') || (h->str[k] >= 'a' && h->str[k] <= 'f');
        if (!hex_ok) {
            snprintf(err, errlen, "vector \"%s\": sha256 must be 64 lower-case hex digits", name->str);
            goto fail;
        }
        const struct jval *in = member(e, "input");
        struct bn_vector *v = &vs[nv];
        v->name = strdup(name->str);
        if (!v->name) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        nv++;
        memcpy(v->sha256, h->str, 65);
        if (!in || in->type != J_OBJ) {
            snprintf(err, errlen, "vector \"%s\": input must be an object", name->str);
            goto fail;
        }
        if (expand(in, v, why, sizeof why) < 0) {
            snprintf(err, errlen, "vector \"%s\": %s", name->str, why);
            goto fail;
        }
    }
    jfree(&doc);
    *out = vs;
    *n = nv;
    return 0;
fail:
    jfree(&doc);
    bn_vectors_free(vs, nv);
    return -1;
}

int bn_vectors_load(const char *path, struct bn_vector **out, size_t *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 14, len = 0, got;
    char *text = malloc(cap);
    while (text && (got = fread(text + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *t = realloc(text, cap *= 2);
            if (!t)
                free(text);
            text = t;
        }
    }
    int read_error = ferror(f);
    fclose(f);
    if (!text || read_error) {
        snprintf(err, errlen, "%s: %s", path, text ? "read error" : "out of memory");
        free(text);
        return -1;
    }
    char msg[256];
    int rc = bn_vectors_parse(text, len, out, n, msg, sizeof msg);
    free(text);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, msg);
    return rc;
}

void bn_vectors_free(struct bn_vector *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].input);
    }
    free(v);
}
