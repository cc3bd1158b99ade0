/*
 * A development aid, not part of any image: XINIM system calls emulated over Linux rv32
 * ones, so the guest programs can be run and tested under qemu-riscv32 before the XINIM
 * kernel boots (`make shim`, then `qemu-riscv32 build/shim/bin/posixtest`). It implements
 * the contract of guest/ABI.md on top of Linux, which makes it a second reading of that
 * contract as well. Calls with no Linux equivalent (ps_list, sysinfo) return made-up data.
 */
#include <stdint.h>
#include <string.h>

#include <xinim/abi.h>
#include <xinim/syscalls.h>

/* Linux rv32 (asm-generic, 64-bit time only) syscall numbers. */
enum {
    L_getcwd = 17, L_dup = 23, L_dup3 = 24, L_fcntl64 = 25, L_ioctl = 29, L_mkdirat = 34,
    L_unlinkat = 35, L_linkat = 37, L_faccessat = 48, L_chdir = 49, L_fchmodat = 53, L_fchownat = 54,
    L_openat = 56, L_close = 57, L_pipe2 = 59, L_getdents64 = 61, L_llseek = 62, L_read = 63,
    L_write = 64, L_exit_group = 94, L_waitid = 95, L_sched_yield = 124, L_kill = 129,
    L_rt_sigsuspend = 133, L_rt_sigaction = 134, L_rt_sigprocmask = 135, L_setgid = 144,
    L_setuid = 146, L_setpgid = 154, L_getpgid = 155, L_uname = 160, L_getpid = 172,
    L_getppid = 173, L_getuid = 174, L_geteuid = 175, L_getgid = 176, L_getegid = 177,
    L_shmget = 194, L_shmctl = 195, L_shmat = 196, L_shmdt = 197, L_brk = 214, L_munmap = 215,
    L_clone = 220, L_execve = 221, L_mmap2 = 222, L_mprotect = 226, L_renameat2 = 276,
    L_statx = 291, L_clock_gettime64 = 403, L_clock_nanosleep64 = 407,
};
#define AT_FDCWD (-100)
#define AT_REMOVEDIR 0x200
#define AT_EMPTY_PATH 0x1000
#define ENOSYS_ 38
#define ECHILD_ 10

static long lsc(long nr, long a, long b, long c, long d, long e, long f)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    register long a7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
    return a0;
}
#define L0(n) lsc(n, 0, 0, 0, 0, 0, 0)
#define L1(n, a) lsc(n, (long)(a), 0, 0, 0, 0, 0)
#define L2(n, a, b) lsc(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define L3(n, a, b, c) lsc(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define L4(n, a, b, c, d) lsc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define L5(n, a, b, c, d, e) lsc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

struct lx_statx_ts { int64_t sec; uint32_t nsec; int32_t pad; };
struct lx_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct lx_statx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};

static long do_stat(int dirfd, const char *path, int flags, struct xk_stat *out)
{
    struct lx_statx sx;
    long r = L5(L_statx, dirfd, path, flags, 0x7ff, &sx);
    if (r < 0) return r;
    memset(out, 0, sizeof *out);
    out->st_dev = sx.dev_major << 8 | sx.dev_minor;
    out->st_ino = (uint32_t)sx.ino;
    out->st_mode = sx.mode;
    out->st_nlink = sx.nlink;
    out->st_uid = sx.uid;
    out->st_gid = sx.gid;
    out->st_rdev = sx.rdev_major << 8 | sx.rdev_minor;
    out->st_blksize = sx.blksize;
    out->st_size = (int64_t)sx.size;
    out->st_blocks = (int64_t)sx.blocks;
    out->st_atim.tv_sec = sx.atime.sec;
    out->st_atim.tv_nsec = (int32_t)sx.atime.nsec;
    out->st_mtim.tv_sec = sx.mtime.sec;
    out->st_mtim.tv_nsec = (int32_t)sx.mtime.nsec;
    out->st_ctim.tv_sec = sx.ctime.sec;
    out->st_ctim.tv_nsec = (int32_t)sx.ctime.nsec;
    return 0;
}

