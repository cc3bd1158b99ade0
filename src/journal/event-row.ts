/**
 * How a MachineEvent becomes a journal row (schema 4) and back.
 *
 * A row is typed columns, chosen by measurement (README "Event encoding"): what is queried is
 * an INTEGER column (kind, pid, syscall number or message type, the syscall's arguments and
 * result, ...), byte data is a BLOB (console bytes, IPC payloads and wires), strings that repeat
 * (syscall names, scheduling reasons, server names, paths) are ids into the `name` table, and the
 * few fields of rare kinds that fit no column are canonical JSON in `body`. Every column is
 * readable with the sqlite3 shell; the views (v_event, v_syscalls, v_ipc, v_crashes) give the
 * events back in their old shape.
 *
 * Column use by kind (`a0`..`a5` are the kind's numbers, in this order):
 *   syscall         pid, nr, a0..a5 = args, name = name
 *   syscall-return  pid, nr, a0 = result
 *   ipc, ipc-reject pid = src, nr = mType, a0 = dst, a1 = form of data (0 plaintext payload,
 *                   1 sealed wire as nonce || ciphertext, 2 wire bytes verbatim, 3 sealed wire as
 *                   its ciphertext alone, the nonce being the one derived from its header),
 *                   a2, a3, a4 = the wire header's src, dst and seq, a5 = its m_type when it is
 *                   not mType; data = the payload, or the wire as its form says; ipc-reject: name = error
 *   ipc-denied/-fault pid = src, nr = mType, a0 = dst, name = reason / fault
 *   sched           pid = to, a0 = from, name = reason
 *   irq             nr = line          idle, timer-skip   a0 = skippedNs    chaos  a0 = seed
 *   console-*       data = the bytes   channel  a0 = initiator, a1 = responder
 *   trap            pid, nr = cause, a0 = pc, a1 = tval     signal  pid, nr = signo, name = action
 *   fork            pid = parent, a0 = child                exec    pid, name = path
 *   exit            pid, a0 = status                        halt    a0 = status, name = reason
 *   server-crash    pid = server, nr = mType, a0 = source, name = name, body = {cause, error} (and stack, in rows of machines before 4)
 *   server-restart  pid = server, a0 = restarts, name = name, body = {lost}
 *   server-down     pid = server, a0 = crashes, name = name, body = {reason}
 *   boot, inject, schedule, deadlock    body = every field
 * An event whose shape is not the one above (a field missing or of another type) is stored with
 * the negated kind code and every field in `body`, so nothing is ever lost or altered.
 *
 * Canonical form: rowBytes() serialises the columns (names as text, not ids) the same way in
 * both stores, so the same run gives byte-identical rows and equal hash chains (block-chain.ts).
 *
 * These are the logical columns. The SQLite store lays them out in fewer bytes (schema 9,
 * sqlite-store.ts): body in the data column as TEXT, large data in event_data segments, a
 * syscall's usual name left to syscall_name, a syscall and the return right after it in one row.
 */
import { eventFieldsOfJson, jsonOfEvent } from '../core/event-json.js';
import { hexOf } from '../protocol/hex.js';
import type { MachineEvent, MachineEventKind } from '../core/events.js';
import { derivedNonce, isDerivedNonce } from '../core/ipc/wire.js';
import { JournalError } from './errors.js';
import type { Icount, JournalSeq } from './ids.js';
import type { RawEventRow, StoredEvent } from './store.js';

/**
 * Kind codes as stored in event.kind (and in the event_kind table). The frequent kinds come
 * first: the partial index event_kind covers only codes >= RARE_KIND_MIN, which keeps the
 * index small while "all crashes" and "the inputs a seek replays" stay indexed.
 */
export const KIND_CODES: Readonly<Record<MachineEventKind, number>> = {
  syscall: 1,
  'syscall-return': 2,
  ipc: 3,
  sched: 4,
  'console-output': 5,
  irq: 6,
  boot: 7,
  'console-input': 8,
  idle: 9,
  'timer-skip': 10,
  'ipc-reject': 11,
  'ipc-denied': 12,
  'ipc-fault': 13,
  channel: 14,
  'server-crash': 15,
  'server-restart': 16,
  'server-down': 17,
  inject: 18,
  chaos: 19,
  trap: 20,
  signal: 21,
  fork: 22,
  exec: 23,
  exit: 24,
  halt: 25,
  schedule: 26,
  deadlock: 27,
};

