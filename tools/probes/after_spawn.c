/* after_spawn: is a process's floor pair slower once it has started a child?
 *
 *   after_spawn [ROUNDS] [PAIRS]
 *
 * Each round forks one fresh worker per mode, the modes in turn. A worker
 * times PAIRS floor pairs (mprotect PROT_READ then PROT_NONE on one page),
 * then does its mode's action, then times PAIRS pairs twice more:
 *   none   nothing;
 *   spawn  posix_spawn of `true` and a wait: the child borrows this
 *          process's memory map until it execs (vfork), the way Python's
 *          subprocess starts a child;
 *   fork   fork of a child that exits at once, and a wait: the child gets
 *          a copy of the map and never runs on this one.
 * A worker reports after/before for both later batches. One line per mode:
 * the median [quartiles] of those ratios over all rounds. */
#include "common.h"
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

enum { NONE, SPAWN, FORK, MODES };
static const char *const NAMES[MODES] = {"none", "spawn", "fork"};

/* In a fresh worker: before, action, after twice. Writes two ratios to fd. */
static void worker(int mode, int pairs, int fd) {
    long ps = probe_page_size();
    char *page = probe_guarded_page();
    probe_floor_pairs(page, ps, pairs / 10 + 1); /* warm-up */
    double before = probe_floor_pairs(page, ps, pairs);
    pid_t pid = -1;
    if (mode == SPAWN) {
        char *args[] = {"true", NULL};
        if (posix_spawnp(&pid, "true", NULL, NULL, args, environ) != 0) _exit(3);
    } else if (mode == FORK) {
        pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) _exit(5);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
    double r[2];
    r[0] = probe_floor_pairs(page, ps, pairs) / before;
    r[1] = probe_floor_pairs(page, ps, pairs) / before;
    if (write(fd, r, sizeof r) != (ssize_t)sizeof r) _exit(4);
    _exit(0);
}

int main(int argc, char **argv) {
    int rounds = probe_arg(argc, argv, 1, 10);
    int pairs = probe_arg(argc, argv, 2, 20000);
    if (rounds < 1 || pairs < 1) {
        fprintf(stderr, "usage: after_spawn [ROUNDS>0] [PAIRS>0]\n");
        return 2;
    }
    double *ratios[MODES];
    for (int m = 0; m < MODES; m++) {
        ratios[m] = malloc(sizeof(double) * 2 * (size_t)rounds);
        if (ratios[m] == NULL) {
            perror("malloc");
            return 1;
        }
    }
    for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < MODES; m++) {
            int fds[2];
            if (pipe(fds) != 0) {
                perror("pipe");
                return 1;
            }
            pid_t pid = fork();
            if (pid < 0) {
                perror("fork");
                return 1;
            }
            if (pid == 0) {
                close(fds[0]);
                worker(m, pairs, fds[1]);
            }
            close(fds[1]);
            double got[2];
            int status = 0;
            ssize_t n = read(fds[0], got, sizeof got);
            close(fds[0]);
            waitpid(pid, &status, 0);
            if (n != (ssize_t)sizeof got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                /* exit 3: posix_spawn failed, 4: the pipe, 5: fork */
                if (WIFEXITED(status))
                    fprintf(stderr, "after_spawn: the %s worker failed (exit %d)\n", NAMES[m], WEXITSTATUS(status));
                else
                    fprintf(stderr, "after_spawn: the %s worker was killed (signal %d)\n", NAMES[m],
                            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
                return 1;
            }
            memcpy(&ratios[m][2 * r], got, sizeof got);
        }
    }
    printf("mode after/before median [q1, q3] over %d rounds x 2 batches of %d pairs\n", rounds, pairs);
    for (int m = 0; m < MODES; m++) {
        double q1, q3;
        double med = probe_median(ratios[m], 2 * rounds, &q1, &q3);
        printf("%s %.3f [%.3f, %.3f]\n", NAMES[m], med, q1, q3);
    }
    return 0;
}
