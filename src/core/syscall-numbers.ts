/**
 * The XINIM system call numbers: the one table of the guest ABI (DESIGN.md section 5).
 * 1..51 are upstream XINIM's (`include/xinim/sys/syscalls.h`); 52 and up are the calls this
 * machine needs beyond them. The guest's C library mirrors this table in
 * `guest/include/xinim/syscalls.h`; a test checks that the two agree.
 */
export const SYSCALLS = {
  debug_write: 1,
  monotonic_ns: 2,
  open: 3,
  close: 4,
  read: 5,
  write: 6,
  lseek: 7,
  stat: 8,
  fstat: 9,
  access: 10,
  dup: 11,
  dup2: 12,
  pipe: 13,
  ioctl: 14,
  fcntl: 15,
  mkdir: 16,
  rmdir: 17,
  chdir: 18,
  getcwd: 19,
  link: 20,
  unlink: 21,
  rename: 22,
  chmod: 23,
  chown: 24,
  exit: 25,
  fork: 26,
  execve: 27,
  wait4: 28,
  getpid: 29,
  getppid: 30,
  kill: 31,
  signal: 32,
  sigaction: 33,
  brk: 34,
  mmap: 35,
  munmap: 36,
  mprotect: 37,
  lattice_connect: 38,
  lattice_send: 39,
  lattice_recv: 40,
  lattice_close: 41,
  time: 42,
  gettimeofday: 43,
  clock_gettime: 44,
  nanosleep: 45,
  getuid: 46,
  geteuid: 47,
  getgid: 48,
  getegid: 49,
  setuid: 50,
  setgid: 51,
  // Beyond upstream XINIM.
  sigreturn: 52,
  sigprocmask: 53,
  sigsuspend: 54,
  shmget: 55,
  shmat: 56,
  shmdt: 57,
  shmctl: 58,
  getdents: 59,
  setpgid: 60,
  getpgid: 61,
  sched_yield: 62,
  uname: 63,
  ps_list: 64,
  sysinfo: 65,
  getrandom: 66,
} as const;

export type SyscallName = keyof typeof SYSCALLS;
export type SyscallNumber = (typeof SYSCALLS)[SyscallName];

const byNumber = new Map<number, SyscallName>(
  (Object.entries(SYSCALLS) as [SyscallName, number][]).map(([name, nr]) => [nr, name]),
);

/** The name of syscall `nr`, or undefined when the number is not part of the ABI. */
export function syscallName(nr: number): SyscallName | undefined {
  return byNumber.get(nr);
}
