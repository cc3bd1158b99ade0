/**
 * The ramfs: inode allocation and freeing, path resolution, POSIX permission checks and stat.
 * Functions that can fail return a negative errno (Linux values) in place of their result.
 */
import { ERRNO } from '../../protocol/errno.js';
import { S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG, S_ISVTX, type Stat } from '../../protocol/guest-abi.js';
import { NAME_MAX, PATH_BYTES_MAX } from '../../protocol/vfs-protocol.js';
import {
  FILE_SIZE_MAX,
  FS_CAPACITY_BYTES,
  FS_INODES_MAX,
  RAMFS_DEV,
  ROOT_INO,
  rdevOf,
  type CharDevice,
  type CharInode,
  type Credentials,
  type DirInode,
  type FifoInode,
  type FileInode,
  type Ino,
  type Inode,
  type VfsState,
} from './vfs-state.js';
import { chunksMoved, forgetChunksFrom } from './chunk-hashes.js';

export const MAY_READ = 4;
export const MAY_WRITE = 2;
export const MAY_EXEC = 1;

export function inode(state: VfsState, ino: Ino): Inode {
  const node = state.inodes.get(ino);
  if (node === undefined) throw new Error(`vfs invariant: inode ${ino} does not exist`);
  return node;
}

export function dirInode(state: VfsState, ino: Ino): DirInode {
  const node = inode(state, ino);
  if (node.kind !== 'dir') throw new Error(`vfs invariant: inode ${ino} is not a directory`);
  return node;
}

function allocIno(state: VfsState): Ino {
  const ino = state.nextIno;
  state.nextIno += 1;
  return ino;
}

interface NewInodeAttrs {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly now: bigint;
}

function common(state: VfsState, a: NewInodeAttrs, nlink: number) {
  return {
    ino: allocIno(state),
    mode: a.mode & 0o7777,
    uid: a.uid,
    gid: a.gid,
    nlink,
    refs: 0,
    atime: a.now,
    mtime: a.now,
    ctime: a.now,
  };
}

/** Creates a regular file linked as `name` in `dir`. The caller has checked that the name is free. */
export function createFile(state: VfsState, dir: DirInode, name: string, a: NewInodeAttrs, data?: Uint8Array): FileInode {
  const node: FileInode = { kind: 'file', ...common(state, a, 1), data: data ? data.slice() : new Uint8Array(0), size: data?.length ?? 0 };
  state.inodes.set(node.ino, node);
  state.fileBytes += node.size;
  linkEntry(dir, name, node.ino, a.now);
  return node;
}

/** Whether the ramfs holds as many inodes as it may: creating another is ENOSPC. */
export function inodesFull(state: VfsState): boolean {
  return state.inodes.size >= FS_INODES_MAX;
}

export function createDir(state: VfsState, parent: DirInode, name: string, a: NewInodeAttrs): DirInode {
  const node: DirInode = { kind: 'dir', ...common(state, a, 2), entries: new Map(), parent: parent.ino };
  state.inodes.set(node.ino, node);
  linkEntry(parent, name, node.ino, a.now);
  parent.nlink += 1;
  return node;
}

export function createCharDevice(state: VfsState, dir: DirInode, name: string, device: CharDevice, a: NewInodeAttrs): CharInode {
  const node: CharInode = { kind: 'chr', ...common(state, a, 1), device, rdev: rdevOf(device) };
  state.inodes.set(node.ino, node);
  linkEntry(dir, name, node.ino, a.now);
  return node;
}

/** An anonymous fifo (a pipe): no directory entry, kept alive by its open descriptions. */
export function createPipe(state: VfsState, a: NewInodeAttrs): FifoInode {
  const node: FifoInode = { kind: 'fifo', ...common(state, a, 0), buffer: new Uint8Array(0), readers: 0, writers: 0 };
  state.inodes.set(node.ino, node);
  return node;
}

export function linkEntry(dir: DirInode, name: string, ino: Ino, now: bigint): void {
  dir.entries.set(name, ino);
  dir.mtime = now;
  dir.ctime = now;
}

