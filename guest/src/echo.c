/* echo [-n] [arg...]: print the arguments separated by spaces. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int i = 1, newline = 1;
    if (i < argc && strcmp(argv[i], "-n") == 0) {
        newline = 0;
        i++;
    }
    for (int first = i; i < argc; i++) {
        if (i > first) putchar(' ');
        fputs(argv[i], stdout);
    }
    if (newline) putchar('\n');
    return ferror(stdout) ? 1 : 0;
}
