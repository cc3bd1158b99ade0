/**
 * Mutated messages into every server's decoder and handler (VFS, Process Manager, Memory
 * Manager, Reincarnation Server), the wire decoder and the kernel's IPC receive path.
 *
 * Messages start from valid values of every request type in src/protocol (built from each
 * struct's layout), encoded, then mutated: bit flips, truncation, bytes appended, a length field
 * set to a boundary, random payloads (beyond the 4 KiB limit too), and the payload of one type
 * sent under another (wrong types, other services' types, unknown types). Properties:
 *   - codecs: a valid value round-trips; a mutated payload decodes to a value (which encodes
 *     again) or to EINVAL/EBADMSG, never an exception; the same for replies;
 *   - servers, on the state of a booted machine: a message from any source (the kernel, the
 *     Process Manager, init, the shell, a pid that does not exist) is answered with a reply that
 *     decodes: EINVAL/EBADMSG when its payload does not decode, ENOSYS for a type the server does
 *     not serve, EPERM for a control message from a process; the server never throws;
 *   - the kernel's IPC path: the same messages from processes through the router (capabilities,
 *     sealing, the server, the routing of its outputs) raise no server-crash event and the machine
 *     runs on;
 *   - wires: mutated sealed wires from a real run decode or are refused by decodeWire and by the
 *     channel table (auth, replay, header, malformed), never an exception, and never open as a
 *     different message.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { decodeWire, encodeWire } from '../src/core/ipc/wire.js';
import type { Machine, MachineState } from '../src/core/machine.js';
import type { LatticeSecretState } from '../src/core/ipc/channel-table.js';
import type { ServerOutput, ServerPort } from '../src/core/kernel/server-port.js';
import {
  ERRNO,
  MM_PROTOCOL,
  MSG,
  PROC_PROTOCOL,
  RS_MSG,
  VFS_PROTOCOL,
  type Service,
  type ServiceSpecs,
  type StructCodec,
} from '../src/protocol/index.js';
import { RS_PROTOCOL } from '../src/protocol/rs-protocol.js';
import { announceSeed, check } from './support/fuzz.js';
import { newMachine } from './support/boot.js';

announceSeed('fuzz-servers');

const SERVICES = [
  { pid: 2, svc: VFS_PROTOCOL as unknown as Service<ServiceSpecs> },
  { pid: 3, svc: PROC_PROTOCOL as unknown as Service<ServiceSpecs> },
  { pid: 4, svc: MM_PROTOCOL as unknown as Service<ServiceSpecs> },
] as const;
/** The protocol of the server at `pid` (cases hold the pid, so that a counterexample prints short). */
const serviceAt = (pid: number): Service<ServiceSpecs> => SERVICES.find((s) => s.pid === pid)!.svc;

// ---- valid values from a struct's layout ------------------------------------------------------

const U32_EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0xfff, 0x1000, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
const I32_EDGES = [0, 1, -1, 2, 3, -2, 100, 0x7fff_ffff, -0x8000_0000, 4096, -4096];

function intArb(layout: string): fc.Arbitrary<number> {
  if (layout.startsWith('u8')) return fc.integer({ min: 0, max: 0xff });
  if (layout.startsWith('u16')) return fc.oneof(fc.constantFrom(0, 1, 0xff, 0xffff), fc.integer({ min: 0, max: 0xffff }));
  if (layout.startsWith('u32')) return fc.oneof(fc.constantFrom(...U32_EDGES), fc.integer({ min: 0, max: 0xffff_ffff }));
  if (layout.startsWith('i32')) return fc.oneof(fc.constantFrom(...I32_EDGES), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }));
  if (layout.startsWith('u64')) return fc.oneof(fc.constantFrom(0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
  if (layout.startsWith('i64')) return fc.oneof(fc.constantFrom(0, -1, Number.MIN_SAFE_INTEGER), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }));
  throw new Error(`no arbitrary for layout ${layout}`);
}

/** Byte strings without NUL, as the protocol carries them (one char a byte). */
const byteString = (max: number) => fc.oneof(
  fc.constantFrom('/', '/tmp', '/tmp/x', '/etc/motd', '/dev/console', '.', '..', '', '/bin/sh', 'a/b/../c'),
  fc.array(fc.integer({ min: 1, max: 255 }), { maxLength: Math.min(max, 64) }).map((cs) => String.fromCharCode(...cs)),
  fc.constant('x'.repeat(max)),
);

