/**
 * Open file descriptions and per-process fd tables. A description is shared by every fd that refers
 * to it (dup, dup2, F_DUPFD, fork); it is closed when the last such fd goes, which is when a pipe end
 * stops counting as a reader or writer.
 */
import { ERRNO } from '../../protocol/errno.js';
import { O } from '../../protocol/vfs-protocol.js';
import { inode, releaseIfUnused } from './ramfs.js';
import type { VfsEffect } from './vfs-result.js';
import { OPEN_MAX, type Credentials, type FileId, type Ino, type OpenFile, type ProcFiles, type VfsState } from './vfs-state.js';

export function canRead(file: OpenFile): boolean {
  return (file.flags & O.ACCMODE) !== O.WRONLY;
}

export function canWrite(file: OpenFile): boolean {
  return (file.flags & O.ACCMODE) !== O.RDONLY;
}

export function fileById(state: VfsState, id: FileId): OpenFile {
  const f = state.files.get(id);
  if (f === undefined) throw new Error(`vfs invariant: open file ${id} does not exist`);
  return f;
}

/** The description behind `fd`, or -EBADF. */
export function fileOfFd(state: VfsState, proc: ProcFiles, fd: number): OpenFile | number {
  if (!Number.isInteger(fd) || fd < 0 || fd >= OPEN_MAX) return -ERRNO.EBADF;
  const slot = proc.fds[fd];
  return slot ? fileById(state, slot.file) : -ERRNO.EBADF;
}

/** The lowest free fd >= `from`, or -EMFILE. */
export function lowestFreeFd(proc: ProcFiles, from = 0): number {
  for (let fd = from; fd < OPEN_MAX; fd++) if (proc.fds[fd] === null) return fd;
  return -ERRNO.EMFILE;
}

/** Opens a new description of `ino` (not yet in any fd table: refs 0). */
export function openDescription(state: VfsState, ino: Ino, flags: number): OpenFile {
  const file: OpenFile = { id: state.nextFileId, ino, flags: flags & (O.ACCMODE | O.APPEND | O.NONBLOCK), offset: 0, dirAfter: '', refs: 0 };
  state.nextFileId += 1;
  state.files.set(file.id, file);
  const node = inode(state, ino);
  node.refs += 1;
  if (node.kind === 'fifo') {
    if (canRead(file)) node.readers += 1;
    if (canWrite(file)) node.writers += 1;
  }
  return file;
}

export function installFd(proc: ProcFiles, fd: number, file: OpenFile, cloexec: boolean): void {
  if (proc.fds[fd] !== null) throw new Error(`vfs invariant: fd ${fd} of ${proc.pid} is in use`);
  proc.fds[fd] = { file: file.id, cloexec };
  file.refs += 1;
}

function releaseFile(state: VfsState, file: OpenFile, effects: VfsEffect[]): void {
  file.refs -= 1;
  if (file.refs > 0) return;
  state.files.delete(file.id);
  const node = inode(state, file.ino);
  node.refs -= 1;
  if (node.kind === 'fifo') {
    // The last reader gone: blocked writers must now fail with EPIPE. The last writer gone: blocked
    // readers now see end of file.
    if (canRead(file)) {
      node.readers -= 1;
      if (node.readers === 0) effects.push({ kind: 'wake', queue: { kind: 'pipe-writable', pipe: node.ino } });
    }
    if (canWrite(file)) {
      node.writers -= 1;
      if (node.writers === 0) effects.push({ kind: 'wake', queue: { kind: 'pipe-readable', pipe: node.ino } });
    }
  }
  releaseIfUnused(state, node);
}

export function closeFd(state: VfsState, proc: ProcFiles, fd: number, effects: VfsEffect[]): number {
  const file = fileOfFd(state, proc, fd);
  if (typeof file === 'number') return file;
  proc.fds[fd] = null;
  releaseFile(state, file, effects);
  return 0;
}

export function newProc(state: VfsState, pid: number, cred: Credentials, cwd: Ino, umask: number): ProcFiles {
  const proc: ProcFiles = { pid, cred: { ...cred }, umask, cwd, fds: new Array<null>(OPEN_MAX).fill(null) };
  inode(state, cwd).refs += 1;
  state.procs.set(pid, proc);
  return proc;
}

/** fork: the child's table is a copy of the parent's, every slot sharing the parent's description. */
export function forkProc(state: VfsState, parent: ProcFiles, childPid: number): ProcFiles {
  const child = newProc(state, childPid, parent.cred, parent.cwd, parent.umask);
  for (let fd = 0; fd < OPEN_MAX; fd++) {
    const slot = parent.fds[fd];
    if (slot) installFd(child, fd, fileById(state, slot.file), slot.cloexec);
  }
  return child;
}

/** exec: close every FD_CLOEXEC fd, lowest first. */
export function execProc(state: VfsState, proc: ProcFiles, effects: VfsEffect[]): void {
  for (let fd = 0; fd < OPEN_MAX; fd++) if (proc.fds[fd]?.cloexec) closeFd(state, proc, fd, effects);
}

/** exit: close every fd, lowest first, drop the cwd reference and the record. */
export function exitProc(state: VfsState, proc: ProcFiles, effects: VfsEffect[]): void {
  for (let fd = 0; fd < OPEN_MAX; fd++) if (proc.fds[fd]) closeFd(state, proc, fd, effects);
  const cwd = inode(state, proc.cwd);
  cwd.refs -= 1;
  releaseIfUnused(state, cwd);
  state.procs.delete(proc.pid);
}

export function changeCwd(state: VfsState, proc: ProcFiles, ino: Ino): void {
  const old = inode(state, proc.cwd);
  inode(state, ino).refs += 1;
  proc.cwd = ino;
  old.refs -= 1;
  releaseIfUnused(state, old);
}