/** Kinds with a code at or above this are in the partial index event_kind. */
export const RARE_KIND_MIN = 4;

const KIND_NAMES: readonly (MachineEventKind | undefined)[] = (() => {
  const out: (MachineEventKind | undefined)[] = [];
  for (const [name, code] of Object.entries(KIND_CODES)) out[code] = name as MachineEventKind;
  return out;
})();

export function kindCode(kind: MachineEventKind): number {
  return KIND_CODES[kind];
}

/** The kind of a stored code (negated for a row kept whole in body); undefined for an unknown code. */
export function kindOfCode(code: number): MachineEventKind | undefined {
  return KIND_NAMES[Math.abs(code)];
}

/** The process an event belongs to, for pid queries; null for machine-wide events. */
export function pidOf(e: MachineEvent): number | null {
  switch (e.kind) {
    case 'boot':
    case 'console-input':
    case 'idle':
    case 'timer-skip':
    case 'irq':
    case 'console-output':
    case 'halt':
    case 'inject':
    case 'chaos':
    case 'schedule':
    case 'deadlock':
    case 'channel':
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
      return e.src; // the sender; the receiver is a0 (v_ipc shows both)
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

/** The stored columns of one event (besides branch, seq, icount, seq_in_icount), names as text. */
export interface EventColumns {
  kind: number;
  pid: number | null;
  nr: number | null;
  a0: number | null;
  a1: number | null;
  a2: number | null;
  a3: number | null;
  a4: number | null;
  a5: number | null;
  name: string | null;
  data: Uint8Array | null;
  body: string | null;
}

/** An event row as SQLite hands it back (the name as its id in the name table, blobs as Buffers). */
export interface EventRowDb extends Omit<EventColumns, 'name' | 'data'> {
  seq: number;
  icount: number;
  sii: number;
  name: number | null;
  data: Buffer | null;
}

function blank(kind: number, pid: number | null): EventColumns {
  return { kind, pid, nr: null, a0: null, a1: null, a2: null, a3: null, a4: null, a5: null, name: null, data: null, body: null };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
/** Own enumerable keys of an event, kind/icount/seq included. */
function keyCount(e: object): number {
  return Object.keys(e).length;
}

/** A Buffer view of bytes (no copy): every row's data is a Buffer, as SQLite gives blobs back. */
const bufferOf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

// The sealed wire's layout (src/core/ipc/wire.ts): format u8 = 1, three zero bytes, header
// (src, dst, m_type u32, seq u64), nonce (24), ciphertext length u32, ciphertext. The header is
// columns and the format and length are derived; when the nonce is the one the machine derives
// from the header (machines from 6 on), it is derived too and data is the ciphertext alone
// (form 3); any other nonce (machines before 6) is stored in front of it (form 1). A wire that
// does not have exactly this shape is stored verbatim (form 2), so an altered or malformed wire
// is kept as it was.
const WIRE_PREFIX = 52;
const WIRE_NONCE_AT = 24;
const NONCE = 24;
const TWO_32 = 2 ** 32;
/** data's forms for a message (column a1). */
const PLAINTEXT = 0;
const NONCE_AND_CIPHERTEXT = 1;
const VERBATIM = 2;
const CIPHERTEXT = 3;

/**
 * Sets a1..a5 and data for a wire: any bytes can be stored, a well-formed wire in form 3 or 1 and
 * anything else verbatim. data is a view of the event's own bytes (they are never written to).
 */
function putWire(c: EventColumns, bytes: Uint8Array, mType: number): void {
  const w = bufferOf(bytes);
  const n = w.length;
  if (n >= WIRE_PREFIX && w[0] === 1 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w.readUInt32LE(48) === n - WIRE_PREFIX) {
    const seq = w.readUInt32LE(16) + w.readUInt32LE(20) * TWO_32;
    if (Number.isSafeInteger(seq)) {
      const type = w.readUInt32LE(12);
      const src = w.readUInt32LE(4);
      const dst = w.readUInt32LE(8);
      c.a2 = src;
      c.a3 = dst;
      c.a4 = seq;
      c.a5 = type === mType ? null : type;
      if (isDerivedNonce(w, WIRE_NONCE_AT, src, dst, seq)) {
        c.a1 = CIPHERTEXT;
        c.data = w.subarray(WIRE_PREFIX);
      } else {
        c.a1 = NONCE_AND_CIPHERTEXT;
        const d = Buffer.allocUnsafe(n - WIRE_PREFIX + NONCE);
        w.copy(d, 0, WIRE_NONCE_AT, WIRE_NONCE_AT + NONCE);
        w.copy(d, NONCE, WIRE_PREFIX);
        c.data = d;
      }
      return;
    }
  }
  c.a1 = VERBATIM;
  c.data = w;
}

/** The wire bytes of a message row, in an ArrayBuffer of their own (the reader may keep them). */
function wireOf(r: RawEventRow, mType: number): Uint8Array {
  const d = r.data ?? new Uint8Array(0);
  if (r.a1 === VERBATIM) return new Uint8Array(d);
  const stored = r.a1 === CIPHERTEXT ? 0 : NONCE;
  const ct = d.length - stored;
  const w = Buffer.allocUnsafeSlow(WIRE_PREFIX + ct);
  w.writeUInt32LE(1, 0);
  w.writeUInt32LE(r.a2 ?? 0, 4);
  w.writeUInt32LE(r.a3 ?? 0, 8);
  w.writeUInt32LE(r.a5 ?? mType, 12);
  const seq = r.a4 ?? 0;
  w.writeUInt32LE(seq % TWO_32, 16);
  w.writeUInt32LE(Math.floor(seq / TWO_32), 20);
  w.set(stored === 0 ? derivedNonce(r.a2 ?? 0, r.a3 ?? 0, seq) : d.subarray(0, NONCE), WIRE_NONCE_AT);
  w.writeUInt32LE(ct, 48);
  w.set(d.subarray(stored), WIRE_PREFIX);
  return new Uint8Array(w.buffer, 0, w.length);
}

/**
 * Canonical JSON of the event's body (everything but kind, icount and seq): keys sorted at every
 * depth, the event as jsonOfEvent gives it. So byte fields have their JSON form: a message's bytes
 * lowercase hex text under their JSON names (`wire` as "wireHex":"01000000...", `payload` as
 * "payloadHex"), console bytes an array of numbers; the form schema-3 payloads and rows kept whole
 * have always had, which eventOfRow turns back into bytes. A byte array anywhere else (no event
 * has one) is hex text too, never an object of indexes.
 */
export function payloadOf(e: MachineEvent): string {
  const rec = jsonOfEvent(e);
  const keys = Object.keys(rec)
    .filter((k) => k !== 'kind' && k !== 'icount' && k !== 'seq')
    .sort();
  return canonicalObject(rec, keys, '');
}

function canonicalObject(rec: Record<string, unknown>, keys: readonly string[], path: string): string {
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = rec[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v, path === '' ? k : `${path}.${k}`);
    first = false;
  }
  return out + '}';
}

function canonicalJson(v: unknown, path: string): string {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new JournalError('INVALID_EVENT', `event field ${path} is ${String(v)}, which JSON cannot hold`);
      return String(v);
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (v === null) return 'null';
      if (v instanceof Uint8Array) return `"${hexOf(v)}"`;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(v[i], `${path}[${i}]`);
        return out + ']';
      }
      const rec = v as Record<string, unknown>;
      return canonicalObject(rec, Object.keys(rec).sort(), path);
    }
    default:
      throw new JournalError('INVALID_EVENT', `event field ${path} is a ${typeof v}, which JSON cannot hold`);
  }
}

