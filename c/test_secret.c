/*
 * test_secret — the kernel contract's tests for the C kernel, against the
 * real kernel, the real ops runner and the real Google Benchmark binary.
 *
 *   test_secret --vectors spec/vectors.json --secretops build/secretops --bench build/secret_bench \
 *               --secretverify build/secretverify
 *
 * One line per test ("ok   name" or "FAIL name: why"), then "N passed, M
 * failed"; the exit status is 1 when anything failed. Faults are provoked in
 * forked children. The mlock-failure case re-runs this program (as
 * --child-mlock) under prlimit and setpriv. Nothing here is mocked.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "secret.h"
#include "workload.h"

/* ---- Bookkeeping ------------------------------------------------------- */

static char failure[1024]; /* first failure of the running test */
static bool failed_now;

__attribute__((format(printf, 2, 3))) static bool expect(bool ok, const char *fmt, ...)
{
    if (!ok && !failed_now) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(failure, sizeof failure, fmt, ap);
        va_end(ap);
        failed_now = true;
    }
    return ok;
}

static const char *vectors_path, *secretops_path, *bench_path, *secretverify_path;

/* ---- Files and processes ----------------------------------------------- */

struct proc {
    int status;    /* as from waitpid; -1 when it could not start */
    bool timed_out;
    char *out, *err;
};

static void proc_free(struct proc *p)
{
    free(p->out);
    free(p->err);
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* Run argv (PATH searched) with extra environment entries env (NULL or a
 * NULL-terminated list of NAME=VALUE), collect stdout and stderr, kill it
 * after timeout_s seconds. */
static struct proc run_cmd(char *const argv[], char *const env[], int timeout_s)
{
    struct proc r = {-1, false, calloc(1, 1), calloc(1, 1)};
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return r;
    pid_t pid = fork();
    if (pid < 0)
        return r;
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int i = 0; env != NULL && env[i] != NULL; i++)
            putenv(env[i]);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    size_t olen = 0, elen = 0;
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (open_fds > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms = timeout_s * 1000L - ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left_ms <= 0) {
            r.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, (int)left_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0)
                append(&r.out, &olen, chunk, (size_t)n);
            else
                append(&r.err, &elen, chunk, (size_t)n);
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    waitpid(pid, &r.status, 0);
    return r;
}

static bool exited(const struct proc *p, int code)
{
    return !p->timed_out && p->status != -1 && WIFEXITED(p->status) && WEXITSTATUS(p->status) == code;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- /proc/self/maps and smaps ----------------------------------------- */

struct vma {
    uintptr_t start, end;
    char perms[5];
};

/* The mapping that contains addr; false when addr is not mapped. */
static bool find_vma(const void *addr, struct vma *out)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return false;
    char line[512];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        struct vma v;
        if (sscanf(line, "%lx-%lx %4s", &v.start, &v.end, v.perms) != 3)
            continue;
        if ((uintptr_t)addr >= v.start && (uintptr_t)addr < v.end) {
            *out = v;
            found = true;
            break;
        }
    }
    fclose(f);
    return found;
}

/* The VmFlags line of the smaps entry that starts at start, or "". */
static void vm_flags(uintptr_t start, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL)
        return;
    char line[512];
    bool in = false;
    while (fgets(line, sizeof line, f)) {
        uintptr_t s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = s == start;
        else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            size_t l = strlen(line + 8);
            l = l < len ? l : len - 1;
            memcpy(out, line + 8, l);
            out[l] = '\0';
            break;
        }
    }
    fclose(f);
}

