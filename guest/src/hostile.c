/*
 * hostile: a guest that pushes the machine's limits, one case a subcommand; each prints what the
 * kernel answered, for test/guest-hostile.test.ts (compare with Linux in the comments).
 *
 *   hostile write-partial   write() whose buffer turns unreadable after the first 4064-byte
 *                           chunk: returns the 4064 bytes written (Linux: the partial count)
 *   hostile mmap-many [N]   N one-page mmaps that cannot merge (default 32000), then frees them
 *   hostile memory          mmap of 1 GiB, then 16 MiB pieces until ENOMEM: the machine's memory;
 *                           then sbrk and fork, refused for the same memory
 *   hostile fsfull          sparse 64 MiB files until the file system is full (ENOSPC)
 *   hostile sigframe        a child overflows its stack with a SIGSEGV handler, another forges a
 *                           sigreturn frame: both die of SIGSEGV (no signal frame possible)
 *   hostile path            a path without a NUL that runs into an unmapped page (EFAULT) and
 *                           one of 4096 readable bytes without a NUL (ENAMETOOLONG)
 *   hostile stack           the stack grows on demand: 600 KiB deep by a store, 900 KiB by a
 *                           read() into a buffer there; then, with the machine's memory full to the
 *                           page, a touch the stack cannot grow to is SIGSEGV (Linux: the same)
 *   hostile forkbomb        forks until refused, every child waiting on a pipe: the process
 *                           limit (EAGAIN) comes first, not the memory, then all are reaped
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xinim/syscalls.h>
#include <xinim/xinim.h>

#define PAGE 4096
/* The largest write the VFS takes at once (VFS_IO_MAX): write() goes in chunks of it. */
#define CHUNK 4064
#define FILE_MAX (64L * 1024 * 1024)

static const char *errname(int e)
{
    switch (e) {
    case EFAULT: return "EFAULT";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case ENOENT: return "ENOENT";
    case EAGAIN: return "EAGAIN";
    default: return "other";
    }
}

/* Two pages, the second unmapped: the returned pointer is `before` bytes below the hole. */
static char *before_hole(size_t before)
{
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    munmap(p + PAGE, PAGE);
    return p + PAGE - before;
}

static int write_partial(void)
{
    char *buf = before_hole(CHUNK);
    if (!buf) return 1;
    memset(buf, 'x', CHUNK);
    int fd = open("/tmp/partial", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) return 1;
    errno = 0;
    ssize_t n = write(fd, buf, 3 * CHUNK);
    printf("hostile write-partial: wrote %ld of %d (%s)\n", (long)n, 3 * CHUNK, n < 0 ? errname(errno) : "ok");
    close(fd);
    return n == CHUNK ? 0 : 1;
}

static int mmap_many(long n)
{
    static char *maps[40000];
    if (n > 40000) n = 40000;
    long made = 0;
    for (long i = 0; i < n; i++) {
        /* Alternating protections: neighbours cannot merge, one region each. */
        char *p = mmap(NULL, PAGE, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("hostile mmap-many: mmap %ld failed (%s)\n", i, errname(errno));
            break;
        }
        maps[made++] = p;
    }
    long freed = 0;
    for (long i = 0; i < made; i++) freed += munmap(maps[i], PAGE) == 0;
    printf("hostile mmap-many: %ld mapped, %ld unmapped\n", made, freed);
    return made == n && freed == made ? 0 : 1;
}

