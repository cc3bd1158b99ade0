/**
 * Reading the IPC messages of a recording: the journal keeps sealed wires, and explain names
 * the message a racing operation sent (VFS_READ fd=3 count=256), so it opens them with the keys
 * the recorder journaled, or those of a machine at hand (a forked run's channels), and decodes
 * the payload field by field.
 */
import type { MachineEvent } from '../core/events.js';
import { ChannelKeyRing } from '../core/ipc/channel-table.js';
import { openEnvelope } from '../core/kernel/lattice-link.js';
import { describeMessage, type MessageView } from '../protocol/describe-message.js';
import { WELL_KNOWN_PID } from '../protocol/message-types.js';

/** A channel direction's key as the journal keeps it (channel_key rows). */
export interface JournaledKey {
  readonly src: number;
  readonly dst: number;
  readonly direction: 'forward' | 'reverse';
  readonly key: Uint8Array;
}

export type IpcEvent = Extract<MachineEvent, { kind: 'ipc' }>;

/** Decodes ipc events; undefined for one whose wire opens with none of the keys. */
export type MessageReader = (e: IpcEvent) => MessageView | undefined;

export function messageReader(journaled: readonly JournaledKey[], machineKeys: readonly unknown[] = []): MessageReader {
  const rings: ChannelKeyRing[] = [];
  for (const k of machineKeys) {
    try {
      rings.push(new ChannelKeyRing(k));
    } catch {
      // Key state that does not validate opens nothing; the journaled keys may still.
    }
  }
  for (const k of journaled) {
    const [from, to] = k.direction === 'forward' ? [k.src, k.dst] : [k.dst, k.src];
    const hex = Buffer.from(k.key).toString('hex');
    rings.push(new ChannelKeyRing({ version: 1, directions: [{ from, to, senderKey: hex, receiverKey: hex }] }));
  }
  return (e) => {
    if (e.payload !== undefined) return describeMessage({ m_source: e.src, m_type: e.mType, payload: e.payload });
    const wire = e.wire;
    if (wire === undefined) return undefined;
    for (const ring of rings) {
      const d = ring.decrypt(wire);
      if (!d.ok) continue;
      // Kernel channels carry delegated calls: the sealed plaintext starts with the party.
      const kernelChannel = d.message.src === WELL_KNOWN_PID.KERNEL || d.message.dst === WELL_KNOWN_PID.KERNEL;
      const payload = kernelChannel ? openEnvelope(d.message.payload)?.payload : d.message.payload;
      if (payload === undefined) return undefined;
      return describeMessage({ m_source: e.src, m_type: e.mType, payload });
    }
    return undefined;
  };
}

/** A field of a decoded message by name. */
export function fieldOf(view: MessageView, name: string): string | undefined {
  return view.fields.find((f) => f.name === name)?.value;
}