static bool has_flag(const char *flags, const char *flag)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", flags);
    for (char *save, *t = strtok_r(copy, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
        if (strcmp(t, flag) == 0)
            return true;
    return false;
}

static long vm_locked_kb(void)
{
    char *status = read_file("/proc/self/status", NULL);
    if (status == NULL)
        return -1;
    char *line = strstr(status, "VmLck:");
    long kb = line ? strtol(line + 6, NULL, 10) : -1;
    free(status);
    return kb;
}

/* ---- Helpers ----------------------------------------------------------- */

static uint8_t *hex(const char *s, size_t *n)
{
    uint8_t *out = malloc(strlen(s) / 2 + 1);
    if (!workload_hex_decode(s, out, strlen(s) / 2 + 1, n)) {
        free(out);
        return NULL;
    }
    return out;
}

static char *describe(int code)
{
    static char buf[512];
    secret_describe(code, errno, buf, sizeof buf);
    return buf;
}

static const uint8_t sample[] = "correct horse battery staple";
#define SAMPLE_LEN (sizeof sample - 1)

static secret *new_sample(void)
{
    secret *s = NULL;
    int c = secret_new(sample, SAMPLE_LEN, &s);
    expect(c == SECRET_OK, "secret_new: %s", describe(c));
    return s;
}

static jval vectors;

/* ---- Tests: vectors ---------------------------------------------------- */

static void test_vectors_file(void)
{
    size_t len;
    char *text = read_file(vectors_path, &len);
    if (!expect(text != NULL, "cannot read %s: %s", vectors_path, strerror(errno)))
        return;
    bool ok = jparse(text, len, &vectors, NULL);
    free(text);
    if (!expect(ok, "%s is not valid JSON", vectors_path))
        return;
    const jval *max = jget(&vectors, "max_secret_len");
    expect(max && max->t == J_NUM && (size_t)max->num == secret_max_len(),
           "max_secret_len %g, kernel says %zu", max ? max->num : -1.0, secret_max_len());
    const char *sh = jstr(jget(&vectors, "bench_secret_hex"));
    const char *ch = jstr(jget(&vectors, "bench_candidate_hex"));
    expect(sh && ch, "bench_secret_hex/bench_candidate_hex missing");
    if (!sh || !ch)
        return;
    size_t a, b, c, d;
    uint8_t *file_s = hex(sh, &a), *file_c = hex(ch, &b);
    uint8_t *emb_s = hex(workload_bench_secret_hex, &c), *emb_c = hex(workload_bench_candidate_hex, &d);
    expect(file_s && file_c && emb_s && emb_c, "a bench hex constant does not decode");
    if (file_s && file_c && emb_s && emb_c) {
        expect(a == c && memcmp(file_s, emb_s, a) == 0, "embedded bench secret differs from the vectors file");
        expect(b == d && memcmp(file_c, emb_c, b) == 0, "embedded bench candidate differs from the vectors file");
        expect(a == 32, "bench secret is %zu bytes, want 32", a);
    }
    free(file_s);
    free(file_c);
    free(emb_s);
    free(emb_c);
}

static void test_verify_vectors(void)
{
    const jval *list = jget(&vectors, "verify");
    if (!expect(list && list->t == J_ARR && list->n > 0, "no verify vectors"))
        return;
    for (size_t i = 0; i < list->n; i++) {
        const jval *v = &list->items[i];
        const char *name = jstr(jget(v, "name"));
        const jval *want = jget(v, "expected");
        size_t sn, cn;
        uint8_t *sb = hex(jstr(jget(v, "secret_hex")) ?: "x", &sn);
        uint8_t *cb = hex(jstr(jget(v, "candidate_hex")) ?: "x", &cn);
        if (!expect(name && want && want->t == J_BOOL && sb && cb, "vector %zu is malformed", i)) {
            free(sb);
            free(cb);
            return;
        }
        secret *s = NULL;
        int c = secret_new(sb, sn, &s);
        if (expect(c == SECRET_OK, "%s: secret_new: %s", name, describe(c))) {
            bool eq = !want->b;
            c = secret_verify(s, cn ? cb : NULL, cn, &eq);
            expect(c == SECRET_OK, "%s: verify: %s", name, describe(c));
            expect(eq == want->b, "%s: verify said %d, want %d", name, eq, want->b);
            c = secret_destroy(s);
            expect(c == SECRET_OK, "%s: destroy: %s", name, describe(c));
            secret_free(s);
        }
        free(sb);
        free(cb);
    }
}

static void test_invalid_lengths(void)
{
    const jval *list = jget(&vectors, "invalid_secret_lengths");
    if (!expect(list && list->t == J_ARR && list->n > 0, "no invalid_secret_lengths"))
        return;
    for (size_t i = 0; i < list->n; i++) {
        size_t n = (size_t)list->items[i].num;
        uint8_t *buf = calloc(n + 1, 1);
        secret *s = NULL;
        int c = secret_new(buf, n, &s);
        expect(c == SECRET_ERR_LENGTH, "length %zu: got code %d (%s), want SECRET_ERR_LENGTH", n, c, describe(c));
        expect(s == NULL, "length %zu: a Secret came back", n);
        if (s)
            secret_free(s);
        free(buf);
    }
    /* The bounds themselves are accepted. */
    uint8_t *buf = calloc(secret_max_len(), 1);
    size_t ok_lengths[] = {1, secret_max_len()};
    for (int i = 0; i < 2; i++) {
        secret *s = NULL;
        int c = secret_new(buf, ok_lengths[i], &s);
        expect(c == SECRET_OK, "length %zu refused: %s", ok_lengths[i], describe(c));
        secret_free(s);
    }
    free(buf);
}

static void test_null_arguments(void)
{
    secret *s = NULL;
    expect(secret_new(NULL, 4, &s) == SECRET_ERR_NULL, "secret_new(NULL data) is not SECRET_ERR_NULL");
    expect(secret_new(sample, SAMPLE_LEN, NULL) == SECRET_ERR_NULL, "secret_new(NULL out) is not SECRET_ERR_NULL");
    s = new_sample();
    if (s == NULL)
        return;
    bool eq;
    expect(secret_verify(s, NULL, 3, &eq) == SECRET_ERR_NULL, "verify(NULL, 3) is not SECRET_ERR_NULL");
    expect(secret_verify(s, sample, SAMPLE_LEN, NULL) == SECRET_ERR_NULL, "verify(equal=NULL) is not SECRET_ERR_NULL");
    expect(secret_verify(s, NULL, 0, &eq) == SECRET_OK && !eq, "verify(NULL, 0) is not a clean false");
    expect(secret_free(s) == SECRET_OK, "free failed");
}

/* ---- Tests: layout ----------------------------------------------------- */

static void test_layout(void)
{
    secret *s = new_sample();
    if (s == NULL)
        return;
    uint8_t *base, *page, *bytes;
    size_t n, pg = (size_t)sysconf(_SC_PAGESIZE);
    secret_test_layout(s, &base, &page, &bytes, &n);
    expect(page == base + pg, "data page is not base + page size");
    expect(bytes + n == page + pg, "secret is not right-aligned on the data page");

    /* A verify between the checks, so "at rest" means after use too. */
    bool eq = false;
    expect(secret_verify(s, sample, SAMPLE_LEN, &eq) == SECRET_OK && eq, "verify of the right candidate failed");

    struct vma lead, data, trail;
    bool ok = find_vma(base, &lead) && find_vma(page, &data) && find_vma(page + pg, &trail);
    if (expect(ok, "a page of the Secret is not in /proc/self/maps")) {
        /* Guards may merge with a neighbour's PROT_NONE mapping, but never
         * with the data page: three distinct mappings meeting at its edges. */
        expect(data.start == (uintptr_t)page && data.end == (uintptr_t)(page + pg),
               "the data page is not a mapping of its own (%lx-%lx)", data.start, data.end);
        expect(lead.end == (uintptr_t)page, "the leading guard's mapping does not end at the data page");
        expect(trail.start == (uintptr_t)(page + pg), "the trailing guard's mapping does not start after it");
        expect(strcmp(lead.perms, "---p") == 0, "leading guard is %s, want ---p", lead.perms);
        expect(strcmp(data.perms, "---p") == 0, "data page is %s at rest, want ---p", data.perms);
        expect(strcmp(trail.perms, "---p") == 0, "trailing guard is %s, want ---p", trail.perms);
    }
    char flags[256];
    vm_flags((uintptr_t)page, flags, sizeof flags);
    expect(has_flag(flags, "lo"), "data page VmFlags lack lo (mlocked): %s", flags);
    expect(has_flag(flags, "dd"), "data page VmFlags lack dd (MADV_DONTDUMP): %s", flags);

    /* While open the data page is readable and nothing else changes. */
    secret_test_open(s);
    expect(find_vma(page, &data) && strcmp(data.perms, "r--p") == 0, "open data page is %s, want r--p", data.perms);
    expect(find_vma(base, &lead) && strcmp(lead.perms, "---p") == 0, "leading guard changed while open");
    secret_test_close(s);
    expect(find_vma(page, &data) && strcmp(data.perms, "---p") == 0, "closed data page is %s", data.perms);
    secret_free(s);
}

/* ---- Tests: faults in children ----------------------------------------- */

struct fault_report {
    uintptr_t addr;
    int code;
};
static int fault_fd = -1;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    struct fault_report r = {(uintptr_t)si->si_addr, si->si_code};
    ssize_t w = write(fault_fd, &r, sizeof r);
    (void)w;
    /* SA_RESETHAND has restored SIG_DFL: returning re-runs the access,
     * which now kills the child by SIGSEGV. */
}

