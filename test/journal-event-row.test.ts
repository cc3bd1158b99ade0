/**
 * The schema-4 event encoding (event-row.ts): every kind the machine emits goes into typed
 * columns (none falls back to a whole-JSON body), comes back exactly, and is held by rowMatches
 * to every one of its fields; sealed wires are stored as their ciphertext (the nonce derived from
 * the header) or nonce and ciphertext and rebuilt byte for byte, an irregular wire verbatim; an event of an unexpected shape is kept whole,
 * its bytes as hex text under their JSON names (wireHex, payloadHex), and read back as bytes, rows
 * of older recordings too.
 */
import { describe, expect, it } from 'vitest';
import type { MachineEvent, MachineEventKind } from '../src/core/events.js';
import { derivedNonce } from '../src/core/ipc/wire.js';
import { columnsOf, eventOfRow, KIND_CODES, payloadOf, rowMatches, rowOf } from '../src/journal/event-row.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { RawEventRow } from '../src/journal/store.js';

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const WIRE_HEX = '01000000' + '00000000' + '02000000' + '67000000' + '05000000' + '00000000' + 'ab'.repeat(24) + '14000000' + 'cd'.repeat(20);

/** One event of every kind, shaped as the kernel emits them. */
const EXAMPLES: Record<MachineEventKind, MachineEvent> = {
  boot: { kind: 'boot', seedHex: 'ab'.repeat(32), bootEpochNs: '1750000000000000000', machineVersion: 'xrr-machine/3', icount: 0, seq: 0 },
  'console-input': { kind: 'console-input', data: Uint8Array.of(104, 105, 10), icount: 1, seq: 0 },
  idle: { kind: 'idle', skippedNs: 123456789, icount: 2, seq: 0 },
  'timer-skip': { kind: 'timer-skip', skippedNs: 1000, icount: 3, seq: 0 },
  irq: { kind: 'irq', line: 2, icount: 4, seq: 0 },
  'console-output': { kind: 'console-output', data: Uint8Array.of(0, 255, 7), icount: 5, seq: 0 },
  sched: { kind: 'sched', from: -1, to: 8, reason: 'switch', icount: 6, seq: 0 },
  syscall: { kind: 'syscall', pid: 8, nr: 6, name: 'write', args: [1, 0x7ffef000, 4096, 0, -1, 0xffffffff], icount: 7, seq: 0 },
  'syscall-return': { kind: 'syscall-return', pid: 8, nr: 6, result: -14, icount: 7, seq: 1 },
  ipc: { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes(WIRE_HEX), icount: 7, seq: 2 },
  'ipc-reject': { kind: 'ipc-reject', src: 0, dst: 3, mType: 205, error: 'auth', wire: bytes(WIRE_HEX), icount: 8, seq: 0 },
  'ipc-denied': { kind: 'ipc-denied', src: 8, dst: 4, mType: 300, reason: 'no capability', icount: 9, seq: 0 },
  'ipc-fault': { kind: 'ipc-fault', src: 0, dst: 2, mType: 100, fault: 'drop', icount: 10, seq: 0 },
  channel: { kind: 'channel', initiator: 0, responder: 7, icount: 11, seq: 0 },
  'server-crash': { kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 137, source: 0, error: 'boom', icount: 12, seq: 0 },
  'server-restart': { kind: 'server-restart', server: 2, name: 'vfs', restarts: 1, lost: ['1 pending request(s)'], icount: 12, seq: 1 },
  'server-down': { kind: 'server-down', server: 2, name: 'vfs', crashes: 4, reason: 'restart limit', icount: 13, seq: 0 },
  inject: { kind: 'inject', fault: { kind: 'corrupt', src: 0, dst: 2, nth: 3, byteIndex: 5 }, icount: 14, seq: 0 },
  chaos: { kind: 'chaos', seed: 17, icount: 15, seq: 0 },
  trap: { kind: 'trap', pid: 9, cause: 13, pc: 0x10074, tval: 0xdeadbeef, icount: 16, seq: 0 },
  signal: { kind: 'signal', pid: 9, signo: 11, action: 'terminate', icount: 16, seq: 1 },
  fork: { kind: 'fork', parent: 8, child: 9, icount: 17, seq: 0 },
  exec: { kind: 'exec', pid: 9, path: '/bin/sh', icount: 18, seq: 0 },
  exit: { kind: 'exit', pid: 9, status: 256, icount: 19, seq: 0 },
  halt: { kind: 'halt', reason: 'init exited', status: 0, icount: 20, seq: 0 },
  schedule: { kind: 'schedule', policy: { kind: 'pct', seed: 7, depth: 2, steps: 120 }, icount: 21, seq: 0 },
  deadlock: { kind: 'deadlock', waiting: [{ pid: 1, name: 'init', wait: 'wait4: reply from pm' }], icount: 22, seq: 0 },
};

const roundTrip = (e: MachineEvent): MachineEvent => eventOfRow(rowOf(ROOT_BRANCH, 0, e));

