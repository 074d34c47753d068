/*
 * secret.h — the guarded-secret kernel in C, as the kernel contract defines it.
 *
 * One Secret is one anonymous private mapping of three pages:
 *
 *   base        guard page  PROT_NONE for the Secret's whole life
 *   base+PG     data page   mlocked, MADV_DONTDUMP, PROT_NONE at rest
 *                 [ zero ... ][ canary: 16 bytes ][ secret: n bytes ]  (right-aligned)
 *   base+2PG    guard page  PROT_NONE for the Secret's whole life
 *
 * secret_verify opens the data page (readers 0 -> 1: mprotect PROT_READ),
 * compares in constant time, and closes it (readers 1 -> 0: mprotect
 * PROT_NONE); the count and its mprotect change together under the Secret's
 * mutex. A verify that overlaps no other is exactly two mprotect calls.
 *
 * Errors
 * ------
 * Every function that can fail returns a secret_code: SECRET_OK (0) or one
 * of the SECRET_ERR_* values. When a system call failed, errno holds what
 * that call set (the clean-up that follows does not overwrite it); for the
 * other codes errno is unspecified. secret_describe turns a code and an
 * errno into one line of text. No message ever contains secret bytes.
 *
 * Lifetime
 * --------
 * secret_destroy zeroes and releases the pages but keeps the small handle,
 * so any later use returns SECRET_ERR_DESTROYED instead of touching freed
 * memory. secret_free destroys (if needed) and releases the handle too;
 * after it the pointer is gone, as after free(3).
 *
 * All functions are safe to call from several threads on one Secret, except
 * secret_free, which must be the last call on it.
 */
#ifndef BENCHNORM_C_SECRET_H
#define BENCHNORM_C_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SECRET_CANARY_LEN 16

typedef enum secret_code {
    SECRET_OK = 0,
    SECRET_ERR_LENGTH,        /* length outside 1 .. secret_max_len() */
    SECRET_ERR_NULL,          /* a required pointer was NULL */
    SECRET_ERR_DESTROYED,     /* the Secret was destroyed */
    SECRET_ERR_CANARY,        /* destroy found the canary overwritten (page still zeroed and unmapped) */
    SECRET_ERR_NOMEM,         /* the handle could not be allocated (errno kept) */
    SECRET_ERR_RANDOM,        /* getrandom failed drawing the canary (errno kept) */
    SECRET_ERR_THREAD,        /* a pthread mutex/condition call failed (errno kept) */
    SECRET_ERR_MMAP,          /* mmap of the three pages (errno kept) */
    SECRET_ERR_MADVISE,       /* madvise MADV_DONTDUMP on the data page (errno kept) */
    SECRET_ERR_MLOCK,         /* mlock of the data page: check RLIMIT_MEMLOCK (errno kept) */
    SECRET_ERR_PROTECT_GUARD, /* mprotect PROT_NONE on a guard page (errno kept) */
    SECRET_ERR_PROTECT_NONE,  /* mprotect PROT_NONE on the data page (errno kept) */
    SECRET_ERR_PROTECT_READ,  /* mprotect PROT_READ on the data page (errno kept) */
    SECRET_ERR_PROTECT_RW,    /* mprotect PROT_READ|PROT_WRITE on the data page (errno kept) */
    SECRET_ERR_MUNLOCK,       /* munlock of the data page (errno kept) */
    SECRET_ERR_MUNMAP,        /* munmap of the three pages (errno kept) */
    SECRET_CODE_COUNT         /* not a code: one past the last */
} secret_code;

typedef struct secret secret;

/* The longest secret this machine holds: page size - SECRET_CANARY_LEN. */
size_t secret_max_len(void);

/* Copy the n bytes at data into a new Secret and store it in *out (only on
 * success). Keeps no pointer to data. On failure nothing stays mapped,
 * locked or allocated. */
secret_code secret_new(const uint8_t *data, size_t n, secret **out);

/* Compare the len bytes at candidate with the secret in constant time (in
 * place, no copy) and store true or false in *equal. A length mismatch is
 * false. candidate may be NULL only when len is 0. */
secret_code secret_verify(secret *s, const uint8_t *candidate, size_t len, bool *equal);

/* How many times the data page went from no reader to one reader, that is
 * how many PROT_READ/PROT_NONE pairs verify has made. Below the number of
 * verifies only when verifies overlapped. */
secret_code secret_open_transitions(secret *s, uint64_t *out);

/* mprotect READ|WRITE, check the canary, zero the page (explicit_bzero),
 * munlock, munmap. Waits for verifies in progress. Idempotent: a second call
 * returns SECRET_OK. If several steps fail the first failure is returned;
 * every step is still attempted. */
secret_code secret_destroy(secret *s);

/* secret_destroy if still live, then release the handle. Returns what
 * secret_destroy returned. NULL is ignored. */
secret_code secret_free(secret *s);

/* Write a one-line description of code (and errnum, for the codes that keep
 * errno) into buf, snprintf style: at most len - 1 bytes and a NUL. Returns
 * the length of the full description. Example:
 *   secret: mlock data page: EPERM (errno 1: Operation not permitted);
 *   check RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK */
int secret_describe(int code, int errnum, char *buf, size_t len);

/* True for the codes whose errno is kept. */
bool secret_code_has_errno(int code);

/* ---- Test hooks ---------------------------------------------------------
 * For the project's tests only; NULL (and unused) otherwise. They see
 * addresses and the zeroed page, never the secret. */

/* Called right after mmap succeeds with the whole mapping. */
extern void (*secret_hook_mapped)(void *base, size_t len);
/* Called by destroy after the data page was zeroed, while it is still
 * mapped and writable, before munlock and munmap. */
extern void (*secret_hook_before_unmap)(const uint8_t *page, size_t len);

/* Where the Secret lives: the mapping's base, the data page and the first
 * byte of the secret. SECRET_ERR_DESTROYED after destroy. */
secret_code secret_test_layout(secret *s, uint8_t **base, uint8_t **page, uint8_t **bytes, size_t *n);
/* The two halves of verify around the compare. */
secret_code secret_test_open(secret *s);
secret_code secret_test_close(secret *s);
/* Flip one bit of the canary, as an underflow of the secret would. */
secret_code secret_test_corrupt_canary(secret *s);

#ifdef __cplusplus
}
#endif

#endif /* BENCHNORM_C_SECRET_H */