/** Canonical JSON of some of an event's fields. */
function bodyOf(e: MachineEvent, keys: readonly string[]): string {
  return canonicalObject(e as unknown as Record<string, unknown>, keys, '');
}

/** The row form of an event whose shape is not the expected one: every field in body. */
function whole(e: MachineEvent): EventColumns {
  const c = blank(-kindCode(e.kind), pidOfLoose(e));
  c.body = payloadOf(e);
  return c;
}

function pidOfLoose(e: MachineEvent): number | null {
  const p = pidOf(e);
  return isInt(p) ? p : null;
}

/**
 * The columns of an event. Throws INVALID_EVENT for a value JSON cannot hold (a non-finite
 * number, a function); anything else is stored, in columns when it has the expected shape.
 */
export function columnsOf(e: MachineEvent): EventColumns {
  const c = encodeTyped(e);
  return c ?? whole(e);
}

function encodeTyped(e: MachineEvent): EventColumns | null {
  const n = keyCount(e);
  switch (e.kind) {
    case 'syscall': {
      const a = e.args;
      if (n !== 7 || !isInt(e.pid) || !isInt(e.nr) || !isStr(e.name) || !Array.isArray(a) || a.length !== 6) return null;
      if (!isInt(a[0]) || !isInt(a[1]) || !isInt(a[2]) || !isInt(a[3]) || !isInt(a[4]) || !isInt(a[5])) return null;
      const c = blank(1, e.pid);
      c.nr = e.nr;
      c.a0 = a[0];
      c.a1 = a[1];
      c.a2 = a[2];
      c.a3 = a[3];
      c.a4 = a[4];
      c.a5 = a[5];
      c.name = e.name;
      return c;
    }
    case 'syscall-return': {
      if (n !== 6 || !isInt(e.pid) || !isInt(e.nr) || !isInt(e.result)) return null;
      const c = blank(2, e.pid);
      c.nr = e.nr;
      c.a0 = e.result;
      return c;
    }
    case 'ipc': {
      if (!isInt(e.src) || !isInt(e.dst) || !isInt(e.mType)) return null;
      const c = blank(3, e.src);
      c.nr = e.mType;
      c.a0 = e.dst;
      if (e.wire !== undefined) {
        if (n !== 7 || e.payload !== undefined || !(e.wire instanceof Uint8Array)) return null;
        putWire(c, e.wire, e.mType);
      } else if (e.payload !== undefined) {
        if (n !== 7 || !(e.payload instanceof Uint8Array)) return null;
        c.a1 = PLAINTEXT;
        c.data = bufferOf(e.payload);
      } else if (n !== 6) return null;
      return c;
    }
    case 'ipc-reject': {
      if (n !== 8 || !isInt(e.src) || !isInt(e.dst) || !isInt(e.mType) || !isStr(e.error) || !(e.wire instanceof Uint8Array)) return null;
      const c = blank(11, e.src);
      c.nr = e.mType;
      c.a0 = e.dst;
      c.name = e.error;
      putWire(c, e.wire, e.mType);
      return c;
    }
    case 'ipc-denied':
    case 'ipc-fault': {
      const text = e.kind === 'ipc-denied' ? e.reason : e.fault;
      if (n !== 7 || !isInt(e.src) || !isInt(e.dst) || !isInt(e.mType) || !isStr(text)) return null;
      const c = blank(KIND_CODES[e.kind], e.src);
      c.nr = e.mType;
      c.a0 = e.dst;
      c.name = text;
      return c;
    }
    case 'sched': {
      if (n !== 6 || !isInt(e.to) || !isInt(e.from) || !isStr(e.reason)) return null;
      const c = blank(4, e.to);
      c.a0 = e.from;
      c.name = e.reason;
      return c;
    }
    case 'console-output':
    case 'console-input': {
      if (n !== 4 || !(e.data instanceof Uint8Array)) return null;
      const c = blank(KIND_CODES[e.kind], null);
      c.data = bufferOf(e.data);
      return c;
    }
    case 'irq': {
      if (n !== 4 || !isInt(e.line)) return null;
      const c = blank(6, null);
      c.nr = e.line;
      return c;
    }
    case 'idle':
    case 'timer-skip': {
      if (n !== 4 || !isInt(e.skippedNs)) return null;
      const c = blank(KIND_CODES[e.kind], null);
      c.a0 = e.skippedNs;
      return c;
    }
    case 'chaos': {
      if (n !== 4 || !isInt(e.seed)) return null;
      const c = blank(19, null);
      c.a0 = e.seed;
      return c;
    }
    case 'channel': {
      if (n !== 5 || !isInt(e.initiator) || !isInt(e.responder)) return null;
      const c = blank(14, null);
      c.a0 = e.initiator;
      c.a1 = e.responder;
      return c;
    }
    case 'trap': {
      if (n !== 7 || !isInt(e.pid) || !isInt(e.cause) || !isInt(e.pc) || !isInt(e.tval)) return null;
      const c = blank(20, e.pid);
      c.nr = e.cause;
      c.a0 = e.pc;
      c.a1 = e.tval;
      return c;
    }
    case 'signal': {
      if (n !== 6 || !isInt(e.pid) || !isInt(e.signo) || !isStr(e.action)) return null;
      const c = blank(21, e.pid);
      c.nr = e.signo;
      c.name = e.action;
      return c;
    }
    case 'fork': {
      if (n !== 5 || !isInt(e.parent) || !isInt(e.child)) return null;
      const c = blank(22, e.parent);
      c.a0 = e.child;
      return c;
    }
    case 'exec': {
      if (n !== 5 || !isInt(e.pid) || !isStr(e.path)) return null;
      const c = blank(23, e.pid);
      c.name = e.path;
      return c;
    }
    case 'exit': {
      if (n !== 5 || !isInt(e.pid) || !isInt(e.status)) return null;
      const c = blank(24, e.pid);
      c.a0 = e.status;
      return c;
    }
    case 'halt': {
      if (n !== 5 || !isInt(e.status) || !isStr(e.reason)) return null;
      const c = blank(25, null);
      c.a0 = e.status;
      c.name = e.reason;
      return c;
    }
    case 'server-crash': {
      // Nine keys; ten in rows of machines before 4, whose crash events also held a host stack.
      if (n !== ('stack' in e ? 10 : 9) || !isInt(e.server) || !isInt(e.mType) || !isInt(e.source) || !isStr(e.name)) return null;
      const c = blank(15, e.server);
      c.nr = e.mType;
      c.a0 = e.source;
      c.name = e.name;
      c.body = bodyOf(e, ['cause', 'error', 'stack']);
      return c;
    }
    case 'server-restart': {
      if (n !== 7 || !isInt(e.server) || !isInt(e.restarts) || !isStr(e.name)) return null;
      const c = blank(16, e.server);
      c.a0 = e.restarts;
      c.name = e.name;
      c.body = bodyOf(e, ['lost']);
      return c;
    }
    case 'server-down': {
      if (n !== 7 || !isInt(e.server) || !isInt(e.crashes) || !isStr(e.name)) return null;
      const c = blank(17, e.server);
      c.a0 = e.crashes;
      c.name = e.name;
      c.body = bodyOf(e, ['reason']);
      return c;
    }
    case 'boot':
    case 'inject':
    case 'schedule':
    case 'deadlock':
      return { ...blank(KIND_CODES[e.kind], null), body: payloadOf(e) };
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

function parseBody(r: RawEventRow, where: () => string): Record<string, unknown> {
  if (r.body === null) return {};
  let v: unknown;
  try {
    v = JSON.parse(r.body);
  } catch (e) {
    throw new JournalError('CORRUPT', `event ${where()}: body is not JSON (run xrr verify)`, { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new JournalError('CORRUPT', `event ${where()}: body is not a JSON object (run xrr verify)`);
  return v as Record<string, unknown>;
}

/** A row's bytes as a plain Uint8Array of their own, as the machine emits them (a row's data may be a view of a store's or a batch's memory). */
const ownBytes = (d: Uint8Array | null): Uint8Array => (d === null ? new Uint8Array(0) : new Uint8Array(d));

/**
 * Rebuilds the MachineEvent from a row. The columns were written together from a MachineEvent
 * and verify() checks them against the hash chain, so the shape is trusted rather than
 * re-validated per read; an unknown kind code or a body that is not JSON is CORRUPT.
 */
export function eventOfRow(r: RawEventRow): MachineEvent {
  const where = (): string => `${r.seq} of branch ${r.branch}`;
  const kind = kindOfCode(r.kind);
  if (kind === undefined) throw new JournalError('CORRUPT', `event ${where()}: unknown kind code ${r.kind} (run xrr verify)`);
  const at = { icount: r.icount, seq: r.seqInIcount };
  // Kept whole: its byte fields are in their JSON form there (payloadOf), bytes again here.
  if (r.kind < 0) return { ...eventFieldsOfJson(kind, parseBody(r, where)), kind, ...at } as MachineEvent;
  let body: Record<string, unknown>;
  switch (kind) {
    case 'syscall':
      body = { pid: r.pid, nr: r.nr, name: r.name, args: [r.a0, r.a1, r.a2, r.a3, r.a4, r.a5] };
      break;
    case 'syscall-return':
      body = { pid: r.pid, nr: r.nr, result: r.a0 };
      break;
    case 'ipc':
      body = { src: r.pid, dst: r.a0, mType: r.nr };
      if (r.a1 === PLAINTEXT) body.payload = ownBytes(r.data);
      else if (r.a1 !== null) body.wire = wireOf(r, r.nr ?? 0);
      break;
    case 'ipc-reject':
      body = { src: r.pid, dst: r.a0, mType: r.nr, error: r.name, wire: wireOf(r, r.nr ?? 0) };
      break;
    case 'ipc-denied':
      body = { src: r.pid, dst: r.a0, mType: r.nr, reason: r.name };
      break;
    case 'ipc-fault':
      body = { src: r.pid, dst: r.a0, mType: r.nr, fault: r.name };
      break;
    case 'sched':
      body = { from: r.a0, to: r.pid, reason: r.name };
      break;
    case 'console-output':
    case 'console-input':
      body = { data: ownBytes(r.data) };
      break;
    case 'irq':
      body = { line: r.nr };
      break;
    case 'idle':
    case 'timer-skip':
      body = { skippedNs: r.a0 };
      break;
    case 'chaos':
      body = { seed: r.a0 };
      break;
    case 'channel':
      body = { initiator: r.a0, responder: r.a1 };
      break;
    case 'trap':
      body = { pid: r.pid, cause: r.nr, pc: r.a0, tval: r.a1 };
      break;
    case 'signal':
      body = { pid: r.pid, signo: r.nr, action: r.name };
      break;
    case 'fork':
      body = { parent: r.pid, child: r.a0 };
      break;
    case 'exec':
      body = { pid: r.pid, path: r.name };
      break;
    case 'exit':
      body = { pid: r.pid, status: r.a0 };
      break;
    case 'halt':
      body = { reason: r.name, status: r.a0 };
      break;
    case 'server-crash':
      body = { server: r.pid, name: r.name, mType: r.nr, source: r.a0, ...parseBody(r, where) };
      break;
    case 'server-restart':
      body = { server: r.pid, name: r.name, restarts: r.a0, ...parseBody(r, where) };
      break;
    case 'server-down':
      body = { server: r.pid, name: r.name, crashes: r.a0, ...parseBody(r, where) };
      break;
    case 'boot':
    case 'inject':
    case 'schedule':
    case 'deadlock':
      body = parseBody(r, where);
      break;
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
  return { ...body, kind, ...at } as MachineEvent;
}

/** A row as the store returns it: the event rebuilt from its columns. */
export function storedOfRow(r: RawEventRow): StoredEvent {
  const event = eventOfRow(r);
  return { branch: r.branch, seq: r.seq as JournalSeq, icount: r.icount as Icount, kind: event.kind, pid: r.pid, event };
}

function sameData(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Whether the stored row is the event `e` (kind, icount, seq in icount and every field): what
 * replay holds every emitted event to. Compares the stored form (the event's columns with the
 * row's), so no row is parsed.
 */
export function rowMatches(r: RawEventRow, e: MachineEvent): boolean {
  if (r.icount !== e.icount || r.seqInIcount !== e.seq || Math.abs(r.kind) !== KIND_CODES[e.kind]) return false;
  const c = columnsOf(e);
  return (
    c.kind === r.kind && c.pid === r.pid && c.nr === r.nr && c.a0 === r.a0 && c.a1 === r.a1 && c.a2 === r.a2 && c.a3 === r.a3 &&
    c.a4 === r.a4 && c.a5 === r.a5 && c.name === r.name && c.body === r.body && sameData(c.data, r.data)
  );
}

/** A row of the journal from an event at a timeline position. */
export function rowOf(branch: RawEventRow['branch'], seq: number, e: MachineEvent): RawEventRow {
  return { branch, seq, icount: e.icount, seqInIcount: e.seq, ...columnsOf(e) };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
