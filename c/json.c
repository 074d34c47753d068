/*
 * json.c — the small JSON reader of json.h.
 */
#define _GNU_SOURCE
#include "json.h"
#include "hex.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jparser {
    const char *p;
    bool bad;
    int depth;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fputs("out of memory\n", stderr);
        abort();
    }
    return q;
}

static void jskip(struct jparser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r')
        ps->p++;
}

/* A string at ps->p; on a problem ps->bad is set and ps->p stays inside
 * the text (never past its NUL). */
static char *jstring(struct jparser *ps)
{
    if (*ps->p != '"') {
        ps->bad = true;
        return NULL;
    }
    ps->p++;
    size_t cap = 16, len = 0;
    char *out = xrealloc(NULL, cap);
    while (*ps->p != '"') {
        char c = *ps->p;
        if (c == '\0' || (unsigned char)c < 0x20) {
            ps->bad = true;
            break;
        }
        ps->p++;
        if (c == '\\') {
            char e = *ps->p;
            if (e == '\0') {
                ps->bad = true;
                break;
            }
            ps->p++;
            switch (e) {
            case '"': case '\\': case '/': c = e; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4 && !ps->bad; i++) {
                    int d = hex_value(*ps->p);
                    if (d < 0)
                        ps->bad = true;
                    else {
                        v = v * 16 + (unsigned)d;
                        ps->p++;
                    }
                }
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default:
                ps->bad = true;
            }
            if (ps->bad)
                break;
        }
        if (len + 1 >= cap)
            out = xrealloc(out, cap *= 2);
        out[len++] = c;
    }
    if (!ps->bad)
        ps->p++;
    out[len] = '\0';
    return out;
}

static void jvalue(struct jparser *ps, jval *v)
{
    memset(v, 0, sizeof *v);
    jskip(ps);
    char c = *ps->p;
    if (c == '{' || c == '[') {
        if (++ps->depth > JSON_MAX_DEPTH) {
            ps->bad = true;
            return;
        }
        bool obj = c == '{';
        v->t = obj ? J_OBJ : J_ARR;
        ps->p++;
        jskip(ps);
        if (*ps->p == (obj ? '}' : ']')) {
            ps->p++;
            ps->depth--;
            return;
        }
        for (;;) {
            v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
            if (obj) {
                v->keys = xrealloc(v->keys, (v->n + 1) * sizeof *v->keys);
                jskip(ps);
                v->keys[v->n] = jstring(ps);
                jskip(ps);
                if (ps->bad || *ps->p != ':') {
                    ps->bad = true;
                    memset(&v->items[v->n++], 0, sizeof *v->items);
                    return;
                }
                ps->p++;
            }
            jvalue(ps, &v->items[v->n++]);
            if (ps->bad)
                return;
            jskip(ps);
            if (*ps->p == ',') {
                ps->p++;
                continue;
            }
            if (*ps->p == (obj ? '}' : ']')) {
                ps->p++;
                ps->depth--;
                return;
            }
            ps->bad = true;
            return;
        }
    }
    if (c == '"') {
        v->t = J_STR;
        v->str = jstring(ps);
        return;
    }
    if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
        v->t = J_BOOL;
        v->b = c == 't';
        ps->p += v->b ? 4 : 5;
        return;
    }
    if (strncmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        return;
    }
    /* JSON numbers only: strtod alone would take inf, nan and hex too. */
    if (c != '-' && !isdigit((unsigned char)c)) {
        ps->bad = true;
        return;
    }
    char *end;
    v->num = strtod(ps->p, &end);
    if (end == ps->p) {
        ps->bad = true;
        return;
    }
    v->t = J_NUM;
    ps->p = end;
}

void jfree(jval *v)
{
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

bool jparse(const char *text, size_t len, jval *out, size_t *err_at)
{
    struct jparser ps = {text, false, 0};
    jvalue(&ps, out);
    jskip(&ps);
    if (ps.bad || *ps.p != '\0' || (size_t)(ps.p - text) != len) {
        if (err_at != NULL)
            *err_at = (size_t)(ps.p - text);
        jfree(out);
        return false;
    }
    return true;
}

const jval *jget(const jval *obj, const char *key)
{
    if (obj == NULL || obj->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

const char *jstr(const jval *v)
{
    return v != NULL && v->t == J_STR ? v->str : NULL;
}

char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = xrealloc(NULL, cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    if (ferror(f)) {
        int saved = errno ? errno : EIO;
        fclose(f);
        free(buf);
        errno = saved;
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}
