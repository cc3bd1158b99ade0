/**
 * The Process Manager (pid 3) as a server: `handle(request, ctx)` for a decoded request (the pure
 * handler over this server's state) and `receive(message, ctx)` for a message off its mailbox, which
 * decodes it (a malformed one gets an error reply, never an exception) and turns the result into
 * outputs in the kernel's terms.
 *
 * The kernel's part, for `receive`:
 *   - `reply` outputs: hand `message` to `to`, in order. Besides the caller's reply they carry the
 *     completion of a wait4 another process was blocked in (a PROC_REPLY for `wait4` to that pid) and
 *     VFS_PROC_SETCRED messages to the VFS after setuid/setgid (the VFS accepts those from pid 3; its
 *     reply to pid 3 is consumed and ignored here).
 *   - `effect` outputs: fork, exited, interrupt, deliver, with the meanings documented in pm-result.ts.
 *     The caller's reply always comes before the effects, so a handler for a signal the caller sent
 *     itself runs on top of the call's result.
 *   - A request with no reply (exit; a caller that killed itself; wait4 or sigsuspend that blocks)
 *     produces no reply output; a blocked caller stays blocked until its reply appears in a later
 *     `receive`, or until an `interrupt` effect names it (then the kernel completes it with EINTR).
 */
import { ERRNO } from '../../protocol/errno.js';
import { MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { PROC_PROTOCOL, type ProcRequest } from '../../protocol/proc-protocol.js';
import { VFS_PROTOCOL } from '../../protocol/vfs-protocol.js';
import { handlePmRequest, type PmContext } from './handle-pm-request.js';
import type { PmEffect, PmResult } from './pm-result.js';
import { parsePmSnapshot, restorePm, snapshotPm, type PmSnapshot } from './pm-snapshot.js';
import { createPmState, type PmState } from './pm-state.js';

/** The effects `receive` passes on (the kernel's KernelEffect subset the PM produces). */
export type PmKernelEffect = Extract<PmEffect, { kind: 'fork' | 'exited' | 'interrupt' | 'deliver' }>;

export type PmOutput =
  | { readonly kind: 'reply'; readonly to: number; readonly message: Message }
  | { readonly kind: 'effect'; readonly effect: PmKernelEffect };

export interface PmCallContext extends PmContext {
  /** The pid the request acts for (m_source, stamped by the kernel). */
  readonly source: number;
}

const ERRNO_OF_DECODE = { EBADMSG: ERRNO.EBADMSG, EINVAL: ERRNO.EINVAL } as const;
const REPLY_TYPES: ReadonlySet<number> = new Set([MSG.VFS_REPLY, MSG.PROC_REPLY, MSG.MM_REPLY]);

export class ProcessManager {
  readonly pid = WELL_KNOWN_PID.PROC;
  readonly name = 'pm';
  private pm: PmState;

  constructor(state: PmState = createPmState()) {
    this.pm = state;
  }

  /** The process table (for inspection; mutate only through `handle` / `receive`). */
  get state(): PmState {
    return this.pm;
  }

  handle(request: ProcRequest, ctx: PmCallContext): PmResult {
    return handlePmRequest(this.pm, ctx.source, request, ctx);
  }

  receive(m: Message, ctx: PmContext): PmOutput[] {
    // Replies to the PM's own notifications (VFS_PROC_SETCRED) need nothing; answering them would loop.
    if (REPLY_TYPES.has(m.m_type)) return [];
    const kind = PROC_PROTOCOL.kindOf(m.m_type);
    if (kind === undefined) return [this.message(m.m_source, PROC_PROTOCOL.encodeErrorReply(m.m_type, ERRNO.ENOSYS))];
    const decoded = PROC_PROTOCOL.decodeRequest(m.m_type, m.payload);
    if (!decoded.ok) {
      return [this.message(m.m_source, PROC_PROTOCOL.encodeErrorReply(m.m_type, ERRNO_OF_DECODE[decoded.error]))];
    }
    const result = this.handle(decoded.value, { ...ctx, source: m.m_source });
    const out: PmOutput[] = [];
    if (result.outcome.kind === 'reply') {
      const r = result.outcome.reply;
      out.push(this.message(m.m_source, PROC_PROTOCOL.encodeReply(r.kind, r.result, r.body ?? undefined)));
    }
    for (const e of result.effects) this.output(e, out);
    return out;
  }

  private output(e: PmEffect, out: PmOutput[]): void {
    switch (e.kind) {
      case 'fork':
      case 'exited':
      case 'interrupt':
      case 'deliver':
        out.push({ kind: 'effect', effect: e });
        break;
      case 'wait-done':
        out.push(
          this.message(
            e.pid,
            e.result < 0 ? PROC_PROTOCOL.encodeErrorReply(MSG.PROC_WAIT4, -e.result) : PROC_PROTOCOL.encodeReply('wait4', e.result, { status: e.status }),
          ),
        );
        break;
      case 'cred': {
        const { m_type, payload } = VFS_PROTOCOL.encodeRequest({ kind: 'procSetcred', pid: e.pid, uid: e.uid, euid: e.euid, gid: e.gid, egid: e.egid });
        out.push({ kind: 'reply', to: WELL_KNOWN_PID.VFS, message: { m_source: WELL_KNOWN_PID.PROC, m_type, payload } });
        break;
      }
      case 'reaped':
        // The kernel forgets a process at `exited`; reaping only frees the pid inside the PM.
        break;
      default: {
        const _exhaustive: never = e;
        return _exhaustive;
      }
    }
  }

  private message(to: number, payload: Uint8Array): PmOutput {
    return { kind: 'reply', to, message: { m_source: WELL_KNOWN_PID.PROC, m_type: MSG.PROC_REPLY, payload } };
  }

  getState(): PmSnapshot {
    return snapshotPm(this.pm);
  }

  /** Restores a saved state after checking every field (a StateError names a bad one). */
  setState(s: unknown): void {
    this.pm = restorePm(parsePmSnapshot(s));
  }
}