enum fault_case { READ_AT_REST, READ_SECRET_N, READ_BEFORE_PAGE, WRITE_WHILE_OPEN };

static void fault_case(enum fault_case which, const char *name)
{
    secret *s = new_sample();
    if (s == NULL)
        return;
    uint8_t *page, *bytes;
    size_t n, pg = (size_t)sysconf(_SC_PAGESIZE);
    secret_test_layout(s, NULL, &page, &bytes, &n);
    volatile uint8_t *target = which == READ_SECRET_N      ? bytes + n
                               : which == READ_BEFORE_PAGE ? page - 1
                                                           : bytes;
    (void)pg;
    int fds[2];
    if (!expect(pipe(fds) == 0, "pipe: %s", strerror(errno)))
        return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        fault_fd = fds[1];
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        struct sigaction sa = {0};
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
        sigaction(SIGSEGV, &sa, NULL);
        if (which == WRITE_WHILE_OPEN) {
            if (secret_test_open(s) != SECRET_OK)
                _exit(3);
            *target = 0x55;
        } else {
            uint8_t x = *target;
            (void)x;
        }
        _exit(0); /* the access did not fault */
    }
    close(fds[1]);
    struct fault_report r = {0, 0};
    ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "%s: child was not killed by SIGSEGV (status %#x)",
               name, status)) {
        expect(got == (ssize_t)sizeof r, "%s: the child's handler did not report", name);
        expect(r.addr == (uintptr_t)target, "%s: fault at %#lx, want %#lx", name, r.addr, (uintptr_t)target);
        expect(r.code == SEGV_ACCERR, "%s: si_code %d, want SEGV_ACCERR (mapped, access denied)", name, r.code);
    }
    secret_free(s);
}

static void test_fault_read_at_rest(void) { fault_case(READ_AT_REST, "read at rest"); }
static void test_fault_read_secret_n(void) { fault_case(READ_SECRET_N, "read secret[n]"); }
static void test_fault_read_before_page(void) { fault_case(READ_BEFORE_PAGE, "read byte before data page"); }
static void test_fault_write_while_open(void) { fault_case(WRITE_WHILE_OPEN, "write while open"); }

/* ---- Tests: destroy ---------------------------------------------------- */

static void test_canary(void)
{
    secret *clean = new_sample();
    if (clean) {
        int c = secret_destroy(clean);
        expect(c == SECRET_OK, "clean destroy: %s", describe(c));
        secret_free(clean);
    }
    secret *s = new_sample();
    if (s == NULL)
        return;
    uint8_t *base;
    secret_test_layout(s, &base, NULL, NULL, NULL);
    int c = secret_test_corrupt_canary(s);
    expect(c == SECRET_OK, "corrupting the canary: %s", describe(c));
    c = secret_destroy(s);
    expect(c == SECRET_ERR_CANARY, "destroy after corruption returned %d (%s), want SECRET_ERR_CANARY", c,
           describe(c));
    char msg[512];
    secret_describe(c, 0, msg, sizeof msg);
    expect(strstr(msg, "canary") != NULL, "canary message does not say canary: %s", msg);
    struct vma v;
    expect(!find_vma(base, &v), "the mapping is still there after a canary error");
    expect(secret_destroy(s) == SECRET_OK, "second destroy is not a no-op");
    secret_free(s);
}

static uint8_t seen_page[65536];
static size_t seen_len;
static int seen_calls;

static void before_unmap(const uint8_t *page, size_t len)
{
    seen_calls++;
    seen_len = len < sizeof seen_page ? len : sizeof seen_page;
    memcpy(seen_page, page, seen_len);
}

static void test_destroy_zeroes(void)
{
    secret *s = new_sample();
    if (s == NULL)
        return;
    uint8_t *base;
    secret_test_layout(s, &base, NULL, NULL, NULL);
    seen_calls = 0;
    memset(seen_page, 0xAA, sizeof seen_page);
    secret_hook_before_unmap = before_unmap;
    int c = secret_destroy(s);
    secret_hook_before_unmap = NULL;
    expect(c == SECRET_OK, "destroy: %s", describe(c));
    if (expect(seen_calls == 1, "hook called %d times, want 1", seen_calls)) {
        expect(seen_len == (size_t)sysconf(_SC_PAGESIZE), "hook saw %zu bytes, want a page", seen_len);
        size_t nonzero = 0;
        for (size_t i = 0; i < seen_len; i++)
            nonzero += seen_page[i] != 0;
        expect(nonzero == 0, "%zu bytes of the data page were not zeroed", nonzero);
    }
    struct vma v;
    expect(!find_vma(base, &v), "the mapping is still there after destroy");
    secret_free(s);
}

static void test_use_after_destroy(void)
{
    secret *s = new_sample();
    if (s == NULL)
        return;
    expect(secret_destroy(s) == SECRET_OK, "destroy failed");
    bool eq = true;
    int c = secret_verify(s, sample, SAMPLE_LEN, &eq);
    expect(c == SECRET_ERR_DESTROYED, "verify after destroy returned %d, want SECRET_ERR_DESTROYED", c);
    uint64_t k;
    expect(secret_open_transitions(s, &k) == SECRET_ERR_DESTROYED, "open_transitions after destroy is not an error");
    expect(secret_test_open(s) == SECRET_ERR_DESTROYED, "open after destroy is not an error");
    expect(secret_destroy(s) == SECRET_OK, "second destroy is not a no-op");
    char msg[256];
    secret_describe(c, 0, msg, sizeof msg);
    expect(strstr(msg, "destroy") != NULL, "message does not say destroy: %s", msg);
    secret_free(s);
}

struct destroyer {
    secret *s;
    atomic_int done;
    int code;
};

static void *destroy_thread(void *arg)
{
    struct destroyer *d = arg;
    d->code = secret_destroy(d->s);
    atomic_store(&d->done, 1);
    return NULL;
}

