/* System V IPC common definitions for XINIM guests (Linux values). */
#ifndef _SYS_IPC_H
#define _SYS_IPC_H
#include <sys/types.h>
#define IPC_PRIVATE ((key_t)0)
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#endif
