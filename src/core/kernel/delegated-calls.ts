/**
 * Calls the kernel delegates: a process's request goes to the VFS, the Process Manager or the
 * Memory Manager with the process as m_source, and the process blocks until the reply (replies.ts
 * completes the call from it) or until the request fails on the way (denied, rejected, the server
 * down or crashed), when it gets the error instead.
 */
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MM_PROTOCOL, type MmRequest } from '../../protocol/mm-protocol.js';
import { PROC_PROTOCOL, type ProcRequest } from '../../protocol/proc-protocol.js';
import { bytesToString } from '../../protocol/struct-codec.js';
import { PATH_BYTES_MAX, VFS_IO_MAX, VFS_PROTOCOL, type VfsRequest } from '../../protocol/vfs-protocol.js';
import { SYSCALLS } from '../syscall-numbers.js';
import type { Kernel, SyscallOutcome } from './kernel.js';
import type { Process, Wait } from './process.js';

const { VFS, PROC, MM } = WELL_KNOWN_PID;

export type ReplyWait = Extract<Wait, { kind: 'reply' }>;

export class DelegatedCalls {
  constructor(private readonly k: Kernel) {}

  /** Send a request for p to a server; p blocks until the reply. */
  send(p: Process, server: number, m_type: number, payload: Uint8Array, nr: number, args: readonly number[], done = 0): 'blocked' {
    const wait: ReplyWait = { kind: 'reply', server, nr, args, done };
    this.k.sched.block(p, wait);
    const status = this.k.router.deliver(server, { m_source: p.pid, m_type, payload });
    // A crash already failed every caller of the server; the other failures are this caller's alone.
    if (status !== 'ok' && status !== 'crashed' && p.wait === wait) {
      this.fail(p, wait, status === 'denied' ? ERRNO.EPERM : status === 'rejected' ? ERRNO.EBADMSG : ERRNO.EIO);
    }
    return 'blocked';
  }

  vfs(p: Process, req: VfsRequest, nr: number, args: readonly number[], done = 0): 'blocked' {
    const { m_type, payload } = VFS_PROTOCOL.encodeRequest(req);
    return this.send(p, VFS, m_type, payload, nr, args, done);
  }

  pm(p: Process, req: ProcRequest, nr: number, args: readonly number[]): 'blocked' {
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest(req);
    return this.send(p, PROC, m_type, payload, nr, args);
  }

  mm(p: Process, req: MmRequest, nr: number, args: readonly number[]): 'blocked' {
    const { m_type, payload } = MM_PROTOCOL.encodeRequest(req);
    return this.send(p, MM, m_type, payload, nr, args);
  }

  /** p's delegated call fails with -errno (as if the server had answered so). */
  fail(p: Process, w: ReplyWait, errno: number): void {
    if (w.nr === SYSCALLS.write && w.done > 0) this.k.sched.finish(p, w.nr, w.done);
    else if (w.nr === SYSCALLS.sigreturn) this.k.signals.resumeAfterSigreturn(p);
    else this.k.sched.finish(p, w.nr, -errno);
  }

  /** write(2) in chunks of VFS_IO_MAX: the call completes when every chunk is written. */
  writeChunk(p: Process, a: readonly number[], done: number): SyscallOutcome {
    const total = (a[2] ?? 0) >>> 0;
    const n = Math.min(total - done, VFS_IO_MAX);
    const data = n > 0 ? p.mem.readUser((((a[1] ?? 0) >>> 0) + done) >>> 0, n) : new Uint8Array(0);
    if (!data) return done > 0 ? done : -ERRNO.EFAULT;
    return this.vfs(p, { kind: 'write', fd: a[0] ?? 0, data }, SYSCALLS.write, a, done);
  }
}

/** Longest path with its NUL (Linux PATH_MAX). */
const PATH_MAX = 4096;

/**
 * Copy a NUL-terminated path from user memory (EFAULT / ENAMETOOLONG as values). As Linux's
 * strncpy_from_user: a string that runs into an unreadable byte before its NUL is EFAULT; only
 * PATH_MAX readable bytes without a NUL are ENAMETOOLONG.
 */
export function readPath(p: Process, ptr: number): string | number {
  const s = p.mem.readCString(ptr >>> 0, PATH_MAX);
  // A path is bytes: one char a byte (as the protocol carries it), not UTF-8, which would turn
  // a byte above 0x7f into a char the VFS messages cannot hold.
  // The VFS takes paths of at most PATH_BYTES_MAX bytes: a longer one, though Linux would take
  // it, is too long for this machine (a message cannot carry it).
  if (s) return s.length > PATH_BYTES_MAX ? -ERRNO.ENAMETOOLONG : bytesToString(s);
  return p.mem.readUser(ptr >>> 0, PATH_MAX) ? -ERRNO.ENAMETOOLONG : -ERRNO.EFAULT;
}
