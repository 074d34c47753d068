/*
 * secret.c — the guarded Secret: construction, verify, destroy (see secret.h).
 */
#define _GNU_SOURCE
#include "secret.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

void (*secret_hook_mapped)(void *base, size_t len);
void (*secret_hook_before_unmap)(const uint8_t *page, size_t len);

enum state { LIVE, DESTROYING, DESTROYED };

struct secret {
    pthread_mutex_t mu;
    pthread_cond_t idle;  /* signalled by the last reader to close while destroying */
    int readers;          /* verifies between open and close */
    uint64_t opens;       /* 0 -> 1 transitions of readers */
    enum state state;

    size_t pg;      /* page size */
    uint8_t *base;  /* the three pages, as mmap returned them */
    uint8_t *page;  /* the data page, base + pg */
    uint8_t *bytes; /* the secret, right-aligned at the end of page */
    size_t n;       /* its length */
};

/* ---- The canary: drawn once per process ------------------------------- */

static uint8_t canary[SECRET_CANARY_LEN];
static int canary_errno; /* 0 when the canary was drawn */
static pthread_once_t canary_once = PTHREAD_ONCE_INIT;

static void draw_canary(void)
{
    size_t got = 0;
    while (got < sizeof canary) {
        ssize_t r = getrandom(canary + got, sizeof canary - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            canary_errno = errno;
            return;
        }
        got += (size_t)r;
    }
}

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

size_t secret_max_len(void)
{
    return page_size() - SECRET_CANARY_LEN;
}

/* Constant-time equality of n bytes: every byte of both is read and folded
 * into a volatile accumulator, so the loop has no early exit and the
 * compiler cannot turn it into one. */
static bool equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
    const volatile uint8_t *va = a;
    const volatile uint8_t *vb = b;
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc = (uint8_t)(acc | (va[i] ^ vb[i]));
    return acc == 0;
}

/* Keep the first failure of a sequence of steps and its errno. */
struct first_err {
    secret_code code;
    int errnum;
};

static void note(struct first_err *f, secret_code code, int errnum)
{
    if (f->code == SECRET_OK) {
        f->code = code;
        f->errnum = errnum;
    }
}

static secret_code finish(struct first_err f)
{
    if (f.code != SECRET_OK)
        errno = f.errnum;
    return f.code;
}

/* Release a half-built Secret and return cause with its errno. locked says
 * the data page is mlocked and may already hold the secret. */
static secret_code abandon(secret *s, secret_code cause, int errnum, bool locked)
{
    if (locked) {
        if (mprotect(s->page, s->pg, PROT_READ | PROT_WRITE) == 0)
            explicit_bzero(s->page, s->pg);
        munlock(s->page, s->pg);
    }
    munmap(s->base, 3 * s->pg);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->mu);
    free(s);
    errno = errnum;
    return cause;
}

secret_code secret_new(const uint8_t *data, size_t n, secret **out)
{
    if (out == NULL)
        return SECRET_ERR_NULL;
    size_t pg = page_size();
    if (n < 1 || n > pg - SECRET_CANARY_LEN)
        return SECRET_ERR_LENGTH;
    if (data == NULL)
        return SECRET_ERR_NULL;

    pthread_once(&canary_once, draw_canary);
    if (canary_errno != 0) {
        errno = canary_errno;
        return SECRET_ERR_RANDOM;
    }

    secret *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SECRET_ERR_NOMEM;
    int rc = pthread_mutex_init(&s->mu, NULL);
    if (rc != 0) {
        free(s);
        errno = rc;
        return SECRET_ERR_THREAD;
    }
    rc = pthread_cond_init(&s->idle, NULL);
    if (rc != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        errno = rc;
        return SECRET_ERR_THREAD;
    }
    s->pg = pg;
    s->n = n;

    /* 1. Three pages, read-write while the secret is written. */
    void *base = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        int e = errno;
        pthread_cond_destroy(&s->idle);
        pthread_mutex_destroy(&s->mu);
        free(s);
        errno = e;
        return SECRET_ERR_MMAP;
    }
    s->base = base;
    s->page = s->base + pg;
    if (secret_hook_mapped != NULL)
        secret_hook_mapped(base, 3 * pg);

    /* 2. Keep the data page out of core dumps. */
    if (madvise(s->page, pg, MADV_DONTDUMP) != 0)
        return abandon(s, SECRET_ERR_MADVISE, errno, false);
    /* 3. Keep it out of swap. Nothing is written to it before this succeeds. */
    if (mlock(s->page, pg) != 0)
        return abandon(s, SECRET_ERR_MLOCK, errno, false);

    /* 4. Canary and secret, right-aligned. */
    size_t off = pg - SECRET_CANARY_LEN - n;
    memcpy(s->page + off, canary, SECRET_CANARY_LEN);
    s->bytes = s->page + off + SECRET_CANARY_LEN;
    memcpy(s->bytes, data, n);

    /* 5. Everything PROT_NONE: leading guard, data page, trailing guard. */
    if (mprotect(s->base, pg, PROT_NONE) != 0)
        return abandon(s, SECRET_ERR_PROTECT_GUARD, errno, true);
    if (mprotect(s->page, pg, PROT_NONE) != 0)
        return abandon(s, SECRET_ERR_PROTECT_NONE, errno, true);
    if (mprotect(s->page + pg, pg, PROT_NONE) != 0)
        return abandon(s, SECRET_ERR_PROTECT_GUARD, errno, true);

    s->state = LIVE;
    *out = s;
    return SECRET_OK;
}

