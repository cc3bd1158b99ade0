/*
 * The binary contract between guest programs and the XINIM kernel: constants with Linux
 * values (prefix LX_) and the structures the kernel reads or writes (prefix xk_), each with
 * explicit offsets checked at compile time. guest/ABI.md is the prose version of this file.
 *
 * Programs do not use this header directly: they use the standard names from picolibc's
 * headers, and the C library layer (guest/lib) converts at the syscall boundary, because
 * picolibc's own values (BSD signal numbers, newlib errno values, O_EXCL 0x800, ...) are
 * not Linux's.
 */
#ifndef XINIM_ABI_H
#define XINIM_ABI_H

#include <stdint.h>

#define XK_ASSERT_OFFSET(type, field, off) \
    _Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " offset")
#define XK_ASSERT_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " size")

/* ---- memory layout ---- */
#define XK_TEXT_BASE 0x00010000u
#define XK_STACK_TOP 0x7fff0000u
#define XK_PAGE_SIZE 4096u

/* ---- open(2) flags, Linux asm-generic ---- */
#define LX_O_RDONLY    0x0
#define LX_O_WRONLY    0x1
#define LX_O_RDWR      0x2
#define LX_O_ACCMODE   0x3
#define LX_O_CREAT     0x40
#define LX_O_EXCL      0x80
#define LX_O_NOCTTY    0x100
#define LX_O_TRUNC     0x200
#define LX_O_APPEND    0x400
#define LX_O_NONBLOCK  0x800
#define LX_O_DIRECTORY 0x10000
#define LX_O_NOFOLLOW  0x20000
#define LX_O_CLOEXEC   0x80000

/* ---- fcntl(2) ---- */
#define LX_F_DUPFD 0
#define LX_F_GETFD 1
#define LX_F_SETFD 2
#define LX_F_GETFL 3
#define LX_F_SETFL 4
#define LX_FD_CLOEXEC 1

/* ---- lseek whence, access modes ---- */
#define LX_SEEK_SET 0
#define LX_SEEK_CUR 1
#define LX_SEEK_END 2
#define LX_F_OK 0
#define LX_X_OK 1
#define LX_W_OK 2
#define LX_R_OK 4

/* ---- file types and modes (st_mode), same octal values as Linux ---- */
#define LX_S_IFMT   0170000
#define LX_S_IFSOCK 0140000
#define LX_S_IFLNK  0120000
#define LX_S_IFREG  0100000
#define LX_S_IFBLK  0060000
#define LX_S_IFDIR  0040000
#define LX_S_IFCHR  0020000
#define LX_S_IFIFO  0010000

/* ---- signals, Linux numbers ---- */
#define LX_SIGHUP 1
#define LX_SIGINT 2
#define LX_SIGQUIT 3
#define LX_SIGILL 4
#define LX_SIGTRAP 5
#define LX_SIGABRT 6
#define LX_SIGBUS 7
#define LX_SIGFPE 8
#define LX_SIGKILL 9
#define LX_SIGUSR1 10
#define LX_SIGSEGV 11
#define LX_SIGUSR2 12
#define LX_SIGPIPE 13
#define LX_SIGALRM 14
#define LX_SIGTERM 15
#define LX_SIGSTKFLT 16
#define LX_SIGCHLD 17
#define LX_SIGCONT 18
#define LX_SIGSTOP 19
#define LX_SIGTSTP 20
#define LX_SIGTTIN 21
#define LX_SIGTTOU 22
#define LX_SIGURG 23
#define LX_SIGXCPU 24
#define LX_SIGXFSZ 25
#define LX_SIGVTALRM 26
#define LX_SIGPROF 27
#define LX_SIGWINCH 28
#define LX_SIGIO 29
#define LX_SIGPWR 30
#define LX_SIGSYS 31
#define LX_NSIG 32

/* A signal set is one u32; signal s is bit (s - 1). */
typedef uint32_t xk_sigset_t;
#define LX_SIGBIT(s) (1u << ((s) - 1))

