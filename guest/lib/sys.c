/*
 * The XINIM system-call layer under picolibc: one wrapper per call, errno, and the
 * conversions between picolibc's numbering (newlib errno values, BSD signal numbers,
 * its own O_* and F_* values) and the kernel's Linux numbering. Conversions live only
 * here, so programs use the standard names and the kernel sees Linux values.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xinim/abi.h>
#include <xinim/xinim.h>
#include "syscall.h"

#include "errno_map.h"

int __errno_from_linux(int lerr)
{
    if (lerr > 0 && lerr < (int)sizeof(errno_from_linux_table) && errno_from_linux_table[lerr])
        return errno_from_linux_table[lerr];
    return EIO;
}

long __sc_ret(long r)
{
    if (__sc_is_err(r)) {
        errno = __errno_from_linux((int)-r);
        return -1;
    }
    return r;
}

/* ---- signal numbers ---- */

static const unsigned char sig_from_linux_table[LX_NSIG] = {
    [LX_SIGHUP] = SIGHUP,     [LX_SIGINT] = SIGINT,       [LX_SIGQUIT] = SIGQUIT,
    [LX_SIGILL] = SIGILL,     [LX_SIGTRAP] = SIGTRAP,     [LX_SIGABRT] = SIGABRT,
    [LX_SIGBUS] = SIGBUS,     [LX_SIGFPE] = SIGFPE,       [LX_SIGKILL] = SIGKILL,
    [LX_SIGUSR1] = SIGUSR1,   [LX_SIGSEGV] = SIGSEGV,     [LX_SIGUSR2] = SIGUSR2,
    [LX_SIGPIPE] = SIGPIPE,   [LX_SIGALRM] = SIGALRM,     [LX_SIGTERM] = SIGTERM,
    [LX_SIGCHLD] = SIGCHLD,   [LX_SIGCONT] = SIGCONT,     [LX_SIGSTOP] = SIGSTOP,
    [LX_SIGTSTP] = SIGTSTP,   [LX_SIGTTIN] = SIGTTIN,     [LX_SIGTTOU] = SIGTTOU,
    [LX_SIGURG] = SIGURG,     [LX_SIGXCPU] = SIGXCPU,     [LX_SIGXFSZ] = SIGXFSZ,
    [LX_SIGVTALRM] = SIGVTALRM, [LX_SIGPROF] = SIGPROF,   [LX_SIGWINCH] = SIGWINCH,
    [LX_SIGIO] = SIGIO,       [LX_SIGSYS] = SIGSYS,
    /* SIGSTKFLT and SIGPWR have no picolibc name; picolibc's 7 (SIGEMT) and 29 (SIGLOST)
     * have no Linux one: pair them so the mapping stays a bijection. */
    [LX_SIGSTKFLT] = 7,       [LX_SIGPWR] = 29,
};

int __sig_from_linux(int lsig)
{
    if (lsig <= 0 || lsig >= LX_NSIG) return lsig;
    return sig_from_linux_table[lsig];
}

int __sig_to_linux(int psig)
{
    if (psig <= 0 || psig >= LX_NSIG) return psig;
    for (int l = 1; l < LX_NSIG; l++)
        if (sig_from_linux_table[l] == psig) return l;
    return psig;
}

/* picolibc's sigset_t has signal s at bit s; the kernel's at bit s - 1. */
unsigned long __sigset_from_linux(unsigned long lmask)
{
    unsigned long p = 0;
    for (int l = 1; l < LX_NSIG; l++)
        if (lmask & LX_SIGBIT(l)) p |= 1ul << __sig_from_linux(l);
    return p;
}

unsigned long __sigset_to_linux(unsigned long pmask)
{
    unsigned long l = 0;
    for (int s = 1; s < LX_NSIG; s++)
        if (pmask & (1ul << s)) l |= LX_SIGBIT(__sig_to_linux(s));
    return l;
}

/* ---- files ---- */