function valueArb(codec: StructCodec<unknown>): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const { name, layout } of codec.describeLayout()) {
    const max = Number(/max (\d+)/.exec(layout)?.[1] ?? 0);
    if (layout.startsWith('str[')) fields[name] = byteString(max);
    else if (layout.startsWith('bytes[')) fields[name] = fc.uint8Array({ maxLength: Math.min(max, 600) });
    else if (layout.startsWith('char[')) fields[name] = byteString(Number(/char\[(\d+)\]/.exec(layout)?.[1] ?? 1) - 1);
    else if (layout.includes('[count')) fields[name] = fc.constant([]); // lists: their bytes come from the mutations
    else fields[name] = intArb(layout);
  }
  return fc.record(fields).filter((v) => codec.check(v) === undefined);
}

interface RequestCase { readonly pid: number; readonly kind: string; readonly type: number; readonly value: Record<string, unknown> }

/** A valid request of any type of any service. */
const validRequest: fc.Arbitrary<RequestCase> = fc.oneof(
  ...SERVICES.flatMap(({ pid, svc }) => Object.entries(svc.specs).map(([kind, spec]) =>
    valueArb(spec.request as StructCodec<unknown>).map((value) => ({ pid, kind, type: spec.type, value })))),
);

// ---- mutations ----------------------------------------------------------------------------------

type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'flip'; readonly at: readonly (readonly [number, number])[] }
  | { readonly kind: 'truncate'; readonly to: number }
  | { readonly kind: 'append'; readonly junk: Uint8Array }
  | { readonly kind: 'length'; readonly at: number; readonly value: number }
  | { readonly kind: 'random'; readonly bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
  { arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }).map((at) => ({ kind: 'flip' as const, at })), weight: 4 },
  { arbitrary: fc.nat().map((to) => ({ kind: 'truncate' as const, to })), weight: 2 },
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 80 }).map((junk) => ({ kind: 'append' as const, junk })), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0xff, 0x100, 0x7fff, 0xfff0, 0xffff) }), weight: 2 },
  { arbitrary: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 4090, maxLength: 4200 })).map((bytes) => ({ kind: 'random' as const, bytes })), weight: 1 },
);

function mutate(payload: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'none': return payload;
    case 'flip': {
      const b = payload.slice();
      for (const [pos, bit] of m.at) if (b.length > 0) b[pos % b.length] = b[pos % b.length]! ^ (1 << bit);
      return b;
    }
    case 'truncate': return payload.subarray(0, payload.length === 0 ? 0 : m.to % payload.length);
    case 'append': {
      const b = new Uint8Array(payload.length + m.junk.length);
      b.set(payload);
      b.set(m.junk, payload.length);
      return b;
    }
    case 'length': {
      // Any u16 inside the payload (the length fields of strings, byte strings and lists are u16).
      const b = payload.slice();
      if (b.length >= 2) new DataView(b.buffer).setUint16((m.at % (b.length - 1)) & ~1, m.value, true);
      return b;
    }
    case 'random': return m.bytes;
  }
}

const ALL_TYPES = [...Object.values(MSG), ...Object.values(RS_MSG)];
/** The type a mutated message goes under: mostly its own, sometimes another, an unknown one. */
const typeChoice = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  { arbitrary: fc.constantFrom(...ALL_TYPES), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 1 },
);

interface Mutated { readonly pid: number; readonly type: number; readonly payload: Uint8Array; readonly what: string }

const mutatedRequest: fc.Arbitrary<Mutated> = fc.tuple(validRequest, mutation, typeChoice).map(([r, m, t]) => {
  const svc = serviceAt(r.pid);
  const encoded = svc.encodeRequest({ kind: r.kind, ...r.value } as never).payload;
  return { pid: r.pid, type: t ?? r.type, payload: mutate(encoded, m), what: `${svc.name}.${r.kind} ${m.kind}${t === undefined ? '' : ` as type ${t}`}` };
});

// ---- codecs -------------------------------------------------------------------------------------

const DECODE_ERRORS = ['EINVAL', 'EBADMSG'];

