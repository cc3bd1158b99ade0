/**
 * Messages between the kernel and the Reincarnation Server (pid 7). Only the kernel sends them
 * (the capability table refuses them from anyone else). Little-endian structs:
 *   RS_CRASHED   server u32 | cause u32 (0 threw, 1 hung) | nowNs u64
 *   RS_RESTARTED server u32 | nowNs u64
 *   RS_REPLY     result i32 | action u32 (0 none, 1 restart, 2 give up) | delayNs u64 | restarts u32 | crashes u32
 */
import { ERRNO } from './errno.js';
import { RS_MSG } from './message-types.js';

export type RsRequest =
  | { readonly kind: 'crashed'; readonly server: number; readonly cause: 'threw' | 'hung'; readonly nowNs: number }
  | { readonly kind: 'restarted'; readonly server: number; readonly nowNs: number };

export type RsDecision =
  | { readonly action: 'none' }
  /** Restart after `delayNs` of virtual time (backoff); `restarts` counts this one. */
  | { readonly action: 'restart'; readonly delayNs: number; readonly restarts: number; readonly crashes: number }
  /** Too many crashes in the window: leave the server down. */
  | { readonly action: 'give-up'; readonly restarts: number; readonly crashes: number };

export type RsReply = { readonly result: number; readonly decision: RsDecision };

export const RS_PROTOCOL = {
  encodeRequest(r: RsRequest): { m_type: number; payload: Uint8Array } {
    const b = new Uint8Array(r.kind === 'crashed' ? 16 : 12);
    const v = new DataView(b.buffer);
    v.setUint32(0, r.server, true);
    if (r.kind === 'crashed') {
      v.setUint32(4, r.cause === 'hung' ? 1 : 0, true);
      v.setBigUint64(8, BigInt(r.nowNs), true);
      return { m_type: RS_MSG.RS_CRASHED, payload: b };
    }
    v.setBigUint64(4, BigInt(r.nowNs), true);
    return { m_type: RS_MSG.RS_RESTARTED, payload: b };
  },

  /** A request, or the errno for a malformed one (never an exception). */
  decodeRequest(m_type: number, p: Uint8Array): RsRequest | number {
    const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    if (m_type === RS_MSG.RS_CRASHED) {
      if (p.length !== 16) return ERRNO.EBADMSG;
      const cause = v.getUint32(4, true);
      if (cause > 1) return ERRNO.EINVAL;
      return { kind: 'crashed', server: v.getUint32(0, true), cause: cause === 1 ? 'hung' : 'threw', nowNs: Number(v.getBigUint64(8, true)) };
    }
    if (m_type === RS_MSG.RS_RESTARTED) {
      if (p.length !== 12) return ERRNO.EBADMSG;
      return { kind: 'restarted', server: v.getUint32(0, true), nowNs: Number(v.getBigUint64(4, true)) };
    }
    return ERRNO.ENOSYS;
  },

  encodeReply(r: RsReply): Uint8Array {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setInt32(0, r.result, true);
    const d = r.decision;
    v.setUint32(4, d.action === 'none' ? 0 : d.action === 'restart' ? 1 : 2, true);
    v.setBigUint64(8, BigInt(d.action === 'restart' ? d.delayNs : 0), true);
    v.setUint32(16, d.action === 'none' ? 0 : d.restarts, true);
    v.setUint32(20, d.action === 'none' ? 0 : d.crashes, true);
    return b;
  },

  decodeReply(p: Uint8Array): RsReply | undefined {
    if (p.length !== 24) return undefined;
    const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const result = v.getInt32(0, true);
    const action = v.getUint32(4, true);
    const restarts = v.getUint32(16, true);
    const crashes = v.getUint32(20, true);
    const decision: RsDecision =
      action === 1 ? { action: 'restart', delayNs: Number(v.getBigUint64(8, true)), restarts, crashes }
        : action === 2 ? { action: 'give-up', restarts, crashes }
          : { action: 'none' };
    return { result, decision };
  },

  encodeErrorReply(errno: number): Uint8Array {
    return RS_PROTOCOL.encodeReply({ result: -errno, decision: { action: 'none' } });
  },
};
