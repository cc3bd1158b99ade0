/**
 * The VFS as a scheduled entity with a mailbox: messages in, messages and effects out. It decodes
 * each request (a malformed one gets an error reply, never an exception), runs the handler, keeps
 * blocked requests pending in its own state and retries them when the handler's effects wake their
 * queue, and returns everything the kernel has to deliver, in order.
 *
 * The kernel's part:
 *   - deliver each message addressed to pid 2 with `receive(message, { now })`, `now` being the
 *     virtual time in ns at delivery;
 *   - for each output: `reply` -> hand `message` (m_source 2, m_type VFS_REPLY) to `to`;
 *     `console` -> perform the console operation, then send the caller the VFS reply itself;
 *     `signal` -> have the Process Manager deliver it;
 *   - a caller whose request is pending simply stays blocked in its sendrec until its reply appears
 *     in the outputs of some later `receive`;
 *   - when a signal interrupts a blocked process, send VFS_PROC_CANCEL (its reply -EINTR comes out);
 *     on exit, VFS_PROC_EXIT (a pending request of that pid is dropped without a reply).
 */
import { StateValue } from '../../core/state-check.js';
import { ERRNO } from '../../protocol/errno.js';
import { MAX_PAYLOAD } from '../../protocol/struct-codec.js';
import { MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { VFS_PROTOCOL, type VfsReply, type VfsRequest } from '../../protocol/vfs-protocol.js';
import { fromBase64, toBase64 } from './base64.js';
import { handleVfsRequest, type VfsContext } from './handle-vfs-request.js';
import { waitQueueKey, type ConsoleOp, type VfsEffect, type WaitQueue } from './vfs-result.js';
import { base64At, parseVfsSnapshot, restoreVfs, snapshotVfs, type BlobSink, type BlobSource, type VfsSnapshot } from './vfs-snapshot.js';
import type { VfsState } from './vfs-state.js';

export type VfsOutput =
  | { readonly kind: 'reply'; readonly to: number; readonly message: Message }
  | { readonly kind: 'console'; readonly op: ConsoleOp }
  | { readonly kind: 'signal'; readonly pid: number; readonly signo: number };

export interface PendingRequest {
  readonly pid: number;
  readonly m_type: number;
  readonly payload: Uint8Array;
  readonly queue: WaitQueue;
}

export interface VfsServerSnapshot {
  readonly version: 1;
  readonly fs: VfsSnapshot;
  /** In arrival order (the order retries happen in). */
  readonly pending: readonly { readonly pid: number; readonly m_type: number; readonly payload: string; readonly queue: WaitQueue }[];
}

/** Reads and checks a saved VFS server state (its filesystem and its pending requests). */
export function parseVfsServerSnapshot(raw: unknown, root = 'vfs'): VfsServerSnapshot {
  const s = StateValue.root(raw, root);
  s.version(1);
  const fs = parseVfsSnapshot(s.at('fs'));
  const pending = s.at('pending').array().map((v) => ({
    pid: v.at('pid').pid(),
    m_type: v.at('m_type').u16(),
    payload: base64At(v.at('payload'), MAX_PAYLOAD),
    queue: { kind: v.at('queue').at('kind').oneOf(['pipe-readable', 'pipe-writable'] as const), pipe: v.at('queue').at('pipe').u32() },
  }));
  return { version: 1, fs, pending };
}

const ERRNO_OF_DECODE = { EBADMSG: ERRNO.EBADMSG, EINVAL: ERRNO.EINVAL } as const;

export class VfsServer {
  /** The kernel's ServerPort shape (src/core/kernel/server-port.ts): pid, name, receive, getState, setState. */
  readonly pid = WELL_KNOWN_PID.VFS;
  readonly name = 'vfs';
  private fs: VfsState;
  private pending: PendingRequest[] = [];

  constructor(state: VfsState) {
    this.fs = state;
  }

  /** The filesystem state (for inspection; mutate only through `receive`). */
  get state(): VfsState {
    return this.fs;
  }

  pendingRequests(): readonly PendingRequest[] {
    return this.pending;
  }

  receive(m: Message, ctx: VfsContext): VfsOutput[] {
    const out: VfsOutput[] = [];
    const kind = VFS_PROTOCOL.kindOf(m.m_type);
    if (kind === undefined) {
      out.push(this.replyMessage(m.m_source, VFS_PROTOCOL.encodeErrorReply(m.m_type, ERRNO.ENOSYS)));
      return out;
    }
    const decoded = VFS_PROTOCOL.decodeRequest(m.m_type, m.payload);
    if (!decoded.ok) {
      out.push(this.replyMessage(m.m_source, VFS_PROTOCOL.encodeErrorReply(m.m_type, ERRNO_OF_DECODE[decoded.error])));
      return out;
    }
    const req = decoded.value;
    if (this.pending.some((p) => p.pid === m.m_source)) {
      // A process blocked in the VFS cannot send; a second request from it is a kernel bug or a forgery.
      out.push(this.replyMessage(m.m_source, VFS_PROTOCOL.encodeReply(req.kind, -ERRNO.EBUSY)));
      return out;
    }
    const result = handleVfsRequest(this.fs, m.m_source, req, ctx);
    const outcome = result.outcome;
    switch (outcome.kind) {
      case 'reply': {
        const extra: VfsOutput[] = [];
        const reply = outcome.reply.result >= 0 ? this.afterControl(req, outcome.reply, extra) : outcome.reply;
        out.push(this.replyTo(m.m_source, reply), ...extra);
        break;
      }
      case 'blocked':
        this.pending.push({ pid: m.m_source, m_type: m.m_type, payload: m.payload.slice(), queue: outcome.queue });
        break;
      case 'console':
        out.push({ kind: 'console', op: outcome.op });
        break;
      default: {
        const _exhaustive: never = outcome;
        return _exhaustive;
      }
    }
    this.applyEffects(result.effects, ctx, out);
    return out;
  }

  /**
   * What a successful control request means for the pending list: exit drops the process's pending
   * request; cancel answers it with -EINTR and reports (result 1) that there was one.
   */
  private afterControl(req: VfsRequest, reply: VfsReply, extra: VfsOutput[]): VfsReply {
    if (req.kind === 'procExit') {
      this.pending = this.pending.filter((p) => p.pid !== req.pid);
    } else if (req.kind === 'procCancel') {
      const i = this.pending.findIndex((p) => p.pid === req.pid);
      if (i >= 0) {
        const [p] = this.pending.splice(i, 1);
        extra.push(this.replyMessage(p!.pid, VFS_PROTOCOL.encodeErrorReply(p!.m_type, ERRNO.EINTR)));
        return { kind: 'procCancel', result: 1, body: {} };
      }
    }
    return reply;
  }

  private applyEffects(effects: readonly VfsEffect[], ctx: VfsContext, out: VfsOutput[]): void {
    const work = [...effects];
    while (work.length > 0) {
      const e = work.shift()!;
      switch (e.kind) {
        case 'signal':
          out.push({ kind: 'signal', pid: e.pid, signo: e.signo });
          break;
        case 'wake':
          work.push(...this.retry(e.queue, ctx, out));
          break;
        default: {
          const _exhaustive: never = e;
          return _exhaustive;
        }
      }
    }
  }

  /**
   * Handles again, in arrival order, the requests pending on `queue`. Each one that completes leaves
   * the list, so a chain of wake-ups ends once nothing more can complete.
   */
  private retry(queue: WaitQueue, ctx: VfsContext, out: VfsOutput[]): VfsEffect[] {
    const key = waitQueueKey(queue);
    const more: VfsEffect[] = [];
    for (const p of this.pending.filter((q) => waitQueueKey(q.queue) === key)) {
      const decoded = VFS_PROTOCOL.decodeRequest(p.m_type, p.payload);
      if (!decoded.ok) throw new Error(`vfs invariant: pending request of ${p.pid} no longer decodes`);
      const result = handleVfsRequest(this.fs, p.pid, decoded.value, ctx);
      const outcome = result.outcome;
      if (outcome.kind === 'blocked') {
        if (waitQueueKey(outcome.queue) !== key) {
          this.pending[this.pending.indexOf(p)] = { ...p, queue: outcome.queue };
        }
        continue;
      }
      this.pending.splice(this.pending.indexOf(p), 1);
      if (outcome.kind === 'reply') out.push(this.replyTo(p.pid, outcome.reply));
      else out.push({ kind: 'console', op: outcome.op });
      more.push(...result.effects);
    }
    return more;
  }

  private replyTo(to: number, reply: VfsReply): VfsOutput {
    const payload = VFS_PROTOCOL.encodeReply(reply.kind, reply.result, reply.body ?? undefined);
    return this.replyMessage(to, payload);
  }

  private replyMessage(to: number, payload: Uint8Array): VfsOutput {
    return { kind: 'reply', to, message: { m_source: WELL_KNOWN_PID.VFS, m_type: MSG.VFS_REPLY, payload } };
  }

  /**
   * Fails every pending request with -errno (EIO when the VFS has crashed and is being restarted),
   * in arrival order, and forgets them.
   */
  failPending(errno: number = ERRNO.EIO): VfsOutput[] {
    const out = this.pending.map((p) => this.replyMessage(p.pid, VFS_PROTOCOL.encodeErrorReply(p.m_type, errno)));
    this.pending = [];
    return out;
  }

  getState(blobs?: BlobSink): VfsServerSnapshot {
    return {
      version: 1,
      fs: snapshotVfs(this.fs, blobs),
      pending: this.pending.map((p) => ({ pid: p.pid, m_type: p.m_type, payload: toBase64(p.payload), queue: p.queue })),
    };
  }

  /** Restores a saved state after checking every field (a StateError names a bad one). */
  setState(state: unknown, load?: BlobSource): void {
    const s = parseVfsServerSnapshot(state);
    this.fs = restoreVfs(s.fs, load);
    this.pending = s.pending.map((p) => ({ pid: p.pid, m_type: p.m_type, payload: fromBase64(p.payload), queue: { ...p.queue } }));
  }
}
