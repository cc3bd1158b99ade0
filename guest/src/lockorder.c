/*
 * lockorder: an ABBA deadlock, for xrr's schedule exploration (`xrr explore /bin/lockorder`).
 *
 *   lockorder [rounds [work]]   (default: 2 rounds, work 100: about one run in three deadlocks)
 *
 * Two processes take the same two locks in opposite orders: the parent A then B, the child
 * B then A. A lock is a pipe holding one token byte: reading the byte takes the lock (a reader
 * blocks while another process holds it), writing it back gives the lock up. If each process
 * holds its first lock when it asks for its second, both wait for ever: a deadlock. With a lucky
 * schedule one process finishes a round before the other starts one.
 *
 * Prints "OK ..." and exits 0 when both finished every round. A deadlocked run prints nothing
 * more: every process waits (the parent in read, the child in read, init in wait4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void busy(unsigned n)
{
    volatile unsigned x = 0;
    for (unsigned i = 0; i < n; i++) x += i * i;
}

static void lock(int *l, char *token) { read(l[0], token, 1); }
static void unlock(int *l, const char *token) { write(l[1], token, 1); }

static void rounds_of(int *first, int *second, int rounds, unsigned work)
{
    for (int i = 0; i < rounds; i++) {
        char t1, t2;
        lock(first, &t1);
        busy(work); /* the window: holding the first lock, not yet the second */
        lock(second, &t2);
        busy(work);
        unlock(second, &t2);
        unlock(first, &t1);
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 2;
    unsigned work = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
    if (rounds < 1) rounds = 2;
    int a[2], b[2];
    if (pipe(a) < 0 || pipe(b) < 0) {
        printf("lockorder: pipe failed\n");
        return 2;
    }
    unlock(a, "A");
    unlock(b, "B");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("lockorder: fork failed\n");
        return 2;
    }
    if (pid == 0) {
        rounds_of(b, a, rounds, work);
        _exit(0);
    }
    rounds_of(a, b, rounds, work);
    int st;
    waitpid(pid, &st, 0);
    printf("OK: %d rounds in each process, no deadlock\n", rounds);
    return 0;
}
