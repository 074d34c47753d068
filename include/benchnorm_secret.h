/*
 * benchnorm_secret.h — the C ABI of the guarded-secret kernel (suites/guarded-secret/kernel.md).
 *
 * Two libraries implement this header exactly, so that Python (or any C
 * caller) can drive the Go and the Rust kernel through one interface:
 *
 *   build/interop/libbenchnorm_secret_go.so    go build -buildmode=c-shared ./capi   (in go/)
 *   build/interop/libbenchnorm_secret_rust.so  cargo build --release --lib, copied   (in rust/)
 *
 * `python -m pysecret.backends build` runs the commands that
 * pysecret.backends.build_commands() lists; pysecret's test session runs them
 * when a library is absent or older than its sources.
 *
 * ABI version 1.
 *
 * Objects and handles
 * -------------------
 * A handle names one Secret or one floor page. It is an opaque, non-zero
 * 64-bit value; 0 is never issued. Handles are never reused within a
 * process, so a stale handle is always recognised: using a Secret after
 * bn_secret_destroy returns BN_ERR_DESTROYED, never a crash and never a
 * silent success. A Secret handle passed where a floor handle is expected
 * (or the reverse), or a value that was never issued, gives
 * BN_ERR_BAD_HANDLE.
 *
 * Return codes
 * ------------
 * Every int-returning function returns
 *   0                  on success,
 *   a positive errno   when a system call failed (EPERM/ENOMEM from mlock
 *                      when RLIMIT_MEMLOCK is too low, ...),
 *   a negative BN_ERR_* code for everything else (listed below).
 * Out-parameters are written only on success.
 *
 * Error messages
 * --------------
 * When a call fails, the library records a message for the calling thread
 * (which step failed, the errno and its name, the RLIMIT_MEMLOCK hint for
 * mlock). bn_last_error copies the calling thread's most recent message; a
 * successful call leaves it unchanged, as errno does. Messages never contain
 * secret bytes.
 *
 * Threads
 * -------
 * Every function may be called from any thread, concurrently. verify on one
 * shared Secret follows suites/guarded-secret/kernel.md: the reader count and its mprotect change
 * together under the Secret's mutex, so overlapping verifies share one
 * open (bn_secret_open_transitions counts the 0 -> 1 transitions).
 * bn_secret_destroy waits for verifies already running on that Secret to
 * finish; later calls see BN_ERR_DESTROYED.
 *
 * Pointers
 * --------
 * A pointer argument must be valid for the length given with it; data and
 * candidate may be NULL only when their length is 0. A required pointer
 * that is NULL gives BN_ERR_NULL. The libraries keep no pointer the caller
 * passed in: bn_secret_new copies the secret onto its guarded page.
 *
 * Signals (Go library)
 * --------------------
 * The Go runtime, loaded as a c-shared library, installs handlers only for
 * the synchronous signals (SIGSEGV, SIGBUS, SIGFPE), SIGPIPE and its
 * preemption signal SIGURG; SIGINT and the other asynchronous signals stay
 * with the host program. A fault in host code (e.g. reading a Secret's page
 * at rest) is forwarded to the host's previous handler, or, when that was
 * SIG_DFL, kills the process by SIGSEGV as it would without Go. A fault
 * inside the Go library itself (e.g. a candidate pointer that is not valid
 * for its length) ends the process with the Go runtime's "fatal error:
 * fault" report and exit status 2.
 */
#ifndef BENCHNORM_SECRET_H
#define BENCHNORM_SECRET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BN_ABI_VERSION 1

/* An opaque, non-zero name for one Secret or one floor page. */
typedef uint64_t bn_handle;

#define BN_OK 0
/* The secret's length is outside 1 .. bn_max_len(). */
#define BN_ERR_LENGTH (-1)
/* The handle named a Secret (or floor page) that was destroyed (or freed). */
#define BN_ERR_DESTROYED (-2)
/* bn_secret_destroy found the canary before the secret overwritten. The
 * page was still zeroed, unlocked and unmapped, and the handle is gone. */
#define BN_ERR_CANARY (-3)
/* The handle was never issued by this library, or names the other kind of
 * object. */
#define BN_ERR_BAD_HANDLE (-4)
/* A required pointer argument was NULL. */
#define BN_ERR_NULL (-5)
/* The library failed internally (a Go panic or Rust panic caught at the
 * boundary; nothing unwinds into the caller). bn_last_error says more. */
#define BN_ERR_INTERNAL (-6)

/* BN_ABI_VERSION of the library; check it after loading. */
uint32_t bn_abi_version(void);

/* The longest secret the library accepts: page size - 16 (the canary). */
size_t bn_max_len(void);

/* Copy len bytes at data into a new Secret: three pages from mmap, the data
 * page MADV_DONTDUMP and mlocked, all PROT_NONE at rest (suites/guarded-secret/kernel.md
 * "Construction"). On success *out names it.
 * Errors: BN_ERR_LENGTH, BN_ERR_NULL, errno of mmap/madvise/mlock/mprotect
 * (nothing is left mapped or locked then). */
int bn_secret_new(const uint8_t *data, size_t len, bn_handle *out);

/* Constant-time compare of the len bytes at candidate with the secret:
 * open (mprotect PROT_READ on the 0 -> 1 reader transition), compare in
 * place, close (mprotect PROT_NONE on 1 -> 0). A sequential call is exactly
 * two mprotect calls and no other system call. *equal is 1 or 0; a length
 * mismatch is 0.
 * Errors: BN_ERR_DESTROYED, BN_ERR_BAD_HANDLE, BN_ERR_NULL, errno of
 * mprotect. */
int bn_secret_verify(bn_handle secret, const uint8_t *candidate, size_t len,
                     int *equal);

/* How many times the Secret's data page went from no reader to one reader
 * (each such open costs one mprotect pair). Below the number of verifies
 * only when verifies overlapped.
 * Errors: BN_ERR_DESTROYED, BN_ERR_BAD_HANDLE, BN_ERR_NULL. */
int bn_secret_open_transitions(bn_handle secret, uint64_t *out);

/* Destroy the Secret: mprotect READ|WRITE, check the canary, zero the page,
 * munlock, munmap (suites/guarded-secret/kernel.md "Destroy"). Waits for verifies in progress on
 * it. Idempotent: destroying a destroyed Secret returns 0.
 * Errors: BN_ERR_CANARY, BN_ERR_BAD_HANDLE, errno of
 * mprotect/munlock/munmap. The handle is gone whatever the result. */
int bn_secret_destroy(bn_handle secret);

/* The floor benchmark's page: one page, mmap'ed, mlocked, touched and
 * PROT_NONE, with no Secret around it.
 * Errors: BN_ERR_NULL, errno of mmap/mlock/mprotect. */
int bn_floor_new(bn_handle *out);

/* One floor op: mprotect(PROT_READ) then mprotect(PROT_NONE) on the page.
 * Errors: BN_ERR_DESTROYED (freed), BN_ERR_BAD_HANDLE, errno of mprotect. */
int bn_floor_op(bn_handle floor);

/* munlock and munmap the floor page. Idempotent.
 * Errors: BN_ERR_BAD_HANDLE, errno of munlock/munmap. */
int bn_floor_free(bn_handle floor);

/* Copy the calling thread's most recent error message into buf as a
 * NUL-terminated string, truncated to len - 1 bytes (nothing is written
 * when len is 0 or buf is NULL). Returns the message's full length without
 * the NUL, as snprintf does; 0 if no call on this thread has failed yet. */
size_t bn_last_error(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BENCHNORM_SECRET_H */
