/**
 * Opening the sealed IPC wires the journal keeps, for display: the machine at the cursor holds
 * the channel keys (re-derived on restore, never in the journal's state), so the event list and
 * the detail pane can show what a sealed message said. A channel re-keyed later (a restarted
 * server) may not open with the cursor's keys: that is shown, not hidden.
 */
import type { Machine } from '../core/machine.js';
import { ChannelKeyRing } from '../core/ipc/channel-table.js';
import { openEnvelope } from '../core/kernel/lattice-link.js';

/** `party`: on a kernel channel, the process the kernel carried the message for. */
export type OpenedPayload = { readonly ok: true; readonly payload: Uint8Array; readonly party?: number } | { readonly ok: false; readonly error: string };

/** Decrypts a journaled wire (hex) to its payload. */
export type IpcOpener = (wireHex: string) => OpenedPayload;

const KERNEL = 0;
const rings = new WeakMap<Machine, ChannelKeyRing>();

export function openerFor(machine: Machine | null): IpcOpener | undefined {
  if (!machine) return undefined;
  let ring = rings.get(machine);
  if (!ring) {
    try {
      ring = new ChannelKeyRing(machine.channelKeys());
    } catch {
      return undefined;
    }
    rings.set(machine, ring);
  }
  const r = ring;
  return (wireHex) => {
    const d = r.decrypt(Uint8Array.from(Buffer.from(wireHex, 'hex')));
    if (d.ok && (d.message.src === KERNEL || d.message.dst === KERNEL)) {
      // Kernel channels carry delegated calls: the sealed plaintext starts with the party.
      const env = openEnvelope(d.message.payload);
      return env ? { ok: true, payload: env.payload, party: env.party } : { ok: false, error: 'malformed envelope' };
    }
    return d.ok ? { ok: true, payload: d.message.payload } : { ok: false, error: d.error === 'no-channel' ? 'no key for this channel at the cursor' : d.error === 'auth' ? 'does not open with the keys at the cursor' : 'malformed wire' };
  };
}