/* getdents64 records -> the XINIM format {u32 ino, u16 reclen, u8 type, name, pad to 4}. */
static long do_getdents(int fd, char *buf, unsigned size)
{
    static char lbuf[2048];
    unsigned cap = size < sizeof lbuf ? size : sizeof lbuf;
    long n = L3(L_getdents64, fd, lbuf, cap);
    if (n <= 0) return n;
    unsigned in = 0, out = 0;
    while (in < (unsigned)n) {
        uint64_t ino;
        uint16_t reclen;
        memcpy(&ino, lbuf + in, 8);
        memcpy(&reclen, lbuf + in + 16, 2);
        uint8_t type = (uint8_t)lbuf[in + 18];
        const char *name = lbuf + in + 19;
        unsigned nl = (unsigned)strlen(name);
        unsigned rec = (7 + nl + 1 + 3) & ~3u;
        if (out + rec > size) break; /* XINIM records are never larger than Linux's */
        struct xk_dirent *d = (struct xk_dirent *)(buf + out);
        d->d_ino = (uint32_t)ino;
        d->d_reclen = (uint16_t)rec;
        d->d_type = type;
        memset(d->d_name, 0, rec - 7);
        memcpy(d->d_name, name, nl);
        out += rec;
        in += reclen;
    }
    return out;
}

/* Linux siginfo_t for waitid: si_signo, si_errno, si_code, then pid, uid, status. */
struct lx_siginfo {
    int32_t signo, err, code;
    int32_t pid, uid, status;
    int32_t pad[26];
};
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define L_WEXITED 4
#define L_WSTOPPED 2

static long do_wait4(long pid, int32_t *status, long options)
{
    struct lx_siginfo si;
    memset(&si, 0, sizeof si);
    long idtype = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
    long id = pid > 0 ? pid : pid == -1 ? 0 : pid == 0 ? L1(L_getpgid, 0) : -pid;
    long opts = L_WEXITED | (options & LX_WNOHANG ? 1 : 0) | (options & LX_WUNTRACED ? L_WSTOPPED : 0);
    long r = L5(L_waitid, idtype, id, &si, opts, 0);
    if (r < 0) return r;
    if (si.pid == 0) return 0; /* WNOHANG, nothing yet */
    int32_t st = 0;
    switch (si.code) {
    case CLD_EXITED: st = (si.status & 0xff) << 8; break;
    case CLD_KILLED: st = si.status & 0x7f; break;
    case CLD_DUMPED: st = (si.status & 0x7f) | 0x80; break;
    case CLD_STOPPED: st = (si.status & 0xff) << 8 | 0x7f; break;
    }
    if (status) *status = st;
    return si.pid;
}

struct lx_sigaction { uint32_t handler, flags; uint32_t mask[2]; };

static long do_sigaction(long sig, const struct xk_sigaction *act, struct xk_sigaction *old)
{
    /* Linux/riscv has no SA_RESTORER: the kernel (qemu) returns from handlers itself. */
    struct lx_sigaction la, lo;
    if (act) {
        la.handler = act->handler;
        la.flags = act->flags & ~LX_SA_RESTORER;
        la.mask[0] = act->mask;
        la.mask[1] = 0;
    }
    long r = L4(L_rt_sigaction, sig, act ? &la : 0, &lo, 8);
    if (r < 0) return r;
    if (old) {
        old->handler = lo.handler;
        old->flags = lo.flags;
        old->restorer = 0;
        old->mask = lo.mask[0];
    }
    return 0;
}