static int memory(void)
{
    void *gib = mmap(NULL, 1L << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("hostile memory: 1 GiB %s\n", gib == MAP_FAILED ? errname(errno) : "mapped");
    long mib = 0;
    for (;;) {
        void *p = mmap(NULL, 16L << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("hostile memory: %ld MiB mapped, then %s\n", mib, errname(errno));
            break;
        }
        mib += 16;
        if (mib > 4096) break;
    }
    /* The heap is held to the same memory. */
    void *brk_before = sbrk(0);
    void *grown = sbrk(16L << 20);
    printf("hostile memory: sbrk 16 MiB %s\n", grown == (void *)-1 || grown != brk_before ? "refused" : "granted");
    /* So is a fork: the child's pages count as its own (each may become a private copy), and
     * what this process has mapped does not fit twice (Linux with strict overcommit: ENOMEM). */
    fflush(stdout);
    errno = 0;
    pid_t child = fork();
    if (child == 0) _exit(0);
    int fork_errno = errno;
    if (child > 0) waitpid(child, NULL, 0);
    printf("hostile memory: fork %s\n", child < 0 ? errname(fork_errno) : "succeeded");
    return gib == MAP_FAILED && mib < 256 && child < 0 ? 0 : 1;
}

static int fsfull(void)
{
    char name[32];
    int files = 0;
    for (;; files++) {
        snprintf(name, sizeof name, "/tmp/sparse-%d", files);
        int fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, 0644);
        if (fd < 0) {
            printf("hostile fsfull: open failed (%s)\n", errname(errno));
            return 1;
        }
        lseek(fd, FILE_MAX - 1, SEEK_SET);
        ssize_t n = write(fd, "z", 1);
        int e = errno;
        close(fd);
        if (n != 1) {
            printf("hostile fsfull: %d files of 64 MiB, then %s\n", files, n < 0 ? errname(e) : "a short write");
            break;
        }
        if (files > 64) break;
    }
    /* Freeing one gives the space back. */
    unlink("/tmp/sparse-0");
    int fd = open("/tmp/sparse-again", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    lseek(fd, FILE_MAX - 1, SEEK_SET);
    ssize_t n = write(fd, "z", 1);
    printf("hostile fsfull: after unlink, write %s\n", n == 1 ? "ok" : errname(errno));
    close(fd);
    return files < 16 && n == 1 ? 0 : 1;
}

static void on_segv(int sig)
{
    (void)sig;
    _exit(42); /* never reached: there is no room for the frame */
}

/*
 * Small frames until the stack runs into the unmapped page below it (the limit is never reached):
 * the store that faults is the one that moved sp there, so no frame fits below sp.
 */
static int recurse(int depth, int limit)
{
    volatile char frame[8];
    frame[0] = (char)depth;
    if (depth == limit) return frame[0];
    return recurse(depth + 1, limit) + frame[0];
}

static int died_of(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st);
}

static int sigframe(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    pid_t a = fork();
    if (a == 0) {
        sigaction(SIGSEGV, &sa, NULL);
        return recurse(0, 1 << 30);
    }
    int sa_sig = died_of(a);
    printf("hostile sigframe: stack overflow with a SIGSEGV handler: killed by signal %d\n", sa_sig);
    pid_t b = fork();
    if (b == 0) {
        sigaction(SIGSEGV, &sa, NULL);
        /* No handler is running: the words at sp are not a signal frame. */
        xinim_syscall(SYS_sigreturn, 0, 0, 0, 0, 0, 0);
        _exit(43);
    }
    int sb_sig = died_of(b);
    printf("hostile sigframe: forged sigreturn frame: killed by signal %d\n", sb_sig);
    return sa_sig == SIGSEGV && sb_sig == SIGSEGV ? 0 : 1;
}

static int path(void)
{
    char *p = before_hole(64);
    if (!p) return 1;
    memset(p, 'a', 64);
    errno = 0;
    int fd = open(p, O_RDONLY);
    int e1 = fd < 0 ? errno : 0;
    printf("hostile path: into an unmapped page: %s\n", errname(e1));
    char *q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED) return 1;
    memset(q, 'a', 2 * PAGE);
    errno = 0;
    fd = open(q, O_RDONLY);
    int e2 = fd < 0 ? errno : 0;
    printf("hostile path: 8192 bytes without a NUL: %s\n", errname(e2));
    return e1 == EFAULT && e2 == ENAMETOOLONG ? 0 : 1;
}

