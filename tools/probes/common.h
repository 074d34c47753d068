/* Shared helpers of the machine probes: a monotonic clock in ns, one page
 * mapped PROT_NONE between two guard pages (so mprotect never merges or
 * splits a neighbouring mapping), the timed floor pair, and a median of a
 * double array. */
#ifndef PROBES_COMMON_H
#define PROBES_COMMON_H
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline double probe_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static inline long probe_page_size(void) { return sysconf(_SC_PAGESIZE); }

/* The middle page of three, never written: it has no page-table entry, so
 * changing its protection has nothing to flush. The outer two stay
 * PROT_NONE for good. */
static inline char *probe_empty_page(void) {
    long ps = probe_page_size();
    char *base = mmap(NULL, (size_t)(3 * ps), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return base + ps;
}

/* The same page written once, as the kernel's data page is, then back to
 * PROT_NONE. */
static inline char *probe_guarded_page(void) {
    long ps = probe_page_size();
    char *page = probe_empty_page();
    if (mprotect(page, (size_t)ps, PROT_READ | PROT_WRITE) != 0) {
        perror("mprotect");
        exit(1);
    }
    page[0] = 1;
    mprotect(page, (size_t)ps, PROT_NONE);
    return page;
}

/* Times PAIRS floor pairs on page (mprotect PROT_READ then PROT_NONE, the
 * built-in suite's floor op); returns ns per pair. */
static inline double probe_floor_pairs(char *page, long ps, int pairs) {
    double t0 = probe_now_ns();
    for (int i = 0; i < pairs; i++) {
        mprotect(page, (size_t)ps, PROT_READ);
        mprotect(page, (size_t)ps, PROT_NONE);
    }
    return (probe_now_ns() - t0) / pairs;
}

static int probe_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts xs in place; returns the median and, if asked, the quartiles. */
static inline double probe_median(double *xs, int n, double *q1, double *q3) {
    qsort(xs, (size_t)n, sizeof *xs, probe_cmp);
    if (q1) *q1 = xs[n / 4];
    if (q3) *q3 = xs[(3 * n) / 4];
    return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

static inline int probe_arg(int argc, char **argv, int i, int fallback) {
    return argc > i ? atoi(argv[i]) : fallback;
}
#endif
