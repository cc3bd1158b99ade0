/* uname [-asnrvm]: print system information (default -s). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
    struct utsname u;
    if (uname(&u) < 0) {
        fprintf(stderr, "uname: %s\n", strerror(errno));
        return 1;
    }
    const char *want = "s";
    char flags[16] = "";
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || strspn(argv[i] + 1, "asnrvm") != strlen(argv[i] + 1)) {
            fprintf(stderr, "usage: uname [-asnrvm]\n");
            return 2;
        }
        strncat(flags, argv[i] + 1, sizeof flags - strlen(flags) - 1);
    }
    if (*flags) want = strchr(flags, 'a') ? "snrvm" : flags;
    const char *order = "snrvm";
    const char *vals[] = {u.sysname, u.nodename, u.release, u.version, u.machine};
    int first = 1;
    for (int i = 0; i < 5; i++)
        if (strchr(want, order[i])) {
            printf("%s%s", first ? "" : " ", vals[i]);
            first = 0;
        }
    putchar('\n');
    return 0;
}
