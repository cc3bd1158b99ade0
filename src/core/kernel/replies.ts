/**
 * Completing a delegated call from the server's reply: the reply is decoded with the server's typed
 * protocol, and the reply's kind says what its body holds (a read's data, a stat, an address...),
 * which the kernel copies into the caller's memory before it finishes the call. A reply that does
 * not decode is EIO.
 *
 * The result buffers were checked before the call was delegated (the syscall table's result
 * buffers); only a change of the process's own mappings, which it cannot make while blocked in the
 * call, could make these writes fail.
 */
import { ERRNO } from '../../protocol/errno.js';
import { STAT } from '../../protocol/guest-abi.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MM_PROTOCOL, SHMID_DS, type MmReply } from '../../protocol/mm-protocol.js';
import { PROC_PROTOCOL, PS_ENTRY, type ProcReply } from '../../protocol/proc-protocol.js';
import { VFS_PROTOCOL, type VfsReply } from '../../protocol/vfs-protocol.js';
import type { ReplyWait } from './delegated-calls.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';

const { VFS, PROC } = WELL_KNOWN_PID;

/** shmctl's IPC_STAT: the one command that writes a struct shmid_ds. */
const IPC_STAT = 2;

export class Replies {
  constructor(private readonly k: Kernel) {}

  /** The server's reply to p's delegated call has arrived: copy results out and finish. */
  complete(p: Process, w: ReplyWait, payload: Uint8Array): void {
    if (w.server === VFS) {
      const r = VFS_PROTOCOL.decodeReply(payload);
      if (!r.ok) this.k.finish(p, w.nr, -ERRNO.EIO);
      else this.vfs(p, w, r.value);
    } else if (w.server === PROC) {
      const r = PROC_PROTOCOL.decodeReply(payload);
      if (!r.ok) this.k.finish(p, w.nr, -ERRNO.EIO);
      else this.pm(p, w, r.value);
    } else {
      const r = MM_PROTOCOL.decodeReply(payload);
      if (!r.ok) this.k.finish(p, w.nr, -ERRNO.EIO);
      else this.mm(p, w, r.value);
    }
  }

  private vfs(p: Process, w: ReplyWait, r: VfsReply): void {
    // An error has no body: the call fails with it (a write that got somewhere returns what it wrote).
    if (r.result < 0 || r.body === null) {
      this.k.calls.fail(p, w, -r.result);
      return;
    }
    const { nr } = w;
    const u = argOf(w);
    switch (r.kind) {
      case 'read': case 'getdents': {
        const data = r.body.data;
        this.k.finish(p, nr, p.mem.writeUser(u(1), data) ? data.length : -ERRNO.EFAULT);
        return;
      }
      case 'write': {
        const done = w.done + r.result;
        if (r.result > 0 && done < u(2)) {
          // The next chunk may be unreadable: then the call ends with what was written (as Linux).
          const next = this.k.calls.writeChunk(p, w.args, done);
          if (typeof next === 'number') this.k.finish(p, nr, next);
          return;
        }
        this.k.finish(p, nr, done);
        return;
      }
      case 'stat': case 'fstat':
        this.k.finish(p, nr, p.mem.writeUser(u(1), STAT.encode(r.body)) ? 0 : -ERRNO.EFAULT);
        return;
      case 'pipe': {
        const b = new Uint8Array(8);
        const v = new DataView(b.buffer);
        v.setInt32(0, r.body.readFd, true);
        v.setInt32(4, r.body.writeFd, true);
        this.k.finish(p, nr, p.mem.writeUser(u(0), b) ? 0 : -ERRNO.EFAULT);
        return;
      }
      case 'lseek': {
        const off = r.body.offset;
        this.k.finish(p, nr, off > 0x7fffffff ? -ERRNO.EOVERFLOW : off);
        return;
      }
      case 'getcwd': {
        const path = new TextEncoder().encode(`${r.body.path}\0`);
        this.k.finish(p, nr, p.mem.writeUser(u(0), path) ? path.length : -ERRNO.EFAULT);
        return;
      }
      default:
        this.k.finish(p, nr, r.result);
    }
  }

  private pm(p: Process, w: ReplyWait, r: ProcReply): void {
    // An error has no body: the call fails with it (a write that got somewhere returns what it wrote).
    if (r.result < 0 || r.body === null) {
      this.k.calls.fail(p, w, -r.result);
      return;
    }
    const { nr } = w;
    const u = argOf(w);
    switch (r.kind) {
      case 'wait4': {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, r.body.status, true);
        this.k.finish(p, nr, r.result > 0 && !optionalOut(p, u(1), b) ? -ERRNO.EFAULT : r.result);
        return;
      }
      case 'signal': this.k.finish(p, nr, r.body.oldHandler); return;
      case 'sigaction': {
        const b = new Uint8Array(16);
        const v = new DataView(b.buffer);
        v.setUint32(0, r.body.handler, true);
        v.setUint32(4, r.body.flags, true);
        v.setUint32(8, r.body.restorer, true);
        v.setUint32(12, r.body.mask, true);
        this.k.finish(p, nr, optionalOut(p, u(2), b) ? 0 : -ERRNO.EFAULT);
        return;
      }
      case 'sigprocmask': {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, r.body.oldMask, true);
        this.k.finish(p, nr, optionalOut(p, u(2), b) ? 0 : -ERRNO.EFAULT);
        return;
      }
      case 'sigreturn': this.k.signals.resumeAfterSigreturn(p); return;
      case 'psList': {
        const entries = r.body.entries;
        const max = Math.min(entries.length, u(1));
        const bytes = new Uint8Array(max * PS_ENTRY.fixedSize);
        entries.slice(0, max).forEach((e, i) => bytes.set(PS_ENTRY.encode(e), i * PS_ENTRY.fixedSize));
        this.k.finish(p, nr, p.mem.writeUser(u(0), bytes) ? entries.length : -ERRNO.EFAULT);
        return;
      }
      default:
        this.k.finish(p, nr, r.result);
    }
  }

  private mm(p: Process, w: ReplyWait, r: MmReply): void {
    // An error has no body: the call fails with it (a write that got somewhere returns what it wrote).
    if (r.result < 0 || r.body === null) {
      this.k.calls.fail(p, w, -r.result);
      return;
    }
    const { nr } = w;
    const u = argOf(w);
    switch (r.kind) {
      case 'brk': case 'mmap': case 'shmat':
        this.k.finish(p, nr, r.body.addr | 0);
        return;
      case 'shmctl':
        this.k.finish(p, nr, u(1) === IPC_STAT && !p.mem.writeUser(u(2), SHMID_DS.encode(r.body)) ? -ERRNO.EFAULT : r.result);
        return;
      default:
        this.k.finish(p, nr, r.result);
    }
  }
}

/** Argument i of the call as issued, as an unsigned number. */
function argOf(w: ReplyWait): (i: number) => number {
  return (i) => (w.args[i] ?? 0) >>> 0;
}

/** For a pointer the ABI lets be NULL (wait4's status, the old action or mask). */
function optionalOut(p: Process, ptr: number, bytes: Uint8Array): boolean {
  return ptr === 0 || p.mem.writeUser(ptr, bytes);
}
