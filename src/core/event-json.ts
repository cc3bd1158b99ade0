/**
 * An event as JSON: what `xrr events --json`, the JSON lines export, divergence messages and the
 * event comparisons show, and what the journal keeps of an event it stores whole (event-row.ts).
 *
 * In memory an IPC event carries its sealed wire and its plaintext payload as bytes (`wire`,
 * `payload`): the kernel has them, and the journal packs them into its rows as they are. JSON has
 * no bytes (a Uint8Array would print as {"0":1,"1":0,...}), so there they are hex text under the
 * names they have always had there, `wireHex` and `payloadHex`; journals written before the bytes
 * (schema-3 payloads, rows kept whole) hold that text, and eventOfJson turns it back.
 */
import type { MachineEvent } from './events.js';

/** The JSON name of each byte field of an event: its bytes as lowercase hex text, two digits a byte. */
export const HEX_FIELD_NAMES: Readonly<Record<string, string>> = { wire: 'wireHex', payload: 'payloadHex' };
const BYTE_FIELD_OF_HEX: Readonly<Record<string, string>> = { wireHex: 'wire', payloadHex: 'payload' };

/** Lowercase hex of bytes (Node's encoder: several times faster than a loop, and this runs per message shown). */
export function hexText(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * The bytes of lowercase hex text, or null for any other text: only text that hexText gives back
 * exactly is turned into bytes, so an event read from JSON and written again is the same JSON.
 * The bytes have their own ArrayBuffer (not a view of Node's pool).
 */
export function bytesOfHexText(h: string): Uint8Array | null {
  if (h.length % 2 !== 0) return null;
  const b = Buffer.from(h, 'hex');
  if (b.length * 2 !== h.length || b.toString('hex') !== h) return null;
  return new Uint8Array(b);
}

/**
 * The event as a plain object for JSON: its fields in their order, byte fields as hex text under
 * their JSON names (HEX_FIELD_NAMES; any other byte array as hex text under its own name).
 * Events without bytes come back as they are, not copied.
 */
export function jsonOfEvent(e: MachineEvent): Record<string, unknown> {
  const rec = e as unknown as Record<string, unknown>;
  let bytes = false;
  for (const k in rec) if (rec[k] instanceof Uint8Array) bytes = true;
  if (!bytes) return rec;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(rec)) {
    const v = rec[k];
    if (!(v instanceof Uint8Array)) out[k] = v;
    else {
      const name = HEX_FIELD_NAMES[k];
      out[name !== undefined && !(name in rec) ? name : k] = hexText(v);
    }
  }
  return out;
}

/** JSON.stringify of the event as jsonOfEvent gives it ("null" for none). */
export function eventJsonText(e: MachineEvent | null): string {
  return e === null ? 'null' : JSON.stringify(jsonOfEvent(e));
}

/**
 * The fields of an event read from JSON (a body kept whole, a schema-3 payload), byte fields as
 * bytes again: `wireHex` and `payloadHex` holding lowercase hex become `wire` and `payload`. Text
 * that is not hex stays as it is, under its name, so a damaged field is kept rather than lost
 * (and stored again it gives the same JSON).
 */
export function eventFieldsOfJson(fields: Record<string, unknown>): Record<string, unknown> {
  if (!('wireHex' in fields) && !('payloadHex' in fields)) return fields;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    const name = BYTE_FIELD_OF_HEX[k];
    const bytes = name !== undefined && typeof v === 'string' ? bytesOfHexText(v) : null;
    if (name !== undefined && bytes !== null && !(name in fields)) out[name] = bytes;
    else out[k] = v;
  }
  return out;
}