/* Without binfmt_misc the host cannot run a RISC-V program itself: run it through qemu. */
static long do_execve(const char *path, char *const *argv, char *const *envp)
{
    unsigned char hdr[20];
    long fd = L4(L_openat, AT_FDCWD, path, 0, 0);
    if (fd < 0) return fd;
    long n = L3(L_read, fd, hdr, sizeof hdr);
    L1(L_close, fd);
    if (n == (long)sizeof hdr && hdr[0] == 0x7f && hdr[1] == 'E' && hdr[18] == 0xf3) {
        static char *qargv[72];
        int k = 0;
        qargv[k++] = "qemu-riscv32";
        qargv[k++] = (char *)path;
        for (int i = 1; argv[i] && k < 71; i++) qargv[k++] = argv[i];
        qargv[k] = 0;
        static const char *const qemus[] = {"/usr/bin/qemu-riscv32", "/usr/local/bin/qemu-riscv32"};
        for (unsigned i = 0; i < 2; i++) L3(L_execve, qemus[i], qargv, envp);
    }
    return L3(L_execve, path, argv, envp);
}

uint64_t __shim_monotonic_ns(void)
{
    struct xk_timespec ts;
    L2(L_clock_gettime64, LX_CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

long __sc6(long nr, long a, long b, long c, long d, long e, long f)
{
    switch (nr) {
    case SYS_debug_write: return L3(L_write, 2, a, b);
    case SYS_open: return L4(L_openat, AT_FDCWD, a, b | 0x8000 /* O_LARGEFILE */, c);
    case SYS_close: return L1(L_close, a);
    case SYS_read: return L3(L_read, a, b, c);
    case SYS_write: return L3(L_write, a, b, c);
    case SYS_lseek: {
        int64_t res;
        long r = L5(L_llseek, a, b < 0 ? -1 : 0, b, &res, c);
        return r < 0 ? r : (long)res;
    }
    case SYS_stat: return do_stat(AT_FDCWD, (const char *)a, 0, (struct xk_stat *)b);
    case SYS_fstat: return do_stat((int)a, "", AT_EMPTY_PATH, (struct xk_stat *)b);
    case SYS_access: return L3(L_faccessat, AT_FDCWD, a, b);
    case SYS_dup: return L1(L_dup, a);
    case SYS_dup2:
        if (a == b) return L2(L_fcntl64, a, LX_F_GETFD) < 0 ? -9 : a;
        return L3(L_dup3, a, b, 0);
    case SYS_pipe: return L2(L_pipe2, a, 0);
    case SYS_ioctl: return L3(L_ioctl, a, b, c);
    case SYS_fcntl: return L3(L_fcntl64, a, b, c);
    case SYS_mkdir: return L3(L_mkdirat, AT_FDCWD, a, b);
    case SYS_rmdir: return L3(L_unlinkat, AT_FDCWD, a, AT_REMOVEDIR);
    case SYS_chdir: return L1(L_chdir, a);
    case SYS_getcwd: return L2(L_getcwd, a, b);
    case SYS_link: return L5(L_linkat, AT_FDCWD, a, AT_FDCWD, b, 0);
    case SYS_unlink: return L3(L_unlinkat, AT_FDCWD, a, 0);
    case SYS_rename: return L5(L_renameat2, AT_FDCWD, a, AT_FDCWD, b, 0);
    case SYS_chmod: return L4(L_fchmodat, AT_FDCWD, a, b, 0);
    case SYS_chown: return L5(L_fchownat, AT_FDCWD, a, b, c, 0);
    case SYS_exit: return L1(L_exit_group, a);
    case SYS_fork: return L5(L_clone, LX_SIGCHLD, 0, 0, 0, 0);
    case SYS_execve: return do_execve((const char *)a, (char *const *)b, (char *const *)c);
    case SYS_wait4: return do_wait4(a, (int32_t *)b, c);
    case SYS_getpid: return L0(L_getpid);
    case SYS_getppid: return L0(L_getppid);
    case SYS_kill: return L2(L_kill, a, b);
    case SYS_sigaction: return do_sigaction(a, (const struct xk_sigaction *)b, (struct xk_sigaction *)c);
    case SYS_brk: return L1(L_brk, a);
    case SYS_mmap: return lsc(L_mmap2, a, b, c, d, e, f / 4096);
    case SYS_munmap: return L2(L_munmap, a, b);
    case SYS_mprotect: return L3(L_mprotect, a, b, c);
    case SYS_clock_gettime: return L2(L_clock_gettime64, a, b);
    case SYS_gettimeofday: {
        struct xk_timespec ts;
        long r = L2(L_clock_gettime64, LX_CLOCK_REALTIME, &ts);
        struct xk_timeval *tv = (struct xk_timeval *)a;
        if (r == 0 && tv) {
            tv->tv_sec = ts.tv_sec;
            tv->tv_usec = ts.tv_nsec / 1000;
            tv->pad = 0;
        }
        return r;
    }
    case SYS_time: {
        struct xk_timespec ts;
        L2(L_clock_gettime64, LX_CLOCK_REALTIME, &ts);
        if (a) *(int64_t *)a = ts.tv_sec;
        return (long)ts.tv_sec;
    }
    case SYS_nanosleep: return L4(L_clock_nanosleep64, LX_CLOCK_MONOTONIC, 0, a, b);
    case SYS_getuid: return L0(L_getuid);
    case SYS_geteuid: return L0(L_geteuid);
    case SYS_getgid: return L0(L_getgid);
    case SYS_getegid: return L0(L_getegid);
    case SYS_setuid: return L1(L_setuid, a);
    case SYS_setgid: return L1(L_setgid, a);
    case SYS_sigprocmask: {
        uint32_t set[2] = {a ? 0 : 0, 0}, old[2] = {0, 0};
        if (b) set[0] = *(const uint32_t *)b;
        long r = L4(L_rt_sigprocmask, a, b ? set : 0, old, 8);
        if (r == 0 && c) *(uint32_t *)c = old[0];
        return r;
    }
    case SYS_sigsuspend: {
        uint32_t set[2] = {*(const uint32_t *)a, 0};
        return L2(L_rt_sigsuspend, set, 8);
    }
    case SYS_shmget: return L3(L_shmget, a, b, c);
    case SYS_shmat: return L3(L_shmat, a, b, c);
    case SYS_shmdt: return L1(L_shmdt, a);
    case SYS_shmctl: {
        if (b != LX_IPC_STAT) return L3(L_shmctl, a, b | 0x100 /* IPC_64 */, c);
        uint32_t ds[32];
        long r = L3(L_shmctl, a, LX_IPC_STAT | 0x100, ds);
        if (r < 0) return r;
        struct xk_shmid_ds *out = (struct xk_shmid_ds *)c;
        memset(out, 0, sizeof *out);
        out->shm_segsz = ds[9]; /* after the 36-byte ipc64_perm */
        return 0;
    }
    case SYS_getdents: return do_getdents((int)a, (char *)b, (unsigned)c);
    case SYS_setpgid: return L2(L_setpgid, a, b);
    case SYS_getpgid: return L1(L_getpgid, a);
    case SYS_sched_yield: return L0(L_sched_yield);
    case SYS_uname: return L1(L_uname, a);
    case SYS_ps_list: {
        struct xk_proc *p = (struct xk_proc *)a;
        if (b >= 1) {
            memset(p, 0, sizeof *p);
            p->pid = (int32_t)L0(L_getpid);
            p->ppid = (int32_t)L0(L_getppid);
            p->state = 'R';
            strcpy(p->name, "self");
        }
        return 1;
    }
    case SYS_sysinfo: {
        struct xk_sysinfo si;
        memset(&si, 0, sizeof si);
        si.version = XK_SYSINFO_VERSION;
        si.size = sizeof si;
        si.uptime_ns = __shim_monotonic_ns();
        si.nprocs = 1;
        memcpy((void *)a, &si, (unsigned long)b < sizeof si ? (unsigned long)b : sizeof si);
        return sizeof si;
    }
    default: return -ENOSYS_;
    }
    (void)d;
    (void)e;
    (void)f;
}
