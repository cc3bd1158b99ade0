/**
 * The VFS request handler: `handleVfsRequest(state, source, request, ctx)` applies one decoded
 * request to the state and says what follows (a reply, blocked on a wait queue, or console I/O for the
 * kernel) plus effects. It is deterministic: it reads nothing but its arguments (the time is
 * `ctx.now`), mutates nothing but `state`, and a blocked outcome leaves `state` untouched so the same
 * request can simply be handled again when its queue is woken.
 */
import { ERRNO } from '../../protocol/errno.js';
import { encodeDirent, DT_CHR, DT_DIR, DT_FIFO, DT_REG, S_ISGID, S_ISUID } from '../../protocol/guest-abi.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import type { AnySpec, ReplyValue } from '../../protocol/service.js';
import {
  F,
  FD_CLOEXEC,
  ID_UNCHANGED,
  O,
  PATH_BYTES_MAX,
  PROC_NEW_CONSOLE,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  VFS_IO_MAX,
  VFS_SPECS,
  type VfsReply,
  type VfsRequest,
  type VfsRequestKind,
  type VfsRequestOf,
} from '../../protocol/vfs-protocol.js';
import {
  changeCwd,
  canRead,
  canWrite,
  closeFd,
  execProc,
  exitProc,
  fileOfFd,
  forkProc,
  installFd,
  lowestFreeFd,
  newProc,
  openDescription,
} from './fd-table.js';
import {
  createDir,
  createFile,
  createPipe,
  inode,
  isAncestor,
  isDotOrDotDot,
  linkEntry,
  lookupParent,
  MAY_EXEC,
  MAY_READ,
  MAY_WRITE,
  pathOf,
  permits,
  permitsEffective,
  releaseIfUnused,
  resolve,
  setFileSize,
  inodesFull,
  spaceLeft,
  statOf,
  stickyForbids,
  unlinkEntry,
  type SearchIds,
} from './ramfs.js';
import { forgetChunks } from './chunk-hashes.js';
import { SIGPIPE, type VfsEffect, type VfsOutcome, type VfsResult } from './vfs-result.js';
import { DEFAULT_UMASK, PIPE_CAPACITY, ROOT_INO, type Inode, type ProcFiles, type VfsState } from './vfs-state.js';

export interface VfsContext {
  /** Virtual time, nanoseconds since the epoch (boot epoch + icount-derived time). */
  readonly now: bigint;
}

type Body<K extends VfsRequestKind> = ReplyValue<(typeof VFS_SPECS)[K]>;

function reply<K extends VfsRequestKind>(kind: K, result: number, body?: Body<K>): VfsOutcome {
  const r = { kind, result, body: result < 0 ? null : (body ?? {}) } as unknown as VfsReply;
  return { kind: 'reply', reply: r };
}

/** `result` alone: >= 0 with an empty body, or -errno. */
function done(kind: VfsRequestKind, result: number): VfsOutcome {
  return reply(kind, result);
}

function effective(proc: ProcFiles): SearchIds {
  return { uid: proc.cred.euid, gid: proc.cred.egid };
}

const TRUSTED_SOURCES: ReadonlySet<number> = new Set([WELL_KNOWN_PID.KERNEL, WELL_KNOWN_PID.PROC]);

export function handleVfsRequest(state: VfsState, source: number, request: VfsRequest, ctx: VfsContext): VfsResult {
  const effects: VfsEffect[] = [];
  const outcome = dispatch(state, source, request, ctx, effects);
  if (outcome.kind === 'blocked' && effects.length > 0) throw new Error('vfs invariant: a blocked request produced effects');
  return { outcome, effects };
}