#define LX_SIG_DFL 0u
#define LX_SIG_IGN 1u

#define LX_SA_NOCLDSTOP 0x00000001u
#define LX_SA_RESTORER  0x04000000u
#define LX_SA_RESTART   0x10000000u
#define LX_SA_NODEFER   0x40000000u
#define LX_SA_RESETHAND 0x80000000u

#define LX_SIG_BLOCK 0
#define LX_SIG_UNBLOCK 1
#define LX_SIG_SETMASK 2

/* sigaction(signo, const struct xk_sigaction *act, struct xk_sigaction *oldact) */
struct xk_sigaction {
    uint32_t handler;  /* LX_SIG_DFL, LX_SIG_IGN or the handler's address */
    uint32_t flags;    /* LX_SA_*; the libc always sets LX_SA_RESTORER */
    uint32_t restorer; /* address the handler returns to (ra); it issues sigreturn */
    xk_sigset_t mask;  /* added to the blocked set while the handler runs */
};
XK_ASSERT_OFFSET(struct xk_sigaction, handler, 0);
XK_ASSERT_OFFSET(struct xk_sigaction, flags, 4);
XK_ASSERT_OFFSET(struct xk_sigaction, restorer, 8);
XK_ASSERT_OFFSET(struct xk_sigaction, mask, 12);
XK_ASSERT_SIZE(struct xk_sigaction, 16);

/* ---- wait4 ---- */
#define LX_WNOHANG 1
#define LX_WUNTRACED 2
/* status: exited = (code & 0xff) << 8; killed = signo (| 0x80 if core); stopped = (signo << 8) | 0x7f */

/* ---- time ---- */
#define LX_CLOCK_REALTIME 0
#define LX_CLOCK_MONOTONIC 1

/* 64-bit seconds everywhere (no 2038 problem). Same layout as picolibc's. */
struct xk_timespec {
    int64_t tv_sec;
    int32_t tv_nsec;
    int32_t pad; /* zero */
};
XK_ASSERT_OFFSET(struct xk_timespec, tv_sec, 0);
XK_ASSERT_OFFSET(struct xk_timespec, tv_nsec, 8);
XK_ASSERT_SIZE(struct xk_timespec, 16);

struct xk_timeval {
    int64_t tv_sec;
    int32_t tv_usec;
    int32_t pad; /* zero */
};
XK_ASSERT_OFFSET(struct xk_timeval, tv_usec, 8);
XK_ASSERT_SIZE(struct xk_timeval, 16);

/* ---- stat / fstat ---- */
struct xk_stat {
    uint32_t st_dev;     /* 0 */
    uint32_t st_ino;     /* 4 */
    uint32_t st_mode;    /* 8: LX_S_IF* | permission bits */
    uint32_t st_nlink;   /* 12 */
    uint32_t st_uid;     /* 16 */
    uint32_t st_gid;     /* 20 */
    uint32_t st_rdev;    /* 24 */
    uint32_t st_blksize; /* 28 */
    int64_t st_size;     /* 32 */
    int64_t st_blocks;   /* 40: 512-byte blocks */
    struct xk_timespec st_atim; /* 48 */
    struct xk_timespec st_mtim; /* 64 */
    struct xk_timespec st_ctim; /* 80 */
};
XK_ASSERT_OFFSET(struct xk_stat, st_mode, 8);
XK_ASSERT_OFFSET(struct xk_stat, st_blksize, 28);
XK_ASSERT_OFFSET(struct xk_stat, st_size, 32);
XK_ASSERT_OFFSET(struct xk_stat, st_blocks, 40);
XK_ASSERT_OFFSET(struct xk_stat, st_atim, 48);
XK_ASSERT_OFFSET(struct xk_stat, st_mtim, 64);
XK_ASSERT_OFFSET(struct xk_stat, st_ctim, 80);
XK_ASSERT_SIZE(struct xk_stat, 96);

