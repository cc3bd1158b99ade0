/* Memory mapping, shared memory, uname, directory streams and exec helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <xinim/abi.h>
#include <xinim/xinim.h>
#include "syscall.h"

_Static_assert(sizeof(struct utsname) == sizeof(struct xk_utsname), "utsname layout");
_Static_assert(sizeof(struct shmid_ds) == sizeof(struct xk_shmid_ds), "shmid_ds layout");

/* Addresses returned by mmap/shmat are below the stack top (0x7fff0000), so they never
 * fall in the error range [-4095, -1]. */
static void *ptr_ret(long r)
{
    if (__sc_is_err(r)) {
        errno = __errno_from_linux((int)-r);
        return (void *)-1;
    }
    return (void *)r;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return ptr_ret(__sc6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off));
}
int munmap(void *addr, size_t len) { return (int)__sc_ret(__sc2(SYS_munmap, addr, len)); }
int mprotect(void *addr, size_t len, int prot) { return (int)__sc_ret(__sc3(SYS_mprotect, addr, len, prot)); }

int shmget(key_t key, size_t size, int flags) { return (int)__sc_ret(__sc3(SYS_shmget, key, size, flags)); }
void *shmat(int id, const void *addr, int flags) { return ptr_ret(__sc3(SYS_shmat, id, addr, flags)); }
int shmdt(const void *addr) { return (int)__sc_ret(__sc1(SYS_shmdt, addr)); }
int shmctl(int id, int cmd, struct shmid_ds *buf) { return (int)__sc_ret(__sc3(SYS_shmctl, id, cmd, buf)); }

int uname(struct utsname *buf) { return (int)__sc_ret(__sc1(SYS_uname, buf)); }

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return NULL;
    DIR *d = calloc(1, sizeof *d);
    if (!d) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    d->fd = fd;
    return d;
}

struct dirent *readdir(DIR *d)
{
    if (d->pos >= d->len) {
        int n = xinim_getdents(d->fd, d->buf, sizeof d->buf);
        if (n <= 0) return NULL;
        d->len = (unsigned)n;
        d->pos = 0;
    }
    const struct xk_dirent *k = (const struct xk_dirent *)(d->buf + d->pos);
    if (k->d_reclen < 8 || d->pos + k->d_reclen > d->len) {
        errno = EIO;
        d->pos = d->len;
        return NULL;
    }
    d->pos += k->d_reclen;
    d->ent.d_ino = k->d_ino;
    d->ent.d_type = k->d_type;
    size_t max = k->d_reclen - 7;
    size_t n = strnlen(k->d_name, max);
    if (n > MAXNAMLEN) n = MAXNAMLEN;
    memcpy(d->ent.d_name, k->d_name, n);
    d->ent.d_name[n] = 0;
    return &d->ent;
}

int closedir(DIR *d)
{
    int r = close(d->fd);
    free(d);
    return r;
}

void rewinddir(DIR *d)
{
    lseek(d->fd, 0, SEEK_SET);
    d->pos = d->len = 0;
}

int dirfd(DIR *d) { return d->fd; }

int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

int execvp(const char *file, char *const argv[])
{
    if (strchr(file, '/')) return execv(file, argv);
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/bin:/sbin";
    char buf[256];
    int saved = ENOENT;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t dl = colon ? (size_t)(colon - path) : strlen(path);
        if (dl + 1 + strlen(file) + 1 <= sizeof buf) {
            memcpy(buf, path, dl);
            buf[dl] = '/';
            strcpy(buf + dl + 1, file);
            execv(buf, argv);
            if (errno != ENOENT) saved = errno;
        }
        path += dl;
        if (*path == ':') path++;
    }
    errno = saved;
    return -1;
}