static long open_flags_to_linux(int f)
{
    long l = f & O_ACCMODE; /* 0, 1, 2 on both sides */
    if (f & O_CREAT) l |= LX_O_CREAT;
    if (f & O_EXCL) l |= LX_O_EXCL;
    if (f & O_NOCTTY) l |= LX_O_NOCTTY;
    if (f & O_TRUNC) l |= LX_O_TRUNC;
    if (f & O_APPEND) l |= LX_O_APPEND;
    if (f & O_NONBLOCK) l |= LX_O_NONBLOCK;
    if (f & O_DIRECTORY) l |= LX_O_DIRECTORY;
    if (f & O_NOFOLLOW) l |= LX_O_NOFOLLOW;
    if (f & O_CLOEXEC) l |= LX_O_CLOEXEC;
    return l;
}

static int open_flags_from_linux(long l)
{
    int f = (int)(l & LX_O_ACCMODE);
    if (l & LX_O_APPEND) f |= O_APPEND;
    if (l & LX_O_NONBLOCK) f |= O_NONBLOCK;
    return f;
}

int open(const char *path, int flags, ...)
{
    int mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return (int)__sc_ret(__sc3(SYS_open, path, open_flags_to_linux(flags), mode));
}

int creat(const char *path, mode_t mode) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode); }
int close(int fd) { return (int)__sc_ret(__sc1(SYS_close, fd)); }
ssize_t read(int fd, void *buf, size_t n) { return __sc_ret(__sc3(SYS_read, fd, buf, n)); }
ssize_t write(int fd, const void *buf, size_t n) { return __sc_ret(__sc3(SYS_write, fd, buf, n)); }
off_t lseek(int fd, off_t off, int whence) { return __sc_ret(__sc3(SYS_lseek, fd, off, whence)); }
int access(const char *path, int mode) { return (int)__sc_ret(__sc2(SYS_access, path, mode)); }
int dup(int fd) { return (int)__sc_ret(__sc1(SYS_dup, fd)); }
int dup2(int fd, int fd2) { return (int)__sc_ret(__sc2(SYS_dup2, fd, fd2)); }
int pipe(int fds[2]) { return (int)__sc_ret(__sc1(SYS_pipe, fds)); }
int mkdir(const char *path, mode_t mode) { return (int)__sc_ret(__sc2(SYS_mkdir, path, mode)); }
int rmdir(const char *path) { return (int)__sc_ret(__sc1(SYS_rmdir, path)); }
int chdir(const char *path) { return (int)__sc_ret(__sc1(SYS_chdir, path)); }
int link(const char *a, const char *b) { return (int)__sc_ret(__sc2(SYS_link, a, b)); }
int unlink(const char *path) { return (int)__sc_ret(__sc1(SYS_unlink, path)); }
int rename(const char *a, const char *b) { return (int)__sc_ret(__sc2(SYS_rename, a, b)); }
int chmod(const char *path, mode_t mode) { return (int)__sc_ret(__sc2(SYS_chmod, path, mode)); }
int chown(const char *path, uid_t uid, gid_t gid)
{
    return (int)__sc_ret(__sc3(SYS_chown, path, (long)(int16_t)uid, (long)(int16_t)gid));
}

char *getcwd(char *buf, size_t size)
{
    long r = __sc2(SYS_getcwd, buf, size);
    if (__sc_is_err(r)) {
        errno = __errno_from_linux((int)-r);
        return NULL;
    }
    return buf;
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    switch (cmd) {
    case F_DUPFD: return (int)__sc_ret(__sc3(SYS_fcntl, fd, LX_F_DUPFD, arg));
    case F_GETFD: return (int)__sc_ret(__sc3(SYS_fcntl, fd, LX_F_GETFD, 0));
    case F_SETFD:
        return (int)__sc_ret(__sc3(SYS_fcntl, fd, LX_F_SETFD, (arg & FD_CLOEXEC) ? LX_FD_CLOEXEC : 0));
    case F_GETFL: {
        long r = __sc_ret(__sc3(SYS_fcntl, fd, LX_F_GETFL, 0));
        return r < 0 ? -1 : open_flags_from_linux(r);
    }
    case F_SETFL: return (int)__sc_ret(__sc3(SYS_fcntl, fd, LX_F_SETFL, open_flags_to_linux((int)arg)));
    default: errno = EINVAL; return -1;
    }
}