/* ---- getdents ---- */
/* Records are packed back to back; each is padded so the next starts 4-aligned. */
struct xk_dirent {
    uint32_t d_ino;    /* 0 */
    uint16_t d_reclen; /* 4: whole record, multiple of 4 */
    uint8_t d_type;    /* 6: LX_DT_* */
    char d_name[];     /* 7: NUL-terminated */
};
XK_ASSERT_OFFSET(struct xk_dirent, d_reclen, 4);
XK_ASSERT_OFFSET(struct xk_dirent, d_type, 6);
XK_ASSERT_OFFSET(struct xk_dirent, d_name, 7);
#define LX_DT_UNKNOWN 0
#define LX_DT_FIFO 1
#define LX_DT_CHR 2
#define LX_DT_DIR 4
#define LX_DT_REG 8
#define LX_DT_LNK 10

/* ---- uname ---- */
#define XK_UTS_LEN 65
struct xk_utsname {
    char sysname[XK_UTS_LEN];    /* 0:   "XINIM" */
    char nodename[XK_UTS_LEN];   /* 65:  "xrr" */
    char release[XK_UTS_LEN];    /* 130: kernel release */
    char version[XK_UTS_LEN];    /* 195: build/version string, no dates */
    char machine[XK_UTS_LEN];    /* 260: "riscv32" */
    char domainname[XK_UTS_LEN]; /* 325: "(none)" */
};
XK_ASSERT_OFFSET(struct xk_utsname, machine, 260);
XK_ASSERT_SIZE(struct xk_utsname, 390);

/* ---- ps_list(struct xk_proc *buf, uint32_t count) -> total number of entries ---- */
#define XK_PROC_USER 0
#define XK_PROC_SERVER 1
#define XK_PROC_KERNEL 2
struct xk_proc {
    int32_t pid;      /* 0 */
    int32_t ppid;     /* 4 */
    int32_t pgid;     /* 8 */
    uint32_t uid;     /* 12 */
    uint8_t state;    /* 16: 'R' running/runnable, 'S' sleeping, 'Z' zombie, 'T' stopped */
    uint8_t kind;     /* 17: XK_PROC_* */
    uint16_t pad;     /* 18 */
    uint32_t rss_pages; /* 20: resident pages (0 for servers) */
    uint64_t icount;  /* 24: instructions retired by this process */
    char name[32];    /* 32: NUL-terminated (basename of the executable or server name) */
};
XK_ASSERT_OFFSET(struct xk_proc, state, 16);
XK_ASSERT_OFFSET(struct xk_proc, icount, 24);
XK_ASSERT_OFFSET(struct xk_proc, name, 32);
XK_ASSERT_SIZE(struct xk_proc, 64);

/* ---- sysinfo(struct xk_sysinfo *buf, uint32_t size) -> bytes the kernel's struct has ---- */
#define XK_SYSINFO_VERSION 1
#define XK_SYSINFO_MAX_SERVERS 8
struct xk_server_info {
    int32_t pid;       /* 0 */
    uint8_t up;        /* 4: 1 running, 0 crashed / restarting */
    uint8_t pad[3];    /* 5 */
    uint32_t restarts; /* 8: restarts by the Reincarnation Server */
    char name[20];     /* 12: "vfs", "pm", "mm", "rs" */
};
XK_ASSERT_SIZE(struct xk_server_info, 32);
struct xk_sysinfo {
    uint32_t version;       /* 0: XK_SYSINFO_VERSION */
    uint32_t size;          /* 4: sizeof(struct xk_sysinfo) as the kernel knows it */
    uint64_t uptime_ns;     /* 8: virtual time since boot */
    int64_t boot_epoch_sec; /* 16: realtime seconds at boot (recorded input) */
    uint64_t icount;        /* 24: instructions retired since boot */
    uint64_t seed_id;       /* 32: first 8 bytes (little-endian) of SHA-256 of the entropy seed */
    uint32_t nprocs;        /* 40: live processes (user + zombies), not servers */
    uint32_t nservers;      /* 44: valid entries in servers[] */
    uint32_t mem_total_pages; /* 48 */
    uint32_t mem_free_pages;  /* 52 */
    uint32_t ns_per_insn;   /* 56: virtual ns per instruction */
    uint32_t pad;           /* 60 */
    struct xk_server_info servers[XK_SYSINFO_MAX_SERVERS]; /* 64 */
};
XK_ASSERT_OFFSET(struct xk_sysinfo, boot_epoch_sec, 16);
XK_ASSERT_OFFSET(struct xk_sysinfo, seed_id, 32);
XK_ASSERT_OFFSET(struct xk_sysinfo, servers, 64);
XK_ASSERT_SIZE(struct xk_sysinfo, 320);