function dispatch(state: VfsState, source: number, req: VfsRequest, ctx: VfsContext, fx: VfsEffect[]): VfsOutcome {
  if ((VFS_SPECS[req.kind] as AnySpec).trusted === true) {
    if (!TRUSTED_SOURCES.has(source)) return done(req.kind, -ERRNO.EPERM);
    return procControl(state, req, fx);
  }
  const proc = state.procs.get(source);
  if (proc === undefined) return done(req.kind, -ERRNO.ESRCH);
  switch (req.kind) {
    case 'open':
      return done('open', open(state, proc, req, ctx));
    case 'close':
      return done('close', closeFd(state, proc, req.fd, fx));
    case 'read':
      return read(state, proc, req, ctx, fx);
    case 'write':
      return write(state, proc, req, ctx, fx);
    case 'lseek':
      return lseek(state, proc, req);
    case 'stat': {
      const ino = resolve(state, effective(proc), proc.cwd, req.path);
      return ino < 0 ? done('stat', ino) : reply('stat', 0, statOf(inode(state, ino)));
    }
    case 'fstat': {
      const file = fileOfFd(state, proc, req.fd);
      return typeof file === 'number' ? done('fstat', file) : reply('fstat', 0, statOf(inode(state, file.ino)));
    }
    case 'access':
      return done('access', access(state, proc, req.path, req.mode));
    case 'dup':
      return done('dup', dupTo(state, proc, req.fd, 0, false));
    case 'dup2':
      return done('dup2', dup2(state, proc, req.oldfd, req.newfd, fx));
    case 'pipe':
      return pipe(state, proc, req.flags, ctx);
    case 'ioctl': {
      const file = fileOfFd(state, proc, req.fd);
      if (typeof file === 'number') return done('ioctl', file);
      const node = inode(state, file.ino);
      if (node.kind !== 'chr' || node.device !== 'console') return done('ioctl', -ERRNO.ENOTTY);
      return { kind: 'console', op: { kind: 'console-ioctl', pid: proc.pid, fd: req.fd, request: req.request, arg: req.arg } };
    }
    case 'fcntl':
      return done('fcntl', fcntl(state, proc, req));
    case 'mkdir':
      return done('mkdir', mkdir(state, proc, req.path, req.mode, ctx));
    case 'rmdir':
      return done('rmdir', rmdir(state, proc, req.path, ctx));
    case 'chdir': {
      const ino = resolve(state, effective(proc), proc.cwd, req.path);
      if (ino < 0) return done('chdir', ino);
      const node = inode(state, ino);
      if (node.kind !== 'dir') return done('chdir', -ERRNO.ENOTDIR);
      if (!permitsEffective(proc.cred, node, MAY_EXEC)) return done('chdir', -ERRNO.EACCES);
      changeCwd(state, proc, ino);
      return done('chdir', 0);
    }
    case 'getcwd': {
      const path = pathOf(state, proc.cwd);
      if (typeof path === 'number') return done('getcwd', path);
      if (path.length > PATH_BYTES_MAX) return done('getcwd', -ERRNO.ENAMETOOLONG);
      if (path.length + 1 > req.size) return done('getcwd', -ERRNO.ERANGE);
      return reply('getcwd', path.length + 1, { path });
    }
    case 'link':
      return done('link', link(state, proc, req.oldPath, req.newPath, ctx));
    case 'unlink':
      return done('unlink', unlink(state, proc, req.path, ctx));
    case 'rename':
      return done('rename', rename(state, proc, req.oldPath, req.newPath, ctx));
    case 'chmod':
      return done('chmod', chmod(state, proc, req.path, req.mode, ctx));
    case 'chown':
      return done('chown', chown(state, proc, req.path, req.uid, req.gid, ctx));
    case 'getdents':
      return getdents(state, proc, req);
    case 'umask': {
      const old = proc.umask;
      proc.umask = req.mask & 0o777;
      return done('umask', old);
    }
    case 'procNew':
    case 'procFork':
    case 'procExec':
    case 'procExit':
    case 'procSetcred':
    case 'procCancel':
    case 'procOpenexec':
    case 'procReadino':
      throw new Error('unreachable: trusted requests are handled above');
    default: {
      const _exhaustive: never = req;
      return _exhaustive;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Process control (from the kernel or the Process Manager)

type ProcControlRequest = VfsRequestOf<
  'procNew' | 'procFork' | 'procExec' | 'procExit' | 'procSetcred' | 'procCancel' | 'procOpenexec' | 'procReadino'
>;

function procControl(state: VfsState, req: VfsRequest, fx: VfsEffect[]): VfsOutcome {
  const r = req as ProcControlRequest;
  switch (r.kind) {
    case 'procNew': {
      if (state.procs.has(r.pid)) return done(r.kind, -ERRNO.EEXIST);
      let consoleIno: number | undefined;
      if ((r.flags & PROC_NEW_CONSOLE) !== 0) {
        const ino = resolve(state, { uid: 0, gid: 0 }, ROOT_INO, '/dev/console');
        if (ino < 0) return done(r.kind, ino);
        consoleIno = ino;
      }
      const proc = newProc(state, r.pid, { uid: r.uid, euid: r.uid, gid: r.gid, egid: r.gid }, ROOT_INO, DEFAULT_UMASK);
      if (consoleIno !== undefined) {
        // One description for stdin, stdout and stderr, as init opening the console and dup'ing it.
        const file = openDescription(state, consoleIno, O.RDWR);
        for (let fd = 0; fd < 3; fd++) installFd(proc, fd, file, false);
      }
      return done(r.kind, 0);
    }
    case 'procFork': {
      const parent = state.procs.get(r.parent);
      if (parent === undefined) return done(r.kind, -ERRNO.ESRCH);
      if (state.procs.has(r.child)) return done(r.kind, -ERRNO.EEXIST);
      forkProc(state, parent, r.child);
      return done(r.kind, 0);
    }
    case 'procExec': {
      const proc = state.procs.get(r.pid);
      if (proc === undefined) return done(r.kind, -ERRNO.ESRCH);
      execProc(state, proc, fx);
      return done(r.kind, 0);
    }
    case 'procExit': {
      const proc = state.procs.get(r.pid);
      if (proc === undefined) return done(r.kind, -ERRNO.ESRCH);
      exitProc(state, proc, fx);
      return done(r.kind, 0);
    }
    case 'procSetcred': {
      const proc = state.procs.get(r.pid);
      if (proc === undefined) return done(r.kind, -ERRNO.ESRCH);
      proc.cred = { uid: r.uid, euid: r.euid, gid: r.gid, egid: r.egid };
      return done(r.kind, 0);
    }
    case 'procCancel':
      // Pending requests live in the runner (VfsServer), which answers this itself; the bare handler
      // has nothing pending to cancel.
      return done(r.kind, 0);
    case 'procOpenexec': {
      const proc = state.procs.get(r.pid);
      if (proc === undefined) return done(r.kind, -ERRNO.ESRCH);
      const ino = resolve(state, effective(proc), proc.cwd, r.path);
      if (ino < 0) return done(r.kind, ino);
      const node = inode(state, ino);
      if (node.kind !== 'file' || !permitsEffective(proc.cred, node, MAY_EXEC)) return done(r.kind, -ERRNO.EACCES);
      return reply(r.kind, 0, { ino, size: node.size, mode: node.mode, uid: node.uid, gid: node.gid });
    }
    case 'procReadino': {
      const node = state.inodes.get(r.ino);
      if (node === undefined) return done(r.kind, -ERRNO.ENOENT);
      if (node.kind !== 'file') return done(r.kind, -ERRNO.EINVAL);
      const start = Math.min(r.offset, node.size);
      const end = Math.min(node.size, start + Math.min(r.count, VFS_IO_MAX));
      return reply(r.kind, end - start, { data: node.data.slice(start, end) });
    }
    default: {
      const _exhaustive: never = r;
      return _exhaustive;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Files

function open(state: VfsState, proc: ProcFiles, req: VfsRequestOf<'open'>, ctx: VfsContext): number {
  const acc = req.flags & O.ACCMODE;
  if (acc === O.ACCMODE) return -ERRNO.EINVAL;
  // Creating a directory through open is not a thing (Linux refuses the pair too).
  if ((req.flags & (O.CREAT | O.DIRECTORY)) === (O.CREAT | O.DIRECTORY)) return -ERRNO.EINVAL;
  const fd = lowestFreeFd(proc);
  if (fd < 0) return fd;
  const lk = lookupParent(state, effective(proc), proc.cwd, req.path);
  if (typeof lk === 'number') return lk;
  let node: Inode;
  if (lk.ino === undefined) {
    if ((req.flags & O.CREAT) === 0) return -ERRNO.ENOENT;
    if (lk.trailingSlash) return -ERRNO.EISDIR;
    if (lk.dir.nlink === 0) return -ERRNO.ENOENT;
    if (!permitsEffective(proc.cred, lk.dir, MAY_WRITE | MAY_EXEC)) return -ERRNO.EACCES;
    if (inodesFull(state)) return -ERRNO.ENOSPC;
    const gid = (lk.dir.mode & S_ISGID) !== 0 ? lk.dir.gid : proc.cred.egid;
    node = createFile(state, lk.dir, lk.name, { mode: req.mode & 0o7777 & ~proc.umask, uid: proc.cred.euid, gid, now: ctx.now });
  } else {
    if ((req.flags & (O.CREAT | O.EXCL)) === (O.CREAT | O.EXCL)) return -ERRNO.EEXIST;
    node = inode(state, lk.ino);
    if (lk.trailingSlash && node.kind !== 'dir') return -ERRNO.ENOTDIR;
    if (node.kind === 'dir' && ((req.flags & O.CREAT) !== 0 || acc !== O.RDONLY)) return -ERRNO.EISDIR;
    if ((req.flags & O.DIRECTORY) !== 0 && node.kind !== 'dir') return -ERRNO.ENOTDIR;
    const want = (acc !== O.WRONLY ? MAY_READ : 0) | (acc !== O.RDONLY ? MAY_WRITE : 0);
    if (!permitsEffective(proc.cred, node, want)) return -ERRNO.EACCES;
    if (node.kind === 'file' && (req.flags & O.TRUNC) !== 0 && acc !== O.RDONLY && node.size > 0) {
      setFileSize(state, node, 0);
      node.mtime = ctx.now;
      node.ctime = ctx.now;
    }
  }
  installFd(proc, fd, openDescription(state, node.ino, req.flags), (req.flags & O.CLOEXEC) !== 0);
  return fd;
}

function read(state: VfsState, proc: ProcFiles, req: VfsRequestOf<'read'>, ctx: VfsContext, fx: VfsEffect[]): VfsOutcome {
  const file = fileOfFd(state, proc, req.fd);
  if (typeof file === 'number') return done('read', file);
  if (!canRead(file)) return done('read', -ERRNO.EBADF);
  const count = Math.min(req.count, VFS_IO_MAX);
  const node = inode(state, file.ino);
  switch (node.kind) {
    case 'dir':
      return done('read', -ERRNO.EISDIR);
    case 'file': {
      const start = Math.min(file.offset, node.size);
      const end = Math.min(node.size, start + count);
      file.offset = Math.max(file.offset, end);
      if (count > 0) node.atime = ctx.now;
      return reply('read', end - start, { data: node.data.slice(start, end) });
    }
    case 'fifo': {
      if (count === 0) return reply('read', 0, { data: new Uint8Array(0) });
      if (node.buffer.length === 0) {
        if (node.writers === 0) return reply('read', 0, { data: new Uint8Array(0) });
        if ((file.flags & O.NONBLOCK) !== 0) return done('read', -ERRNO.EAGAIN);
        return { kind: 'blocked', queue: { kind: 'pipe-readable', pipe: node.ino } };
      }
      const n = Math.min(count, node.buffer.length);
      const data = node.buffer.slice(0, n);
      node.buffer = node.buffer.slice(n);
      node.atime = ctx.now;
      fx.push({ kind: 'wake', queue: { kind: 'pipe-writable', pipe: node.ino } });
      return reply('read', n, { data });
    }
    case 'chr':
      if (node.device === 'null') return reply('read', 0, { data: new Uint8Array(0) });
      return {
        kind: 'console',
        op: { kind: 'console-read', pid: proc.pid, fd: req.fd, count, nonblocking: (file.flags & O.NONBLOCK) !== 0 },
      };
    default: {
      const _exhaustive: never = node;
      return _exhaustive;
    }
  }
}

function write(state: VfsState, proc: ProcFiles, req: VfsRequestOf<'write'>, ctx: VfsContext, fx: VfsEffect[]): VfsOutcome {
  const file = fileOfFd(state, proc, req.fd);
  if (typeof file === 'number') return done('write', file);
  if (!canWrite(file)) return done('write', -ERRNO.EBADF);
  const n = req.data.length;
  const node = inode(state, file.ino);
  switch (node.kind) {
    case 'dir':
      return done('write', -ERRNO.EISDIR);
    case 'file': {
      if (n === 0) return done('write', 0);
      const start = (file.flags & O.APPEND) !== 0 ? node.size : file.offset;
      // A full file system takes what fits (a short write), as Linux; ENOSPC when nothing does.
      const end = Math.min(start + n, node.size + spaceLeft(state));
      if (end <= start) return done('write', -ERRNO.ENOSPC);
      if (end > node.size) {
        const r = setFileSize(state, node, end);
        if (r < 0) return done('write', r);
      }
      forgetChunks(node, start, end);
      node.data.set(req.data.subarray(0, end - start), start);
      file.offset = end;
      node.mtime = ctx.now;
      node.ctime = ctx.now;
      return done('write', end - start);
    }
    case 'fifo': {
      if (node.readers === 0) {
        fx.push({ kind: 'signal', pid: proc.pid, signo: SIGPIPE });
        return done('write', -ERRNO.EPIPE);
      }
      if (n === 0) return done('write', 0);
      // n <= VFS_IO_MAX <= PIPE_CAPACITY (= PIPE_BUF): the write is atomic, all or nothing.
      if (node.buffer.length + n > PIPE_CAPACITY) {
        if ((file.flags & O.NONBLOCK) !== 0) return done('write', -ERRNO.EAGAIN);
        return { kind: 'blocked', queue: { kind: 'pipe-writable', pipe: node.ino } };
      }
      const grown = new Uint8Array(node.buffer.length + n);
      grown.set(node.buffer);
      grown.set(req.data, node.buffer.length);
      node.buffer = grown;
      node.mtime = ctx.now;
      node.ctime = ctx.now;
      fx.push({ kind: 'wake', queue: { kind: 'pipe-readable', pipe: node.ino } });
      return done('write', n);
    }
    case 'chr':
      if (node.device === 'null') return done('write', n);
      return {
        kind: 'console',
        op: { kind: 'console-write', pid: proc.pid, fd: req.fd, data: req.data, nonblocking: (file.flags & O.NONBLOCK) !== 0 },
      };
    default: {
      const _exhaustive: never = node;
      return _exhaustive;
    }
  }
}

function lseek(state: VfsState, proc: ProcFiles, req: VfsRequestOf<'lseek'>): VfsOutcome {
  const file = fileOfFd(state, proc, req.fd);
  if (typeof file === 'number') return done('lseek', file);
  const node = inode(state, file.ino);
  if (node.kind === 'fifo' || node.kind === 'chr') return done('lseek', -ERRNO.ESPIPE);
  let base: number;
  if (req.whence === SEEK_SET) base = 0;
  else if (req.whence === SEEK_CUR) base = file.offset;
  else if (req.whence === SEEK_END && node.kind === 'file') base = node.size;
  else return done('lseek', -ERRNO.EINVAL);
  const offset = base + req.offset;
  if (offset < 0 || !Number.isSafeInteger(offset)) return done('lseek', -ERRNO.EINVAL);
  if (node.kind === 'dir') {
    // A listing position is a name, not a number: only rewinding (and asking where we are) is possible.
    if (offset !== 0 && offset !== file.offset) return done('lseek', -ERRNO.EINVAL);
    if (offset === 0) file.dirAfter = '';
  }
  file.offset = offset;
  return reply('lseek', 0, { offset });
}

function access(state: VfsState, proc: ProcFiles, path: string, mode: number): number {
  if ((mode & ~7) !== 0) return -ERRNO.EINVAL;
  // access(2) answers for the real ids, both for the search and for the final check.
  const ids = { uid: proc.cred.uid, gid: proc.cred.gid };
  const ino = resolve(state, ids, proc.cwd, path);
  if (ino < 0) return ino;
  if (mode === 0) return 0;
  return permits(ids.uid, ids.gid, inode(state, ino), mode) ? 0 : -ERRNO.EACCES;
}

function dupTo(state: VfsState, proc: ProcFiles, fd: number, from: number, cloexec: boolean): number {
  const file = fileOfFd(state, proc, fd);
  if (typeof file === 'number') return file;
  const newFd = lowestFreeFd(proc, from);
  if (newFd < 0) return newFd;
  installFd(proc, newFd, file, cloexec);
  return newFd;
}

function dup2(state: VfsState, proc: ProcFiles, oldfd: number, newfd: number, fx: VfsEffect[]): number {
  const file = fileOfFd(state, proc, oldfd);
  if (typeof file === 'number') return file;
  if (newfd < 0 || newfd >= proc.fds.length) return -ERRNO.EBADF;
  if (newfd === oldfd) return newfd;
  if (proc.fds[newfd] !== null) closeFd(state, proc, newfd, fx);
  installFd(proc, newfd, file, false);
  return newfd;
}

function fcntl(state: VfsState, proc: ProcFiles, req: VfsRequestOf<'fcntl'>): number {
  const file = fileOfFd(state, proc, req.fd);
  if (typeof file === 'number') return file;
  const slot = proc.fds[req.fd]!;
  switch (req.cmd) {
    case F.DUPFD:
    case F.DUPFD_CLOEXEC:
      if (req.arg < 0 || req.arg >= proc.fds.length) return -ERRNO.EINVAL;
      return dupTo(state, proc, req.fd, req.arg, req.cmd === F.DUPFD_CLOEXEC);
    case F.GETFD:
      return slot.cloexec ? FD_CLOEXEC : 0;
    case F.SETFD:
      slot.cloexec = (req.arg & FD_CLOEXEC) !== 0;
      return 0;
    case F.GETFL:
      return file.flags;
    case F.SETFL: {
      // Only the status flags change; the access mode and creation flags are ignored, as Linux.
      const changeable = O.APPEND | O.NONBLOCK;
      file.flags = (file.flags & ~changeable) | (req.arg & changeable);
      return 0;
    }
    default:
      return -ERRNO.EINVAL;
  }
}

function pipe(state: VfsState, proc: ProcFiles, flags: number, ctx: VfsContext): VfsOutcome {
  if ((flags & ~(O.CLOEXEC | O.NONBLOCK)) !== 0) return done('pipe', -ERRNO.EINVAL);
  const readFd = lowestFreeFd(proc);
  if (readFd < 0) return done('pipe', readFd);
  const writeFd = lowestFreeFd(proc, readFd + 1);
  if (writeFd < 0) return done('pipe', writeFd);
  const node = createPipe(state, { mode: 0o600, uid: proc.cred.euid, gid: proc.cred.egid, now: ctx.now });
  const cloexec = (flags & O.CLOEXEC) !== 0;
  const status = flags & O.NONBLOCK;
  installFd(proc, readFd, openDescription(state, node.ino, O.RDONLY | status), cloexec);
  installFd(proc, writeFd, openDescription(state, node.ino, O.WRONLY | status), cloexec);
  return reply('pipe', 0, { readFd, writeFd });
}

function getdents(state: VfsState, proc: ProcFiles, req: VfsRequestOf<'getdents'>): VfsOutcome {
  const file = fileOfFd(state, proc, req.fd);
  if (typeof file === 'number') return done('getdents', file);
  const node = inode(state, file.ino);
  if (node.kind !== 'dir') return done('getdents', -ERRNO.ENOTDIR);
  const empty = { data: new Uint8Array(0) };
  if (node.nlink === 0) return reply('getdents', 0, empty);
  // `.` and `..` first (offsets 0 and 1), then the names in sorted (byte) order after the last one
  // returned: entries added or removed meanwhile never make the others skip or repeat.
  const pending: [string, number][] = [];
  if (file.offset === 0) pending.push(['.', node.ino]);
  if (file.offset <= 1) pending.push(['..', node.parent]);
  const names = [...node.entries.keys()].filter((n) => n > file.dirAfter).sort();
  const limit = Math.min(req.count, VFS_IO_MAX);
  const records: Uint8Array[] = [];
  let used = 0;
  let offset = file.offset;
  let after = file.dirAfter;
  const take = (name: string, ino: number): boolean => {
    const rec = encodeDirent({ ino, type: direntType(inode(state, ino)), name });
    if (used + rec.length > limit) return false;
    records.push(rec);
    used += rec.length;
    offset += 1;
    return true;
  };
  let more = false;
  for (const [name, ino] of pending) {
    if (!take(name, ino)) {
      more = true;
      break;
    }
  }
  if (!more) {
    for (const name of names) {
      if (!take(name, node.entries.get(name)!)) {
        more = true;
        break;
      }
      after = name;
    }
  }
  if (records.length === 0 && more) return done('getdents', -ERRNO.EINVAL);
  file.offset = offset;
  file.dirAfter = after;
  const data = new Uint8Array(used);
  let pos = 0;
  for (const rec of records) {
    data.set(rec, pos);
    pos += rec.length;
  }
  return reply('getdents', used, { data });
}

function direntType(node: Inode): number {
  switch (node.kind) {
    case 'dir':
      return DT_DIR;
    case 'file':
      return DT_REG;
    case 'fifo':
      return DT_FIFO;
    case 'chr':
      return DT_CHR;
    default: {
      const _exhaustive: never = node;
      return _exhaustive;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Names

function mkdir(state: VfsState, proc: ProcFiles, path: string, mode: number, ctx: VfsContext): number {
  const lk = lookupParent(state, effective(proc), proc.cwd, path);
  if (typeof lk === 'number') return lk;
  if (lk.ino !== undefined) return -ERRNO.EEXIST;
  if (lk.dir.nlink === 0) return -ERRNO.ENOENT;
  if (!permitsEffective(proc.cred, lk.dir, MAY_WRITE | MAY_EXEC)) return -ERRNO.EACCES;
  const inheritGid = (lk.dir.mode & S_ISGID) !== 0;
  const bits = (mode & 0o1777 & ~proc.umask) | (inheritGid ? S_ISGID : 0);
  if (inodesFull(state)) return -ERRNO.ENOSPC;
  createDir(state, lk.dir, lk.name, { mode: bits, uid: proc.cred.euid, gid: inheritGid ? lk.dir.gid : proc.cred.egid, now: ctx.now });
  return 0;
}

function rmdir(state: VfsState, proc: ProcFiles, path: string, ctx: VfsContext): number {
  const lk = lookupParent(state, effective(proc), proc.cwd, path);
  if (typeof lk === 'number') return lk;
  if (lk.name === '.') return lk.ino === ROOT_INO ? -ERRNO.EBUSY : -ERRNO.EINVAL;
  if (lk.name === '..') return -ERRNO.ENOTEMPTY;
  if (lk.ino === undefined) return -ERRNO.ENOENT;
  const node = inode(state, lk.ino);
  if (node.kind !== 'dir') return -ERRNO.ENOTDIR;
  if (!permitsEffective(proc.cred, lk.dir, MAY_WRITE | MAY_EXEC)) return -ERRNO.EACCES;
  if (stickyForbids(proc.cred, lk.dir, node)) return -ERRNO.EPERM;
  if (node.entries.size > 0) return -ERRNO.ENOTEMPTY;
  unlinkEntry(lk.dir, lk.name, ctx.now);
  lk.dir.nlink -= 1;
  node.nlink = 0;
  node.ctime = ctx.now;
  releaseIfUnused(state, node);
  return 0;
}

function unlink(state: VfsState, proc: ProcFiles, path: string, ctx: VfsContext): number {
  const lk = lookupParent(state, effective(proc), proc.cwd, path);
  if (typeof lk === 'number') return lk;
  if (lk.ino === undefined) return -ERRNO.ENOENT;
  const node = inode(state, lk.ino);
  if (!permitsEffective(proc.cred, lk.dir, MAY_WRITE | MAY_EXEC)) return -ERRNO.EACCES;
  if (stickyForbids(proc.cred, lk.dir, node)) return -ERRNO.EPERM;
  if (node.kind === 'dir') return -ERRNO.EISDIR;
  if (lk.trailingSlash) return -ERRNO.ENOTDIR;
  unlinkEntry(lk.dir, lk.name, ctx.now);
  node.nlink -= 1;
  node.ctime = ctx.now;
  releaseIfUnused(state, node);
  return 0;
}

function link(state: VfsState, proc: ProcFiles, oldPath: string, newPath: string, ctx: VfsContext): number {
  const ino = resolve(state, effective(proc), proc.cwd, oldPath);
  if (ino < 0) return ino;
  const node = inode(state, ino);
  if (node.kind === 'dir') return -ERRNO.EPERM;
  const lk = lookupParent(state, effective(proc), proc.cwd, newPath);
  if (typeof lk === 'number') return lk;
  if (lk.ino !== undefined) return -ERRNO.EEXIST;
  if (lk.trailingSlash) return -ERRNO.ENOENT;
  if (lk.dir.nlink === 0) return -ERRNO.ENOENT;
  if (!permitsEffective(proc.cred, lk.dir, MAY_WRITE | MAY_EXEC)) return -ERRNO.EACCES;
  linkEntry(lk.dir, lk.name, ino, ctx.now);
  node.nlink += 1;
  node.ctime = ctx.now;
  return 0;
}

function rename(state: VfsState, proc: ProcFiles, oldPath: string, newPath: string, ctx: VfsContext): number {
  const from = lookupParent(state, effective(proc), proc.cwd, oldPath);
  if (typeof from === 'number') return from;
  const to = lookupParent(state, effective(proc), proc.cwd, newPath);
  if (typeof to === 'number') return to;
  if (from.ino === undefined) return -ERRNO.ENOENT;
  if (isDotOrDotDot(from.name) || isDotOrDotDot(to.name)) return -ERRNO.EBUSY;
  const src = inode(state, from.ino);
  const cred = proc.cred;
  if (!permitsEffective(cred, from.dir, MAY_WRITE | MAY_EXEC) || !permitsEffective(cred, to.dir, MAY_WRITE | MAY_EXEC)) {
    return -ERRNO.EACCES;
  }
  if (stickyForbids(cred, from.dir, src)) return -ERRNO.EPERM;
  const target = to.ino === undefined ? undefined : inode(state, to.ino);
  if (target !== undefined && stickyForbids(cred, to.dir, target)) return -ERRNO.EPERM;
  if (src.kind !== 'dir' && (from.trailingSlash || to.trailingSlash)) return -ERRNO.ENOTDIR;
  // Two names of the same file: POSIX says do nothing.
  if (target !== undefined && target.ino === src.ino) return 0;
  if (src.kind === 'dir') {
    if (target !== undefined) {
      if (target.kind !== 'dir') return -ERRNO.ENOTDIR;
      if (target.entries.size > 0) return -ERRNO.ENOTEMPTY;
    }
    // A directory cannot move into its own subtree.
    if (isAncestor(state, src.ino, to.dir.ino)) return -ERRNO.EINVAL;
    // Moving a directory rewrites its `..`, which needs write permission on it.
    if (from.dir.ino !== to.dir.ino && !permitsEffective(cred, src, MAY_WRITE)) return -ERRNO.EACCES;
  } else if (target !== undefined && target.kind === 'dir') {
    return -ERRNO.EISDIR;
  }
  if (to.dir.nlink === 0) return -ERRNO.ENOENT;

  if (target !== undefined) {
    unlinkEntry(to.dir, to.name, ctx.now);
    if (target.kind === 'dir') {
      target.nlink = 0;
      to.dir.nlink -= 1;
    } else {
      target.nlink -= 1;
    }
    target.ctime = ctx.now;
    releaseIfUnused(state, target);
  }
  unlinkEntry(from.dir, from.name, ctx.now);
  linkEntry(to.dir, to.name, src.ino, ctx.now);
  if (src.kind === 'dir' && from.dir.ino !== to.dir.ino) {
    from.dir.nlink -= 1;
    to.dir.nlink += 1;
    src.parent = to.dir.ino;
  }
  src.ctime = ctx.now;
  return 0;
}

function chmod(state: VfsState, proc: ProcFiles, path: string, mode: number, ctx: VfsContext): number {
  const ino = resolve(state, effective(proc), proc.cwd, path);
  if (ino < 0) return ino;
  const node = inode(state, ino);
  const { euid, egid } = proc.cred;
  if (euid !== 0 && euid !== node.uid) return -ERRNO.EPERM;
  let bits = mode & 0o7777;
  // A non-root owner outside the file's group cannot make it set-group-ID.
  if (euid !== 0 && node.kind !== 'dir' && node.gid !== egid) bits &= ~S_ISGID;
  node.mode = bits;
  node.ctime = ctx.now;
  return 0;
}

function chown(state: VfsState, proc: ProcFiles, path: string, uid: number, gid: number, ctx: VfsContext): number {
  const ino = resolve(state, effective(proc), proc.cwd, path);
  if (ino < 0) return ino;
  const node = inode(state, ino);
  const { euid, egid } = proc.cred;
  const newUid = uid === ID_UNCHANGED ? node.uid : uid;
  const newGid = gid === ID_UNCHANGED ? node.gid : gid;
  if (uid === ID_UNCHANGED && gid === ID_UNCHANGED) return 0;
  if (euid !== 0) {
    // Only root gives files away; an owner may only change the group to its own.
    if (newUid !== node.uid || euid !== node.uid) return -ERRNO.EPERM;
    if (newGid !== node.gid && newGid !== egid) return -ERRNO.EPERM;
  }
  node.uid = newUid;
  node.gid = newGid;
  if (node.kind === 'file') node.mode &= ~(S_ISUID | S_ISGID);
  node.ctime = ctx.now;
  return 0;
}
