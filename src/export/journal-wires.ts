/**
 * Opening the sealed IPC wires of one timeline with the channel keys its recorder journaled
 * (channel_key), for printing and comparing: no machine, no seek. A channel direction has one key
 * per time it was set up (a restarted server gets new keys), so a wire is tried with the keys of
 * its direction that were set up at or before it, newest first; the AEAD tag tells the right one.
 * On a kernel channel the sealed plaintext starts with the party the kernel carried it for.
 */
import { ChannelKeyRing, decodeWire, type Wire } from '../core/ipc/index.js';
import { openEnvelope } from '../core/kernel/lattice-link.js';
import type { BranchId } from '../journal/ids.js';
import type { ChannelKey, JournalStore } from '../journal/store.js';
import { hexOf } from '../protocol/hex.js';

const KERNEL = 0;

export type OpenedWire =
  | {
      readonly ok: true;
      /** The wire header: the channel's ends, its per-direction sequence number. */
      readonly src: number;
      readonly dst: number;
      readonly mType: number;
      readonly wireSeq: number;
      /** On a kernel channel, the process the kernel carried the message for. */
      readonly party: number | null;
      readonly payload: Uint8Array;
    }
  | {
      readonly ok: false;
      /** 'malformed': not a wire; 'no-keys': the copy holds no keys; 'auth': no journaled key opens it. */
      readonly error: 'malformed' | 'no-keys' | 'auth';
      /** The header when the bytes parse as a wire. */
      readonly header?: { readonly src: number; readonly dst: number; readonly mType: number; readonly wireSeq: number };
    };

interface KeyEntry {
  readonly icount: number;
  readonly ring: ChannelKeyRing;
}

export class JournalWires {
  /** Keys by "from:to" (sender to receiver), newest first. */
  private readonly byDirection = new Map<string, KeyEntry[]>();
  readonly keyCount: number;
  /** The copy was shared without its keys (xrr share). */
  readonly withheld: boolean;

  constructor(store: JournalStore, branch: BranchId) {
    this.withheld = store.keySeed() === 'withheld';
    const keys: ChannelKey[] = [];
    // A timeline's keys are its own and its ancestors' up to the fork point.
    let b: BranchId | null = branch;
    let limit = Number.MAX_SAFE_INTEGER;
    while (b !== null) {
      const info = store.getBranch(b);
      if (!info) break;
      for (const k of store.channelKeys({ branch: b })) if (k.icount <= limit) keys.push(k);
      limit = Math.min(limit, info.forkIcount);
      b = info.parent;
    }
    this.keyCount = keys.length;
    for (const k of keys) {
      const [from, to] = k.direction === 'forward' ? [k.src, k.dst] : [k.dst, k.src];
      const hex = hexOf(k.key);
      let ring: ChannelKeyRing;
      try {
        ring = new ChannelKeyRing({ version: 1, directions: [{ from, to, senderKey: hex, receiverKey: hex }] });
      } catch {
        continue; // a damaged key row opens nothing; its wires report 'auth'
      }
      const list = this.byDirection.get(`${from}:${to}`) ?? [];
      list.push({ icount: k.icount, ring });
      this.byDirection.set(`${from}:${to}`, list);
    }
    for (const list of this.byDirection.values()) list.sort((x, y) => y.icount - x.icount);
  }

  /** Opens a journaled wire (an event's `wire` bytes) sent at `icount`. Never throws. */
  open(wire: Uint8Array, icount: number): OpenedWire {
    const parsed = decodeWire(wire);
    if (!parsed.ok) return { ok: false, error: 'malformed' };
    const w = parsed.wire;
    const header = { src: w.src, dst: w.dst, mType: w.m_type, wireSeq: w.seq };
    const candidates = this.byDirection.get(`${w.src}:${w.dst}`) ?? [];
    if (candidates.length === 0) return { ok: false, error: this.withheld || this.keyCount === 0 ? 'no-keys' : 'auth', header };
    // Keys set up at or before the wire first (newest first), then any other (a clock skew between rows).
    for (let pass = 0; pass < 2; pass++) {
      for (const k of candidates) {
        if ((k.icount <= icount) !== (pass === 0)) continue;
        const opened = this.openWith(k.ring, w);
        if (opened) return opened;
      }
    }
    return { ok: false, error: 'auth', header };
  }

  /** The wire opened with one key; null when the tag says it is not that key. */
  private openWith(ring: ChannelKeyRing, w: Wire): OpenedWire | null {
    const d = ring.decrypt(w);
    if (!d.ok) return null;
    const header = { src: w.src, dst: w.dst, mType: w.m_type, wireSeq: w.seq };
    if (w.src === KERNEL || w.dst === KERNEL) {
      const env = openEnvelope(d.message.payload);
      if (!env) return { ok: false, error: 'malformed', header };
      return { ok: true, ...header, party: env.party, payload: env.payload };
    }
    return { ok: true, ...header, party: null, payload: d.message.payload };
  }
}
