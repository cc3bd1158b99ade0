/* Raw XINIM system calls (ecall, number in a7, args in a0..a5, result in a0). */
#ifndef XINIM_LIB_SYSCALL_H
#define XINIM_LIB_SYSCALL_H

#include <xinim/syscalls.h>

#ifdef XINIM_LINUX_SHIM
/* Test builds for qemu-riscv32 (guest/shim/): XINIM calls emulated over Linux ones. */
long __sc6(long nr, long a, long b, long c, long d, long e, long f);
#else
static inline long __sc6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    register long a7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(a0)
                     : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
                     : "memory");
    return a0;
}
#endif

#define __sc0(n) __sc6((n), 0, 0, 0, 0, 0, 0)
#define __sc1(n, a) __sc6((n), (long)(a), 0, 0, 0, 0, 0)
#define __sc2(n, a, b) __sc6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define __sc3(n, a, b, c) __sc6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define __sc4(n, a, b, c, d) __sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* A result in [-4095, -1] is a negated Linux errno. */
static inline int __sc_is_err(long r) { return (unsigned long)r > (unsigned long)-4096L; }

/* Store the picolibc errno for Linux error -r and return -1; or return r. */
long __sc_ret(long r);

/* Linux <-> picolibc numbering (signals, errno). */
int __sig_from_linux(int lsig);
int __sig_to_linux(int psig);
unsigned long __sigset_from_linux(unsigned long lmask);
unsigned long __sigset_to_linux(unsigned long pmask);
int __errno_from_linux(int lerr);

#endif
