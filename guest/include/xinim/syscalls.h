/*
 * XINIM system call numbers, the guest side of the one table in src/core/syscall-numbers.ts
 * (DESIGN.md section 5). 1..51 are upstream XINIM's, 52 and up are this machine's.
 * test/guest-abi.test.ts checks that this file and the TypeScript table agree exactly.
 *
 * Calling convention: ecall with the number in a7, arguments in a0..a5, result in a0;
 * a result in [-4095, -1] is a negated Linux errno. See guest/ABI.md.
 */
#ifndef XINIM_SYSCALLS_H
#define XINIM_SYSCALLS_H

#define SYS_debug_write      1
#define SYS_monotonic_ns     2
#define SYS_open             3
#define SYS_close            4
#define SYS_read             5
#define SYS_write            6
#define SYS_lseek            7
#define SYS_stat             8
#define SYS_fstat            9
#define SYS_access           10
#define SYS_dup              11
#define SYS_dup2             12
#define SYS_pipe             13
#define SYS_ioctl            14
#define SYS_fcntl            15
#define SYS_mkdir            16
#define SYS_rmdir            17
#define SYS_chdir            18
#define SYS_getcwd           19
#define SYS_link             20
#define SYS_unlink           21
#define SYS_rename           22
#define SYS_chmod            23
#define SYS_chown            24
#define SYS_exit             25
#define SYS_fork             26
#define SYS_execve           27
#define SYS_wait4            28
#define SYS_getpid           29
#define SYS_getppid          30
#define SYS_kill             31
#define SYS_signal           32
#define SYS_sigaction        33
#define SYS_brk              34
#define SYS_mmap             35
#define SYS_munmap           36
#define SYS_mprotect         37
#define SYS_lattice_connect  38
#define SYS_lattice_send     39
#define SYS_lattice_recv     40
#define SYS_lattice_close    41
#define SYS_time             42
#define SYS_gettimeofday     43
#define SYS_clock_gettime    44
#define SYS_nanosleep        45
#define SYS_getuid           46
#define SYS_geteuid          47
#define SYS_getgid           48
#define SYS_getegid          49
#define SYS_setuid           50
#define SYS_setgid           51
#define SYS_sigreturn        52
#define SYS_sigprocmask      53
#define SYS_sigsuspend       54
#define SYS_shmget           55
#define SYS_shmat            56
#define SYS_shmdt            57
#define SYS_shmctl           58
#define SYS_getdents         59
#define SYS_setpgid          60
#define SYS_getpgid          61
#define SYS_sched_yield      62
#define SYS_uname            63
#define SYS_ps_list          64
#define SYS_sysinfo          65
#define SYS_getrandom        66

#define XINIM_SYSCALL_MAX 65

#endif