/* Deeper than the stack an image starts with (128 KiB), inside its 1 MiB reserve. */
#define DEEP (600 * 1024)

/* A frame of DEEP bytes: its lowest byte is stored first, so one fault grows the stack to it. */
static int touch_deep(void)
{
    volatile char frame[DEEP];
    frame[0] = 1;
    frame[DEEP - 1] = 2;
    return frame[0] + frame[DEEP - 1];
}

/*
 * The kernel's own store grows the stack: read() into an address 900 KiB below this frame, deeper
 * than the stack has grown (a frame there would be grown by its own stores first), still in the
 * 1 MiB reserve. Linux grows a stack on such a fault in copy_to_user too.
 */
static int read_deep(void)
{
    volatile char here = 0;
    char *deep = (char *)(((uintptr_t)&here - 900 * 1024) & ~(uintptr_t)(PAGE - 1));
    int fds[2];
    if (pipe(fds) != 0) return -1;
    if (write(fds[1], "deep", 4) != 4) return -1;
    ssize_t n = read(fds[0], deep, 4);
    close(fds[0]);
    close(fds[1]);
    return n == 4 && memcmp(deep, "deep", 4) == 0 ? 4 : (int)n;
}

/* Maps anonymous memory in pieces of `piece` bytes until ENOMEM; the bytes mapped. */
static long fill_memory(long piece)
{
    long mapped = 0;
    for (long i = 0; i < 70000; i++) {
        if (mmap(NULL, (size_t)piece, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) break;
        mapped += piece;
    }
    return mapped;
}

static int stack(void)
{
    /* First, before this process's stack has grown (a child's stack is as deep as its parent's). */
    pid_t child = fork();
    if (child == 0) {
        long mib = fill_memory(16L << 20) >> 20;
        long pages = fill_memory(PAGE) / PAGE;
        printf("hostile stack: memory full (%ld MiB + %ld pages mapped), now deep\n", mib, pages);
        fflush(stdout);
        touch_deep();
        _exit(44); /* not reached: the stack cannot grow */
    }
    int sig = died_of(child);
    printf("hostile stack: a growth the memory cannot back: killed by signal %d\n", sig);
    int deep = touch_deep();
    printf("hostile stack: a store 600 KiB deep: %s\n", deep == 3 ? "ok" : "wrong");
    int got = read_deep();
    printf("hostile stack: read() 900 KiB deep: %d bytes\n", got);
    return deep == 3 && got == 4 && sig == SIGSEGV ? 0 : 1;
}

static int forkbomb(void)
{
    int release[2];
    if (pipe(release) != 0) return 1;
    int children = 0;
    int refused = 0;
    for (; children < 10000; children++) {
        pid_t pid = fork();
        if (pid < 0) {
            refused = errno;
            break;
        }
        if (pid == 0) {
            char c;
            close(release[1]);
            (void)read(release[0], &c, 1); /* EOF once the parent lets go */
            _exit(0);
        }
    }
    printf("hostile forkbomb: %d children, then %s\n", children, errname(refused));
    fflush(stdout);
    close(release[1]);
    int reaped = 0;
    while (wait(NULL) > 0) reaped++;
    printf("hostile forkbomb: reaped %d\n", reaped);
    return refused == EAGAIN && reaped == children ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "write-partial") == 0) return write_partial();
    if (strcmp(cmd, "mmap-many") == 0) return mmap_many(argc > 2 ? atol(argv[2]) : 32000);
    if (strcmp(cmd, "memory") == 0) return memory();
    if (strcmp(cmd, "fsfull") == 0) return fsfull();
    if (strcmp(cmd, "sigframe") == 0) return sigframe();
    if (strcmp(cmd, "path") == 0) return path();
    if (strcmp(cmd, "stack") == 0) return stack();
    if (strcmp(cmd, "forkbomb") == 0) return forkbomb();
    fprintf(stderr, "usage: hostile write-partial|mmap-many [N]|memory|fsfull|sigframe|path|stack|forkbomb\n");
    return 2;
}