static secret_code lock(secret *s)
{
    int rc = pthread_mutex_lock(&s->mu);
    if (rc != 0) {
        errno = rc;
        return SECRET_ERR_THREAD;
    }
    return SECRET_OK;
}

/* Unlock and return code with errnum in errno (unlocking must not clobber
 * the errno of the step that failed). */
static secret_code unlock_with(secret *s, secret_code code, int errnum)
{
    pthread_mutex_unlock(&s->mu);
    errno = errnum;
    return code;
}

/* Open: readers += 1; on 0 -> 1, mprotect PROT_READ, under the mutex. */
static secret_code open_page(secret *s)
{
    secret_code c = lock(s);
    if (c != SECRET_OK)
        return c;
    if (s->state != LIVE)
        return unlock_with(s, SECRET_ERR_DESTROYED, 0);
    if (s->readers == 0) {
        if (mprotect(s->page, s->pg, PROT_READ) != 0)
            return unlock_with(s, SECRET_ERR_PROTECT_READ, errno);
        s->opens++;
    }
    s->readers++;
    return unlock_with(s, SECRET_OK, 0);
}

/* Close: readers -= 1; on 1 -> 0, mprotect PROT_NONE, under the mutex. */
static secret_code close_page(secret *s)
{
    secret_code c = lock(s);
    if (c != SECRET_OK)
        return c;
    s->readers--;
    if (s->readers > 0)
        return unlock_with(s, SECRET_OK, 0);
    secret_code result = SECRET_OK;
    int errnum = 0;
    if (mprotect(s->page, s->pg, PROT_NONE) != 0) {
        result = SECRET_ERR_PROTECT_NONE;
        errnum = errno;
    }
    if (s->state == DESTROYING)
        pthread_cond_broadcast(&s->idle);
    return unlock_with(s, result, errnum);
}

secret_code secret_verify(secret *s, const uint8_t *candidate, size_t len, bool *equal)
{
    if (s == NULL || equal == NULL || (candidate == NULL && len != 0))
        return SECRET_ERR_NULL;
    secret_code c = open_page(s);
    if (c != SECRET_OK)
        return c;
    /* bytes and n do not change while this reader holds the page open. */
    bool eq = len == s->n && equal_ct(s->bytes, candidate, len);
    c = close_page(s);
    if (c != SECRET_OK)
        return c;
    *equal = eq;
    return SECRET_OK;
}

secret_code secret_open_transitions(secret *s, uint64_t *out)
{
    if (s == NULL || out == NULL)
        return SECRET_ERR_NULL;
    secret_code c = lock(s);
    if (c != SECRET_OK)
        return c;
    if (s->state != LIVE)
        return unlock_with(s, SECRET_ERR_DESTROYED, 0);
    *out = s->opens;
    return unlock_with(s, SECRET_OK, 0);
}

secret_code secret_destroy(secret *s)
{
    if (s == NULL)
        return SECRET_ERR_NULL;
    secret_code c = lock(s);
    if (c != SECRET_OK)
        return c;
    if (s->state != LIVE)
        return unlock_with(s, SECRET_OK, 0);
    s->state = DESTROYING;
    while (s->readers > 0) {
        int rc = pthread_cond_wait(&s->idle, &s->mu);
        if (rc != 0) {
            /* The mutex is held again; the page cannot be released under a
             * reader, so leave the Secret live and report. */
            s->state = LIVE;
            return unlock_with(s, SECRET_ERR_THREAD, rc);
        }
    }

    struct first_err f = {SECRET_OK, 0};
    if (mprotect(s->page, s->pg, PROT_READ | PROT_WRITE) != 0) {
        /* The page cannot be zeroed; unmapping still returns it to the
         * kernel, which clears pages before handing them out again. */
        note(&f, SECRET_ERR_PROTECT_RW, errno);
    } else {
        const uint8_t *found = s->bytes - SECRET_CANARY_LEN;
        if (!equal_ct(found, canary, SECRET_CANARY_LEN))
            note(&f, SECRET_ERR_CANARY, 0);
        explicit_bzero(s->page, s->pg);
        if (secret_hook_before_unmap != NULL)
            secret_hook_before_unmap(s->page, s->pg);
    }
    if (munlock(s->page, s->pg) != 0)
        note(&f, SECRET_ERR_MUNLOCK, errno);
    if (munmap(s->base, 3 * s->pg) != 0)
        note(&f, SECRET_ERR_MUNMAP, errno);
    s->base = s->page = s->bytes = NULL;
    s->state = DESTROYED;
    pthread_mutex_unlock(&s->mu);
    return finish(f);
}