static void test_destroy_waits_for_readers(void)
{
    secret *s = new_sample();
    if (s == NULL)
        return;
    uint8_t *page, *bytes;
    secret_test_layout(s, NULL, &page, &bytes, NULL);
    expect(secret_test_open(s) == SECRET_OK, "open failed");
    struct destroyer d = {s, 0, -1};
    pthread_t t;
    pthread_create(&t, NULL, destroy_thread, &d);
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    expect(atomic_load(&d.done) == 0, "destroy did not wait for an open reader");
    /* The reader's page was not taken away under it: still mapped and
     * readable, still holding the secret. */
    struct vma v;
    expect(find_vma(page, &v) && strcmp(v.perms, "r--p") == 0, "the open page is not r--p while destroy waits");
    expect(memcmp(bytes, sample, SAMPLE_LEN) == 0, "the secret changed under an open reader");
    expect(secret_test_close(s) == SECRET_OK, "close failed");
    pthread_join(t, NULL);
    expect(d.code == SECRET_OK, "destroy returned %d", d.code);
    bool eq;
    expect(secret_verify(s, sample, SAMPLE_LEN, &eq) == SECRET_ERR_DESTROYED, "verify after destroy worked");
    secret_free(s);
}

/* ---- Tests: errors ----------------------------------------------------- */

static void test_descriptions(void)
{
    for (int code = 0; code < SECRET_CODE_COUNT; code++) {
        char msg[512];
        int len = secret_describe(code, EPERM, msg, sizeof msg);
        expect(len > 0 && (size_t)len < sizeof msg, "code %d: length %d", code, len);
        expect(strchr(msg, '\n') == NULL, "code %d: message is not one line", code);
        expect(strncmp(msg, "secret: ", 8) == 0, "code %d: message %s", code, msg);
        if (secret_code_has_errno(code))
            expect(strstr(msg, "EPERM") && strstr(msg, "errno 1"), "code %d does not name its errno: %s", code, msg);
    }
    char msg[512];
    secret_describe(SECRET_ERR_MLOCK, ENOMEM, msg, sizeof msg);
    expect(strstr(msg, "RLIMIT_MEMLOCK") && strstr(msg, "ENOMEM"), "mlock message: %s", msg);
    secret_describe(999, 0, msg, sizeof msg);
    expect(strstr(msg, "unknown") != NULL, "unknown code message: %s", msg);
}

/* The child's side of test_mlock_failure: RLIMIT_MEMLOCK is 0 and
 * CAP_IPC_LOCK is gone, so mlock must fail. Exit 0 when construction
 * reported it and left nothing behind. */
static void *mapped_base;
static void note_mapped(void *base, size_t len)
{
    (void)len;
    mapped_base = base;
}

static int child_mlock(void)
{
    secret_hook_mapped = note_mapped;
    secret *s = NULL;
    int c = secret_new(sample, SAMPLE_LEN, &s);
    int e = errno;
    char msg[512];
    secret_describe(c, e, msg, sizeof msg);
    printf("%s\n", msg);
    if (c == SECRET_OK) {
        printf("mlock succeeded: CAP_IPC_LOCK or the limit is still in place\n");
        return 10;
    }
    if (c != SECRET_ERR_MLOCK || (e != EPERM && e != ENOMEM)) {
        printf("want SECRET_ERR_MLOCK with EPERM or ENOMEM\n");
        return 11;
    }
    if (s != NULL)
        return 12;
    struct vma v;
    if (mapped_base == NULL || find_vma(mapped_base, &v)) {
        printf("the half-built mapping was %s\n", mapped_base ? "left mapped" : "never seen");
        return 13;
    }
    if (vm_locked_kb() != 0) {
        printf("VmLck is %ld kB, want 0\n", vm_locked_kb());
        return 14;
    }
    /* Nothing is stuck: a second attempt fails the same way. */
    if (secret_new(sample, SAMPLE_LEN, &s) != SECRET_ERR_MLOCK)
        return 15;
    return 0;
}

static void test_mlock_failure(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!expect(n > 0, "readlink /proc/self/exe: %s", strerror(errno)))
        return;
    self[n] = '\0';
    /* As root, CAP_IPC_LOCK ignores RLIMIT_MEMLOCK: drop it with setpriv. */
    char *as_root[] = {"prlimit", "--memlock=0:0", "setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock",
                       "--", self, "--child-mlock", NULL};
    char *as_user[] = {"prlimit", "--memlock=0:0", "--", self, "--child-mlock", NULL};
    struct proc p = run_cmd(geteuid() == 0 ? as_root : as_user, NULL, 30);
    expect(!p.timed_out, "the child hung (killed after 30 s)");
    expect(exited(&p, 0), "child failed (status %#x): %s%s", p.status, p.out, p.err);
    expect(strstr(p.out, "mlock data page") && strstr(p.out, "RLIMIT_MEMLOCK") && strstr(p.out, "errno"),
           "the error does not name mlock, RLIMIT_MEMLOCK and errno: %s", p.out);
    expect(strstr(p.out, (const char *)sample) == NULL, "the message contains the secret");
    proc_free(&p);
}

/* ---- Tests: concurrency ------------------------------------------------ */

struct hammer {
    secret *shared;
    int rounds;
    int wrong, errors;
};

static void *hammer_thread(void *arg)
{
    struct hammer *h = arg;
    uint8_t bad[SAMPLE_LEN];
    memcpy(bad, sample, SAMPLE_LEN);
    bad[SAMPLE_LEN - 1] ^= 1;
    for (int i = 0; i < h->rounds; i++) {
        bool want = i % 3 != 0, eq = !want;
        int c = secret_verify(h->shared, want ? sample : bad, SAMPLE_LEN, &eq);
        h->errors += c != SECRET_OK;
        h->wrong += c == SECRET_OK && eq != want;
    }
    return NULL;
}

static void *churn_thread(void *arg)
{
    struct hammer *h = arg;
    for (int i = 0; i < h->rounds; i++) {
        uint8_t mine[8] = {1, 2, 3, 4, 5, 6, 7, (uint8_t)i};
        secret *s = NULL;
        if (secret_new(mine, sizeof mine, &s) != SECRET_OK) {
            h->errors++;
            continue;
        }
        bool eq = false;
        h->errors += secret_verify(s, mine, sizeof mine, &eq) != SECRET_OK;
        h->wrong += !eq;
        h->errors += secret_free(s) != SECRET_OK;
    }
    return NULL;
}

