/* cp src dst | cp src... dir: copy regular files, keeping the permission bits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int copy(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY);
    if (in < 0) {
        fprintf(stderr, "cp: %s: %s\n", src, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "cp: %s: is a directory\n", src);
        close(in);
        return 1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
    if (out < 0) {
        fprintf(stderr, "cp: %s: %s\n", dst, strerror(errno));
        close(in);
        return 1;
    }
    char buf[1024];
    int rc = 0;
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            fprintf(stderr, "cp: %s: %s\n", dst, strerror(errno));
            rc = 1;
            break;
        }
    if (n < 0) {
        fprintf(stderr, "cp: %s: %s\n", src, strerror(errno));
        rc = 1;
    }
    close(in);
    close(out);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cp src dst | cp src... dir\n");
        return 2;
    }
    const char *dst = argv[argc - 1];
    struct stat st;
    int into_dir = stat(dst, &st) == 0 && S_ISDIR(st.st_mode);
    if (argc > 3 && !into_dir) {
        fprintf(stderr, "cp: %s: not a directory\n", dst);
        return 1;
    }
    int rc = 0;
    for (int i = 1; i < argc - 1; i++) {
        char target[256];
        if (into_dir) snprintf(target, sizeof target, "%s/%s", dst, base(argv[i]));
        else snprintf(target, sizeof target, "%s", dst);
        rc |= copy(argv[i], target);
    }
    return rc;
}