static void stat_from_kernel(struct stat *st, const struct xk_stat *k)
{
    memset(st, 0, sizeof *st);
    st->st_dev = (dev_t)k->st_dev;
    st->st_ino = (ino_t)k->st_ino;
    st->st_mode = (mode_t)k->st_mode; /* S_IF* have the same octal values */
    st->st_nlink = (nlink_t)k->st_nlink;
    st->st_uid = (uid_t)k->st_uid;
    st->st_gid = (gid_t)k->st_gid;
    st->st_rdev = (dev_t)k->st_rdev;
    st->st_size = (off_t)k->st_size;
    st->st_blksize = (blksize_t)k->st_blksize;
    st->st_blocks = (blkcnt_t)k->st_blocks;
    st->st_atim.tv_sec = k->st_atim.tv_sec;
    st->st_atim.tv_nsec = k->st_atim.tv_nsec;
    st->st_mtim.tv_sec = k->st_mtim.tv_sec;
    st->st_mtim.tv_nsec = k->st_mtim.tv_nsec;
    st->st_ctim.tv_sec = k->st_ctim.tv_sec;
    st->st_ctim.tv_nsec = k->st_ctim.tv_nsec;
}

int stat(const char *restrict path, struct stat *restrict st)
{
    struct xk_stat k;
    long r = __sc_ret(__sc2(SYS_stat, path, &k));
    if (r < 0) return -1;
    stat_from_kernel(st, &k);
    return 0;
}

int lstat(const char *restrict path, struct stat *restrict st) { return stat(path, st); }

int fstat(int fd, struct stat *st)
{
    struct xk_stat k;
    long r = __sc_ret(__sc2(SYS_fstat, fd, &k));
    if (r < 0) return -1;
    stat_from_kernel(st, &k);
    return 0;
}

int isatty(int fd)
{
    struct xk_termios t;
    long r = __sc3(SYS_ioctl, fd, LX_TCGETS, &t);
    if (__sc_is_err(r)) {
        errno = ENOTTY;
        return 0;
    }
    return 1;
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return (int)__sc_ret(__sc3(SYS_ioctl, fd, req, arg));
}

pid_t tcgetpgrp(int fd)
{
    int32_t pgid;
    if (__sc_ret(__sc3(SYS_ioctl, fd, LX_TIOCGPGRP, &pgid)) < 0) return -1;
    return pgid;
}

int tcsetpgrp(int fd, pid_t pgid)
{
    int32_t p = pgid;
    return (int)__sc_ret(__sc3(SYS_ioctl, fd, LX_TIOCSPGRP, &p));
}

/* ---- processes ---- */

void _exit(int status)
{
    for (;;) __sc1(SYS_exit, status);
}

pid_t fork(void) { return (pid_t)__sc_ret(__sc0(SYS_fork)); }
pid_t vfork(void) { return fork(); }

int execve(const char *path, char *const argv[], char *const envp[])
{
    return (int)__sc_ret(__sc3(SYS_execve, path, argv, envp));
}

/* The kernel's status word uses Linux signal numbers; WTERMSIG/WSTOPSIG must see picolibc's. */
static int status_from_linux(int st)
{
    if ((st & 0x7f) == 0) return st;                 /* exited */
    if ((st & 0xff) == 0x7f)                         /* stopped */
        return (st & ~0xff00) | (__sig_from_linux((st >> 8) & 0xff) << 8);
    return (st & ~0x7f) | __sig_from_linux(st & 0x7f); /* killed */
}

pid_t wait4(pid_t pid, int *status, int options, void *rusage)
{
    int32_t st = 0;
    long lopt = 0;
    if (options & WNOHANG) lopt |= LX_WNOHANG;
    if (options & WUNTRACED) lopt |= LX_WUNTRACED;
    long r = __sc_ret(__sc4(SYS_wait4, pid, &st, lopt, 0));
    if (r > 0 && status) *status = status_from_linux(st);
    (void)rusage;
    return (pid_t)r;
}