static void test_concurrency(void)
{
    secret *shared = new_sample();
    if (shared == NULL)
        return;
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int nh = 2 * cpus, nc = cpus, total = nh + nc;
    pthread_t *t = calloc((size_t)total, sizeof *t);
    struct hammer *h = calloc((size_t)total, sizeof *h);
    for (int i = 0; i < total; i++) {
        h[i] = (struct hammer){shared, i < nh ? 3000 : 300, 0, 0};
        pthread_create(&t[i], NULL, i < nh ? hammer_thread : churn_thread, &h[i]);
    }
    int wrong = 0, errors = 0;
    for (int i = 0; i < total; i++) {
        pthread_join(t[i], NULL);
        wrong += h[i].wrong;
        errors += h[i].errors;
    }
    expect(errors == 0, "%d calls failed", errors);
    expect(wrong == 0, "%d results were wrong", wrong);
    uint64_t opens = 0;
    secret_open_transitions(shared, &opens);
    expect(opens >= 1 && opens <= (uint64_t)nh * 3000, "open transitions %lu out of range", (unsigned long)opens);
    uint8_t *page;
    secret_test_layout(shared, NULL, &page, NULL, NULL);
    struct vma v;
    expect(find_vma(page, &v) && strcmp(v.perms, "---p") == 0, "shared data page is %s at the end, want ---p",
           v.perms);
    expect(secret_free(shared) == SECRET_OK, "destroying the shared Secret failed");
    free(t);
    free(h);
}

/* ---- Tests: the ops runner --------------------------------------------- */

static void test_ops_runner_output(void)
{
    for (int k = 0; k < WORKLOAD_COUNT; k++) {
        const char *bench = workload_names[k];
        const char *threads = workload_serial(bench) ? "1" : "3";
        char *argv[] = {(char *)secretops_path, "--bench", (char *)bench, "--threads", (char *)threads, "--ops", "2000",
                        NULL};
        struct proc p = run_cmd(argv, NULL, 60);
        if (expect(exited(&p, 0), "%s: status %#x: %s", bench, p.status, p.err)) {
            expect(count_lines(p.out) == 1 && p.err[0] == '\0', "%s: want one line on stdout, nothing on stderr", bench);
            jval j;
            if (expect(jparse(p.out, strlen(p.out), &j, NULL) && j.t == J_OBJ, "%s: not a JSON object: %s", bench, p.out)) {
                const jval *ops = jget(&j, "ops"), *th = jget(&j, "threads"), *wall = jget(&j, "wall_ns");
                const jval *opens = jget(&j, "open_transitions");
                expect(jstr(jget(&j, "lang")) && strcmp(jstr(jget(&j, "lang")), "c") == 0, "%s: lang", bench);
                expect(jstr(jget(&j, "bench")) && strcmp(jstr(jget(&j, "bench")), bench) == 0, "%s: bench", bench);
                expect(th && th->num == atoi(threads), "%s: threads", bench);
                expect(ops && ops->num == 2000, "%s: ops", bench);
                expect(wall && wall->t == J_NUM && wall->num > 0, "%s: wall_ns", bench);
                expect(strncmp(p.out, "{\"lang\":\"c\",\"bench\":", 20) == 0, "%s: key order: %s", bench, p.out);
                if (strcmp(bench, "parallel-shared") == 0)
                    expect(opens && opens->num >= 1 && opens->num <= 2000, "%s: open_transitions", bench);
                else
                    expect(opens == NULL, "%s: open_transitions present", bench);
            }
            jfree(&j);
        }
        proc_free(&p);
    }
}