describe('event rows', () => {
  it('store every kind in typed columns and give it back exactly', () => {
    for (const [kind, e] of Object.entries(EXAMPLES)) {
      expect(columnsOf(e).kind, kind).toBe(KIND_CODES[kind as MachineEventKind]);
      expect(roundTrip(e), kind).toEqual(e);
      expect(rowMatches(rowOf(ROOT_BRANCH, 0, e), e), kind).toBe(true);
    }
  });

  it('hold an event to every field: any change is a mismatch', () => {
    for (const e of Object.values(EXAMPLES)) {
      const row = rowOf(ROOT_BRANCH, 0, e);
      for (const [k, v] of Object.entries(e)) {
        if (k === 'kind') continue;
        const flipped = (b: Uint8Array) => b.map((x, i) => (i === b.length - 1 ? x ^ 1 : x));
        const changed =
          v instanceof Uint8Array ? flipped(v) : typeof v === 'number' ? v + 1 : typeof v === 'string' ? (/^[0-9a-f]+$/.test(v) ? v.slice(0, -2) + (v.endsWith('00') ? '01' : '00') : `${v}!`) : Array.isArray(v) ? [...(v as unknown[]), 1] : { ...(v as object), nth: 99 };
        expect(rowMatches(row, { ...e, [k]: changed } as MachineEvent), `${e.kind}.${k}`).toBe(false);
      }
    }
  });

  it('keep a sealed wire whose nonce derives from its header as its ciphertext alone', () => {
    // src 8, dst 2, seq 5 and the nonce derivedNonce(8, 2, 5), as machines from 6 on seal.
    const nonce = Buffer.from(derivedNonce(8, 2, 5)).toString('hex');
    const wireHex = '01000000' + '08000000' + '02000000' + '67000000' + '05000000' + '00000000' + nonce + '14000000' + 'cd'.repeat(20);
    const e = { ...EXAMPLES.ipc, src: 8, dst: 2, wire: bytes(wireHex) } as MachineEvent;
    const c = columnsOf(e);
    expect(c.a1).toBe(3);
    expect(Buffer.from(c.data!).toString('hex')).toBe('cd'.repeat(20));
    expect(roundTrip(e)).toEqual(e);
    expect(rowMatches(rowOf(ROOT_BRANCH, 0, e), e)).toBe(true);
    // One nonce byte changed (an old machine's or an altered wire): the nonce is stored.
    for (const at of [0, 23]) {
      const other = wireHex.slice(0, 48 + at * 2) + 'ff' + wireHex.slice(50 + at * 2);
      const o = { ...e, wire: bytes(other) } as MachineEvent;
      expect(columnsOf(o).a1, `nonce byte ${at}`).toBe(1);
      expect(roundTrip(o)).toEqual(o);
      expect(rowMatches(rowOf(ROOT_BRANCH, 0, e), o)).toBe(false);
    }
  });

  it('keep a sealed wire as nonce and ciphertext, and rebuild it byte for byte', () => {
    const c = columnsOf(EXAMPLES.ipc);
    expect(c.a1).toBe(1); // the nonce is not the derived one: kept
    expect(c.data!.length).toBe(24 + 20); // nonce and ciphertext: the prefix is columns and derived
    expect([c.a2, c.a3, c.a4, c.a5]).toEqual([0, 2, 5, null]);
    // A header whose type differs from the event's (an altered message) keeps its own type.
    const altered = { ...EXAMPLES.ipc, mType: 104 } as MachineEvent;
    expect(columnsOf(altered).a5).toBe(0x67);
    expect(roundTrip(altered)).toEqual(altered);
    // A wire that is not of this shape is kept verbatim.
    // Any bytes can be stored: a wire that is not of this shape (empty, cut short, another format,
    // one byte too long) is kept verbatim, in typed columns rather than whole.
    for (const wireHex of ['', '00', WIRE_HEX.slice(0, 100), '02' + WIRE_HEX.slice(2), WIRE_HEX + 'ff']) {
      for (const e of [{ ...EXAMPLES.ipc, wire: bytes(wireHex) }, { ...EXAMPLES['ipc-reject'], wire: bytes(wireHex) }] as MachineEvent[]) {
        const c = columnsOf(e);
        expect([c.kind, c.a1], `${e.kind} ${wireHex.slice(0, 8)}`).toEqual([KIND_CODES[e.kind], 2]);
        expect(hexOf(c.data!)).toBe(wireHex);
        expect(roundTrip(e)).toEqual(e);
        expect(rowMatches(rowOf(ROOT_BRANCH, 0, e), e)).toBe(true);
      }
    }
    for (const payload of ['00ff10', '']) {
      const plain = { kind: 'ipc', src: 0, dst: 2, mType: 100, payload: bytes(payload), icount: 1, seq: 0 } as MachineEvent;
      expect(columnsOf(plain).a1).toBe(0);
      expect(hexOf(columnsOf(plain).data!)).toBe(payload);
      expect(roundTrip(plain)).toEqual(plain);
    }
  });

  it('keep an event of an unexpected shape whole, with its kind code negated', () => {
    const odd: MachineEvent[] = [
      { ...EXAMPLES.syscall, args: [1, 2, 3] } as MachineEvent,
      // Both a wire and a payload; a wire and a field more.
      { ...EXAMPLES.ipc, payload: bytes('00ff') } as MachineEvent,
      { ...EXAMPLES['ipc-reject'], stack: 'x' } as unknown as MachineEvent,
      // An event of an older recording whose wire was hex text that is not hex.
      { kind: 'ipc', src: 8, dst: 2, mType: 103, wireHex: WIRE_HEX.toUpperCase(), icount: 7, seq: 2 } as unknown as MachineEvent,
      // Console data of an older recording that is not bytes.
      { ...EXAMPLES['console-output'], data: [1, 300] } as unknown as MachineEvent,
      { ...EXAMPLES.exit, extra: { why: 'later field' } } as unknown as MachineEvent,
      { ...EXAMPLES.trap, pc: 1.5 } as MachineEvent,
    ];
    for (const e of odd) {
      const c = columnsOf(e);
      expect(c.kind, JSON.stringify(e).slice(0, 60)).toBe(-KIND_CODES[e.kind]);
      expect(roundTrip(e)).toEqual(e);
      expect(rowMatches(rowOf(ROOT_BRANCH, 0, e), e)).toBe(true);
    }
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => columnsOf({ ...EXAMPLES.exit, extra: Number.NaN } as unknown as MachineEvent)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }) as Error);
  });

  it('keep an event whole with its bytes as hex text under their JSON names, and read them back as bytes', () => {
    const e = { ...EXAMPLES.ipc, payload: bytes('00ff') } as MachineEvent;
    const c = columnsOf(e);
    expect(c.kind).toBe(-3);
    // The body is the event's JSON form (event-json.ts): what an older recording's whole row holds.
    expect(c.body).toBe(`{"dst":2,"mType":103,"payloadHex":"00ff","src":8,"wireHex":"${WIRE_HEX}"}`);
    expect(payloadOf(EXAMPLES['ipc-reject'])).toBe(`{"dst":3,"error":"auth","mType":205,"src":0,"wireHex":"${WIRE_HEX}"}`);
    const back = roundTrip(e) as Extract<MachineEvent, { kind: 'ipc' }>;
    expect(back.wire).toBeInstanceOf(Uint8Array);
    expect(back.payload).toBeInstanceOf(Uint8Array);
  });

  it('read a row kept whole by an older recording, its wire and payload as hex text, as bytes', () => {
    // As written before events held bytes: kind negated, every field in body, the wire as hex text.
    const row = (kind: number, body: string): RawEventRow => ({
      branch: ROOT_BRANCH, seq: 4, icount: 70, seqInIcount: 1, kind, pid: (JSON.parse(body) as { src?: number }).src ?? null,
      nr: null, a0: null, a1: null, a2: null, a3: null, a4: null, a5: null, name: null, data: null, body,
    });
    const old = row(-3, `{"dst":2,"extra":1,"mType":103,"src":8,"wireHex":"${WIRE_HEX}"}`);
    const e = eventOfRow(old);
    expect(e).toEqual({ kind: 'ipc', src: 8, dst: 2, mType: 103, extra: 1, wire: bytes(WIRE_HEX), icount: 70, seq: 1 });
    // The same event stored again is the same row: replay holds it to the old row, the chain is unchanged.
    expect(rowMatches(old, e)).toBe(true);
    expect(columnsOf(e).body).toBe(old.body);
    const plain = row(-3, '{"dst":2,"mType":100,"payloadHex":"aabb","src":0,"x":null}');
    expect(eventOfRow(plain)).toMatchObject({ payload: bytes('aabb') });
    expect(rowMatches(plain, eventOfRow(plain))).toBe(true);
    const reject = row(-11, `{"dst":3,"error":"auth","mType":205,"src":0,"wireHex":"${WIRE_HEX}","y":2}`);
    expect(eventOfRow(reject)).toMatchObject({ kind: 'ipc-reject', wire: bytes(WIRE_HEX) });
    expect(rowMatches(reject, eventOfRow(reject))).toBe(true);
    // Console bytes were an array of numbers: bytes again.
    const printed = row(-5, '{"data":[104,105,10],"x":1}');
    expect(eventOfRow(printed)).toEqual({ kind: 'console-output', data: Uint8Array.of(104, 105, 10), x: 1, icount: 70, seq: 1 });
    expect(rowMatches(printed, eventOfRow(printed))).toBe(true);
    // Text that is not hex stays text (nothing is lost), and stored again gives the same row.
    const damaged = row(-3, '{"dst":2,"mType":103,"src":8,"wireHex":"ABZ"}');
    expect(eventOfRow(damaged)).toMatchObject({ wireHex: 'ABZ' });
    expect(eventOfRow(damaged)).not.toHaveProperty('wire');
    expect(rowMatches(damaged, eventOfRow(damaged))).toBe(true);
  });
});
