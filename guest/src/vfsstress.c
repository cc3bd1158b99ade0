/*
 * vfsstress: many processes creating, renaming and deleting files in one directory tree at
 * once, to provoke (and, recorded, reproduce) VFS server crashes.
 *
 *   vfsstress [workers [ops [seed]]]   (default: 4 workers, 200 ops each, seed 1)
 *
 * Each worker follows its own deterministic pseudo-random program over shared names, so
 * the final tree depends only on the seed and the schedule. Expected failures (ENOENT,
 * EEXIST, ENOTEMPTY from racing with another worker) are counted; anything else (EIO from a
 * crashed server, ...) is reported. The parent then walks the tree and prints a checksum of
 * every name, size and content: two runs with the same schedule print the same checksum.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOT "/tmp/vfsstress"
#define NAMES 12

static uint32_t rng;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static int expected(int e) { return e == ENOENT || e == EEXIST || e == ENOTEMPTY || e == ENOTDIR || e == EISDIR; }

static int report(int worker, int op, const char *what, const char *p)
{
    if (expected(errno)) return 0;
    printf("vfsstress: worker %d op %d %s %s: %s\n", worker, op, what, p, strerror(errno));
    fflush(stdout);
    return 1;
}

static int worker(int id, int ops, uint32_t seed)
{
    rng = seed * 2654435761u + (uint32_t)id * 40503u + 1;
    int unexpected = 0;
    char a[64], b[128], data[128];
    for (int op = 0; op < ops; op++) {
        uint32_t r = next();
        int n1 = (int)(r % NAMES), n2 = (int)((r >> 8) % NAMES), sub = (int)((r >> 16) % 3);
        snprintf(a, sizeof a, ROOT "/d%d/f%d", sub, n1);
        switch ((r >> 24) % 8) {
        case 0: case 1: case 2: { /* create or overwrite */
            int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) { unexpected += report(id, op, "create", a); break; }
            int len = snprintf(data, sizeof data, "worker %d op %d seed %lu\n", id, op, (unsigned long)seed);
            for (int k = 0; k < 1 + (int)(r % 4); k++)
                if (write(fd, data, (size_t)len) != len) unexpected += report(id, op, "write", a);
            if (r % 16 == 0) {
                /* Now and then a write larger than one IPC message (4 KiB), which the kernel splits. */
                static char big[6000];
                memset(big, 'a' + id % 26, sizeof big);
                if (write(fd, big, sizeof big) != (ssize_t)sizeof big) unexpected += report(id, op, "big write", a);
            }
            close(fd);
            break;
        }
        case 3: case 4: /* rename across directories */
            snprintf(b, sizeof b, ROOT "/d%d/f%d", (sub + 1) % 3, n2);
            if (rename(a, b) < 0) unexpected += report(id, op, "rename", a);
            break;
        case 5: /* delete */
            if (unlink(a) < 0) unexpected += report(id, op, "unlink", a);
            break;
        case 6: /* a short-lived directory, sometimes with a long name */
            if (r & 0x100)
                snprintf(b, sizeof b, ROOT "/d%d/sub%d_with_a_rather_long_name_%08lx", sub, n1 % 3, (unsigned long)(r & 0xff));
            else
                snprintf(b, sizeof b, ROOT "/d%d/sub%d", sub, n1 % 3);
            if (mkdir(b, 0755) < 0) unexpected += report(id, op, "mkdir", b);
            else if (rmdir(b) < 0) unexpected += report(id, op, "rmdir", b);
            break;
        default: { /* read back */
            int fd = open(a, O_RDONLY);
            if (fd < 0) { unexpected += report(id, op, "open", a); break; }
            while (read(fd, data, sizeof data) > 0) {
            }
            close(fd);
            break;
        }
        }
    }
    return unexpected ? 1 : 0;
}

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 16777619u;
    return h;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Hash the tree under dir in name order: names, kinds, sizes and contents. */
static uint32_t walk(const char *dir, uint32_t h, int *files, int *dirs)
{
    DIR *d = opendir(dir);
    if (!d) return fnv(h, "?", 1);
    char *names[128];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 128)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (int i = 0; i < n; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        h = fnv(h, p, strlen(p) + 1);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            (*dirs)++;
            h = walk(p, h, files, dirs);
        } else {
            (*files)++;
            int fd = open(p, O_RDONLY);
            char buf[256];
            ssize_t k;
            while (fd >= 0 && (k = read(fd, buf, sizeof buf)) > 0) h = fnv(h, buf, (size_t)k);
            if (fd >= 0) close(fd);
        }
        free(names[i]);
    }
    return h;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[128];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
        else unlink(p);
        rewinddir(d);
    }
    closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int workers = argc > 1 ? atoi(argv[1]) : 4;
    int ops = argc > 2 ? atoi(argv[2]) : 200;
    uint32_t seed = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 1;
    if (workers < 1 || workers > 32 || ops < 1) {
        fprintf(stderr, "usage: vfsstress [workers 1..32 [ops [seed]]]\n");
        return 2;
    }
    remove_tree(ROOT);
    if (mkdir(ROOT, 0755) < 0) {
        printf("vfsstress: mkdir " ROOT ": %s\n", strerror(errno));
        return 1;
    }
    for (int i = 0; i < 3; i++) {
        char d[64];
        snprintf(d, sizeof d, ROOT "/d%d", i);
        mkdir(d, 0755);
    }
    printf("vfsstress: %d workers x %d ops, seed %lu\n", workers, ops, (unsigned long)seed);
    fflush(stdout);
    pid_t pids[32];
    for (int i = 0; i < workers; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            printf("vfsstress: fork: %s\n", strerror(errno));
            workers = i;
            break;
        }
        if (pids[i] == 0) _exit(worker(i, ops, seed));
    }
    int failed = 0;
    for (int i = 0; i < workers; i++) {
        int st;
        if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            printf("vfsstress: worker %d (pid %d) %s\n", i, (int)pids[i],
                   WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "reported unexpected errors");
            failed++;
        }
    }
    int files = 0, dirs = 0;
    uint32_t h = walk(ROOT, 2166136261u, &files, &dirs);
    printf("vfsstress: %d files, %d dirs, checksum 0x%08lx\n", files, dirs, (unsigned long)h);
    printf("vfsstress: %s\n", failed ? "FAILED" : "ok");
    return failed ? 1 : 0;
}
