/*
 * sysfuzz SEED COUNT: COUNT system calls with numbers and arguments drawn from a PRNG seeded by
 * SEED, for test/fuzz-syscalls.test.ts (the machine must neither throw nor diverge on replay).
 *
 * Numbers: every number of the table (1..66) and some outside it. Arguments: small integers,
 * boundary values, pointers into this program's scratch buffer, into its read-only text, NULL,
 * unmapped and kernel-ish addresses, huge lengths. The fuzzer keeps itself alive and the run
 * finite, so that one run covers COUNT calls:
 *   - calls that would end or replace this process (exit, execve, sigreturn, a signal to itself,
 *     munmap/mprotect/brk/mmap MAP_FIXED over its own memory) run in a fork child that does that
 *     one call and exits; the parent reaps it;
 *   - calls that could block forever take arguments that cannot: reads and writes only on files
 *     and closed or invalid descriptors (never the console or a pipe), lattice_recv non-blocking,
 *     signals to others only as signal 0, no sigsuspend in the parent (a child's is woken by a
 *     SIGKILL), nanosleep of at most a millisecond in the parent;
 *   - descriptors 0..2 are never closed or replaced (the summary goes to the console);
 *   - pointers that the kernel may write through point only into the scratch buffer.
 * The last line is "sysfuzz: seed S: N calls, E errors, hash H", H a hash of every result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xinim/syscalls.h>
#include <xinim/xinim.h>

#include "../lib/syscall.h"

#define SCRATCH 16384
#define MAX_FD 64
#define SYS_TABLE_MAX 66

static unsigned char scratch[SCRATCH] __attribute__((aligned(16)));
static uint32_t rng_state;

/* xorshift32 after a splitmix step, so seeds 0 and 1 differ in every bit that matters. */
static uint32_t next(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t below(uint32_t n) { return n == 0 ? 0 : next() % n; }

/* Every call goes through the library's raw ecall (lib/syscall.h): no errno, no wrapper checks. */
#define raw __sc6

/* What a descriptor is known to be: a read or write on it may block only for CONSOLE and PIPE. */
enum fd_kind { FD_NONE, FD_FILE, FD_CONSOLE, FD_PIPE, FD_UNKNOWN };
static enum fd_kind fds[MAX_FD];

static int fd_may_block(long fd)
{
    if (fd < 0 || fd >= MAX_FD) return 0;
    return fds[fd] == FD_CONSOLE || fds[fd] == FD_PIPE || fds[fd] == FD_UNKNOWN;
}

static long any_int(void)
{
    static const long edges[] = { 0, 1, 2, 3, -1, -2, 7, 31, 32, 64, 255, 4095, 4096, 4097, 0x7fff, 0xffff,
                                  0x7fffffff, (long)0x80000000u, (long)0xffffffffu, (long)0xfffff000u };
    switch (below(3)) {
    case 0: return edges[below(sizeof edges / sizeof edges[0])];
    case 1: return (long)below(70);
    default: return (long)next();
    }
}

static long any_len(void)
{
    static const long lens[] = { 0, 1, 2, 16, 64, 511, 4063, 4064, 4065, 8192, SCRATCH, 65536,
                                 0x7fffffff, (long)0xffffffffu, (long)0x80000000u };
    return below(3) == 0 ? (long)below(300) : lens[below(sizeof lens / sizeof lens[0])];
}

/* A pointer the kernel may write through: into the scratch buffer, or one it must refuse. */
static long any_ptr(void)
{
    static const long bad[] = { 0, 1, 4, 0x1000, 0x00010000 /* text */, 0x0fff0000, 0x40000000,
                                0x50000000, 0x7fff0000 /* stack top */, 0x7ffffff0,
                                (long)0x80000000u, (long)0xc0000000u, (long)0xfffff000u, (long)0xffffffffu };
    switch (below(4)) {
    case 0: return (long)(uintptr_t)scratch;
    case 1: return (long)(uintptr_t)(scratch + below(SCRATCH));
    case 2: return (long)(uintptr_t)(scratch + SCRATCH - 1 - below(16));
    default: return bad[below(sizeof bad / sizeof bad[0])];
    }
}

/* A pointer to nothing readable (or NULL): what the kernel reads there must not matter. */
static long any_unreadable(void)
{
    static const long bad[] = { 0, 1, 4, 0x1000, 0x50000000, 0x7fff0000, (long)0x80000000u, (long)0xc0000000u,
                                (long)0xfffff000u, (long)0xffffffffu };
    return bad[below(sizeof bad / sizeof bad[0])];
}

/* A file descriptor: mostly open ones, some closed, negative or huge. */
static long any_fd(void)
{
    switch (below(4)) {
    case 0: return (long)below(MAX_FD);
    case 1: return any_int();
    default: return (long)below(12);
    }
}

/* A path: real names, names to create under /tmp, garbage from the scratch buffer, bad pointers. */
/* The shell reads the console: an execve of it would wait for input for good. */
static const char SHELL[] = "/bin/sh";
static const char NOT_AN_ELF[] = "/etc/motd";
static const char *const paths[] = {
    "/", "/tmp", "/tmp/fz", "/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/a/c", "/tmp/f1", "/tmp/f2", NOT_AN_ELF,
    "/etc/rc", "/dev/null", "/dev/console", SHELL, "/nonexistent/x", "", ".", "..", "tmp",
    "/tmp/fz/../f1", "//tmp///f2", "/bin/true", "/bin/echo",
};
#define NPATHS (sizeof paths / sizeof paths[0])

static long any_path(void)
{
    switch (below(5)) {
    case 0: case 1: case 2: return (long)(uintptr_t)paths[below(NPATHS)];
    case 3: {
        /* Random bytes, NUL-terminated somewhere or (at the end of the buffer) not at all. */
        uint32_t at = below(SCRATCH);
        uint32_t n = below(SCRATCH - at);
        for (uint32_t i = 0; i < n && i < 300; i++) scratch[at + i] = (unsigned char)next();
        return (long)(uintptr_t)(scratch + at);
    }
    default: return any_ptr();
    }
}

/* Fill part of the scratch buffer with random bytes (structures the kernel reads). */
static void scramble(void)
{
    uint32_t at = below(SCRATCH);
    uint32_t n = below(512);
    for (uint32_t i = 0; i < n && at + i < SCRATCH; i++) scratch[at + i] = (unsigned char)next();
}

static uint32_t hash = 2166136261u;
static void mix(long r)
{
    for (int i = 0; i < 4; i++) {
        hash ^= (uint32_t)(r >> (8 * i)) & 0xff;
        hash *= 16777619u;
    }
}

/* Run nr(a..f) in a child that then exits; the parent waits for it (the child's status is the result). */
static long in_child(long nr, long a, long b, long c, long d, long e, long f)
{
    long pid = raw(SYS_fork, 0, 0, 0, 0, 0, 0);
    if (pid < 0) return pid;
    if (pid == 0) {
        if (nr == SYS_kill) a = raw(SYS_getpid, 0, 0, 0, 0, 0, 0); /* a signal to the child itself */
        raw(nr, a, b, c, d, e, f);
        raw(SYS_exit, 0, 0, 0, 0, 0, 0);
        for (;;) {} /* exit does not return */
    }
    int status = 0;
    long r = raw(SYS_wait4, pid, (long)(uintptr_t)&status, 0, 0, 0, 0);
    return r < 0 ? r : status;
}

/* Run nr(a, b, c) in a child that may block for good: the parent ends it with SIGKILL. */
static long in_child_killed(long nr, long a, long b, long c)
{
    long pid = raw(SYS_fork, 0, 0, 0, 0, 0, 0);
    if (pid < 0) return pid;
    if (pid == 0) {
        raw(nr, a, b, c, 0, 0, 0);
        raw(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    raw(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    raw(SYS_kill, pid, 9, 0, 0, 0, 0);
    int status = 0;
    long r = raw(SYS_wait4, pid, (long)(uintptr_t)&status, 0, 0, 0, 0);
    return r < 0 ? r : status;
}

static volatile int caught;
static void on_signal(int sig) { caught = sig; }
void __xinim_sigreturn(void);

/*
 * A child installs a real handler with random flags, mask and restorer (the library's
 * sigreturn trampoline or garbage), sends itself the signal and exits: the kernel builds the
 * signal frame, and the handler returns through whatever restorer it was given.
 */
static long signal_in_child(void)
{
    long pid = raw(SYS_fork, 0, 0, 0, 0, 0, 0);
    if (pid < 0) return pid;
    if (pid == 0) {
        long sig = 1 + (long)below(31);
        uint32_t act[4] = { (uint32_t)(uintptr_t)on_signal, next(), below(2) ? (uint32_t)(uintptr_t)__xinim_sigreturn : next(), next() };
        raw(SYS_sigaction, sig, (long)(uintptr_t)act, any_ptr(), 0, 0, 0);
        raw(SYS_sigprocmask, below(3), (long)(uintptr_t)(scratch + below(64)), 0, 0, 0, 0);
        raw(SYS_kill, raw(SYS_getpid, 0, 0, 0, 0, 0, 0), sig, 0, 0, 0, 0);
        raw(SYS_exit, caught, 0, 0, 0, 0, 0);
    }
    int status = 0;
    long r = raw(SYS_wait4, pid, (long)(uintptr_t)&status, 0, 0, 0, 0);
    return r < 0 ? r : status;
}

/* Fill in the arguments of one call to nr, and issue it where it cannot end or stall the run. */
static long issue(long nr)
{
    long a[6];
    for (int i = 0; i < 6; i++) a[i] = any_int();
    if (below(4) == 0) scramble();
    switch (nr) {
    case SYS_exit: case SYS_execve: case SYS_sigreturn:
        a[0] = nr == SYS_exit ? any_int() : any_path();
        a[1] = any_ptr();
        a[2] = any_ptr();
        if (nr == SYS_execve && a[0] == (long)(uintptr_t)SHELL) a[0] = (long)(uintptr_t)NOT_AN_ELF;
        return in_child(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_kill:
        if (below(2) == 0) return in_child(SYS_kill, -1 /* itself, see in_child */, any_int() & 31, 0, 0, 0, 0);
        return raw(nr, any_int(), 0, 0, 0, 0, 0); /* signal 0 only: nobody else dies */
    case SYS_sigsuspend:
        return in_child_killed(nr, any_ptr(), 0, 0);
    case SYS_fork: {
        long pid = raw(nr, 0, 0, 0, 0, 0, 0);
        if (pid == 0) raw(SYS_exit, 7, 0, 0, 0, 0, 0);
        if (pid > 0) raw(SYS_wait4, pid, 0, 0, 0, 0, 0);
        return pid > 0 ? 1 : pid;
    }
    case SYS_munmap: case SYS_mprotect: case SYS_brk: case SYS_shmdt:
        return in_child(nr, below(2) ? any_ptr() : any_int(), any_len(), any_int(), 0, 0, 0);
    case SYS_mmap:
        if (below(3) == 0) return in_child(nr, any_int(), any_len(), any_int(), any_int(), any_fd(), any_int());
        a[3] &= ~0x10L; /* no MAP_FIXED over this program */
        a[1] = below(2) ? (long)below(65536) : any_len();
        return raw(nr, any_int(), a[1], a[2], a[3], any_fd(), a[5] & ~0xfffL);
    case SYS_shmat:
        return in_child(nr, any_int(), any_int(), any_int(), 0, 0, 0);
    case SYS_read: case SYS_write: case SYS_getdents: case SYS_ioctl: {
        long fd = any_fd();
        /* Only a read or a write can wait: on the console (a write there cannot) or a pipe, a closed fd instead. */
        int console_write = nr == SYS_write && (fd == 1 || fd == 2);
        if ((nr == SYS_read || nr == SYS_write) && fd_may_block(fd) && !console_write) fd = 100 + below(10);
        long len = any_len();
        if (nr == SYS_write && (fd == 1 || fd == 2) && (unsigned long)len > 256) len = 256; /* keep the console short */
        long ptr = nr == SYS_write ? (below(3) ? (long)(uintptr_t)(scratch + below(SCRATCH)) : any_int()) : any_ptr();
        return raw(nr, fd, nr == SYS_ioctl ? any_int() : ptr, nr == SYS_ioctl ? any_ptr() : len, 0, 0, 0);
    }
    case SYS_close: case SYS_dup: case SYS_dup2: case SYS_fcntl: case SYS_fstat: case SYS_lseek: {
        long fd = any_fd();
        if (nr == SYS_close && fd >= 0 && fd <= 2) fd += 3;
        long b = nr == SYS_fstat ? any_ptr() : any_int();
        if (nr == SYS_dup2 && b >= 0 && b <= 2) b += 3;
        if (nr == SYS_fcntl && (b == 0 || b == 1030)) b = 1; /* F_DUPFD would need its kind tracked: F_GETFD */
        long r = raw(nr, fd, b, any_int(), 0, 0, 0);
        enum fd_kind k = fd >= 0 && fd < MAX_FD ? fds[fd] : FD_NONE;
        if (nr == SYS_close && r == 0 && fd < MAX_FD) fds[fd] = FD_NONE;
        if (nr == SYS_dup && r >= 0 && r < MAX_FD) fds[r] = k;
        if (nr == SYS_dup2 && r >= 0 && r < MAX_FD) fds[r] = k;
        return r;
    }
    case SYS_open: {
        long r = raw(nr, any_path(), any_int(), any_int(), 0, 0, 0);
        /* The console and anything unnamed might block: only what stat says is a regular file is a FILE. */
        if (r >= 0 && r < MAX_FD) {
            struct xk_stat st;
            long s = raw(SYS_fstat, r, (long)(uintptr_t)&st, 0, 0, 0, 0);
            uint32_t type = st.st_mode & 0170000;
            fds[r] = s == 0 && (type == 0100000 /* regular */ || type == 0040000 /* directory */) ? FD_FILE : FD_UNKNOWN;
        }
        return r;
    }
    case SYS_pipe: {
        int pfd[2] = { -1, -1 };
        long at = below(4) ? (long)(uintptr_t)pfd : any_ptr();
        long r = raw(nr, at, 0, 0, 0, 0, 0);
        if (r == 0) {
            /* The two descriptors are wherever the kernel wrote them (here, or the scratch buffer). */
            memcpy(pfd, (const void *)(uintptr_t)at, sizeof pfd);
            for (int i = 0; i < 2; i++) {
                if (pfd[i] >= 0 && pfd[i] < MAX_FD) fds[pfd[i]] = FD_PIPE;
            }
        }
        return r;
    }
    case SYS_stat: case SYS_access: case SYS_mkdir: case SYS_rmdir: case SYS_chdir: case SYS_unlink:
    case SYS_chmod: case SYS_chown:
        return raw(nr, any_path(), nr == SYS_stat ? any_ptr() : any_int(), any_int(), 0, 0, 0);
    case SYS_link: case SYS_rename:
        return raw(nr, any_path(), any_path(), 0, 0, 0, 0);
    case SYS_getcwd: case SYS_uname: case SYS_ps_list: case SYS_sysinfo: case SYS_getrandom:
    case SYS_time: case SYS_gettimeofday:
        return raw(nr, any_ptr(), any_len(), any_int(), 0, 0, 0);
    case SYS_clock_gettime:
        return raw(nr, any_int(), any_ptr(), 0, 0, 0, 0);
    case SYS_nanosleep:
        /* A real sleep of at most 1 ms here; any other request (random bytes, the text, a bad
           pointer: maybe centuries) in a child that is killed. */
        if (below(2) == 0) {
            memset(scratch, 0, 16);
            uint32_t ns = below(1000000);
            memcpy(scratch + 8, &ns, 4);
            return raw(nr, (long)(uintptr_t)scratch, any_ptr(), 0, 0, 0, 0);
        }
        return in_child_killed(nr, below(2) ? (long)(uintptr_t)(scratch + below(SCRATCH)) : any_ptr(), any_ptr(), 0);
    case SYS_wait4:
        return raw(nr, any_int(), any_ptr(), any_int() | 1 /* WNOHANG */, any_ptr(), 0, 0);
    case SYS_sigaction:
        if (below(3) == 0) return signal_in_child();
        /* fall through */
    case SYS_signal: {
        /* Any signal number, only SIG_DFL or SIG_IGN: a random handler would end the run at the next SIGCHLD. */
        long sig = any_int();
        if (nr == SYS_signal) return raw(nr, sig, below(2), 0, 0, 0, 0);
        memset(scratch, 0, 32);
        scratch[0] = (unsigned char)below(2);
        return raw(nr, sig, below(3) ? (long)(uintptr_t)scratch : any_unreadable(), any_ptr(), any_int(), 0, 0);
    }
    case SYS_sigprocmask:
        return raw(nr, any_int(), any_ptr(), any_ptr(), any_int(), 0, 0);
    case SYS_lattice_recv:
        return raw(nr, any_int(), any_ptr(), any_len(), any_int() | 1 /* non-blocking */, 0, 0);
    case SYS_lattice_send:
        return raw(nr, below(2) ? (long)(2 + below(6)) : any_int(), below(2) ? (long)(100 + below(300)) : any_int(),
                   below(2) ? (long)(uintptr_t)(scratch + below(SCRATCH / 2)) : any_ptr(), any_len() & 0x1fff, 0, 0);
    case SYS_lattice_connect: case SYS_lattice_close:
        return raw(nr, below(2) ? (long)below(10) : any_int(), 0, 0, 0, 0, 0);
    case SYS_setuid: case SYS_setgid:
        return raw(nr, below(2) ? 0 : any_int(), 0, 0, 0, 0, 0);
    case SYS_debug_write:
        return raw(nr, any_ptr(), any_len() & 0xffff, 0, 0, 0, 0);
    case SYS_shmget: case SYS_shmctl: case SYS_setpgid: case SYS_getpgid:
        return raw(nr, any_int(), any_int(), nr == SYS_shmctl ? any_ptr() : any_int(), 0, 0, 0);
    default:
        /* The calls without arguments that matter, and numbers outside the table. */
        return raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
}

static long any_nr(void)
{
    static const long outside[] = { 0, -1, SYS_TABLE_MAX + 1, SYS_TABLE_MAX + 2, 100, 200, 1000, 0x7fffffff,
                                    (long)0x80000000u, (long)0xffffffffu };
    return below(10) == 0 ? outside[below(sizeof outside / sizeof outside[0])] : (long)(1 + below(SYS_TABLE_MAX));
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sysfuzz SEED COUNT\n");
        return 2;
    }
    uint32_t seed = (uint32_t)strtoul(argv[1], NULL, 0);
    long count = strtol(argv[2], NULL, 0);
    uint32_t z = seed + 0x9e3779b9u;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    rng_state = (z ^ (z >> 16)) | 1;
    fds[0] = fds[1] = fds[2] = FD_CONSOLE;
    raw(SYS_mkdir, (long)(uintptr_t)"/tmp/fz", 0755, 0, 0, 0, 0);
    long errors = 0;
    for (long i = 0; i < count; i++) {
        long nr = any_nr();
        long r = issue(nr);
        if ((unsigned long)r > (unsigned long)-4096L) errors++;
        mix(nr);
        mix(r);
    }
    printf("\nsysfuzz: seed %lu: %ld calls, %ld errors, hash %08lx\n", (unsigned long)seed, count, errors, (unsigned long)hash);
    return 0;
}
