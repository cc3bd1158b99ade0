/* mv src dst | mv src... dir: rename files (into dir when the target is a directory). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mv src dst | mv src... dir\n");
        return 2;
    }
    const char *dst = argv[argc - 1];
    struct stat st;
    int into_dir = stat(dst, &st) == 0 && S_ISDIR(st.st_mode);
    if (argc > 3 && !into_dir) {
        fprintf(stderr, "mv: %s: not a directory\n", dst);
        return 1;
    }
    int rc = 0;
    for (int i = 1; i < argc - 1; i++) {
        char target[256];
        if (into_dir) snprintf(target, sizeof target, "%s/%s", dst, base(argv[i]));
        else snprintf(target, sizeof target, "%s", dst);
        if (rename(argv[i], target) < 0) {
            fprintf(stderr, "mv: %s -> %s: %s\n", argv[i], target, strerror(errno));
            rc = 1;
        }
    }
    return rc;
}
