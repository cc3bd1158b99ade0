/*
 * stdin, stdout and stderr for picolibc's tinystdio, buffered over fds 0, 1, 2.
 * stdout and stderr are line buffered: one write per line keeps the journal readable.
 * Programs that fork must fflush first, as anywhere.
 */
#include <stdio.h>
#include <stdio-bufio.h>
#include <unistd.h>

static char in_buf[256], out_buf[256], err_buf[128];

static struct __file_bufio in_file =
    FDEV_SETUP_BUFIO(0, in_buf, sizeof in_buf, read, write, lseek, close, __SRD, 0);
static struct __file_bufio out_file =
    FDEV_SETUP_BUFIO(1, out_buf, sizeof out_buf, read, write, lseek, close, __SWR, __BLBF);
static struct __file_bufio err_file =
    FDEV_SETUP_BUFIO(2, err_buf, sizeof err_buf, read, write, lseek, close, __SWR, __BLBF);

FILE *const stdin = &in_file.xfile.cfile.file;
FILE *const stdout = &out_file.xfile.cfile.file;
FILE *const stderr = &err_file.xfile.cfile.file;
