/*
 * forkrace: a real fork/wait race, for xrr's schedule exploration (`xrr explore`).
 *
 *   forkrace [sigchld [children]]   (default: sigchld 4)
 *   forkrace file [lines]           (default: 400)
 *
 * sigchld: the parent forks its children, then installs its SIGCHLD handler (too late), and
 * the handler reaps one child per signal (too few: signals of the same number coalesce).
 * With a lucky schedule every exit arrives after the handler is in place and one at a time,
 * and the parent reaps everyone. With an unlucky one a child exits before the handler
 * exists, or two exit while the signal is pending, and the parent's count falls short.
 *
 * file: the parent waits for the child's output file to *exist*, then reads it, although the
 * child writes it line by line; it sees all of it only if the child was not preempted between
 * creating the file and its last write.
 *
 * Prints "OK ..." and exits 0, or "RACE: ..." (what went wrong) and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xinim/xinim.h>

#define MAX_CHILDREN 16

static volatile sig_atomic_t reaped;
static volatile pid_t reaped_pids[MAX_CHILDREN];

static void on_sigchld(int sig)
{
    (void)sig;
    /* The bug: one waitpid per signal instead of looping until it returns 0. */
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p > 0 && reaped < MAX_CHILDREN) reaped_pids[reaped++] = p;
}

static void busy(unsigned n)
{
    volatile unsigned x = 0;
    for (unsigned i = 0; i < n; i++) x += i * i;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int race_sigchld(int n)
{
    pid_t pids[MAX_CHILDREN];
    printf("forkrace: parent %d forks %d children\n", (int)getpid(), n);
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            printf("forkrace: fork: %s\n", strerror(errno));
            return 2;
        }
        if (pids[i] == 0) {
            /* Children do different amounts of work, so their exits spread over time. */
            busy(100000u * (unsigned)(i + 1));
            _exit(i);
        }
    }
    printf("forkrace: children running, installing the SIGCHLD handler\n");
    fflush(stdout);
    /* The window: between fork and here, an exiting child's SIGCHLD is discarded. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sigaction(SIGCHLD, &sa, NULL);

    uint64_t deadline = monotonic_ns() + 500000000ull; /* 0.5 s of virtual time */
    while (reaped < n && monotonic_ns() < deadline) sleep_ms(10);
    if (reaped == n) {
        printf("OK: the SIGCHLD handler reaped all %d children\n", n);
        return 0;
    }
    printf("RACE: the SIGCHLD handler reaped %d of %d children\n", (int)reaped, n);
    /* Name the children whose exit the handler never saw. */
    signal(SIGCHLD, SIG_DFL);
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0)
        printf("RACE: child %d exited (status %d) but its SIGCHLD was lost\n", (int)p, WEXITSTATUS(st));
    return 1;
}

static int race_file(int lines)
{
    const char *path = "/tmp/forkrace.out";
    unlink(path);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("forkrace: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) _exit(2);
        char line[32];
        for (int i = 0; i < lines; i++) {
            int len = snprintf(line, sizeof line, "line %d\n", i);
            write(fd, line, (size_t)len); /* one line per write: a writer in pieces, as real ones are */
        }
        close(fd);
        _exit(0);
    }
    /* The bug: "the file exists" is taken to mean "the file is complete". */
    while (access(path, F_OK) < 0) sched_yield();
    int fd = open(path, O_RDONLY);
    int seen = 0;
    char buf[256];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) seen += buf[i] == '\n';
    if (fd >= 0) close(fd);
    int st;
    waitpid(pid, &st, 0);
    unlink(path);
    if (seen == lines) {
        printf("OK: read all %d lines the child wrote\n", lines);
        return 0;
    }
    printf("RACE: read %d of %d lines: the child had not finished writing\n", seen, lines);
    return 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "sigchld";
    if (!strcmp(mode, "sigchld")) {
        int n = argc > 2 ? atoi(argv[2]) : 4;
        if (n < 1 || n > MAX_CHILDREN) n = 4;
        return race_sigchld(n);
    }
    if (!strcmp(mode, "file")) {
        int n = argc > 2 ? atoi(argv[2]) : 400;
        return race_file(n > 0 ? n : 400);
    }
    fprintf(stderr, "usage: forkrace [sigchld [children] | file [lines]]\n");
    return 2;
}
