/*
 * json.h — a small JSON reader, enough for spec/vectors.json and the JSON
 * the tools print. Shared by secretverify and test_secret.
 *
 * jparse builds a tree of jval; strings are NUL-terminated (a \u escape
 * above U+007F becomes '?', and one of U+0000 makes the string end early,
 * which no caller here needs). Objects keep their keys in order; jget
 * returns the first value of a key. Nesting deeper than JSON_MAX_DEPTH is
 * refused rather than recursed into. Out of memory aborts the program.
 */
#ifndef BENCHNORM_C_JSON_H
#define BENCHNORM_C_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype t;
    bool b;
    double num;
    char *str;          /* J_STR */
    size_t n;           /* J_ARR, J_OBJ: number of items */
    struct jval *items;
    char **keys;        /* J_OBJ */
} jval;

/* Parse text (len bytes, NUL-terminated) as exactly one JSON value into
 * *out; false when it is not one (a NUL before len included), and *out is
 * then an empty J_NULL. When err_at is not NULL it gets the byte offset of
 * the problem. */
bool jparse(const char *text, size_t len, jval *out, size_t *err_at);

/* Release what jparse allocated; *v becomes an empty J_NULL. */
void jfree(jval *v);

/* The value of key in obj, or NULL (also when obj is not an object). */
const jval *jget(const jval *obj, const char *key);

/* v's string, or NULL when v is NULL or not a string. */
const char *jstr(const jval *v);

/* The whole file at path, NUL-terminated, its length in *len (when not
 * NULL); NULL with errno set when it cannot be read. free() the result. */
char *read_file(const char *path, size_t *len);

#endif /* BENCHNORM_C_JSON_H */
