/*
 * workload.h — the five canonical benchmarks of the kernel contract as
 * workloads, shared by the Google Benchmark binary and the ops runner.
 *
 *   floor            bare mprotect(READ) + mprotect(NONE) on one mlocked page
 *   sequential       one verify; one worker
 *   parallel-owned   one verify; every worker has its own Secret
 *   parallel-locked  one verify under one extra shared mutex; one shared Secret
 *   parallel-shared  one verify (refcounted open/close); one shared Secret
 *
 * Every op verifies bench_candidate against bench_secret (equal, so the
 * compare runs over all 32 bytes); a false result is an error, so an op that
 * silently stopped comparing would be noticed.
 *
 * Codes: SECRET_OK, a secret_code, or one of the WORKLOAD_ERR_* below; errno
 * is kept for the codes that come from a system call, as in secret.h.
 */
#ifndef BENCHNORM_C_WORKLOAD_H
#define BENCHNORM_C_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    WORKLOAD_ERR_UNKNOWN = 100,  /* not a canonical benchmark name */
    WORKLOAD_ERR_WORKERS,        /* workers < 1, or != 1 for floor/sequential */
    WORKLOAD_ERR_MISMATCH,       /* verify said the candidate differs */
    WORKLOAD_ERR_HEX,            /* an embedded hex constant did not decode */
    WORKLOAD_ERR_NOMEM,          /* allocation failed (errno kept) */
    WORKLOAD_ERR_THREAD,         /* the shared mutex failed (errno kept) */
    WORKLOAD_ERR_FLOOR_MMAP,     /* floor page mmap (errno kept) */
    WORKLOAD_ERR_FLOOR_MLOCK,    /* floor page mlock (errno kept) */
    WORKLOAD_ERR_FLOOR_READ,     /* floor page mprotect PROT_READ (errno kept) */
    WORKLOAD_ERR_FLOOR_NONE,     /* floor page mprotect PROT_NONE (errno kept) */
    WORKLOAD_ERR_FLOOR_MUNLOCK,  /* floor page munlock (errno kept) */
    WORKLOAD_ERR_FLOOR_MUNMAP,   /* floor page munmap (errno kept) */
    WORKLOAD_ERR_NOT_SHARED,     /* the benchmark has no shared Secret */
};

#define WORKLOAD_COUNT 5
/* The canonical names, in the contract's order. */
extern const char *const workload_names[WORKLOAD_COUNT];

/* bench_secret_hex and bench_candidate_hex of spec/vectors.json, embedded. */
extern const char workload_bench_secret_hex[];
extern const char workload_bench_candidate_hex[];

/* Decode hex (even length, 0-9a-fA-F) into out (cap bytes); *n gets the
 * length. Returns false on bad input or when it does not fit. */
bool workload_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *n);

bool workload_known(const char *name);
/* True for floor and sequential, which run with exactly one worker. */
bool workload_serial(const char *name);

typedef struct workload workload;

/* Build everything the benchmark needs for workers workers: Secrets, the
 * floor page, the shared mutex. Nothing of it is timed. */
int workload_setup(const char *name, int workers, workload **out);

/* One op for worker i (0 <= i < workers). Safe to call from the workers'
 * threads concurrently, each with its own i. */
int workload_op(workload *w, int i);

/* The shared Secret's 0 -> 1 open transitions; WORKLOAD_ERR_NOT_SHARED for
 * benchmarks without a shared Secret (floor, sequential, parallel-owned). */
int workload_open_transitions(workload *w, uint64_t *out);

/* Destroy every Secret and page, then free w. Returns the first failure. */
int workload_close(workload *w);

/* One line for a code, as secret_describe. */
int workload_describe(int code, int errnum, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BENCHNORM_C_WORKLOAD_H */
