/**
 * How a MachineEvent becomes a journal row and back, and the row's link in the hash chain.
 *
 * Payload: canonical JSON text (keys sorted, no whitespace) of the event without the columns
 * it is stored in (kind, icount, seq). JSON rather than a compact blob because a recording must
 * be queryable with sqlite3 alone (`json_extract(payload, '$.nr')`, the v_* views); the bodies
 * are a handful of small numbers, so a binary encoding would save little. Canonical, so that
 * both stores, and a re-recording, produce byte-identical rows and therefore identical hashes.
 *
 * Hash chain: hash = sha256(prev_hash || row bytes), prev_hash being the hash of the previous
 * event of the same timeline (32 zero bytes before the first event). A child branch continues
 * its parent's chain from the fork point, so equal timelines have equal hashes and two branches
 * can be compared by hash. The row bytes are the UTF-8 of
 *   seq TAB icount TAB seq_in_icount TAB kind TAB pid (empty when NULL) TAB payload
 * (no field but the last can hold a TAB, and JSON escapes control characters).
 */
import { hash } from 'node:crypto';
import type { MachineEvent, MachineEventKind } from '../core/events.js';
import { JournalError } from './errors.js';
import type { Icount, JournalSeq } from './ids.js';
import type { RawEventRow, StoredEvent } from './store.js';

export const ZERO_HASH: Uint8Array = new Uint8Array(32);

/** The process an event belongs to, for the (branch, pid, icount) index; null for machine-wide events. */
export function pidOf(e: MachineEvent): number | null {
  switch (e.kind) {
    case 'boot':
    case 'console-input':
    case 'idle':
    case 'timer-skip':
    case 'irq':
    case 'console-output':
    case 'halt':
    case 'channel':
    case 'inject':
    case 'chaos':
      return null;
    case 'sched':
      return e.to; // the process given the CPU
    case 'syscall':
    case 'syscall-return':
    case 'trap':
    case 'signal':
    case 'exec':
    case 'exit':
      return e.pid;
    case 'ipc':
    case 'ipc-reject':
    case 'ipc-denied':
    case 'ipc-fault':
      return e.src; // the sender; the receiver is in the payload (v_ipc shows both)
    case 'server-crash':
    case 'server-restart':
    case 'server-down':
      return e.server;
    case 'fork':
      return e.parent;
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

/** Sorted payload keys per kind, learnt from the first event of each kind (a shape check guards reuse). */
const keyOrder = new Map<string, readonly string[]>();

function payloadKeys(e: MachineEvent): readonly string[] {
  const cached = keyOrder.get(e.kind);
  const rec = e as unknown as Record<string, unknown>;
  // Same kind, same number of own keys, all of the cached keys present: the same shape.
  if (cached !== undefined && Object.keys(rec).length === cached.length + 3 && cached.every((k) => k in rec)) return cached;
  const keys = Object.keys(rec)
    .filter((k) => k !== 'kind' && k !== 'icount' && k !== 'seq')
    .sort();
  keyOrder.set(e.kind, keys);
  return keys;
}

const quotedKeys = new Map<string, string>();

function quoted(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) quotedKeys.set(k, (q = JSON.stringify(k)));
  return q;
}

/** Canonical JSON of the event's body (everything but kind, icount and seq). */
/**
 * Whether the stored row is the event `e` (kind, icount, seq in icount and payload): what replay
 * holds every emitted event to. Compares the stored form, so no row is parsed.
 */
export function rowMatches(r: RawEventRow, e: MachineEvent): boolean {
  return r.kind === e.kind && r.icount === e.icount && r.seqInIcount === e.seq && r.payload === payloadOf(e);
}

export function payloadOf(e: MachineEvent): string {
  const rec = e as unknown as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of payloadKeys(e)) {
    const v = rec[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + quoted(k) + ':' + canonicalJson(v, k);
    first = false;
  }
  return out + '}';
}

function canonicalJson(v: unknown, path: string): string {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new JournalError('INVALID_EVENT', `event field ${path} is ${String(v)}, which JSON cannot hold`);
      return String(v); // the same text as JSON.stringify for finite numbers (-0 included: "0")
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        if (v.every((x) => typeof x === 'number' && Number.isFinite(x))) return '[' + v.join(',') + ']';
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(v[i], `${path}[${i}]`);
        return out + ']';
      }
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        if (rec[k] === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(rec[k], `${path}.${k}`);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new JournalError('INVALID_EVENT', `event field ${path} is a ${typeof v}, which JSON cannot hold`);
  }
}

/** The columns a row is hashed over, as stored. */
export interface RowFields {
  readonly seq: number;
  readonly icount: number;
  readonly seqInIcount: number;
  readonly kind: string;
  readonly pid: number | null;
  readonly payload: string;
}

/**
 * crypto.hash (one call, no Hash object) over a reused buffer is about a third cheaper per row
 * than createHash().update().update().digest(), and hashing is a large share of recording cost.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

export function rowHash(prev: Uint8Array, r: RowFields): Uint8Array {
  const text = `${r.seq}\t${r.icount}\t${r.seqInIcount}\t${r.kind}\t${r.pid ?? ''}\t${r.payload}`;
  // Buffer.write stops at the end of the buffer: grow first when the row might not fit.
  if (text.length * 3 + 32 > scratch.length) scratch = Buffer.allocUnsafe(text.length * 3 + 32);
  scratch.set(prev, 0);
  const n = scratch.write(text, 32, 'utf8');
  return hash('sha256', scratch.subarray(0, 32 + n), 'buffer');
}

/** Rebuilds the MachineEvent from a row. Throws CORRUPT if the payload is not a JSON object. */
export function eventOfRow(kind: string, icount: number, seqInIcount: number, payload: string, where: string): MachineEvent {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (e) {
    throw new JournalError('CORRUPT', `event ${where}: payload is not JSON (run xrr verify)`, { cause: e });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new JournalError('CORRUPT', `event ${where}: payload is not a JSON object`);
  // The kind column and payload were written together from a MachineEvent; verify() checks them
  // against the hash chain, so the shape is trusted here rather than re-validated per read.
  return { ...(body as object), kind: kind as MachineEventKind, icount, seq: seqInIcount } as MachineEvent;
}

/** A row as the store returns it: the event rebuilt from its columns. */
export function storedOfRow(r: RawEventRow): StoredEvent {
  const event = eventOfRow(r.kind, r.icount, r.seqInIcount, r.payload, `${r.seq} of branch ${r.branch}`);
  return { branch: r.branch, seq: r.seq as JournalSeq, icount: r.icount as Icount, kind: event.kind, pid: r.pid, event, hash: r.hash };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hexOfBytes(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
