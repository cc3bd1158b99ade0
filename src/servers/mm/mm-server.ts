/**
 * The Memory Manager (pid 4) as a server: `handle(request, ctx)` for a decoded request (the pure
 * handler over this server's state) and `receive(message, ctx)` for a message off its mailbox, which
 * decodes it (a malformed one gets an error reply, never an exception).
 *
 * The kernel's part, for `receive`: carry out the `effect` outputs (map/unmap/protect/shm-*, see
 * mm-result.ts) in order, then hand the `reply` to the caller; the effects come first so the caller
 * resumes with its address space already changed. Messages of reply types are ignored.
 */
import { ERRNO } from '../../protocol/errno.js';
import { MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { MM_PROTOCOL, type MmRequest } from '../../protocol/mm-protocol.js';
import { handleMmRequest, type MmContext } from './handle-mm-request.js';
import type { MmEffect, MmResult } from './mm-result.js';
import { parseMmSnapshot, restoreMm, snapshotMm, type MmSnapshot } from './mm-snapshot.js';
import { createMmState, type MmState } from './mm-state.js';

export type MmOutput =
  | { readonly kind: 'reply'; readonly to: number; readonly message: Message }
  | { readonly kind: 'effect'; readonly effect: MmEffect };

export interface MmCallContext extends MmContext {
  /** The pid the request comes from (m_source, stamped by the kernel). */
  readonly source: number;
}

const ERRNO_OF_DECODE = { EBADMSG: ERRNO.EBADMSG, EINVAL: ERRNO.EINVAL } as const;
const REPLY_TYPES: ReadonlySet<number> = new Set([MSG.VFS_REPLY, MSG.PROC_REPLY, MSG.MM_REPLY]);

export class MemoryManager {
  readonly pid = WELL_KNOWN_PID.MM;
  readonly name = 'mm';
  private mm: MmState;

  constructor(state: MmState = createMmState()) {
    this.mm = state;
  }

  /** The region tables (for inspection; mutate only through `handle` / `receive`). */
  get state(): MmState {
    return this.mm;
  }

  handle(request: MmRequest, ctx: MmCallContext): MmResult {
    return handleMmRequest(this.mm, ctx.source, request, ctx);
  }

  receive(m: Message, ctx: MmContext): MmOutput[] {
    if (REPLY_TYPES.has(m.m_type)) return [];
    const kind = MM_PROTOCOL.kindOf(m.m_type);
    if (kind === undefined) return [this.message(m.m_source, MM_PROTOCOL.encodeErrorReply(m.m_type, ERRNO.ENOSYS))];
    const decoded = MM_PROTOCOL.decodeRequest(m.m_type, m.payload);
    if (!decoded.ok) return [this.message(m.m_source, MM_PROTOCOL.encodeErrorReply(m.m_type, ERRNO_OF_DECODE[decoded.error]))];
    const result = this.handle(decoded.value, { ...ctx, source: m.m_source });
    const r = result.reply;
    const out: MmOutput[] = result.effects.map((effect) => ({ kind: 'effect', effect }));
    out.push(this.message(m.m_source, MM_PROTOCOL.encodeReply(r.kind, r.result, r.body ?? undefined)));
    return out;
  }

  private message(to: number, payload: Uint8Array): MmOutput {
    return { kind: 'reply', to, message: { m_source: WELL_KNOWN_PID.MM, m_type: MSG.MM_REPLY, payload } };
  }

  getState(): MmSnapshot {
    return snapshotMm(this.mm);
  }

  /** Restores a saved state after checking every field (a StateError names a bad one). */
  setState(s: unknown): void {
    this.mm = restoreMm(parseMmSnapshot(s));
  }
}
