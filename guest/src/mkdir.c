/* mkdir [-p] dir...: make directories (-p: with parents, no error if present). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int r = mkdir(path, 0755);
        int e = errno;
        *p = '/';
        if (r < 0 && e != EEXIST) return -1;
    }
    if (mkdir(path, 0755) < 0 && errno != EEXIST) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    int parents = 0, rc = 0, i = 1;
    if (i < argc && strcmp(argv[i], "-p") == 0) {
        parents = 1;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: mkdir [-p] dir...\n");
        return 2;
    }
    for (; i < argc; i++) {
        int r = parents ? make_parents(argv[i]) : mkdir(argv[i], 0755);
        if (r < 0) {
            fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
        }
    }
    return rc;
}
