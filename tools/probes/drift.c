/* drift: does the cost of a system call move over time, and does plain CPU
 * work move with it?
 *
 *   drift [BLOCKS] [PAIRS]
 *
 * Each block times, one after the other in this one process: PAIRS floor
 * pairs (mprotect PROT_READ then PROT_NONE on one page), PAIRS getppid
 * pairs, and PAIRS x 100 steps of an integer recurrence (no system call).
 * One line per block: the three costs in ns per pair (per 100 steps for
 * the recurrence). On a machine whose system calls drift, the first two
 * columns rise and fall together while the third stays put. */
#include "common.h"

int main(int argc, char **argv) {
    int blocks = probe_arg(argc, argv, 1, 100);
    int pairs = probe_arg(argc, argv, 2, 10000);
    if (blocks < 1 || pairs < 1) {
        fprintf(stderr, "usage: drift [BLOCKS>0] [PAIRS>0]\n");
        return 2;
    }
    long ps = probe_page_size();
    char *page = probe_guarded_page();
    volatile unsigned long x = 1;
    printf("block mprotect_pair_ns getppid_pair_ns cpu_ns\n");
    for (int b = 0; b < blocks; b++) {
        double floor_ns = probe_floor_pairs(page, ps, pairs);
        double t1 = probe_now_ns();
        for (int i = 0; i < pairs; i++) {
            getppid();
            getppid();
        }
        double t2 = probe_now_ns();
        for (long i = 0; i < (long)pairs * 100; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
        double t3 = probe_now_ns();
        printf("%d %.0f %.0f %.0f\n", b, floor_ns, (t2 - t1) / pairs, (t3 - t2) / pairs);
        fflush(stdout);
    }
    return 0;
}
