/*
 * workload.c — the canonical benchmarks (see workload.h).
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "secret.h"
#include "hex.h"

const char *const workload_names[WORKLOAD_COUNT] = {
    "floor", "sequential", "parallel-owned", "parallel-locked", "parallel-shared",
};

/* Equal on purpose: the compare runs over all 32 bytes. test_secret checks
 * these against spec/vectors.json. */
const char workload_bench_secret_hex[] = "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f";
const char workload_bench_candidate_hex[] = "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f";

enum kind { FLOOR, SEQUENTIAL, OWNED, LOCKED, SHARED };

#define BENCH_MAX 64

struct workload {
    enum kind kind;
    int workers;
    size_t pg;
    uint8_t *floor_page;     /* floor only */
    secret **owned;          /* sequential, parallel-owned: one per worker */
    secret *shared;          /* parallel-locked, parallel-shared */
    pthread_mutex_t mu;      /* parallel-locked: around the whole op */
    bool mu_ready;
    uint8_t candidate[BENCH_MAX];
    size_t candidate_len;
};

bool workload_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
    size_t len = strlen(hex);
    if (len % 2 != 0 || len / 2 > cap)
        return false;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = len / 2;
    return true;
}

static int kind_of(const char *name)
{
    for (int i = 0; i < WORKLOAD_COUNT; i++)
        if (name != NULL && strcmp(name, workload_names[i]) == 0)
            return i; /* enum kind follows workload_names */
    return -1;
}

bool workload_known(const char *name)
{
    return kind_of(name) >= 0;
}

bool workload_serial(const char *name)
{
    int k = kind_of(name);
    return k == FLOOR || k == SEQUENTIAL;
}

/* The floor page: mapped, mlocked and touched like a Secret's data page,
 * then PROT_NONE, with no library code around the op's two mprotects. */
static int floor_page_new(size_t pg, uint8_t **out)
{
    void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return WORKLOAD_ERR_FLOOR_MMAP;
    int code = 0;
    if (mlock(p, pg) != 0)
        code = WORKLOAD_ERR_FLOOR_MLOCK;
    else {
        ((volatile uint8_t *)p)[pg - 1] = 1;
        if (mprotect(p, pg, PROT_NONE) != 0)
            code = WORKLOAD_ERR_FLOOR_NONE;
    }
    if (code != 0) {
        int e = errno;
        munmap(p, pg); /* also drops the lock, if any */
        errno = e;
        return code;
    }
    *out = p;
    return 0;
}

int workload_setup(const char *name, int workers, workload **out)
{
    int k = kind_of(name);
    if (k < 0)
        return WORKLOAD_ERR_UNKNOWN;
    if (workers < 1 || ((k == FLOOR || k == SEQUENTIAL) && workers != 1) || out == NULL)
        return WORKLOAD_ERR_WORKERS;

    workload *w = calloc(1, sizeof *w);
    if (w == NULL)
        return WORKLOAD_ERR_NOMEM;
    w->kind = (enum kind)k;
    w->workers = workers;
    w->pg = (size_t)sysconf(_SC_PAGESIZE);

    uint8_t secret_bytes[BENCH_MAX];
    size_t secret_len;
    int code = 0;
    if (!workload_hex_decode(workload_bench_secret_hex, secret_bytes, sizeof secret_bytes, &secret_len) ||
        !workload_hex_decode(workload_bench_candidate_hex, w->candidate, sizeof w->candidate, &w->candidate_len)) {
        free(w);
        return WORKLOAD_ERR_HEX;
    }

    switch (w->kind) {
    case FLOOR:
        code = floor_page_new(w->pg, &w->floor_page);
        break;
    case SEQUENTIAL:
    case OWNED:
        w->owned = calloc((size_t)workers, sizeof *w->owned);
        if (w->owned == NULL) {
            code = WORKLOAD_ERR_NOMEM;
            break;
        }
        for (int i = 0; i < workers && code == 0; i++)
            code = secret_new(secret_bytes, secret_len, &w->owned[i]);
        break;
    case LOCKED: {
        int rc = pthread_mutex_init(&w->mu, NULL);
        if (rc != 0) {
            errno = rc;
            code = WORKLOAD_ERR_THREAD;
            break;
        }
        w->mu_ready = true;
        code = secret_new(secret_bytes, secret_len, &w->shared);
        break;
    }
    case SHARED:
        code = secret_new(secret_bytes, secret_len, &w->shared);
        break;
    }
    explicit_bzero(secret_bytes, sizeof secret_bytes);
    if (code != 0) {
        int e = errno;
        workload_close(w);
        errno = e;
        return code;
    }
    *out = w;
    return 0;
}

