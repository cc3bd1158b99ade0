/**
 * The one table of IPC message types (DESIGN.md section 6). Ranges: VFS 100-199, Process Manager
 * 200-299, Memory Manager 300-399; each range's REPLY (150, 250, 350) is the type of every reply from
 * that server. Numbers up to CHOWN 121 / SIGACTION 208 / MPROTECT 303 are the seeds'; the rest are
 * this machine's additions. A number, once given, is never reused for another meaning.
 *
 * `VFS_PROC_*` messages are control messages from the kernel (pid 0) or the Process Manager (pid 3)
 * that keep the VFS's per-process state in step with the process table; the VFS refuses them from
 * anyone else with EPERM. Likewise `PROC_CTL_*` (Process Manager) and `MM_PROC_*` (Memory Manager):
 * the kernel tells those servers what only it knows (init was created, an image was loaded, a fault
 * or Ctrl-C raised a signal, a process forked, exec'd or exited, a stack must grow).
 */
export const MSG = {
  // VFS (pid 2)
  VFS_OPEN: 100,
  VFS_CLOSE: 101,
  VFS_READ: 102,
  VFS_WRITE: 103,
  VFS_LSEEK: 104,
  VFS_STAT: 105,
  VFS_FSTAT: 106,
  VFS_ACCESS: 107,
  VFS_DUP: 108,
  VFS_DUP2: 109,
  VFS_PIPE: 110,
  VFS_IOCTL: 111,
  VFS_FCNTL: 112,
  VFS_MKDIR: 113,
  VFS_RMDIR: 114,
  VFS_CHDIR: 115,
  VFS_GETCWD: 116,
  VFS_LINK: 117,
  VFS_UNLINK: 118,
  VFS_RENAME: 119,
  VFS_CHMOD: 120,
  VFS_CHOWN: 121,
  VFS_GETDENTS: 122,
  VFS_UMASK: 123,
  VFS_PROC_NEW: 130,
  VFS_PROC_FORK: 131,
  VFS_PROC_EXEC: 132,
  VFS_PROC_EXIT: 133,
  VFS_PROC_SETCRED: 134,
  VFS_PROC_CANCEL: 135,
  VFS_PROC_OPENEXEC: 136,
  VFS_PROC_READINO: 137,
  VFS_REPLY: 150,

  // Process Manager (pid 3)
  PROC_FORK: 200,
  PROC_EXEC: 201,
  PROC_EXIT: 202,
  PROC_WAIT4: 203,
  PROC_KILL: 204,
  PROC_GETPID: 205,
  PROC_GETPPID: 206,
  PROC_SIGNAL: 207,
  PROC_SIGACTION: 208,
  PROC_SIGRETURN: 209,
  PROC_SIGPROCMASK: 210,
  PROC_SIGSUSPEND: 211,
  PROC_SETPGID: 212,
  PROC_GETPGID: 213,
  PROC_GETUID: 214,
  PROC_GETEUID: 215,
  PROC_GETGID: 216,
  PROC_GETEGID: 217,
  PROC_SETUID: 218,
  PROC_SETGID: 219,
  PROC_PS_LIST: 220,
  PROC_CTL_INIT: 230,
  PROC_CTL_EXEC: 231,
  PROC_CTL_SIGNAL: 232,
  PROC_REPLY: 250,

  // Memory Manager (pid 4)
  MM_BRK: 300,
  MM_MMAP: 301,
  MM_MUNMAP: 302,
  MM_MPROTECT: 303,
  MM_SHMGET: 304,
  MM_SHMAT: 305,
  MM_SHMDT: 306,
  MM_SHMCTL: 307,
  MM_PROC_EXEC: 330,
  MM_PROC_FORK: 331,
  MM_PROC_EXIT: 332,
  MM_PROC_GROW_STACK: 333,
  MM_PROC_CAN_FORK: 334,
  MM_MEM_INFO: 335,
  MM_REPLY: 350,
} as const;

/**
 * Reincarnation Server (pid 7), range 400-499: kernel-internal (only the kernel talks to the RS, and
 * no process request maps to them), so kept apart from MSG, whose entries each have a service
 * protocol; messageTypeName knows them too.
 */
export const RS_MSG = {
  RS_CRASHED: 400,
  RS_RESTARTED: 401,
  RS_REPLY: 450,
} as const;

export type MessageTypeName = keyof typeof MSG | keyof typeof RS_MSG;
export type MessageType = (typeof MSG)[keyof typeof MSG] | (typeof RS_MSG)[keyof typeof RS_MSG];

const typeNames = new Map<number, MessageTypeName>(
  ([...Object.entries(MSG), ...Object.entries(RS_MSG)] as [MessageTypeName, number][]).map(([name, value]) => [value, name]),
);

/** `VFS_OPEN` for 100, undefined for a number outside the table. */
export function messageTypeName(type: number): MessageTypeName | undefined {
  return typeNames.get(type);
}

export type ServiceName = 'vfs' | 'proc' | 'mm' | 'rs';

/** Which server a message type belongs to, by range. */
export function serviceOf(type: number): ServiceName | undefined {
  if (type >= 100 && type <= 199) return 'vfs';
  if (type >= 200 && type <= 299) return 'proc';
  if (type >= 300 && type <= 399) return 'mm';
  if (type >= 400 && type <= 499) return 'rs';
  return undefined;
}

/** Well-known pids (DESIGN.md section 6). */
export const WELL_KNOWN_PID = {
  KERNEL: 0,
  INIT: 1,
  VFS: 2,
  PROC: 3,
  MM: 4,
  NET: 5,
  DEV: 6,
  RS: 7,
} as const;

/** The servers' short names, by pid (what the CLI, the TUI, traces and summaries call them). */
export const SERVER_NAMES: Readonly<Record<number, string>> = {
  [WELL_KNOWN_PID.VFS]: 'vfs', [WELL_KNOWN_PID.PROC]: 'pm', [WELL_KNOWN_PID.MM]: 'mm', [WELL_KNOWN_PID.RS]: 'rs',
};

/** The same with the kernel (pid 0), for what treats it as one of the servers. */
export const KERNEL_AND_SERVER_NAMES: Readonly<Record<number, string>> = { [WELL_KNOWN_PID.KERNEL]: 'kernel', ...SERVER_NAMES };

/** A message as it crosses Lattice IPC: the kernel stamps `m_source`. */
export interface Message {
  readonly m_source: number;
  readonly m_type: number;
  readonly payload: Uint8Array;
}