describe('protocol codecs under mutated payloads', () => {
  it('a valid request of every type round-trips', () => {
    check('request round trip', 600, [validRequest], (r) => {
      const svc = serviceAt(r.pid);
      const { m_type, payload } = svc.encodeRequest({ kind: r.kind, ...r.value } as never);
      expect(m_type).toBe(r.type);
      const back = svc.decodeRequest(m_type, payload);
      expect(back).toEqual({ ok: true, value: { kind: r.kind, ...r.value } });
    });
  }, 60_000);

  it('a mutated request decodes to a value that encodes again, or to EINVAL/EBADMSG; never throws', () => {
    check('request decode', 3000, [mutatedRequest], (m) => {
      const svc = serviceAt(m.pid);
      const r = svc.decodeRequest(m.type, m.payload);
      if (!r.ok) {
        expect(DECODE_ERRORS).toContain(r.error);
        expect(r.detail.length).toBeGreaterThan(0);
        return;
      }
      // What decodes is a value of its type: encoding it gives a payload that decodes to it again.
      const again = svc.encodeRequest(r.value as never);
      expect(svc.decodeRequest(m.type, again.payload)).toEqual(r);
    });
  }, 60_000);

  it('a mutated reply decodes or is refused with EINVAL/EBADMSG; never throws', () => {
    const replies = fc.oneof(...SERVICES.flatMap(({ pid, svc }) => Object.entries(svc.specs).map(([kind, spec]) =>
      fc.tuple(valueArb(spec.reply as StructCodec<unknown>), fc.integer({ min: -200, max: 0x7fff_ffff }), mutation)
        .map(([body, result, m]) => ({ pid, kind, payload: mutate(svc.encodeReply(kind, result, result < 0 ? undefined : body), m) })))));
    check('reply decode', 2000, [replies], ({ pid, payload }) => {
      const svc = serviceAt(pid);
      const r = svc.decodeReply(payload);
      if (!r.ok) expect(DECODE_ERRORS).toContain(r.error);
      const h = svc.decodeReplyHeader(payload);
      if (!h.ok) expect(DECODE_ERRORS).toContain(h.error);
    });
  }, 60_000);

  it('a mutated Reincarnation Server message decodes or gives an errno; never throws', () => {
    const base = fc.oneof(
      fc.record({ server: fc.integer({ min: 0, max: 10 }), cause: fc.constantFrom('threw' as const, 'hung' as const), nowNs: fc.nat() })
        .map((r) => RS_PROTOCOL.encodeRequest({ kind: 'crashed', ...r })),
      fc.record({ server: fc.integer({ min: 0, max: 10 }), nowNs: fc.nat() }).map((r) => RS_PROTOCOL.encodeRequest({ kind: 'restarted', ...r })),
    );
    check('rs decode', 1000, [base, mutation, fc.constantFrom(RS_MSG.RS_CRASHED, RS_MSG.RS_RESTARTED, 0, 450, 100)], (enc, m, type) => {
      const r = RS_PROTOCOL.decodeRequest(type, mutate(enc.payload, m));
      if (typeof r === 'number') expect([ERRNO.EINVAL, ERRNO.EBADMSG, ERRNO.ENOSYS]).toContain(r);
      RS_PROTOCOL.decodeReply(mutate(RS_PROTOCOL.encodeReply({ result: 0, decision: { action: 'none' } }), m));
    });
  }, 60_000);
});

// ---- servers and the kernel's IPC path -------------------------------------------------------

/** A booted machine at the shell prompt, saved, so each case starts from the same state. */
interface Booted {
  readonly machine: Machine;
  readonly events: MachineEvent[];
  readonly state: MachineState;
  readonly secret: LatticeSecretState;
  readonly pages: Map<string, Uint8Array>;
}

let booted: Booted;

beforeAll(() => {
  const { machine, sink } = newMachine({ seed: 7 });
  const err = machine.boot();
  if (err) throw new Error(err);
  const stop = machine.run(2_000_000_000);
  if (stop.kind !== 'idle') throw new Error(`the shell did not wait for input: ${JSON.stringify(stop)}`);
  const pages = new Map<string, Uint8Array>();
  const state = machine.getState((hash, bytes) => pages.set(hash, bytes.slice()));
  booted = { machine, events: sink.events, state, secret: machine.getSecretState(), pages };
}, 120_000);

function restore(): void {
  booted.machine.setState(booted.state, (h) => booted.pages.get(h), booted.secret);
  booted.events.length = 0;
}

function port(pid: number): ServerPort {
  const p = booted.machine.kernel.servers.get(pid);
  if (!p) throw new Error(`no server ${pid}`);
  return p;
}

