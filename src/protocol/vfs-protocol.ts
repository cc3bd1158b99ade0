/**
 * The VFS server's protocol (pid 2, message types 100-199, replies 150).
 *
 * Conventions:
 * - `m_source` is the pid the request acts for. For a delegated syscall the kernel sends the request
 *   on behalf of the trapping process and stamps that process's pid; the VFS takes credentials, cwd and
 *   fd table from its own per-process record (kept in step by the VFS_PROC_* control messages), never
 *   from the payload, so a forged payload cannot claim another identity.
 * - Paths and names are byte strings without NUL (at most PATH_MAX - 1 = 1023 bytes).
 * - Data: one READ/WRITE/GETDENTS/PROC_READINO message carries at most VFS_IO_MAX (4064) bytes. A
 *   caller with more splits it: the kernel turns read(fd, buf, n) into one READ of min(n, VFS_IO_MAX)
 *   and returns what it got (a short read is legal); write(fd, buf, n) into successive WRITEs of at
 *   most VFS_IO_MAX bytes each, stopping at the first short or failed one (returning the bytes written
 *   so far, or the error if none were). Since VFS_IO_MAX <= PIPE_BUF, every WRITE to a pipe is atomic.
 * - Results: `result` in the reply header is the syscall's return value or -errno; bodies carry what
 *   does not fit in an i32 (offsets, stat, names, data).
 */
import { MSG } from './message-types.js';
import { defineService, type ReplyOf, type RequestOf } from './service.js';
import { STAT } from './guest-abi.js';
import { bytes, EMPTY, i32, i64, str, struct, u32 } from './struct-codec.js';

export const PATH_MAX = 1024;
export const NAME_MAX = 255;
/** Longest path in a message (PATH_MAX counts the NUL the guest string ends with). */
export const PATH_BYTES_MAX = PATH_MAX - 1;
/** Most data bytes in one READ/WRITE/GETDENTS/PROC_READINO message (4096 minus a 32-byte header budget). */
export const VFS_IO_MAX = 4064;

/** open(2) flags, Linux asm-generic values (RISC-V uses these). */
export const O = {
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  ACCMODE: 0o3,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  CLOEXEC: 0o2000000,
} as const;

/** fcntl(2) commands and flags. */
export const F = {
  DUPFD: 0,
  GETFD: 1,
  SETFD: 2,
  GETFL: 3,
  SETFL: 4,
  DUPFD_CLOEXEC: 1030,
} as const;
export const FD_CLOEXEC = 1;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** access(2) mode bits. */
export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;

/** VFS_PROC_NEW flags: open /dev/console as fds 0, 1 and 2 of the new process. */
export const PROC_NEW_CONSOLE = 1;

/** chown(2): this id stays unchanged ((uid_t)-1). */
export const ID_UNCHANGED = 0xffffffff;

const path = (lenOffset: number) => str(lenOffset, PATH_BYTES_MAX);
const fdOnly = (name: string) => struct(name, 4, { fd: i32(0) });
const pathOnly = (name: string) => struct(name, 2, { path: path(0) });
const dataReply = (name: string) => struct(name, 2, { data: bytes(0, VFS_IO_MAX) });

