/* sleep seconds[.fraction]: pause for that much virtual time. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sleep seconds[.fraction]\n");
        return 2;
    }
    long sec = 0, nsec = 0, scale = 100000000;
    const char *p = argv[1];
    for (; *p >= '0' && *p <= '9'; p++) sec = sec * 10 + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10) nsec += (*p - '0') * scale;
    if (*p) {
        fprintf(stderr, "sleep: bad duration '%s'\n", argv[1]);
        return 2;
    }
    struct timespec req = {sec, nsec}, rem;
    while (nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
    return 0;
}
