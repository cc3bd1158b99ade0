/**
 * The VFS server's whole state: the ramfs inode table, the open file descriptions and the per-process
 * records (credentials, cwd, umask, fd table). Plain data; `Map`s are keyed by numbers or names and
 * nothing depends on their insertion order (directory listings sort, snapshots sort), so a state
 * restored from a snapshot behaves exactly like the one that was saved.
 */

export type Ino = number;
export type FileId = number;

/** Size of a pipe's buffer; also PIPE_BUF, so every write of at most this many bytes is atomic. */
export const PIPE_CAPACITY = 4096;
/** Per-process fd limit (fds are 0..OPEN_MAX-1). */
export const OPEN_MAX = 64;
/** Largest regular file the ramfs keeps. */
export const FILE_SIZE_MAX = 64 * 1024 * 1024;
/**
 * The ramfs's capacity: the bytes of every regular file together, so a guest cannot make the
 * host hold more, nor a journal grow without bound per guest byte; beyond it a write is ENOSPC.
 * Twice the machine's memory, as room for the large images of the journal's scale tests.
 */
export const FS_CAPACITY_BYTES = 512 * 1024 * 1024;
/** Most inodes the ramfs holds (tmpfs nr_inodes); beyond it creating a file or directory is ENOSPC. */
export const FS_INODES_MAX = 65536;
export const ROOT_INO: Ino = 1;
/** st_dev of every ramfs inode. */
export const RAMFS_DEV = 1;
/** st_rdev of /dev/console: major 5, minor 1, as Linux. */
export const CONSOLE_RDEV = (5 << 8) | 1;
/** st_rdev of /dev/null: major 1, minor 3, as Linux. */
export const NULL_RDEV = (1 << 8) | 3;

export function rdevOf(device: CharDevice): number {
  switch (device) {
    case 'console':
      return CONSOLE_RDEV;
    case 'null':
      return NULL_RDEV;
    default: {
      const _exhaustive: never = device;
      return _exhaustive;
    }
  }
}
export const DEFAULT_UMASK = 0o022;

interface InodeCommon {
  readonly ino: Ino;
  /** Permission bits and S_ISUID/S_ISGID/S_ISVTX (07777); the type is `kind`. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Open file descriptions and process cwds referring to this inode; it is freed at nlink = refs = 0. */
  refs: number;
  /** Virtual-time nanoseconds since the epoch (from the request context, never the host clock). */
  atime: bigint;
  mtime: bigint;
  ctime: bigint;
}

export interface DirInode extends InodeCommon {
  readonly kind: 'dir';
  /** Names other than `.` and `..`. */
  readonly entries: Map<string, Ino>;
  /** `..`; the root is its own parent. */
  parent: Ino;
}

export interface FileInode extends InodeCommon {
  readonly kind: 'file';
  /** Capacity >= size; bytes beyond `size` are zero. */
  data: Uint8Array;
  size: number;
}

export interface FifoInode extends InodeCommon {
  readonly kind: 'fifo';
  /** Buffered bytes, oldest first, at most PIPE_CAPACITY. */
  buffer: Uint8Array;
  /** Open descriptions with read / write access. */
  readers: number;
  writers: number;
}

export type CharDevice = 'console' | 'null';

/** A character device: the console (whose I/O the kernel performs) or /dev/null (handled here). */
export interface CharInode extends InodeCommon {
  readonly kind: 'chr';
  readonly device: CharDevice;
  readonly rdev: number;
}

export type Inode = DirInode | FileInode | FifoInode | CharInode;

/** An open file description: shared by dup'd fds and across fork. */
export interface OpenFile {
  readonly id: FileId;
  readonly ino: Ino;
  /** Access mode (O_RDONLY/O_WRONLY/O_RDWR) | O_APPEND | O_NONBLOCK. */
  flags: number;
  /** Byte offset; for a directory, the number of entries getdents has returned since the start. */
  offset: number;
  /**
   * Directories only: the last name getdents returned ('' before any). Listings resume after this
   * name in sorted order, so entries removed or added meanwhile never make getdents skip or repeat
   * the others (an index would shift).
   */
  dirAfter: string;
  /** Number of fd-table slots (in all processes) pointing here. */
  refs: number;
}

export interface FdSlot {
  readonly file: FileId;
  cloexec: boolean;
}

export interface Credentials {
  uid: number;
  euid: number;
  gid: number;
  egid: number;
}

export interface ProcFiles {
  readonly pid: number;
  cred: Credentials;
  umask: number;
  cwd: Ino;
  /** Index = fd; length OPEN_MAX. */
  readonly fds: (FdSlot | null)[];
}

export interface VfsState {
  readonly inodes: Map<Ino, Inode>;
  readonly files: Map<FileId, OpenFile>;
  readonly procs: Map<number, ProcFiles>;
  nextIno: Ino;
  nextFileId: FileId;
  /** Bytes of every regular file together, against FS_CAPACITY_BYTES. Derived: recounted on restore, never saved. */
  fileBytes: number;
}

/** An empty filesystem: just the root directory (0755, root:root). */
export function createVfsState(now: bigint): VfsState {
  const root: DirInode = {
    kind: 'dir',
    ino: ROOT_INO,
    mode: 0o755,
    uid: 0,
    gid: 0,
    nlink: 2,
    refs: 0,
    atime: now,
    mtime: now,
    ctime: now,
    entries: new Map(),
    parent: ROOT_INO,
  };
  return { inodes: new Map([[ROOT_INO, root]]), files: new Map(), procs: new Map(), nextIno: ROOT_INO + 1, nextFileId: 1, fileBytes: 0 };
}
