/* rm [-r] [-f] path...: remove files (-r: directories and their contents; -f: quiet). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int recursive, force;

static int remove_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (force && errno == ENOENT) return 0;
        fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!recursive) {
            fprintf(stderr, "rm: %s: is a directory\n", path);
            return 1;
        }
        int rc = 0;
        /* Collect names first: removing entries while reading the directory is not portable. */
        DIR *d = opendir(path);
        if (!d) {
            fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
            return 1;
        }
        char names[64][64];
        int n;
        do {
            n = 0;
            struct dirent *e;
            rewinddir(d);
            while ((e = readdir(d)) && n < 64) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
                snprintf(names[n++], sizeof names[0], "%s", e->d_name);
            }
            for (int i = 0; i < n; i++) {
                char child[256];
                snprintf(child, sizeof child, "%s/%s", path, names[i]);
                rc |= remove_path(child);
            }
        } while (n == 64 && rc == 0);
        closedir(d);
        if (rmdir(path) < 0) {
            fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
            rc = 1;
        }
        return rc;
    }
    if (unlink(path) < 0) {
        fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *f = argv[i] + 1; *f; f++) {
            if (*f == 'r' || *f == 'R') recursive = 1;
            else if (*f == 'f') force = 1;
            else {
                fprintf(stderr, "usage: rm [-rf] path...\n");
                return 2;
            }
        }
    if (i >= argc && !force) {
        fprintf(stderr, "usage: rm [-rf] path...\n");
        return 2;
    }
    int rc = 0;
    for (; i < argc; i++) rc |= remove_path(argv[i]);
    return rc;
}
