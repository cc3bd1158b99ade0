/*
 * ordering2: a bug of depth 2 (two orderings must both go wrong), written to compare schedule
 * exploration strategies (`xrr explore --strategy random` and `pct:2`).
 *
 *   ordering2 [steps]   (default: 30)
 *
 * The parent writes a batch into /tmp/batch.tmp, one record per write, then commits it by
 * renaming it to /tmp/batch. The child checks once for a batch: an uncommitted batch that is
 * already complete is the bug's state (a consumer that takes it would race the commit). It
 * shows only if the child's check comes after the parent's last write (ordering 1) and before
 * its rename (ordering 2): the parent must run all its steps without the child, and then lose
 * the processor at exactly one point. Preempting at random points rarely leaves the parent
 * alone that long; PCT (random priorities, one change point) does it once in about 2 x steps.
 *
 * Prints "OK ..." and exits 0, or "BUG: ..." and exits 1.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMP "/tmp/batch.tmp"
#define DONE "/tmp/batch"

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 30;
    if (steps < 1 || steps > 1000) steps = 30;
    unlink(TMP);
    unlink(DONE);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("ordering2: fork failed\n");
        return 2;
    }
    if (pid == 0) {
        /* One call decides: the batch is at TMP only until it is committed, so a TMP that is
         * already full size is complete and uncommitted. */
        struct stat st;
        _exit(stat(TMP, &st) == 0 && st.st_size == (off_t)steps * 8 ? 1 : 0);
    }
    int fd = open(TMP, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("ordering2: cannot create %s\n", TMP);
        return 2;
    }
    for (int i = 0; i < steps; i++) {
        char rec[9];
        snprintf(rec, sizeof rec, "rec%04d\n", i % 10000);
        write(fd, rec, 8);
    }
    close(fd);
    rename(TMP, DONE);
    int st;
    waitpid(pid, &st, 0);
    unlink(DONE);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
        printf("BUG: the child saw a complete batch of %d records before it was committed\n", steps);
        return 1;
    }
    printf("OK: the child never saw a complete uncommitted batch\n");
    return 0;
}