export function unlinkEntry(dir: DirInode, name: string, now: bigint): void {
  dir.entries.delete(name);
  dir.mtime = now;
  dir.ctime = now;
}

/** Frees an inode nobody can reach any more: no links, no open descriptions, no cwd. */
export function releaseIfUnused(state: VfsState, node: Inode): void {
  if (node.nlink !== 0 || node.refs !== 0 || node.ino === ROOT_INO) return;
  state.inodes.delete(node.ino);
  if (node.kind === 'file') state.fileBytes -= node.size;
}

/** POSIX permission check with the given ids; root bypasses read/write, and exec needs some x bit. */
export function permits(uid: number, gid: number, node: Inode, want: number): boolean {
  if (uid === 0) {
    if ((want & MAY_EXEC) === 0 || node.kind === 'dir') return true;
    return (node.mode & 0o111) !== 0;
  }
  const bits = uid === node.uid ? (node.mode >> 6) & 7 : gid === node.gid ? (node.mode >> 3) & 7 : node.mode & 7;
  return (bits & want) === want;
}

export function permitsEffective(cred: Credentials, node: Inode, want: number): boolean {
  return permits(cred.euid, cred.egid, node, want);
}

/**
 * The sticky-bit rule: in a directory with S_ISVTX (like /tmp), only the owner of the entry, the owner
 * of the directory or root may remove or rename it.
 */
export function stickyForbids(cred: Credentials, dir: DirInode, victim: Inode): boolean {
  return (dir.mode & S_ISVTX) !== 0 && cred.euid !== 0 && cred.euid !== victim.uid && cred.euid !== dir.uid;
}

/** The result of looking up a path's last component in its directory. */
export interface Lookup {
  readonly dir: DirInode;
  /** The last component; `.` for a path that names its start directory (`/`, `.`). */
  readonly name: string;
  /** The inode the path names, if it exists. */
  readonly ino: Ino | undefined;
  /** The path ended with `/`: it must name a directory. */
  readonly trailingSlash: boolean;
}

