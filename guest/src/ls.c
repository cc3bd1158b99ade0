/* ls [-l] [-a] [path...]: list directory contents, sorted by name. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int long_format, show_all;

static void mode_string(mode_t m, char *s)
{
    s[0] = S_ISDIR(m) ? 'd' : S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : S_ISLNK(m) ? 'l' : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) s[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
    if (m & S_ISVTX) s[9] = (m & 1) ? 't' : 'T';
    s[10] = 0;
}

static void show(const char *dir, const char *name)
{
    if (!long_format) {
        puts(name);
        return;
    }
    char path[256];
    if (dir) snprintf(path, sizeof path, "%s/%s", dir, name);
    else snprintf(path, sizeof path, "%s", name);
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("?????????? %s\n", name);
        return;
    }
    char ms[11];
    mode_string(st.st_mode, ms);
    printf("%s %2u %4u %4u %8ld %s%s\n", ms, (unsigned)st.st_nlink, (unsigned)st.st_uid,
           (unsigned)st.st_gid, (long)st.st_size, name, S_ISDIR(st.st_mode) ? "/" : "");
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list(const char *path, int header)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        show(NULL, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = 0, cap = 32;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while (names && (e = readdir(d))) {
        if (e->d_name[0] == '.' && !show_all) continue;
        if (n == cap) {
            char **bigger = realloc(names, (cap *= 2) * sizeof *names);
            if (!bigger) break;
            names = bigger;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (!names) {
        fprintf(stderr, "ls: out of memory\n");
        return 1;
    }
    qsort(names, n, sizeof *names, by_name);
    if (header) printf("%s:\n", path);
    for (size_t i = 0; i < n; i++) {
        show(path, names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *f = argv[i] + 1; *f; f++) {
            if (*f == 'l') long_format = 1;
            else if (*f == 'a') show_all = 1;
            else {
                fprintf(stderr, "usage: ls [-la] [path...]\n");
                return 2;
            }
        }
    if (i >= argc) return list(".", 0);
    int rc = 0, many = argc - i > 1;
    for (int first = i; i < argc; i++) {
        if (many && i > first) putchar('\n');
        rc |= list(argv[i], many);
    }
    return rc;
}