static int verify_op(workload *w, secret *s)
{
    bool eq = false;
    int code = secret_verify(s, w->candidate, w->candidate_len, &eq);
    if (code != 0)
        return code;
    return eq ? 0 : WORKLOAD_ERR_MISMATCH;
}

int workload_op(workload *w, int i)
{
    switch (w->kind) {
    case FLOOR:
        if (mprotect(w->floor_page, w->pg, PROT_READ) != 0)
            return WORKLOAD_ERR_FLOOR_READ;
        if (mprotect(w->floor_page, w->pg, PROT_NONE) != 0)
            return WORKLOAD_ERR_FLOOR_NONE;
        return 0;
    case SEQUENTIAL:
    case OWNED:
        return verify_op(w, w->owned[i]);
    case LOCKED: {
        int rc = pthread_mutex_lock(&w->mu);
        if (rc != 0) {
            errno = rc;
            return WORKLOAD_ERR_THREAD;
        }
        int code = verify_op(w, w->shared);
        int e = errno;
        pthread_mutex_unlock(&w->mu);
        errno = e;
        return code;
    }
    case SHARED:
        return verify_op(w, w->shared);
    }
    return WORKLOAD_ERR_UNKNOWN;
}

int workload_open_transitions(workload *w, uint64_t *out)
{
    if (w->shared == NULL)
        return WORKLOAD_ERR_NOT_SHARED;
    return secret_open_transitions(w->shared, out);
}

int workload_close(workload *w)
{
    if (w == NULL)
        return 0;
    int first = 0, first_errno = 0;
#define KEEP(expr)                          \
    do {                                    \
        int c_ = (expr);                    \
        if (c_ != 0 && first == 0) {        \
            first = c_;                     \
            first_errno = errno;            \
        }                                   \
    } while (0)
    if (w->floor_page != NULL) {
        KEEP(munlock(w->floor_page, w->pg) != 0 ? WORKLOAD_ERR_FLOOR_MUNLOCK : 0);
        KEEP(munmap(w->floor_page, w->pg) != 0 ? WORKLOAD_ERR_FLOOR_MUNMAP : 0);
    }
    if (w->owned != NULL) {
        for (int i = 0; i < w->workers; i++)
            KEEP(secret_free(w->owned[i]));
        free(w->owned);
    }
    KEEP(secret_free(w->shared));
    if (w->mu_ready)
        pthread_mutex_destroy(&w->mu);
#undef KEEP
    free(w);
    errno = first_errno;
    return first;
}

int workload_describe(int code, int errnum, char *buf, size_t len)
{
    const char *step = NULL;
    switch (code) {
    case WORKLOAD_ERR_UNKNOWN:
        return snprintf(buf, len, "workload: unknown benchmark (want floor, sequential, parallel-owned, "
                                  "parallel-locked or parallel-shared)");
    case WORKLOAD_ERR_WORKERS:
        return snprintf(buf, len, "workload: bad worker count (at least 1; exactly 1 for floor and sequential)");
    case WORKLOAD_ERR_MISMATCH:
        return snprintf(buf, len, "workload: verify reported the benchmark candidate as different");
    case WORKLOAD_ERR_NOT_SHARED:
        return snprintf(buf, len, "workload: this benchmark has no shared Secret to count open transitions of");
    case WORKLOAD_ERR_HEX:
        return snprintf(buf, len, "workload: an embedded hex constant does not decode");
    case WORKLOAD_ERR_NOMEM: step = "allocate"; break;
    case WORKLOAD_ERR_THREAD: step = "shared mutex"; break;
    case WORKLOAD_ERR_FLOOR_MMAP: step = "mmap floor page"; break;
    case WORKLOAD_ERR_FLOOR_MLOCK: step = "mlock floor page"; break;
    case WORKLOAD_ERR_FLOOR_READ: step = "mprotect floor page PROT_READ"; break;
    case WORKLOAD_ERR_FLOOR_NONE: step = "mprotect floor page PROT_NONE"; break;
    case WORKLOAD_ERR_FLOOR_MUNLOCK: step = "munlock floor page"; break;
    case WORKLOAD_ERR_FLOOR_MUNMAP: step = "munmap floor page"; break;
    default:
        return secret_describe(code, errnum, buf, len);
    }
    const char *name = strerrorname_np(errnum);
    char text[128];
    return snprintf(buf, len, "workload: %s: %s (errno %d: %s)%s", step, name ? name : "unknown errno", errnum,
                    strerror_r(errnum, text, sizeof text),
                    code == WORKLOAD_ERR_FLOOR_MLOCK ? "; check RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK"
                                                     : "");
}