/** Sources: the kernel, the Process Manager (trusted); init, the shell, pids that do not exist. */
const source = fc.constantFrom(0, 3, 1, 8, 9, 12345, -1 >>> 0);
const TRUSTED_SOURCES = new Set([0, 3]);
const ctx = { now: 1_750_000_000_000_000_000n, procFacts: () => undefined };

function replyOf(outputs: readonly ServerOutput[], to: number) {
  return outputs.filter((o): o is Extract<ServerOutput, { kind: 'reply' }> => o.kind === 'reply' && o.to === to);
}

describe('servers under mutated messages', () => {
  it('answer a message from any source with a reply that decodes, an error for one that does not; never throw', () => {
    check('server receive', 150, [fc.array(fc.tuple(mutatedRequest, source), { minLength: 1, maxLength: 8 })], (msgs) => {
      restore();
      for (const [m, src] of msgs) {
        const outputs = port(m.pid).receive({ m_source: src, m_type: m.type, payload: m.payload }, ctx);
        const svc = serviceAt(m.pid);
        const decoded = svc.decodeRequest(m.type, m.payload);
        const trustedType = decoded.ok && svc.specs[decoded.value.kind as string]?.trusted === true;
        for (const r of replyOf(outputs, src)) {
          const h = svc.decodeReplyHeader(r.message.payload);
          expect(h.ok, m.what).toBe(true);
          if (!h.ok) continue;
          // A payload that does not decode is EINVAL/EBADMSG; a type the server does not serve, ENOSYS.
          if (!decoded.ok) expect(svc.kindOf(m.type) === undefined ? [-ERRNO.ENOSYS] : [-ERRNO.EINVAL, -ERRNO.EBADMSG], m.what).toContain(h.value.result);
          if (trustedType && !TRUSTED_SOURCES.has(src)) expect(h.value.result, m.what).toBe(-ERRNO.EPERM);
        }
      }
    });
  }, 120_000);

  it('through the kernel from processes: no server crash, and the machine runs on', () => {
    check('kernel ipc path', 60, [fc.array(fc.tuple(mutatedRequest, fc.constantFrom(1, 8)), { minLength: 1, maxLength: 10 })], (msgs) => {
      restore();
      for (const [m, src] of msgs) booted.machine.kernel.router.deliver(m.pid, { m_source: src, m_type: m.type & 0xffff, payload: m.payload });
      const stop = booted.machine.run(booted.machine.icount + 2_000_000);
      expect(['idle', 'limit', 'halted']).toContain(stop.kind);
      expect(booted.events.filter((e) => e.kind === 'server-crash')).toEqual([]);
    });
  }, 120_000);

  it('the Reincarnation Server answers mutated kernel messages without throwing', () => {
    check('rs receive', 300, [fc.uint8Array({ maxLength: 40 }), fc.constantFrom(RS_MSG.RS_CRASHED, RS_MSG.RS_RESTARTED, 0, 401, 0xffff), source],
      (payload, type, src) => {
        port(7).receive({ m_source: src, m_type: type, payload }, ctx);
      });
  }, 60_000);
});

describe('wires under mutation', () => {
  it('decodeWire and the channel table refuse a mutated sealed wire or open it as the original; never throw', () => {
    restore();
    // Real sealed wires: the shell's next command, journaled as 'ipc' events.
    booted.machine.input(new TextEncoder().encode('echo fuzz\n'));
    booted.machine.run(booted.machine.icount + 20_000_000);
    const wires = booted.events.flatMap((e) => (e.kind === 'ipc' && e.wire ? [e.wire] : []));
    expect(wires.length).toBeGreaterThan(5);
    const link = booted.machine.kernel.link;
    check('wire decode/open', 800, [fc.integer({ min: 0, max: wires.length - 1 }), mutation], (i, m) => {
      const original = wires[i]!;
      const bytes = mutate(original, m);
      const parsed = decodeWire(bytes);
      if (!parsed.ok) return;
      expect(encodeWire(parsed.wire)).toEqual(bytes);
      const opened = link.open(parsed.wire);
      const genuine = decodeWire(original);
      if (opened.ok && genuine.ok) {
        // Authenticated: it is the original message (a replay is refused only by sequence).
        expect([opened.message.src, opened.message.dst, opened.message.m_type]).toEqual([genuine.wire.src, genuine.wire.dst, genuine.wire.m_type]);
        expect(Buffer.from(parsed.wire.ciphertext).equals(Buffer.from(genuine.wire.ciphertext))).toBe(true);
      }
    });
  }, 60_000);
});
