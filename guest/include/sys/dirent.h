/* Directory streams for XINIM guests (picolibc's <dirent.h> includes this). Built on getdents. */
#ifndef _SYS_DIRENT_H
#define _SYS_DIRENT_H
#include <stddef.h>
#include <sys/types.h>
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define MAXNAMLEN 255
struct dirent {
    unsigned long d_ino;
    unsigned char d_type;
    char d_name[MAXNAMLEN + 1];
};
typedef struct {
    int fd;
    unsigned pos, len;
    char buf[1024];
    struct dirent ent;
} DIR;
#endif