/* ---- mmap / mprotect ---- */
#define LX_PROT_NONE 0
#define LX_PROT_READ 1
#define LX_PROT_WRITE 2
#define LX_PROT_EXEC 4
#define LX_MAP_SHARED 0x01
#define LX_MAP_PRIVATE 0x02
#define LX_MAP_FIXED 0x10
#define LX_MAP_ANONYMOUS 0x20

/* ---- System V shared memory ---- */
#define LX_IPC_PRIVATE 0
#define LX_IPC_CREAT 01000
#define LX_IPC_EXCL 02000
#define LX_IPC_RMID 0
#define LX_IPC_SET 1
#define LX_IPC_STAT 2
struct xk_shmid_ds {
    uint32_t shm_segsz;  /* 0: size in bytes */
    int32_t shm_cpid;    /* 4: creator */
    int32_t shm_lpid;    /* 8: last shmat/shmdt */
    uint32_t shm_nattch; /* 12: current attaches */
    uint32_t shm_perm_mode; /* 16: low 9 bits of the permission */
    uint32_t shm_perm_uid;  /* 20 */
    int32_t shm_key;     /* 24 */
    uint32_t pad;        /* 28 */
};
XK_ASSERT_SIZE(struct xk_shmid_ds, 32);

/* ---- ioctl on the console ---- */
#define LX_TCGETS 0x5401
#define LX_TCSETS 0x5402
#define LX_TIOCGPGRP 0x540f
#define LX_TIOCSPGRP 0x5410
#define LX_TIOCGWINSZ 0x5413
/* termios as Linux's kernel struct termios (asm-generic): only c_lflag's ISIG, ICANON, ECHO matter */
struct xk_termios {
    uint32_t c_iflag; /* 0 */
    uint32_t c_oflag; /* 4 */
    uint32_t c_cflag; /* 8 */
    uint32_t c_lflag; /* 12 */
    uint8_t c_line;   /* 16 */
    uint8_t c_cc[19]; /* 17: VINTR=0 (^C), VQUIT=1, VERASE=2, VKILL=3, VEOF=4 */
};
XK_ASSERT_SIZE(struct xk_termios, 36);
#define LX_ISIG 0000001
#define LX_ICANON 0000002
#define LX_ECHO 0000010
struct xk_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
XK_ASSERT_SIZE(struct xk_winsize, 8);

/* ---- Lattice IPC (38..41), as the kernel implements them ----
 * lattice_connect(dst) / lattice_close(dst): 0 or -ESRCH.
 * lattice_send(dst, type, payload, len <= 4096): 0; the kernel stamps m_source.
 * lattice_recv(from or -1 for any, buf, len, flags): blocks (or -EAGAIN with XK_LATTICE_NONBLOCK)
 * until a message arrives, writes the header and as much payload as fits, returns bytes written. */
#define XK_LATTICE_NONBLOCK 1
#define XK_LATTICE_MAX_PAYLOAD 4096
struct xk_lattice_header {
    int32_t m_source; /* 0: sender pid, stamped by the kernel */
    int32_t m_type;   /* 4 */
    uint32_t length;  /* 8: the full payload length (more than was copied if buf was short) */
};
XK_ASSERT_SIZE(struct xk_lattice_header, 12);

/* ---- initial stack: auxv types (only AT_NULL is required) ---- */
#define LX_AT_NULL 0
#define LX_AT_PAGESZ 6
#define LX_AT_ENTRY 9
#define LX_AT_RANDOM 25

#endif
