/**
 * An event as JSON: what `xrr events --json`, the JSON lines export, divergence messages and the
 * event comparisons show, and what the journal keeps of an event it stores whole (event-row.ts).
 *
 * In memory an event's byte data is bytes: an IPC event's sealed wire and plaintext payload
 * (`wire`, `payload`), console bytes (`data`): the kernel has them, and the journal packs them into
 * its rows as they are. JSON has no bytes (a Uint8Array would print as {"0":1,"1":0,...}), so there
 * they have the form they have always had: a message's bytes hex text under the names `wireHex`
 * and `payloadHex`, console bytes an array of numbers under `data`. Journals written before the
 * bytes (schema-3 payloads, rows kept whole) hold that form, and eventFieldsOfJson turns it back.
 */
import { bytesOfHexText, hexOf } from '../protocol/hex.js';
import type { MachineEvent } from './events.js';

/** The JSON name of each byte field of an event: its bytes as lowercase hex text, two digits a byte. */
export const HEX_FIELD_NAMES: ReadonlyMap<string, string> = new Map([['wire', 'wireHex'], ['payload', 'payloadHex']]);
/** (Maps, not objects: a field named like an Object.prototype member must not match.) */
const BYTE_FIELD_OF_HEX: ReadonlyMap<string, string> = new Map([['wireHex', 'wire'], ['payloadHex', 'payload']]);

/** Byte fields whose JSON form is an array of numbers (console bytes), not hex text. */
const NUMBER_ARRAY_FIELDS: ReadonlySet<string> = new Set(['data']);

/**
 * The event as a plain object for JSON: its fields in their order, byte fields in their JSON form:
 * console `data` an array of numbers, a message's bytes hex text under their JSON names
 * (HEX_FIELD_NAMES; any other byte array as hex text under its own name). Events without bytes
 * come back as they are, not copied.
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
      const name = HEX_FIELD_NAMES.get(k);
      out[name !== undefined && !(name in rec) ? name : k] = jsonOfBytes(k, v);
    }
  }
  return out;
}

/** The JSON form of byte field `key`: an array of numbers for console data, else hex text. */
export function jsonOfBytes(key: string, v: Uint8Array): string | number[] {
  return NUMBER_ARRAY_FIELDS.has(key) ? Array.from(v) : hexOf(v);
}

/** JSON.stringify of the event as jsonOfEvent gives it ("null" for none). */
export function eventJsonText(e: MachineEvent | null): string {
  return e === null ? 'null' : JSON.stringify(jsonOfEvent(e));
}

/** The bytes of an array of byte values (0..255), or null when it holds anything else. */
export function bytesOfNumbers(a: unknown): Uint8Array | null {
  if (!Array.isArray(a)) return null;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v: unknown = a[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) return null;
    out[i] = v;
  }
  return out;
}

/**
 * The fields of an event of `kind` read from JSON (a body kept whole, a schema-3 payload), byte
 * fields as bytes again: a message's `wireHex` and `payloadHex` holding lowercase hex become
 * `wire` and `payload`, console `data` of byte values becomes bytes. A value of another form (text
 * that is not hex, a number out of range) stays as it is, under its name, so a damaged field is
 * kept rather than lost (and stored again it gives the same JSON).
 */
export function eventFieldsOfJson(kind: string, fields: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'console-output' || kind === 'console-input') {
    const data = bytesOfNumbers(fields['data']);
    return data === null ? fields : { ...fields, data };
  }
  if (kind !== 'ipc' && kind !== 'ipc-reject') return fields;
  if (!('wireHex' in fields) && !('payloadHex' in fields)) return fields;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    const name = BYTE_FIELD_OF_HEX.get(k);
    const bytes = name !== undefined && typeof v === 'string' ? bytesOfHexText(v) : null;
    if (name !== undefined && bytes !== null && !(name in fields)) out[name] = bytes;
    else out[k] = v;
  }
  return out;
}