secret_code secret_free(secret *s)
{
    if (s == NULL)
        return SECRET_OK;
    secret_code c = secret_destroy(s);
    int e = errno;
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->mu);
    free(s);
    errno = e;
    return c;
}

/* ---- Descriptions ------------------------------------------------------ */

static const char *const steps[SECRET_CODE_COUNT] = {
    [SECRET_ERR_NOMEM] = "allocate the handle",
    [SECRET_ERR_RANDOM] = "getrandom for the canary",
    [SECRET_ERR_THREAD] = "pthread mutex or condition",
    [SECRET_ERR_MMAP] = "mmap 3 pages",
    [SECRET_ERR_MADVISE] = "madvise data page MADV_DONTDUMP",
    [SECRET_ERR_MLOCK] = "mlock data page",
    [SECRET_ERR_PROTECT_GUARD] = "mprotect guard page PROT_NONE",
    [SECRET_ERR_PROTECT_NONE] = "mprotect data page PROT_NONE",
    [SECRET_ERR_PROTECT_READ] = "mprotect data page PROT_READ",
    [SECRET_ERR_PROTECT_RW] = "mprotect data page PROT_READ|PROT_WRITE",
    [SECRET_ERR_MUNLOCK] = "munlock data page",
    [SECRET_ERR_MUNMAP] = "munmap",
};

bool secret_code_has_errno(int code)
{
    return code > 0 && code < SECRET_CODE_COUNT && steps[code] != NULL;
}

int secret_describe(int code, int errnum, char *buf, size_t len)
{
    switch (code) {
    case SECRET_OK:
        return snprintf(buf, len, "secret: no error");
    case SECRET_ERR_LENGTH:
        return snprintf(buf, len, "secret: invalid length, want 1 to %zu bytes", secret_max_len());
    case SECRET_ERR_NULL:
        return snprintf(buf, len, "secret: a required pointer argument was NULL");
    case SECRET_ERR_DESTROYED:
        return snprintf(buf, len, "secret: used after destroy");
    case SECRET_ERR_CANARY:
        return snprintf(buf, len,
                        "secret: canary overwritten, memory before the secret was corrupted "
                        "(the page was still zeroed and unmapped)");
    default:
        break;
    }
    if (!secret_code_has_errno(code))
        return snprintf(buf, len, "secret: unknown error code %d", code);
    const char *name = strerrorname_np(errnum);
    char text[128];
    const char *what = strerror_r(errnum, text, sizeof text);
    return snprintf(buf, len, "secret: %s: %s (errno %d: %s)%s", steps[code], name ? name : "unknown errno",
                    errnum, what,
                    code == SECRET_ERR_MLOCK ? "; check RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK" : "");
}

/* ---- Test hooks -------------------------------------------------------- */

secret_code secret_test_layout(secret *s, uint8_t **base, uint8_t **page, uint8_t **bytes, size_t *n)
{
    if (s == NULL)
        return SECRET_ERR_NULL;
    secret_code c = lock(s);
    if (c != SECRET_OK)
        return c;
    if (s->state != LIVE)
        return unlock_with(s, SECRET_ERR_DESTROYED, 0);
    if (base)
        *base = s->base;
    if (page)
        *page = s->page;
    if (bytes)
        *bytes = s->bytes;
    if (n)
        *n = s->n;
    return unlock_with(s, SECRET_OK, 0);
}

secret_code secret_test_open(secret *s)
{
    return s == NULL ? SECRET_ERR_NULL : open_page(s);
}

secret_code secret_test_close(secret *s)
{
    return s == NULL ? SECRET_ERR_NULL : close_page(s);
}

secret_code secret_test_corrupt_canary(secret *s)
{
    if (s == NULL)
        return SECRET_ERR_NULL;
    secret_code c = lock(s);
    if (c != SECRET_OK)
        return c;
    if (s->state != LIVE)
        return unlock_with(s, SECRET_ERR_DESTROYED, 0);
    if (s->readers != 0 || mprotect(s->page, s->pg, PROT_READ | PROT_WRITE) != 0)
        return unlock_with(s, SECRET_ERR_PROTECT_RW, s->readers != 0 ? EBUSY : errno);
    s->bytes[-1] ^= 0x01;
    if (mprotect(s->page, s->pg, PROT_NONE) != 0)
        return unlock_with(s, SECRET_ERR_PROTECT_NONE, errno);
    return unlock_with(s, SECRET_OK, 0);
}
