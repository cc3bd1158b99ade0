/*
 * fillfs: a large machine, for the journal's scale test and benchmark.
 *
 *   fillfs MIB [PROCS]
 *
 * Writes MIB MiB of files (/tmp/fill-0, /tmp/fill-1, ... of 4 MiB each) whose 4 KiB blocks are
 * all different but compress well (a block number, then one repeated byte), so a recording's
 * size shows what the journal adds rather than what the data costs. Then, with PROCS, runs that
 * many processes at once: itself and PROCS - 1 children blocked on a pipe, until a line arrives
 * on the console; then it lets the children go, reaps them, and prints what it did.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOCK 4096
#define CHUNK (16 * BLOCK)
#define FILE_MIB 4

static unsigned char buf[CHUNK];

static int fill(long mib)
{
    long blocks = mib * (1024 * 1024 / BLOCK);
    long per_file = (long)FILE_MIB * (1024 * 1024 / BLOCK);
    long done = 0;
    for (int f = 0; done < blocks; f++) {
        char path[32];
        snprintf(path, sizeof path, "/tmp/fill-%d", f);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        for (long in_file = 0; in_file < per_file && done < blocks;) {
            int n = 0;
            for (; n < CHUNK / BLOCK && in_file < per_file && done < blocks; n++, in_file++, done++) {
                unsigned char *b = buf + n * BLOCK;
                memset(b, (int)(done & 0xff), BLOCK);
                memcpy(b, &done, sizeof done);
            }
            if (write(fd, buf, (size_t)n * BLOCK) != (ssize_t)n * BLOCK) {
                perror("write");
                return 1;
            }
        }
        close(fd);
    }
    return 0;
}

static int crowd(int procs)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    int children = 0;
    for (; children < procs - 1; children++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            break;
        }
        if (pid == 0) {
            char c;
            close(fds[1]);
            (void)read(fds[0], &c, 1); /* EOF once the parent lets go */
            _exit(0);
        }
    }
    printf("fillfs: %d processes running\n", children + 1);
    fflush(stdout);
    char line[16];
    (void)read(0, line, sizeof line);
    close(fds[1]);
    int reaped = 0;
    while (wait(NULL) > 0) reaped++;
    printf("fillfs: reaped %d children\n", reaped);
    return reaped == children ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fillfs MIB [PROCS]\n");
        return 2;
    }
    long mib = atol(argv[1]);
    int procs = argc > 2 ? atoi(argv[2]) : 0;
    if (fill(mib) != 0) return 1;
    printf("fillfs: wrote %ld MiB\n", mib);
    fflush(stdout);
    return procs > 0 ? crowd(procs) : 0;
}
