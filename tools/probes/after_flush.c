/* after_flush: does user code run slower right after a protection change
 * than after a cheap system call or after none?
 *
 *   after_flush [ROUNDS] [WORK] [KIND]
 *
 * KIND 0: WORK predictable indirect calls between the two calls of a pair
 * (what an interpreter's dispatch or a runtime's bookkeeping looks like to
 * the branch predictor); KIND 1: WORK loads, one per distinct page (what
 * a TLB flush would make dear). For each pair kind (floor mprotect pair,
 * getppid pair, no call) every round times a block with the work and a
 * block without it, back to back; the line per pair kind gives the median
 * and quartiles over rounds of what the work added, in ns per pair. */
#include "common.h"

typedef unsigned (*step_fn)(unsigned);
#define STEP(i) \
    __attribute__((noinline)) static unsigned step##i(unsigned v) { return v * (2u * i + 1u) + i; }
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
static step_fn steps[16] = {step0, step1, step2, step3, step4, step5, step6, step7,
                            step8, step9, step10, step11, step12, step13, step14, step15};

enum { MAX_WORK = 1024, BLOCK = 3000, MAX_ROUNDS = 1000 };
static unsigned order[MAX_WORK];
static char *pages;
static char *page;
static long ps;
static volatile unsigned sink;

static void call(int pair_kind, int prot) {
    if (pair_kind == 0) mprotect(page, (size_t)ps, prot);
    else if (pair_kind == 1) getppid();
}

static double block(int pair_kind, int kind, int work) {
    double t0 = probe_now_ns();
    for (int i = 0; i < BLOCK; i++) {
        call(pair_kind, PROT_READ);
        unsigned v = (unsigned)i;
        if (kind == 0)
            for (int k = 0; k < work; k++) v = steps[order[k]](v);
        else
            for (int k = 0; k < work; k++) v += (unsigned char)pages[(size_t)k * (size_t)ps + (size_t)((k * 64) % ps)];
        sink += v;
        call(pair_kind, PROT_NONE);
    }
    return (probe_now_ns() - t0) / BLOCK;
}

int main(int argc, char **argv) {
    int rounds = probe_arg(argc, argv, 1, 60);
    int work = probe_arg(argc, argv, 2, 200);
    int kind = probe_arg(argc, argv, 3, 0);
    if (rounds < 4 || rounds > MAX_ROUNDS || work < 1 || work > MAX_WORK || (kind != 0 && kind != 1)) {
        fprintf(stderr, "usage: after_flush [ROUNDS 4..%d] [WORK 1..%d] [KIND 0|1]\n", MAX_ROUNDS, MAX_WORK);
        return 2;
    }
    ps = probe_page_size();
    page = probe_guarded_page();
    pages = mmap(NULL, (size_t)MAX_WORK * (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (int k = 0; k < MAX_WORK; k++) {
        order[k] = (unsigned)(k / 3) % 16u; /* a pattern the predictor learns */
        pages[(size_t)k * (size_t)ps] = (char)k;
    }
    static double added[3][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        for (int p = 0; p < 3; p++) added[p][r] = block(p, kind, work) - block(p, kind, 0);
    const char *names[3] = {"after the floor mprotect", "after getppid", "with no call"};
    printf("%s x %d, ns per pair added by the work (median [quartiles] over %d rounds)\n",
           kind == 0 ? "indirect calls" : "page loads", work, rounds);
    for (int p = 0; p < 3; p++) {
        double q1, q3, m = probe_median(added[p], rounds, &q1, &q3);
        printf("%s: %.0f [%.0f, %.0f]\n", names[p], m, q1, q3);
    }
    return 0;
}
