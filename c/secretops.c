/*
 * secretops — the C ops runner: performs exactly N ops of one canonical
 * benchmark with T threads and prints one JSON line saying what it did, so
 * that syscalls can be counted from outside (perf stat, strace) for a known
 * number of ops.
 *
 *   secretops --bench NAME --threads T --ops N
 *
 * NAME is floor, sequential, parallel-owned, parallel-locked or
 * parallel-shared; T must be 1 for floor and sequential. The T threads pull
 * ops from one shared atomic budget of N, like Go's RunParallel. Set-up
 * (Secrets, the floor page, starting the threads) happens before the clock
 * starts; the clock stops when the last thread has been joined.
 *
 * Output, the only line on stdout:
 *
 *   {"lang":"c","bench":"parallel-shared","threads":2,"ops":10000,"wall_ns":31234567,"open_transitions":9120}
 *
 * open_transitions is present for parallel-shared only. Exit status: 0 on
 * success, 2 for a usage error, 1 for a runtime error; either error is one
 * line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"

#define USAGE "usage: secretops --bench NAME --threads T --ops N"

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("secretops: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (" USAGE ")\n", stderr);
    va_end(ap);
    return 2;
}

/* A whole number >= 1 written in decimal digits only, or -1. */
static long long parse_count(const char *s)
{
    if (s == NULL || *s == '\0')
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1)
        return -1;
    return v;
}

struct run {
    workload *w;
    atomic_llong budget; /* ops not yet taken */
    pthread_barrier_t ready;
    pthread_mutex_t mu;
    pthread_cond_t go_cv;
    bool go;
    int err_code, err_errno; /* first failure, under mu */
};

struct worker {
    struct run *run;
    int index;
};

static void *worker_main(void *arg)
{
    struct worker *me = arg;
    struct run *r = me->run;
    pthread_barrier_wait(&r->ready);
    pthread_mutex_lock(&r->mu);
    while (!r->go)
        pthread_cond_wait(&r->go_cv, &r->mu);
    pthread_mutex_unlock(&r->mu);

    while (atomic_fetch_sub_explicit(&r->budget, 1, memory_order_relaxed) > 0) {
        int code = workload_op(r->w, me->index);
        if (code != 0) {
            int e = errno;
            pthread_mutex_lock(&r->mu);
            if (r->err_code == 0) {
                r->err_code = code;
                r->err_errno = e;
            }
            pthread_mutex_unlock(&r->mu);
            atomic_store(&r->budget, -(1LL << 62)); /* stop the others */
            break;
        }
    }
    return NULL;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int runtime_error(const char *bench, int code, int errnum)
{
    char msg[256];
    workload_describe(code, errnum, msg, sizeof msg);
    fprintf(stderr, "secretops: %s: %s\n", bench, msg);
    return 1;
}

static int measure(const char *bench, int threads, long long ops)
{
    struct run r = {0};
    int code = workload_setup(bench, threads, &r.w);
    if (code != 0)
        return runtime_error(bench, code, errno);
    atomic_init(&r.budget, ops);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.go_cv, NULL);
    pthread_barrier_init(&r.ready, NULL, (unsigned)threads + 1);

    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    if (tids == NULL || ws == NULL) {
        fprintf(stderr, "secretops: %s: out of memory\n", bench);
        exit(1);
    }
    for (int i = 0; i < threads; i++) {
        ws[i] = (struct worker){&r, i};
        int rc = pthread_create(&tids[i], NULL, worker_main, &ws[i]);
        if (rc != 0) {
            /* Threads already started wait at the barrier forever; the
             * process exits right away, which ends them. */
            fprintf(stderr, "secretops: %s: pthread_create: %s\n", bench, strerror(rc));
            exit(1);
        }
    }
    pthread_barrier_wait(&r.ready); /* every thread exists and is waiting */
    int64_t t0 = now_ns();
    pthread_mutex_lock(&r.mu);
    r.go = true;
    pthread_cond_broadcast(&r.go_cv);
    pthread_mutex_unlock(&r.mu);
    for (int i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    int64_t wall = now_ns() - t0;
    free(tids);
    free(ws);

    uint64_t opens = 0;
    bool has_opens = strcmp(bench, "parallel-shared") == 0;
    if (has_opens && r.err_code == 0) {
        code = workload_open_transitions(r.w, &opens);
        if (code != 0) {
            r.err_code = code;
            r.err_errno = errno;
        }
    }
    int close_code = workload_close(r.w);
    int close_errno = errno;
    if (r.err_code != 0)
        return runtime_error(bench, r.err_code, r.err_errno);
    if (close_code != 0)
        return runtime_error(bench, close_code, close_errno);

    printf("{\"lang\":\"c\",\"bench\":\"%s\",\"threads\":%d,\"ops\":%lld,\"wall_ns\":%" PRId64, bench, threads, ops,
           wall);
    if (has_opens)
        printf(",\"open_transitions\":%" PRIu64, opens);
    printf("}\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "secretops: writing the result: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *bench = NULL, *threads_s = NULL, *ops_s = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *flag = arg, *value = NULL;
        char name[32];
        const char *eq = strchr(arg, '=');
        if (eq != NULL && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            flag = name;
            value = eq + 1;
        }
        const char **slot;
        if (strcmp(flag, "--bench") == 0 || strcmp(flag, "-bench") == 0)
            slot = &bench;
        else if (strcmp(flag, "--threads") == 0 || strcmp(flag, "-threads") == 0)
            slot = &threads_s;
        else if (strcmp(flag, "--ops") == 0 || strcmp(flag, "-ops") == 0)
            slot = &ops_s;
        else
            return usage_error("unknown argument \"%s\"", arg);
        if (*slot != NULL)
            return usage_error("%s given twice", flag);
        if (value == NULL) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", flag);
            value = argv[++i];
        }
        *slot = value;
    }
    if (bench == NULL)
        return usage_error("--bench is required");
    if (!workload_known(bench))
        return usage_error("unknown benchmark \"%s\"", bench);
    if (threads_s == NULL)
        return usage_error("--threads is required");
    long long threads = parse_count(threads_s);
    if (threads < 1 || threads > 4096)
        return usage_error("--threads \"%s\": expected a whole number from 1 to 4096", threads_s);
    if (ops_s == NULL)
        return usage_error("--ops is required");
    long long ops = parse_count(ops_s);
    if (ops < 1)
        return usage_error("--ops \"%s\": expected a whole number >= 1", ops_s);
    if (workload_serial(bench) && threads != 1)
        return usage_error("%s runs with one worker: --threads must be 1, not %s", bench, threads_s);
    return measure(bench, (int)threads, ops);
}
