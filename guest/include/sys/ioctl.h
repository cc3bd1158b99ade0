/* ioctl requests the XINIM console understands (Linux values). */
#ifndef _SYS_IOCTL_H
#define _SYS_IOCTL_H
#include <stdint.h>
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
struct winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
int ioctl(int fd, unsigned long req, ...);
#endif