pid_t waitpid(pid_t pid, int *status, int options) { return wait4(pid, status, options, NULL); }
pid_t wait(int *status) { return wait4(-1, status, 0, NULL); }

pid_t getpid(void) { return (pid_t)__sc0(SYS_getpid); }
pid_t getppid(void) { return (pid_t)__sc0(SYS_getppid); }
uid_t getuid(void) { return (uid_t)__sc0(SYS_getuid); }
uid_t geteuid(void) { return (uid_t)__sc0(SYS_geteuid); }
gid_t getgid(void) { return (gid_t)__sc0(SYS_getgid); }
gid_t getegid(void) { return (gid_t)__sc0(SYS_getegid); }
int setuid(uid_t uid) { return (int)__sc_ret(__sc1(SYS_setuid, uid)); }
int setgid(gid_t gid) { return (int)__sc_ret(__sc1(SYS_setgid, gid)); }
int setpgid(pid_t pid, pid_t pgid) { return (int)__sc_ret(__sc2(SYS_setpgid, pid, pgid)); }
pid_t getpgid(pid_t pid) { return (pid_t)__sc_ret(__sc1(SYS_getpgid, pid)); }
pid_t getpgrp(void) { return getpgid(0); }
int sched_yield(void) { return (int)__sc_ret(__sc0(SYS_sched_yield)); }

int kill(pid_t pid, int sig) { return (int)__sc_ret(__sc2(SYS_kill, pid, __sig_to_linux(sig))); }
int killpg(pid_t pgrp, int sig) { return kill(-pgrp, sig); }

/* ---- memory ---- */

/*
 * picolibc's malloc grows the heap a few bytes at a time; asking the Memory Manager for each
 * step would cost an IPC round trip (and a journal entry) per malloc. So the kernel's break
 * moves in BRK_STEP chunks and sbrk hands out the space in between.
 */
#define BRK_STEP 0x4000u

static uintptr_t cur_brk;    /* the program's break, as sbrk reports it */
static uintptr_t kernel_brk; /* the kernel's break: cur_brk <= kernel_brk */

static int brk_init(void)
{
    if (kernel_brk == 0) kernel_brk = cur_brk = (uintptr_t)__sc1(SYS_brk, 0);
    return kernel_brk != 0;
}

void *sbrk(ptrdiff_t incr)
{
    if (!brk_init()) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t old = cur_brk, want = old + (uintptr_t)incr;
    if ((incr > 0 && want < old) || (incr < 0 && want > old)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    if (want > kernel_brk) {
        uintptr_t ask = (want + BRK_STEP - 1) & ~(uintptr_t)(BRK_STEP - 1);
        uintptr_t got = (uintptr_t)__sc1(SYS_brk, ask);
        if (got < want) {
            errno = ENOMEM;
            return (void *)-1;
        }
        kernel_brk = got;
    }
    cur_brk = want;
    return (void *)old;
}

int brk(void *addr)
{
    if (!brk_init()) {
        errno = ENOMEM;
        return -1;
    }
    uintptr_t got = (uintptr_t)__sc1(SYS_brk, addr);
    if (got != (uintptr_t)addr) {
        errno = ENOMEM;
        return -1;
    }
    cur_brk = kernel_brk = got;
    return 0;
}

/* ---- time ---- */

static long clock_to_linux(clockid_t id)
{
    switch (id) {
    case CLOCK_REALTIME: return LX_CLOCK_REALTIME;
    case CLOCK_MONOTONIC: return LX_CLOCK_MONOTONIC;
    default: return -1;
    }
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    long lid = clock_to_linux(id);
    if (lid < 0) {
        errno = EINVAL;
        return -1;
    }
    struct xk_timespec k;
    if (__sc_ret(__sc2(SYS_clock_gettime, lid, &k)) < 0) return -1;
    ts->tv_sec = k.tv_sec;
    ts->tv_nsec = k.tv_nsec;
    return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct xk_timeval k;
    if (__sc_ret(__sc2(SYS_gettimeofday, &k, 0)) < 0) return -1;
    if (tv) {
        tv->tv_sec = k.tv_sec;
        tv->tv_usec = k.tv_usec;
    }
    (void)tz;
    return 0;
}

time_t time(time_t *t)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) < 0) return (time_t)-1;
    if (t) *t = ts.tv_sec;
    return ts.tv_sec;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    struct xk_timespec kreq = {req->tv_sec, (int32_t)req->tv_nsec, 0}, krem = {0, 0, 0};
    long r = __sc2(SYS_nanosleep, &kreq, &krem);
    if (rem) {
        rem->tv_sec = krem.tv_sec;
        rem->tv_nsec = krem.tv_nsec;
    }
    return (int)__sc_ret(r);
}

