/* neighbour: what does another thread of the same process cost the floor
 * pair, when it sleeps most of the time (waking every 20 us, as Go's
 * sysmon does when it polls) or spins on the other CPU?
 *
 *   neighbour [ROUNDS] [PAIRS] [ONLY] [PAGE]
 *
 * One helper thread switches between three modes: parked (waiting on a
 * condition variable),
 * waking every 20 us, and spinning. Every round times PAIRS floor pairs in
 * each mode, back to back. Prints the parked median and the median
 * [quartiles] over rounds of what each other mode added, in ns per pair,
 * and the helper's wakeups per pair while it woke every 20 us.
 *
 * ONLY (parked, waking or spinning; default all) keeps the helper in one
 * mode for the whole run, so that `perf stat -a -e ipi:ipi_send_cpu` counts
 * what that mode causes. PAGE is populated (default: the page was written
 * once, so it has a page-table entry whose change must be flushed, as the
 * kernel's data page has) or empty (never written: nothing to flush). */
#include <pthread.h>
#include <string.h>
#include "common.h"

enum { PARKED, WAKING, SPINNING, DONE, MAX_ROUNDS = 1000 };
static volatile int mode = PARKED;
static volatile long wakeups;

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;

/* Parked, the helper waits on a condition variable: it takes no CPU and
 * leaves parking the moment the mode changes. */
static void *helper(void *unused) {
    (void)unused;
    struct timespec poll = {0, 20 * 1000};
    for (;;) {
        int m = mode;
        if (m == DONE) return NULL;
        if (m == PARKED) {
            pthread_mutex_lock(&park_lock);
            while (mode == PARKED) pthread_cond_wait(&park_cond, &park_lock);
            pthread_mutex_unlock(&park_lock);
        } else if (m == WAKING) {
            nanosleep(&poll, NULL);
            wakeups++;
        }
    }
}

static void set_mode(int m) {
    pthread_mutex_lock(&park_lock);
    mode = m;
    pthread_cond_broadcast(&park_cond);
    pthread_mutex_unlock(&park_lock);
    usleep(2000); /* the helper is in its new mode */
}

static int mode_named(const char *name) {
    const char *names[] = {"parked", "waking", "spinning"};
    for (int m = PARKED; m <= SPINNING; m++)
        if (strcmp(name, names[m]) == 0) return m;
    return strcmp(name, "all") == 0 ? -1 : -2;
}

int main(int argc, char **argv) {
    int rounds = probe_arg(argc, argv, 1, 30);
    int pairs = probe_arg(argc, argv, 2, 10000);
    int only = argc > 3 ? mode_named(argv[3]) : -1;
    const char *kind = argc > 4 ? argv[4] : "populated";
    int populated = strcmp(kind, "populated") == 0;
    if (rounds < 4 || rounds > MAX_ROUNDS || pairs < 1 || only == -2 || (!populated && strcmp(kind, "empty") != 0)) {
        fprintf(stderr, "usage: neighbour [ROUNDS 4..%d] [PAIRS>0] [all|parked|waking|spinning] [populated|empty]\n",
                MAX_ROUNDS);
        return 2;
    }
    long ps = probe_page_size();
    char *page = populated ? probe_guarded_page() : probe_empty_page();
    pthread_t t;
    if (pthread_create(&t, NULL, helper, NULL) != 0) {
        fprintf(stderr, "neighbour: cannot start the helper thread\n");
        return 1;
    }
    static double cost[3][MAX_ROUNDS], waking[MAX_ROUNDS], spinning[MAX_ROUNDS];
    long woke = 0, waking_pairs = 0;
    for (int r = 0; r < rounds; r++) {
        for (int m = PARKED; m <= SPINNING; m++) {
            if (only >= 0 && m != only) {
                cost[m][r] = 0;
                continue;
            }
            set_mode(m);
            long w0 = wakeups;
            cost[m][r] = probe_floor_pairs(page, ps, pairs);
            if (m == WAKING) {
                woke += wakeups - w0;
                waking_pairs += pairs;
            }
        }
        waking[r] = cost[WAKING][r] - cost[PARKED][r];
        spinning[r] = cost[SPINNING][r] - cost[PARKED][r];
    }
    set_mode(DONE);
    pthread_join(t, NULL);
    double q1, q3;
    if (only >= 0) {
        printf("floor pair with the helper %s: %.0f ns (%.4f wakeups per pair)\n", argv[3],
               probe_median(cost[only], rounds, NULL, NULL), (double)woke / (double)(rounds * (long)pairs));
        return 0;
    }
    printf("floor pair with the helper parked: %.0f ns\n", probe_median(cost[PARKED], rounds, NULL, NULL));
    double m = probe_median(waking, rounds, &q1, &q3);
    printf("waking every 20 us adds: %.0f [%.0f, %.0f] ns per pair (%.4f wakeups per pair)\n", m, q1, q3,
           (double)woke / (double)waking_pairs);
    m = probe_median(spinning, rounds, &q1, &q3);
    printf("spinning adds: %.0f [%.0f, %.0f] ns per pair\n", m, q1, q3);
    return 0;
}