static void test_ops_runner_usage(void)
{
    const char *sp = secretops_path;
    char *cases[][8] = {
        {(char *)sp, NULL},
        {(char *)sp, "--bench", "sequential", "--threads", "2", "--ops", "10", NULL},
        {(char *)sp, "--bench", "floor", "--threads", "4", "--ops", "10", NULL},
        {(char *)sp, "--bench", "nope", "--threads", "1", "--ops", "10", NULL},
        {(char *)sp, "--bench", "parallel-shared", "--threads", "0", "--ops", "10", NULL},
        {(char *)sp, "--bench", "parallel-shared", "--threads", "2", "--ops", "-5", NULL},
        {(char *)sp, "--bench", "parallel-shared", "--threads", "2x", "--ops", "5", NULL},
        {(char *)sp, "--bench", "sequential", "--threads", "1", "--ops", NULL},
        {(char *)sp, "--bench=sequential", "--threads=1", "--ops=5", "--extra", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct proc p = run_cmd(cases[i], NULL, 10);
        expect(exited(&p, 2), "case %zu: status %#x, want exit 2", i, p.status);
        expect(p.out[0] == '\0', "case %zu: wrote to stdout: %s", i, p.out);
        expect(count_lines(p.err) == 1 && strncmp(p.err, "secretops: ", 11) == 0, "case %zu: stderr is not one line: %s",
               i, p.err);
        proc_free(&p);
    }
    char *eq_form[] = {(char *)sp, "--bench=sequential", "--threads=1", "--ops=5", NULL};
    struct proc p = run_cmd(eq_form, NULL, 10);
    expect(exited(&p, 0), "--flag=value form refused: %s", p.err);
    proc_free(&p);
}

/* The mprotect count of one ops-runner run, by perf or strace; -1 when the
 * tool could not count (why says so). */
static long count_mprotect(const char *tool, long ops, char *why, size_t why_len)
{
    char ops_s[32];
    snprintf(ops_s, sizeof ops_s, "%ld", ops);
    char trace[] = "/tmp/test_secret_strace_XXXXXX";
    struct proc p;
    if (strcmp(tool, "perf") == 0) {
        char *argv[] = {"perf", "stat", "-x,", "-e", "syscalls:sys_enter_mprotect", "--", (char *)secretops_path,
                        "--bench", "sequential", "--threads", "1", "--ops", ops_s, NULL};
        p = run_cmd(argv, NULL, 120);
    } else {
        int fd = mkstemp(trace);
        if (fd < 0) {
            snprintf(why, why_len, "mkstemp: %s", strerror(errno));
            return -1;
        }
        close(fd);
        char *argv[] = {"strace", "-f", "-c", "-e", "trace=mprotect", "-o", trace, "--", (char *)secretops_path,
                        "--bench", "sequential", "--threads", "1", "--ops", ops_s, NULL};
        p = run_cmd(argv, NULL, 120);
    }
    long count = -1;
    if (!exited(&p, 0)) {
        snprintf(why, why_len, "%s exited with status %#x: %.200s", tool, p.status, p.err);
    } else if (strcmp(tool, "perf") == 0) {
        /* perf -x, line: COUNT,UNIT,EVENT,... ; "<not supported>" etc. when it cannot count. */
        char *line = strstr(p.err, "syscalls:sys_enter_mprotect");
        if (line != NULL) {
            while (line > p.err && line[-1] != '\n')
                line--;
            char *end;
            count = strtol(line, &end, 10);
            if (end == line || *end != ',')
                count = -1;
        }
        if (count < 0)
            snprintf(why, why_len, "perf did not count: %.200s", p.err);
    } else {
        char *text = read_file(trace, NULL);
        char *row = text ? strstr(text, " mprotect\n") : NULL;
        if (row != NULL) {
            /* % time, seconds, usecs/call, calls, [errors,] syscall */
            while (row > text && row[-1] != '\n')
                row--;
            double pct, secs;
            long usecs, calls;
            if (sscanf(row, "%lf %lf %ld %ld", &pct, &secs, &usecs, &calls) == 4)
                count = calls;
        }
        if (count < 0)
            snprintf(why, why_len, "no mprotect row in strace's summary");
        free(text);
        unlink(trace);
    }
    if (count >= 0 && strstr(p.out, "\"ops\":") == NULL) {
        snprintf(why, why_len, "the ops runner printed no result");
        count = -1;
    }
    proc_free(&p);
    return count;
}

static void test_syscall_count(void)
{
    const long n = 5000;
    const char *tools[] = {"perf", "strace"};
    char why[2][512] = {"", ""};
    for (int i = 0; i < 2; i++) {
        long at_n = count_mprotect(tools[i], n, why[i], sizeof why[i]);
        long at_2n = at_n < 0 ? -1 : count_mprotect(tools[i], 2 * n, why[i], sizeof why[i]);
        if (at_n < 0 || at_2n < 0)
            continue; /* try the next tool */
        printf("     (%s: %ld mprotect calls at %ld ops, %ld at %ld ops)\n", tools[i], at_n, n, at_2n, 2 * n);
        expect(at_2n - at_n == 2 * n, "%s: %ld more mprotect calls for %ld more verifies, want exactly %ld", tools[i],
               at_2n - at_n, n, 2 * n);
        expect(at_n >= 2 * n, "%s: %ld mprotect calls for %ld verifies, want at least %ld", tools[i], at_n, n, 2 * n);
        return;
    }
    expect(false, "neither perf nor strace could count mprotect: perf: %s; strace: %s", why[0], why[1]);
}

/* ---- Tests: the Google Benchmark binary -------------------------------- */

static void test_bench_binary(void)
{
    char *argv[] = {(char *)bench_path, "--benchmark_min_time=0.01", "--benchmark_format=json", NULL};
    char *env[] = {"BENCHNORM_THREADS=1,2", NULL};
    struct proc p = run_cmd(argv, env, 300);
    if (expect(exited(&p, 0), "status %#x: %.300s", p.status, p.err)) {
        jval j;
        if (expect(jparse(p.out, strlen(p.out), &j, NULL), "output is not JSON")) {
            const jval *list = jget(&j, "benchmarks");
            const char *want[] = {
                "secret/floor",
                "secret/sequential",
                "secret/parallel-owned/real_time/threads:1",
                "secret/parallel-owned/real_time/threads:2",
                "secret/parallel-locked/real_time/threads:1",
                "secret/parallel-locked/real_time/threads:2",
                "secret/parallel-shared/real_time/threads:1",
                "secret/parallel-shared/real_time/threads:2",
            };
            size_t nwant = sizeof want / sizeof want[0];
            expect(list && list->t == J_ARR && list->n == nwant, "want %zu results, got %zu", nwant,
                   list ? list->n : 0);
            for (size_t i = 0; list && i < list->n && i < nwant; i++) {
                const jval *b = &list->items[i];
                const char *name = jstr(jget(b, "name"));
                expect(name && strcmp(name, want[i]) == 0, "result %zu is %s, want %s", i, name ? name : "?", want[i]);
                const jval *err = jget(b, "error_occurred");
                expect(err == NULL || !err->b, "%s: error: %s", want[i], jstr(jget(b, "error_message")) ?: "");
                const jval *it = jget(b, "iterations"), *rt = jget(b, "real_time"), *items = jget(b, "items_per_second");
                expect(it && it->num > 0 && rt && rt->num > 0, "%s: no iterations or time", want[i]);
                expect(items && items->num > 0, "%s: no items_per_second", want[i]);
            }
            jfree(&j);
        }
    }
    proc_free(&p);

    /* Repetitions, a filter and a JSON file. */
    char out[] = "/tmp/test_secret_bench_XXXXXX";
    int fd = mkstemp(out);
    close(fd);
    char out_arg[64];
    snprintf(out_arg, sizeof out_arg, "--benchmark_out=%s", out);
    char *argv2[] = {(char *)bench_path, "--benchmark_filter=secret/(floor|sequential)", "--benchmark_repetitions=2",
                     "--benchmark_min_time=0.01", out_arg, "--benchmark_out_format=json", NULL};
    p = run_cmd(argv2, NULL, 120);
    char *text = read_file(out, NULL);
    unlink(out);
    jval j = {0};
    if (expect(exited(&p, 0), "filtered run: status %#x: %.300s", p.status, p.err) &&
        expect(text && jparse(text, strlen(text), &j, NULL), "--benchmark_out did not write JSON")) {
        const jval *list = jget(&j, "benchmarks");
        int medians = 0, runs = 0;
        for (size_t i = 0; list && i < list->n; i++) {
            const char *name = jstr(jget(&list->items[i], "name"));
            const char *agg = jstr(jget(&list->items[i], "aggregate_name"));
            expect(name && (strncmp(name, "secret/floor", 12) == 0 || strncmp(name, "secret/sequential", 17) == 0),
                   "the filter let %s through", name ? name : "?");
            medians += agg && strcmp(agg, "median") == 0;
            runs += agg == NULL;
        }
        expect(runs == 4 && medians == 2, "want 4 runs and 2 medians, got %d and %d", runs, medians);
    }
    jfree(&j);
    free(text);
    proc_free(&p);

    char *bad_env[] = {"BENCHNORM_THREADS=1,,x", NULL};
    char *argv3[] = {(char *)bench_path, NULL};
    p = run_cmd(argv3, bad_env, 30);
    expect(exited(&p, 2), "bad BENCHNORM_THREADS: status %#x, want exit 2", p.status);
    expect(count_lines(p.err) == 1 && strstr(p.err, "BENCHNORM_THREADS"), "bad BENCHNORM_THREADS: stderr %s", p.err);
    proc_free(&p);
}

/* Both programs under RLIMIT_MEMLOCK = 0 without CAP_IPC_LOCK: set-up
 * fails for real and each says so the way it promises. */
static void test_programs_report_setup_failure(void)
{
    char *ops_argv[] = {"prlimit", "--memlock=0:0", "setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock",
                        "--", (char *)secretops_path, "--bench", "sequential", "--threads", "1", "--ops", "10", NULL};
    char *bench_argv[] = {"prlimit", "--memlock=0:0", "setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock",
                          "--", (char *)bench_path, "--benchmark_filter=secret/sequential",
                          "--benchmark_min_time=0.01", "--benchmark_format=json", NULL};
    if (geteuid() != 0) {
        /* Without root there is no capability to drop. */
        memmove(&ops_argv[2], &ops_argv[5], 9 * sizeof(char *));
        memmove(&bench_argv[2], &bench_argv[5], 6 * sizeof(char *));
    }
    struct proc p = run_cmd(ops_argv, NULL, 30);
    expect(exited(&p, 1), "secretops: status %#x, want exit 1", p.status);
    expect(p.out[0] == '\0', "secretops wrote to stdout: %s", p.out);
    expect(count_lines(p.err) == 1 && strstr(p.err, "RLIMIT_MEMLOCK"), "secretops stderr: %s", p.err);
    proc_free(&p);

    p = run_cmd(bench_argv, NULL, 60);
    expect(exited(&p, 1), "secret_bench: status %#x, want exit 1", p.status);
    jval j;
    if (expect(jparse(p.out, strlen(p.out), &j, NULL), "secret_bench output is not JSON")) {
        const jval *list = jget(&j, "benchmarks");
        const jval *b = list && list->n > 0 ? &list->items[0] : NULL;
        const jval *err = jget(b, "error_occurred");
        const char *msg = jstr(jget(b, "error_message"));
        expect(err && err->b, "secret_bench did not mark the run as failed");
        expect(msg && strstr(msg, "mlock data page") && strstr(msg, "RLIMIT_MEMLOCK"), "error_message: %s",
               msg ? msg : "(none)");
        jfree(&j);
    }
    proc_free(&p);
}

/* ---- Tests: the verify program ------------------------------------------ */

static const char fixture_secret_hex[] = "c0ffee00c0ffee00c0ffee00c0ffee00";

/* True when line (len bytes) holds hex: anywhere, ignoring case, for 8 or
 * more digits; as a word of its own for fewer, which would otherwise turn
 * up inside any number (the one-byte secret "00"). */
static bool line_holds(const char *line, size_t len, const char *hex)
{
    size_t h = strlen(hex);
    for (size_t i = 0; h > 0 && i + h <= len; i++) {
        if (strncasecmp(line + i, hex, h) != 0)
            continue;
        if (h >= 8)
            return true;
        bool alone_before = i == 0 || !isalnum((unsigned char)line[i - 1]);
        bool alone_after = i + h == len || !isalnum((unsigned char)line[i + h]);
        if (alone_before && alone_after)
            return true;
    }
    return false;
}

/* No line of out holds the secret_hex of a vector or the fixture secret. */
static void expect_no_secret(const char *what, const char *out)
{
    const jval *list = jget(&vectors, "verify");
    size_t n = list && list->t == J_ARR ? list->n : 0;
    for (const char *line = out; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        for (size_t i = 0; i <= n; i++) {
            const char *hex = i < n ? jstr(jget(&list->items[i], "secret_hex")) : fixture_secret_hex;
            expect(hex == NULL || !line_holds(line, len, hex), "%s: an output line holds the hex of secret %zu", what,
                   i);
        }
        line += nl ? len + 1 : len;
    }
}

static void test_secretverify_answers(void)
{
    const jval *list = jget(&vectors, "verify");
    if (!expect(list && list->t == J_ARR && list->n > 0, "no verify vectors"))
        return;
    char *want = calloc(1, 1);
    size_t want_len = 0;
    for (size_t i = 0; i < list->n; i++) {
        const char *name = jstr(jget(&list->items[i], "name"));
        const jval *exp = jget(&list->items[i], "expected");
        if (!expect(name && exp && exp->t == J_BOOL, "vector %zu is malformed", i))
            break;
        char line[256];
        int n = snprintf(line, sizeof line, "%s %s\n", name, exp->b ? "true" : "false");
        append(&want, &want_len, line, (size_t)n);
    }
    char *argv[] = {(char *)secretverify_path, (char *)vectors_path, NULL};
    struct proc p = run_cmd(argv, NULL, 60);
    expect(exited(&p, 0), "status %#x, want exit 0: %.300s", p.status, p.err);
    expect(p.err[0] == '\0', "stderr: %.300s", p.err);
    expect(strcmp(p.out, want) == 0, "stdout:\n%s\nwant:\n%s", p.out, want);
    expect_no_secret("answers", p.out);
    expect_no_secret("answers", p.err);
    proc_free(&p);
    free(want);
}

static void test_secretverify_usage_and_missing_file(void)
{
    char dir[] = "/tmp/test_secretverify_XXXXXX";
    if (!expect(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno)))
        return;
    char missing[64];
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    char *missing_argv[] = {(char *)secretverify_path, missing, NULL};
    struct proc p = run_cmd(missing_argv, NULL, 30);
    expect(exited(&p, 2), "missing file: status %#x, want exit 2", p.status);
    expect(p.out[0] == '\0', "missing file: stdout %s", p.out);
    expect(count_lines(p.err) == 1 && strstr(p.err, "missing.json"), "missing file: stderr %s", p.err);
    expect_no_secret("missing file", p.err);
    proc_free(&p);
    rmdir(dir);

    char *cases[][4] = {
        {(char *)secretverify_path, NULL},
        {(char *)secretverify_path, (char *)vectors_path, (char *)vectors_path, NULL},
        {(char *)secretverify_path, "-h", NULL},
        {(char *)secretverify_path, "--help", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = run_cmd(cases[i], NULL, 30);
        expect(exited(&p, 2) && p.out[0] == '\0' && strcmp(p.err, "usage: secretverify VECTORS\n") == 0,
               "usage case %zu: status %#x, stdout %s, stderr %s", i, p.status, p.out, p.err);
        proc_free(&p);
    }
}

/* Malformed files: exit 2 before any Secret is built, one line on stderr,
 * and the message never quotes the secret, even when it is the bad value. */
static void test_secretverify_malformed(void)
{
#define SEC "c0ffee00c0ffee00c0ffee00c0ffee00"
#define GOOD "{\"name\": \"ok\", \"secret_hex\": \"" SEC "\", \"candidate_hex\": \"00\"}"
#define ONE(fields) "{\"verify\": [{" fields "}]}"
    static const char *const cases[] = {
        "{\"verify\": [" GOOD,
        "[" GOOD "]",
        "{\"vectors\": [" GOOD "]}",
        "{\"verify\": {\"name\": \"x\"}}",
        "{\"verify\": []}",
        "{\"verify\": [" GOOD ", 3]}",
        ONE("\"secret_hex\": \"" SEC "\", \"candidate_hex\": \"00\""),
        ONE("\"name\": \"a b\", \"secret_hex\": \"" SEC "\", \"candidate_hex\": \"00\""),
        ONE("\"name\": \"n\", \"secret_hex\": null, \"candidate_hex\": \"00\""),
        ONE("\"name\": \"n\", \"secret_hex\": 12, \"candidate_hex\": \"00\""),
        ONE("\"name\": \"n\", \"secret_hex\": \"" SEC "zz\", \"candidate_hex\": \"00\""),
        ONE("\"name\": \"n\", \"secret_hex\": \"" SEC "0\", \"candidate_hex\": \"00\""),
        ONE("\"name\": \"n\", \"secret_hex\": \"" SEC "\""),
        ONE("\"name\": \"n\", \"secret_hex\": \"" SEC "\\q\", \"candidate_hex\": \"00\""),
        "{\"verify\": [" GOOD "]}\0trailing",
    };
    /* The last case has a NUL inside: its length is not strlen's. */
    static const size_t lengths[] = {[14] = sizeof("{\"verify\": [" GOOD "]}\0trailing") - 1};
#undef ONE
#undef GOOD
#undef SEC
    char path[] = "/tmp/test_secretverify_XXXXXX";
    int fd = mkstemp(path);
    if (!expect(fd >= 0, "mkstemp: %s", strerror(errno)))
        return;
    close(fd);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = i < sizeof lengths / sizeof lengths[0] && lengths[i] ? lengths[i] : strlen(cases[i]);
        FILE *f = fopen(path, "w");
        if (!expect(f && fwrite(cases[i], 1, len, f) == len && fclose(f) == 0, "writing %s", path))
            break;
        char *argv[] = {(char *)secretverify_path, path, NULL};
        struct proc p = run_cmd(argv, NULL, 30);
        expect(exited(&p, 2), "case %zu: status %#x, want exit 2: %.300s", i, p.status, p.err);
        expect(p.out[0] == '\0', "case %zu: stdout %s", i, p.out);
        expect(count_lines(p.err) == 1, "case %zu: stderr is not one line: %s", i, p.err);
        expect_no_secret("malformed file", p.err);
        proc_free(&p);
    }
    unlink(path);
}

