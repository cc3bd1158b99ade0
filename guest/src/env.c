/* env [NAME=value...] [command [arg...]]: print the environment, or run a command in a changed one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && strchr(argv[i], '='); i++) {
        char *eq = strchr(argv[i], '=');
        *eq = 0;
        setenv(argv[i], eq + 1, 1);
        *eq = '=';
    }
    if (i < argc) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "env: %s: %s\n", argv[i], strerror(errno));
        return 127;
    }
    for (char **e = environ; e && *e; e++) puts(*e);
    return 0;
}