unsigned sleep(unsigned s)
{
    struct timespec req = {s, 0}, rem = {0, 0};
    if (nanosleep(&req, &rem) < 0) return (unsigned)rem.tv_sec;
    return 0;
}

int usleep(useconds_t us)
{
    struct timespec req = {us / 1000000, (long)(us % 1000000) * 1000};
    return nanosleep(&req, NULL);
}

#ifdef XINIM_LINUX_SHIM
uint64_t __shim_monotonic_ns(void);
uint64_t monotonic_ns(void) { return __shim_monotonic_ns(); }
#else
uint64_t monotonic_ns(void)
{
    /* The kernel returns the 64-bit value in a0 (low) and a1 (high). */
    register long a0 __asm__("a0");
    register long a1 __asm__("a1");
    register long a7 __asm__("a7") = SYS_monotonic_ns;
    __asm__ volatile("ecall" : "=r"(a0), "=r"(a1) : "r"(a7) : "memory");
    return ((uint64_t)(uint32_t)a1 << 32) | (uint32_t)a0;
}
#endif

clock_t times(struct tms *buf)
{
    /* Virtual CPU time is not accounted per process: report elapsed time as user time. */
    clock_t t = (clock_t)(monotonic_ns() / (1000000000ull / CLOCKS_PER_SEC));
    if (buf) {
        buf->tms_utime = t;
        buf->tms_stime = 0;
        buf->tms_cutime = 0;
        buf->tms_cstime = 0;
    }
    return t;
}

/* picolibc's arc4random wants this: bytes of the machine's DRBG, which the recorded seed drives
 * (so another seed gives another stream, and a replay the same one). */
int getentropy(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        long n = __sc_ret(__sc3(SYS_getrandom, p, len, 0));
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- XINIM extras ---- */

int debug_write(const void *buf, size_t n) { return (int)__sc_ret(__sc2(SYS_debug_write, buf, n)); }
int xinim_ps_list(struct xk_proc *buf, unsigned count) { return (int)__sc_ret(__sc2(SYS_ps_list, buf, count)); }
int xinim_sysinfo(struct xk_sysinfo *buf, unsigned size) { return (int)__sc_ret(__sc2(SYS_sysinfo, buf, size)); }
int xinim_getdents(int fd, void *buf, unsigned size) { return (int)__sc_ret(__sc3(SYS_getdents, fd, buf, size)); }
int lattice_connect(int dst) { return (int)__sc_ret(__sc1(SYS_lattice_connect, dst)); }
int lattice_close(int dst) { return (int)__sc_ret(__sc1(SYS_lattice_close, dst)); }
int lattice_send(int dst, int type, const void *payload, size_t len)
{
    return (int)__sc_ret(__sc4(SYS_lattice_send, dst, type, payload, len));
}
int lattice_recv(int from, void *buf, size_t len, int flags)
{
    return (int)__sc_ret(__sc4(SYS_lattice_recv, from, buf, len, flags));
}

int64_t xinim_time(int64_t *t)
{
    int64_t v = 0;
    long r = __sc1(SYS_time, &v);
    if (__sc_is_err(r)) {
        errno = __errno_from_linux((int)-r);
        return -1;
    }
    if (t) *t = v;
    return v;
}

long xinim_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
    return __sc_ret(__sc6(nr, a, b, c, d, e, f));
}
