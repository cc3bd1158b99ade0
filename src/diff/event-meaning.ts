/**
 * What an event means, as a diff compares it. Two recordings made with different key seeds seal
 * every IPC message with other keys, so their wires (nonce, ciphertext, tag) differ though the
 * machines did the same: an IPC event means its header (ends, type, the channel's sequence number)
 * and its plaintext, each side opened with its own journaled keys. Inputs (boot seed and epoch,
 * typed bytes, host waits, faults, chaos seeds) are compared apart, once, as the inputs of the run
 * (inputs.ts), so the event comparison covers what the machine derived from them. A crash's host
 * stack is left out: it names host functions, which another build of xrr lays out differently.
 */
import { HEX_FIELD_NAMES, jsonOfBytes } from '../core/event-json.js';
import { hexOf } from '../protocol/hex.js';
import { INPUT_KINDS, type MachineEvent } from '../core/events.js';
import type { JournalWires } from '../export/journal-wires.js';

/** Fields that say how, not what: never compared. */
const HOW_NOT_WHAT: Readonly<Partial<Record<MachineEvent['kind'], readonly string[]>>> = {
  'server-crash': ['stack'],
};

export function isInput(e: MachineEvent): boolean {
  return INPUT_KINDS.has(e.kind);
}

/** Canonical JSON: keys sorted at every depth, so equal values give equal text; bytes as hex text (event-json.ts). */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (v instanceof Uint8Array) return `"${hexOf(v)}"`;
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + (typeof v[i] === 'number' ? String(v[i]) : canonical(v[i]));
    return out + ']';
  }
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    if (rec[k] === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonical(rec[k]);
    first = false;
  }
  return out + '}';
}

/** Fields never part of an event's meaning: its place in time, and for IPC the sealed wire itself. */
const PLACE = new Set(['icount', 'seq']);

/**
 * The event's meaning as comparable text, without its place in time (kind and body): what the
 * aligned diff matches on, so a process's events still pair up when an earlier difference shifted
 * them by some instructions. For the same reason a message's sequence number on its channel is
 * left out unless `withChannelSeq`: it counts the messages before it, so one extra message (or a
 * channel set up again after a server restart) renumbers every later one. Built as one string
 * without copying the event: the aligner keys every event of a long window.
 */
export function contentKey(e: MachineEvent, wires: JournalWires, withChannelSeq = false): string {
  const rec = e as unknown as Record<string, unknown>;
  const skip = HOW_NOT_WHAT[e.kind];
  const wire = e.kind === 'ipc' || e.kind === 'ipc-reject' ? e.wire : undefined;
  let out = '{';
  // Fields by their JSON names and forms (a message's bytes as wireHex, payloadHex text, console
  // bytes as numbers: event-json.ts).
  const fields = Object.keys(rec).map((k): [string, string] => [rec[k] instanceof Uint8Array ? (HEX_FIELD_NAMES.get(k) ?? k) : k, k]);
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, k] of fields) {
    if (PLACE.has(k) || rec[k] === undefined || skip?.includes(k)) continue;
    if (wire !== undefined && k === 'wire') continue;
    // The seed and epoch of a boot are inputs (reported once); its machine version stays.
    if (e.kind === 'boot' && (k === 'seedHex' || k === 'bootEpochNs')) continue;
    const v = rec[k];
    out += JSON.stringify(name) + ':' + canonical(v instanceof Uint8Array ? jsonOfBytes(k, v) : v) + ',';
  }
  if (wire !== undefined) {
    const o = wires.open(wire, e.icount);
    if (o.ok) {
      const payload = hexOf(o.payload);
      out += `"opened":{"src":${o.src},"dst":${o.dst},"party":${o.party},${withChannelSeq ? `"wireSeq":${o.wireSeq},` : ''}"payload":"${payload}"}`;
    } else {
      // A wire that does not open (a corrupted one, a copy without keys) is compared as it is.
      out += `"sealed":{"error":"${o.error}","wire":"${hexOf(wire)}"}`;
    }
  }
  return out + '}';
}

/**
 * Whether two events mean the same, each with its own side's keys; `timed`: at the same icount
 * too (the first divergence's comparison). The order within an icount is the streams' own: an
 * input event, compared apart, takes a number among its icount's events, so the stored seq in
 * icount is not compared. Equal stored forms need no opening: the common case when both sides
 * share a key seed.
 */
export function sameMeaning(a: MachineEvent, wa: JournalWires, b: MachineEvent, wb: JournalWires, timed: boolean): boolean {
  if (timed && a.icount !== b.icount) return false;
  if (a.kind !== b.kind) return false;
  if (sameStored(a, b)) return true;
  return contentKey(a, wa, timed) === contentKey(b, wb, timed);
}

/** Same body as stored (cheap: most events are a handful of numbers). */
function sameStored(a: MachineEvent, b: MachineEvent): boolean {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  for (const k of ka) {
    if (k === 'icount' || k === 'seq') continue;
    const x = ra[k];
    const y = rb[k];
    if (x === y) continue;
    if (x instanceof Uint8Array && y instanceof Uint8Array) {
      if (!Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(y)) return false;
      continue;
    }
    if (typeof x !== 'object' || typeof y !== 'object' || canonical(x) !== canonical(y)) return false;
  }
  return true;
}
