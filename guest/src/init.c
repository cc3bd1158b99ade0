/*
 * /sbin/init, PID 1: opens the console as fds 0/1/2, runs /etc/rc, then keeps a shell on
 * the console (restarting it when it exits) and reaps every orphan reparented to it.
 *
 * `init PROGRAM [ARGS...]` (what `xrr run PROGRAM` boots) runs just that program on the
 * console instead, reaps orphans meanwhile, and exits with the program's status, which
 * halts the machine: exit code, or 128 + the (Linux) signal number that killed it.
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

static void open_console(void)
{
    if (fcntl(0, F_GETFD) >= 0) return; /* the kernel already gave us a console */
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0) {
        static const char msg[] = "init: cannot open /dev/console\n";
        debug_write(msg, sizeof msg - 1);
        return;
    }
    if (fd != 0) {
        dup2(fd, 0);
        close(fd);
    }
    dup2(0, 1);
    dup2(0, 2);
}

/*
 * PID 1 must not die of a stray signal (`kill 1`, a Ctrl-C with no foreground group): it
 * ignores these, and its children get the default actions back before exec, since ignored
 * signals stay ignored across exec. SIGCHLD stays default: ignoring it would auto-reap.
 */
static const int ignored_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE,
                                      SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU};
#define NIGNORED (sizeof ignored_signals / sizeof ignored_signals[0])

static void set_signals(_sig_func_ptr action)
{
    for (unsigned i = 0; i < NIGNORED; i++) signal(ignored_signals[i], action);
}

static pid_t spawn(const char *path, char *const argv[], int own_group)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "init: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (own_group) {
            setpgid(0, 0);
            tcsetpgrp(0, getpid());
        }
        set_signals(SIG_DFL);
        execv(path, argv);
        fprintf(stderr, "init: %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    if (own_group) setpgid(pid, pid); /* both sides, whichever runs first */
    return pid;
}

extern int __sig_to_linux(int psig);

static int run_program(char **argv)
{
    pid_t pid = spawn(argv[0], argv, 1);
    if (pid < 0) return 127;
    for (;;) {
        int status;
        pid_t p = wait(&status);
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) return 127;
        if (p != pid) continue; /* an orphan */
        fflush(stdout);
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return 128 + __sig_to_linux(WTERMSIG(status));
    }
}

static void describe_exit(const char *what, pid_t pid, int status)
{
    if (WIFEXITED(status)) printf("init: %s (pid %d) exited with status %d\n", what, (int)pid, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("init: %s (pid %d) killed by signal %s\n", what, (int)pid, strsignal(WTERMSIG(status)));
}

int main(int argc, char **argv)
{
    open_console();
    setenv("PATH", "/bin:/sbin", 1);
    setenv("HOME", "/", 1);
    setenv("SHELL", "/bin/sh", 1);
    chdir("/");
    set_signals(SIG_IGN);

    if (argc > 1) return run_program(argv + 1);

    if (access("/etc/rc", R_OK) == 0) {
        char *rc_argv[] = {"sh", "/etc/rc", NULL};
        pid_t rc = spawn("/bin/sh", rc_argv, 0);
        int status;
        pid_t p;
        while (rc > 0 && (p = wait(&status)) > 0)
            if (p == rc) {
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) describe_exit("/etc/rc", p, status);
                break;
            }
    }

    char *sh_argv[] = {"-sh", "-i", NULL};
    unsigned quick_exits = 0;
    for (;;) {
        struct timespec started;
        clock_gettime(CLOCK_MONOTONIC, &started);
        pid_t sh = spawn("/bin/sh", sh_argv, 1);
        for (;;) {
            int status;
            pid_t p = wait(&status);
            if (p < 0) {
                if (errno == EINTR) continue;
                break; /* no children at all: respawn */
            }
            if (p != sh) continue; /* an orphan: reaped, nothing else to do */
            describe_exit("shell", p, status);
            break;
        }
        tcsetpgrp(0, getpgrp());
        /* A shell that dies at once would spin: back off in virtual time. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - started.tv_sec < 1) {
            if (++quick_exits >= 3) {
                printf("init: shell keeps exiting; waiting 5 s\n");
                sleep(5);
                quick_exits = 0;
            }
        } else {
            quick_exits = 0;
        }
        printf("init: restarting shell\n");
    }
}
