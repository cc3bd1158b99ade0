/**
 * Lattice IPC as the guest uses it directly: lattice_connect / lattice_send / lattice_recv /
 * lattice_close. A message to a server is delivered like a delegated request, but its reply comes
 * back as a message for lattice_recv; a message to a process waits in its mailbox.
 */
import { ERRNO } from '../../protocol/errno.js';
import type { Message } from '../../protocol/message-types.js';
import { SYSCALLS } from '../syscall-numbers.js';
import { errorReply, replyTypeOf } from './ipc-router.js';
import type { Kernel, SyscallOutcome } from './kernel.js';
import type { Process } from './process.js';

/** Messages a process's mailbox holds at most (lattice_send beyond it is EAGAIN). */
export const MAILBOX_MAX = 64;

/** Header of a message as lattice_recv writes it: m_source, m_type, payload length. */
const LATTICE_HEADER = 12;
const LATTICE_NONBLOCK = 1;
const PAYLOAD_MAX = 4096;

export class LatticeCalls {
  constructor(private readonly k: Kernel) {}

  connect(p: Process, dst: number): SyscallOutcome {
    const k = this.k;
    if (k.servers.has(dst)) return k.supervisor.statusOf(dst) === 'down' ? -ERRNO.EIO : 0; // the kernel's channel serves it
    if (!k.procs.has(dst) || dst === p.pid) return k.procs.has(dst) ? -ERRNO.EINVAL : -ERRNO.ESRCH;
    if (k.link.encrypted && k.link.connect(p.pid, dst)) k.router.channelUp(p.pid, dst);
    return 0;
  }

  close(dst: number): SyscallOutcome {
    return this.k.servers.has(dst) || this.k.procs.has(dst) ? 0 : -ERRNO.ESRCH;
  }

  /** lattice_send(dst, m_type, buf, len). */
  send(p: Process, dst: number, mType: number, bufPtr: number, len: number): SyscallOutcome {
    const k = this.k;
    if (len > PAYLOAD_MAX) return -ERRNO.EINVAL;
    const payload = len === 0 ? new Uint8Array(0) : p.mem.readUser(bufPtr, len);
    if (!payload) return -ERRNO.EFAULT;
    const m: Message = { m_source: p.pid, m_type: mType & 0xffff, payload };
    // Messages wait in mailboxes (and in every snapshot) until received: a process that never
    // receives cannot make the machine hold an unbounded number, whether the sender floods
    // another process or asks a server again and again without reading its replies.
    if (k.servers.has(dst)) {
      if (p.mailbox.length >= MAILBOX_MAX) return -ERRNO.EAGAIN; // its replies would pile up there
      // The reply comes back as a message for lattice_recv.
      const status = k.router.deliver(dst, m);
      if (status === 'denied') {
        // Refused by the capability table: the kernel answers for the server, as the server itself
        // answers a request it refuses (an error reply), so a caller waiting in lattice_recv gets it.
        this.enqueue(p, { m_source: dst, m_type: replyTypeOf(dst), payload: errorReply(dst, m.m_type, ERRNO.EPERM) });
        return 0;
      }
      return status === 'rejected' ? -ERRNO.EBADMSG : status === 'down' ? -ERRNO.EIO : 0;
    }
    const target = k.procs.get(dst);
    if (!target || dst === p.pid) return target ? -ERRNO.EINVAL : -ERRNO.ESRCH;
    if (target.mailbox.length >= MAILBOX_MAX) return -ERRNO.EAGAIN;
    const c = k.router.carry(p.pid, dst, m.m_type, payload);
    if (!c.ok) return c.why === 'denied' ? -ERRNO.EPERM : c.why === 'rejected' ? -ERRNO.EBADMSG : 0;
    this.enqueue(target, c.message);
    return 0;
  }

  enqueue(p: Process, m: Message): void {
    p.mailbox.push(m);
    if (p.wait?.kind === 'recv') this.tryRecv(p);
  }

  /** lattice_recv(from, buf, len, flags). */
  recv(p: Process, from: number, bufPtr: number, bufLen: number, flags: number): SyscallOutcome {
    this.k.sched.block(p, { kind: 'recv', from, bufPtr, bufLen });
    if (!this.tryRecv(p) && flags & LATTICE_NONBLOCK) this.k.finish(p, SYSCALLS.lattice_recv, -ERRNO.EAGAIN);
    return 'blocked';
  }

  private tryRecv(p: Process): boolean {
    const w = p.wait;
    if (w?.kind !== 'recv') return false;
    const i = p.mailbox.findIndex((m) => w.from === -1 || m.m_source === w.from);
    const m = i < 0 ? undefined : p.mailbox.splice(i, 1)[0];
    if (!m) return false;
    const n = Math.min(m.payload.length, Math.max(0, w.bufLen - LATTICE_HEADER));
    const b = new Uint8Array(LATTICE_HEADER + n);
    const v = new DataView(b.buffer);
    v.setInt32(0, m.m_source, true);
    v.setInt32(4, m.m_type, true);
    v.setUint32(8, m.payload.length, true);
    b.set(m.payload.subarray(0, n), LATTICE_HEADER);
    const ok = w.bufLen >= LATTICE_HEADER && p.mem.writeUser(w.bufPtr, b);
    this.k.finish(p, SYSCALLS.lattice_recv, ok ? b.length : -ERRNO.EFAULT);
    return true;
  }
}