export const VFS_SPECS = {
  open: {
    type: MSG.VFS_OPEN,
    request: struct('VfsOpen', 10, { flags: u32(0), mode: u32(4), path: path(8) }),
    reply: EMPTY,
    doc: 'result = new fd',
  },
  close: { type: MSG.VFS_CLOSE, request: fdOnly('VfsClose'), reply: EMPTY, doc: 'result = 0' },
  read: {
    type: MSG.VFS_READ,
    request: struct('VfsRead', 8, { fd: i32(0), count: u32(4) }),
    reply: dataReply('VfsReadReply'),
    doc: 'count is clamped to VFS_IO_MAX; result = bytes read = data.length (0 = end of file)',
  },
  write: {
    type: MSG.VFS_WRITE,
    request: struct('VfsWrite', 6, { fd: i32(0), data: bytes(4, VFS_IO_MAX) }),
    reply: EMPTY,
    doc: 'result = bytes written',
  },
  lseek: {
    type: MSG.VFS_LSEEK,
    request: struct('VfsLseek', 16, { fd: i32(0), whence: u32(4), offset: i64(8) }),
    reply: struct('VfsLseekReply', 8, { offset: i64(0) }),
    doc: 'result = 0; the new offset is in the body (it may not fit an i32)',
  },
  stat: { type: MSG.VFS_STAT, request: pathOnly('VfsStat'), reply: STAT, doc: 'body = struct stat' },
  fstat: { type: MSG.VFS_FSTAT, request: fdOnly('VfsFstat'), reply: STAT, doc: 'body = struct stat' },
  access: {
    type: MSG.VFS_ACCESS,
    request: struct('VfsAccess', 6, { mode: u32(0), path: path(4) }),
    reply: EMPTY,
    doc: 'checked with the real uid/gid',
  },
  dup: { type: MSG.VFS_DUP, request: fdOnly('VfsDup'), reply: EMPTY, doc: 'result = new fd' },
  dup2: {
    type: MSG.VFS_DUP2,
    request: struct('VfsDup2', 8, { oldfd: i32(0), newfd: i32(4) }),
    reply: EMPTY,
    doc: 'result = newfd',
  },
  pipe: {
    type: MSG.VFS_PIPE,
    request: struct('VfsPipe', 4, { flags: u32(0) }),
    reply: struct('VfsPipeReply', 8, { readFd: i32(0), writeFd: i32(4) }),
    doc: 'flags: O_CLOEXEC | O_NONBLOCK (pipe2); result = 0',
  },
  ioctl: {
    type: MSG.VFS_IOCTL,
    request: struct('VfsIoctl', 12, { fd: i32(0), request: u32(4), arg: u32(8) }),
    reply: EMPTY,
    doc: 'ENOTTY except on the console, where the kernel completes it',
  },
  fcntl: {
    type: MSG.VFS_FCNTL,
    request: struct('VfsFcntl', 12, { fd: i32(0), cmd: u32(4), arg: i32(8) }),
    reply: EMPTY,
    doc: 'result as fcntl(2)',
  },
  mkdir: {
    type: MSG.VFS_MKDIR,
    request: struct('VfsMkdir', 6, { mode: u32(0), path: path(4) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  rmdir: { type: MSG.VFS_RMDIR, request: pathOnly('VfsRmdir'), reply: EMPTY, doc: 'result = 0' },
  chdir: { type: MSG.VFS_CHDIR, request: pathOnly('VfsChdir'), reply: EMPTY, doc: 'result = 0' },
  getcwd: {
    type: MSG.VFS_GETCWD,
    request: struct('VfsGetcwd', 4, { size: u32(0) }),
    reply: struct('VfsGetcwdReply', 2, { path: path(0) }),
    doc: 'result = length including the NUL; ERANGE when it exceeds size',
  },
  link: {
    type: MSG.VFS_LINK,
    request: struct('VfsLink', 4, { oldPath: path(0), newPath: path(2) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  unlink: { type: MSG.VFS_UNLINK, request: pathOnly('VfsUnlink'), reply: EMPTY, doc: 'result = 0' },
  rename: {
    type: MSG.VFS_RENAME,
    request: struct('VfsRename', 4, { oldPath: path(0), newPath: path(2) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  chmod: {
    type: MSG.VFS_CHMOD,
    request: struct('VfsChmod', 6, { mode: u32(0), path: path(4) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  chown: {
    type: MSG.VFS_CHOWN,
    request: struct('VfsChown', 10, { uid: u32(0), gid: u32(4), path: path(8) }),
    reply: EMPTY,
    doc: 'uid/gid 0xffffffff = unchanged; result = 0',
  },
  getdents: {
    type: MSG.VFS_GETDENTS,
    request: struct('VfsGetdents', 8, { fd: i32(0), count: u32(4) }),
    reply: dataReply('VfsGetdentsReply'),
    doc: 'data = linux_dirent64 records (guest layout), at most min(count, VFS_IO_MAX) bytes; result = data.length, 0 at the end',
  },
  umask: {
    type: MSG.VFS_UMASK,
    request: struct('VfsUmask', 4, { mask: u32(0) }),
    reply: EMPTY,
    doc: 'result = previous mask',
  },
  procNew: {
    type: MSG.VFS_PROC_NEW,
    request: struct('VfsProcNew', 16, { pid: u32(0), uid: u32(4), gid: u32(8), flags: u32(12) }),
    reply: EMPTY,
    trusted: true,
    doc: 'a process with no parent (init): cwd /, umask 022; flags PROC_NEW_CONSOLE opens fds 0-2 on /dev/console',
  },
  procFork: {
    type: MSG.VFS_PROC_FORK,
    request: struct('VfsProcFork', 8, { parent: u32(0), child: u32(4) }),
    reply: EMPTY,
    trusted: true,
    doc: 'child gets a copy of the parent fd table (sharing open file descriptions), cwd, umask, credentials',
  },
  procExec: {
    type: MSG.VFS_PROC_EXEC,
    request: struct('VfsProcExec', 4, { pid: u32(0) }),
    reply: EMPTY,
    trusted: true,
    doc: 'after a successful exec: close the FD_CLOEXEC fds',
  },
  procExit: {
    type: MSG.VFS_PROC_EXIT,
    request: struct('VfsProcExit', 4, { pid: u32(0) }),
    reply: EMPTY,
    trusted: true,
    doc: 'close every fd, drop the process; its pending request (if any) is dropped without a reply',
  },
  procSetcred: {
    type: MSG.VFS_PROC_SETCRED,
    request: struct('VfsProcSetcred', 20, { pid: u32(0), uid: u32(4), euid: u32(8), gid: u32(12), egid: u32(16) }),
    reply: EMPTY,
    trusted: true,
    doc: 'credentials used for permission checks from now on',
  },
  procCancel: {
    type: MSG.VFS_PROC_CANCEL,
    request: struct('VfsProcCancel', 4, { pid: u32(0) }),
    reply: EMPTY,
    trusted: true,
    doc: 'a signal interrupts the pid: its pending request gets -EINTR; result = 1 if one was pending, else 0',
  },
  procOpenexec: {
    type: MSG.VFS_PROC_OPENEXEC,
    request: struct('VfsProcOpenexec', 6, { pid: u32(0), path: path(4) }),
    reply: struct('VfsProcOpenexecReply', 20, { ino: u32(0), size: u32(4), mode: u32(8), uid: u32(12), gid: u32(16) }),
    trusted: true,
    doc: "resolve path as pid (cwd, effective ids), require a regular file with execute permission",
  },
  procReadino: {
    type: MSG.VFS_PROC_READINO,
    request: struct('VfsProcReadino', 12, { ino: u32(0), offset: u32(4), count: u32(8) }),
    reply: dataReply('VfsProcReadinoReply'),
    trusted: true,
    doc: 'read an executable image by inode number, in chunks of at most VFS_IO_MAX',
  },
} as const;

export const VFS_PROTOCOL = defineService('vfs', MSG.VFS_REPLY, VFS_SPECS);

export type VfsRequest = RequestOf<typeof VFS_SPECS>;
export type VfsRequestKind = VfsRequest['kind'];
export type VfsReply = ReplyOf<typeof VFS_SPECS>;
export type VfsRequestOf<K extends VfsRequestKind> = Extract<VfsRequest, { kind: K }>;
