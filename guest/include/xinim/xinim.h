/*
 * XINIM-specific calls and the Linux-valued flags picolibc's headers lack.
 * Kernel structures (struct xk_proc, struct xk_sysinfo, ...) are in <xinim/abi.h>.
 */
#ifndef XINIM_XINIM_H
#define XINIM_XINIM_H

#include <stddef.h>
#include <stdint.h>
#include <xinim/abi.h>

/* sigaction flags picolibc does not name; the values are Linux's and pass through. */
#ifndef SA_RESTART
#define SA_RESTART 0x10000000
#endif
#ifndef SA_NODEFER
#define SA_NODEFER 0x40000000
#endif
#ifndef SA_RESETHAND
#define SA_RESETHAND 0x80000000
#endif

/* Write to the kernel's debug log (recorded in the journal, not on the console). */
int debug_write(const void *buf, size_t n);
/* Virtual nanoseconds since boot. */
uint64_t monotonic_ns(void);
/* Fill buf with up to count process records; returns the total number of processes. */
int xinim_ps_list(struct xk_proc *buf, unsigned count);
/* Fill buf with up to size bytes of the machine's view of itself; returns the kernel's size. */
int xinim_sysinfo(struct xk_sysinfo *buf, unsigned size);
/* Raw getdents: packed struct xk_dirent records; returns bytes, 0 at end of directory. */
int xinim_getdents(int fd, void *buf, unsigned size);
/* Any system call by number (errno set on failure). */
long xinim_syscall(long nr, long a, long b, long c, long d, long e, long f);

/* Lattice IPC: see struct xk_lattice_header in <xinim/abi.h>. */
int lattice_connect(int dst);
int lattice_send(int dst, int type, const void *payload, size_t len);
int lattice_recv(int from, void *buf, size_t len, int flags);
int lattice_close(int dst);
/* The raw time call (42): seconds since the epoch, also stored at *t when t is not NULL. */
int64_t xinim_time(int64_t *t);

int sched_yield(void);
int brk(void *addr);
int ioctl(int fd, unsigned long req, ...);

#endif