/** Identity used to search directories: effective ids for syscalls, real ids for access(2). */
export interface SearchIds {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Resolves all but the last component of `path` from `cwd` (or the root for an absolute path),
 * checking search permission on every directory passed through, then looks the last component up.
 * There are no symbolic links or mount points in the ramfs.
 */
export function lookupParent(state: VfsState, ids: SearchIds, cwd: Ino, path: string): Lookup | number {
  if (path.length === 0) return -ERRNO.ENOENT;
  if (path.length > PATH_BYTES_MAX) return -ERRNO.ENAMETOOLONG;
  const parts = path.split('/').filter((p) => p.length > 0);
  for (const p of parts) if (p.length > NAME_MAX) return -ERRNO.ENAMETOOLONG;
  let cur: Inode = inode(state, path.startsWith('/') ? ROOT_INO : cwd);
  const trailingSlash = path.endsWith('/') && parts.length > 0;
  if (parts.length === 0) {
    if (cur.kind !== 'dir') return -ERRNO.ENOTDIR;
    return { dir: cur, name: '.', ino: cur.ino, trailingSlash: false };
  }
  for (let i = 0; i < parts.length; i++) {
    if (cur.kind !== 'dir') return -ERRNO.ENOTDIR;
    if (!permits(ids.uid, ids.gid, cur, MAY_EXEC)) return -ERRNO.EACCES;
    const name = parts[i]!;
    const next = name === '.' ? cur.ino : name === '..' ? cur.parent : cur.entries.get(name);
    if (i === parts.length - 1) return { dir: cur, name, ino: next, trailingSlash };
    if (next === undefined) return -ERRNO.ENOENT;
    cur = inode(state, next);
  }
  throw new Error('unreachable');
}

/** Resolves `path` to an existing inode. */
export function resolve(state: VfsState, ids: SearchIds, cwd: Ino, path: string): Ino | number {
  const lk = lookupParent(state, ids, cwd, path);
  if (typeof lk === 'number') return lk;
  if (lk.ino === undefined) return -ERRNO.ENOENT;
  if (lk.trailingSlash && inode(state, lk.ino).kind !== 'dir') return -ERRNO.ENOTDIR;
  return lk.ino;
}

export function isDotOrDotDot(name: string): boolean {
  return name === '.' || name === '..';
}

/** Whether `ancestor` is `ino` or one of its ancestors (directories only). */
export function isAncestor(state: VfsState, ancestor: Ino, ino: Ino): boolean {
  let cur = ino;
  for (;;) {
    if (cur === ancestor) return true;
    if (cur === ROOT_INO) return false;
    cur = dirInode(state, cur).parent;
  }
}

/** The absolute path of a directory, or -ENOENT if it (or an ancestor) has been removed. */
export function pathOf(state: VfsState, dirIno: Ino): string | number {
  const names: string[] = [];
  let cur = dirInode(state, dirIno);
  while (cur.ino !== ROOT_INO) {
    if (cur.nlink === 0) return -ERRNO.ENOENT;
    const parent = dirInode(state, cur.parent);
    let found: string | undefined;
    for (const [name, ino] of parent.entries) {
      if (ino === cur.ino) {
        found = name;
        break;
      }
    }
    if (found === undefined) throw new Error(`vfs invariant: directory ${cur.ino} missing from its parent`);
    names.push(found);
    cur = parent;
  }
  return '/' + names.reverse().join('/');
}

/** Bytes a file may still grow by before the ramfs is full. */
export function spaceLeft(state: VfsState): number {
  return Math.max(0, FS_CAPACITY_BYTES - state.fileBytes);
}

/** Grows (zero-filled) or shrinks a regular file: EFBIG past the largest file, ENOSPC past the capacity. */
export function setFileSize(state: VfsState, node: FileInode, size: number): number {
  if (size > FILE_SIZE_MAX) return -ERRNO.EFBIG;
  if (size - node.size > spaceLeft(state)) return -ERRNO.ENOSPC;
  state.fileBytes += size - node.size;
  forgetChunksFrom(node, Math.min(size, node.size));
  if (size > node.data.length) {
    const grown = new Uint8Array(Math.min(FILE_SIZE_MAX, Math.max(size, node.data.length * 2, 256)));
    grown.set(node.data.subarray(0, node.size));
    const before = node.data;
    node.data = grown;
    chunksMoved(node, before);
  } else if (size < node.size) {
    node.data.fill(0, size, node.size);
  }
  node.size = size;
  return 0;
}

export function typeBits(node: Inode): number {
  switch (node.kind) {
    case 'dir':
      return S_IFDIR;
    case 'file':
      return S_IFREG;
    case 'fifo':
      return S_IFIFO;
    case 'chr':
      return S_IFCHR;
    default: {
      const _exhaustive: never = node;
      return _exhaustive;
    }
  }
}

const NS_PER_S = 1_000_000_000n;

function timeParts(ns: bigint): [number, number] {
  return [Number(ns / NS_PER_S), Number(ns % NS_PER_S)];
}

export function statOf(node: Inode): Stat {
  const size = node.kind === 'file' ? node.size : node.kind === 'fifo' ? node.buffer.length : node.kind === 'dir' ? 4096 : 0;
  const [as, an] = timeParts(node.atime);
  const [ms, mn] = timeParts(node.mtime);
  const [cs, cn] = timeParts(node.ctime);
  return {
    st_dev: RAMFS_DEV,
    st_ino: node.ino,
    st_mode: typeBits(node) | node.mode,
    st_nlink: node.nlink,
    st_uid: node.uid,
    st_gid: node.gid,
    st_rdev: node.kind === 'chr' ? node.rdev : 0,
    st_blksize: 4096,
    st_size: size,
    st_blocks: Math.ceil(size / 512),
    st_atime: as,
    st_atime_nsec: an,
    st_mtime: ms,
    st_mtime_nsec: mn,
    st_ctime: cs,
    st_ctime_nsec: cn,
  };
}