/* RLIMIT_MEMLOCK = 0 without CAP_IPC_LOCK: the kernel cannot lock its
 * page, so exit 1, one line naming the limit, and no answers. */
static void test_secretverify_kernel_failure(void)
{
    char *argv[] = {"prlimit", "--memlock=0:0", "setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock",
                    "--", (char *)secretverify_path, (char *)vectors_path, NULL};
    if (geteuid() != 0) /* without root there is no capability to drop */
        memmove(&argv[2], &argv[5], 4 * sizeof(char *));
    struct proc p = run_cmd(argv, NULL, 30);
    expect(exited(&p, 1), "status %#x, want exit 1: %.300s", p.status, p.err);
    expect(p.out[0] == '\0', "stdout: %s", p.out);
    expect(count_lines(p.err) == 1 && strstr(p.err, "mlock") && strstr(p.err, "RLIMIT_MEMLOCK"), "stderr: %s", p.err);
    expect_no_secret("kernel failure", p.err);
    proc_free(&p);
}

/* ---- Main -------------------------------------------------------------- */

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"vectors_file_and_embedded_bench_input", test_vectors_file},
    {"verify_vectors", test_verify_vectors},
    {"invalid_lengths_refused", test_invalid_lengths},
    {"null_arguments", test_null_arguments},
    {"layout_three_mappings_lo_dd", test_layout},
    {"fault_read_at_rest", test_fault_read_at_rest},
    {"fault_read_secret_n", test_fault_read_secret_n},
    {"fault_read_before_data_page", test_fault_read_before_page},
    {"fault_write_while_open", test_fault_write_while_open},
    {"canary_corruption_reported", test_canary},
    {"destroy_zeroes_page", test_destroy_zeroes},
    {"use_after_destroy_is_clean_error", test_use_after_destroy},
    {"destroy_waits_for_readers", test_destroy_waits_for_readers},
    {"error_descriptions", test_descriptions},
    {"mlock_failure_in_child", test_mlock_failure},
    {"concurrency_shared_and_churn", test_concurrency},
    {"ops_runner_output", test_ops_runner_output},
    {"ops_runner_usage_errors", test_ops_runner_usage},
    {"syscall_count_2n_mprotect", test_syscall_count},
    {"bench_binary_names_and_flags", test_bench_binary},
    {"programs_report_setup_failure", test_programs_report_setup_failure},
    {"secretverify_answers_every_vector", test_secretverify_answers},
    {"secretverify_usage_and_missing_file", test_secretverify_usage_and_missing_file},
    {"secretverify_malformed_files", test_secretverify_malformed},
    {"secretverify_kernel_failure", test_secretverify_kernel_failure},
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--child-mlock") == 0)
        return child_mlock();
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--vectors") == 0)
            vectors_path = argv[i + 1];
        else if (strcmp(argv[i], "--secretops") == 0)
            secretops_path = argv[i + 1];
        else if (strcmp(argv[i], "--bench") == 0)
            bench_path = argv[i + 1];
        else if (strcmp(argv[i], "--secretverify") == 0)
            secretverify_path = argv[i + 1];
    }
    if (vectors_path == NULL || secretops_path == NULL || bench_path == NULL || secretverify_path == NULL ||
        argc != 9) {
        fprintf(stderr, "usage: test_secret --vectors FILE --secretops PATH --bench PATH --secretverify PATH\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        failed_now = false;
        failure[0] = '\0';
        tests[i].fn();
        if (failed_now) {
            failed++;
            printf("FAIL %s: %s\n", tests[i].name, failure);
        } else {
            passed++;
            printf("ok   %s\n", tests[i].name);
        }
    }
    jfree(&vectors);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
