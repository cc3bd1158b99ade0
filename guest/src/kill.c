/* kill [-SIGNAL | -N | -s SIGNAL] pid... | kill -l: send a signal (default TERM). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int sig;
} sigs[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"WINCH", SIGWINCH}, {"SYS", SIGSYS},
};
#define NSIGS (sizeof sigs / sizeof sigs[0])

/* Numbers are the Linux ones users know (kill -9, kill -2); names are looked up. */
extern int __sig_from_linux(int lsig);

static int parse_signal(const char *s)
{
    if (*s >= '0' && *s <= '9') {
        int n = atoi(s);
        return (n > 0 && n < 32) ? __sig_from_linux(n) : -1;
    }
    if (strncasecmp(s, "SIG", 3) == 0) s += 3;
    for (unsigned i = 0; i < NSIGS; i++)
        if (strcasecmp(s, sigs[i].name) == 0) return sigs[i].sig;
    return -1;
}

int main(int argc, char **argv)
{
    int sig = SIGTERM, i = 1;
    if (argc < 2) goto usage;
    if (strcmp(argv[1], "-l") == 0) {
        for (unsigned k = 0; k < NSIGS; k++) printf("%s%c", sigs[k].name, k + 1 == NSIGS ? '\n' : ' ');
        return 0;
    }
    if (strcmp(argv[1], "-s") == 0 && argc > 2) {
        sig = parse_signal(argv[2]);
        i = 3;
    } else if (argv[1][0] == '-' && !(argv[1][1] >= '0' && argv[1][1] <= '9' && argc == 2)) {
        sig = parse_signal(argv[1] + 1);
        i = 2;
    }
    if (sig < 0) {
        fprintf(stderr, "kill: unknown signal\n");
        return 2;
    }
    if (i >= argc) goto usage;
    int rc = 0;
    for (; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*end || end == argv[i]) {
            fprintf(stderr, "kill: bad pid '%s'\n", argv[i]);
            rc = 1;
            continue;
        }
        if (kill((pid_t)pid, sig) < 0) {
            fprintf(stderr, "kill: %ld: %s\n", pid, strerror(errno));
            rc = 1;
        }
    }
    return rc;
usage:
    fprintf(stderr, "usage: kill [-SIGNAL | -N | -s SIGNAL] pid... | kill -l\n");
    return 2;
}
