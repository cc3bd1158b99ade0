/**
 * Opening the sealed IPC wires the journal keeps, for display: the machine at the cursor holds
 * the channel keys (re-derived on restore), so the event list and the detail pane can show what a
 * sealed message said. A channel re-keyed since (a restarted server, a closed channel) no longer
 * opens with the cursor's keys; then the keys the recorder journaled (channel_key) are tried, so
 * any message of the recording opens. One that opens with neither says so.
 */
import type { Machine } from '../core/machine.js';
import { ChannelKeyRing } from '../core/ipc/channel-table.js';
import { openEnvelope } from '../core/kernel/lattice-link.js';
import type { ChannelKey } from '../journal/store.js';
import { hexOf } from '../protocol/hex.js';

/** `party`: on a kernel channel, the process the kernel carried the message for; `via`: whose keys opened it. */
export type OpenedPayload =
  | { readonly ok: true; readonly payload: Uint8Array; readonly party?: number; readonly via: 'cursor' | 'journal' }
  | { readonly ok: false; readonly error: string };

/** Decrypts a journaled wire (an event's `wire` bytes) to its payload. */
export type IpcOpener = (wire: Uint8Array) => OpenedPayload;

const KERNEL = 0;
const rings = new WeakMap<Machine, ChannelKeyRing>();
const journalRings = new WeakMap<readonly ChannelKey[], ChannelKeyRing[]>();

/** One ring per journaled key (a channel direction has one key per time it was set up). */
function ringsOf(keys: readonly ChannelKey[]): ChannelKeyRing[] {
  let out = journalRings.get(keys);
  if (!out) {
    out = keys.map((k) => {
      const [from, to] = k.direction === 'forward' ? [k.src, k.dst] : [k.dst, k.src];
      const hex = hexOf(k.key);
      return new ChannelKeyRing({ version: 1, directions: [{ from, to, senderKey: hex, receiverKey: hex }] });
    });
    journalRings.set(keys, out);
  }
  return out;
}

export function openerFor(machine: Machine | null, journaled: readonly ChannelKey[] = []): IpcOpener | undefined {
  let ring: ChannelKeyRing | undefined;
  if (machine) {
    ring = rings.get(machine);
    if (!ring) {
      try {
        ring = new ChannelKeyRing(machine.channelKeys());
        rings.set(machine, ring);
      } catch {
        ring = undefined;
      }
    }
  }
  if (!ring && journaled.length === 0) return undefined;
  const cursorRing = ring;
  return (bytes) => {
    let d = cursorRing?.decrypt(bytes);
    let via: 'cursor' | 'journal' = 'cursor';
    if (!d?.ok && d?.error !== 'malformed') {
      for (const r of ringsOf(journaled)) {
        const j = r.decrypt(bytes);
        if (j.ok) {
          d = j;
          via = 'journal';
          break;
        }
      }
    }
    if (!d) return { ok: false, error: 'no keys' };
    if (d.ok && (d.message.src === KERNEL || d.message.dst === KERNEL)) {
      // Kernel channels carry delegated calls: the sealed plaintext starts with the party.
      const env = openEnvelope(d.message.payload);
      return env ? { ok: true, payload: env.payload, party: env.party, via } : { ok: false, error: 'malformed envelope' };
    }
    if (d.ok) return { ok: true, payload: d.message.payload, via };
    return { ok: false, error: d.error === 'malformed' ? 'malformed wire' : 'opens with neither the keys at the cursor nor the journaled ones' };
  };
}
