/**
 * Lattice IPC inside the running machine: every message crosses a sealed channel (the 'ipc' event
 * holds the wire, which the channel keys decrypt), the kernel <-> server channels are set up at boot,
 * a tampered or replayed wire is rejected with an event while the server keeps serving, m_source
 * comes from the authenticated wire, the capability table refuses control messages from processes,
 * the secret half of the state stays out of getState() and a restore without it derives the same keys.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { decodeWire, decryptWire, encodeWire, type ChannelKeyEntry } from '../src/core/ipc/index.js';
import { openWire, sealWire } from '../src/core/ipc/sealing.js';
import { encodeHeader } from '../src/core/ipc/wire.js';
import type { MachineEvent } from '../src/core/events.js';
import { ERRNO } from '../src/protocol/errno.js';
import { MSG, RS_MSG } from '../src/protocol/message-types.js';
import { A0, A1, A2, A3, DATA_BASE, S1, exitWith, linkProgram, sys } from './support/guest-asm.js';
import { li, load, op } from './support/rv-encode.js';
import { testMachine } from './ipc-kernel-support.js';

const NEG = (rd: number, rs: number) => op('sub', rd, 0, rs);
const T0 = 5;

/** getpid; if it failed with EBADMSG, getpid again and exit with the pid; otherwise exit 99. */
const getpidAfterBadmsg = linkProgram([
  sys(29), li(T0, -ERRNO.EBADMSG), { branch: 'bne', rs1: A0, rs2: T0, to: 'bad' },
  sys(29), sys(25),
  { label: 'bad' }, exitWith(99),
]);

/** getpid twice and exit with the pid. */
const getpidTwice = linkProgram([sys(29), sys(29), sys(25)]);

/** lattice_send (type, payload) to `dst`, lattice_recv its answer, exit with -result (reply result at payload offset 4). */
function askServer(dst: number, mType: number, payload: Uint8Array): Uint8Array {
  const data = new Uint8Array(4096);
  data.set(payload, 256);
  return linkProgram([
    li(A0, dst), li(A1, mType), li(A2, DATA_BASE + 256), li(A3, payload.length), sys(39),
    li(A0, dst), li(A1, DATA_BASE + 1024), li(A2, 512), li(A3, 0), sys(40),
    li(S1, DATA_BASE + 1024), load('lw', A0, S1, 12 + 4), NEG(A0, A0), sys(25),
  ], data);
}

function asInit(program: Uint8Array, opts: Parameters<typeof testMachine>[0] = {}) {
  return testMachine({ ...opts, initArgv: ['/tmp/prog'], files: { '/tmp/prog': program } });
}

/** An event's bytes: a message's wire (or its plaintext with encryption off), console bytes. */
const bytesOf = (e: MachineEvent): Uint8Array | undefined =>
  e.kind === 'ipc' ? (e.wire ?? e.payload) : e.kind === 'ipc-reject' ? e.wire : e.kind === 'console-output' || e.kind === 'console-input' ? e.data : undefined;
const ipcOf = (events: readonly MachineEvent[]) => events.filter((e): e is Extract<MachineEvent, { kind: 'ipc' }> => e.kind === 'ipc');

describe('sealing', () => {
  it('gives byte for byte what @noble/ciphers xchacha20poly1305 gives, and opens only what it sealed', () => {
    for (const size of [0, 1, 16, 63, 64, 65, 255, 256, 257, 1000, 4096]) { // both sides of NATIVE_FROM
      const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + size) & 0xff);
      const nonce = Uint8Array.from({ length: 24 }, (_, i) => (i * 13 + size) & 0xff);
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
      const header = { src: 0, dst: 3, m_type: 205, seq: size + 1 };
      const w = sealWire(key, nonce, header, payload);
      const aad = encodeHeader(header.src, header.dst, header.m_type, header.seq);
      expect(w.ciphertext).toEqual(xchacha20poly1305(key, nonce, aad).encrypt(payload));
      expect(openWire(key, w)).toEqual(payload);
      const bad = Uint8Array.from(w.ciphertext);
      bad[bad.length - 1]! ^= 1;
      expect(openWire(key, { ...w, ciphertext: bad })).toBeNull();
      expect(openWire(key, { ...w, seq: w.seq + 1 })).toBeNull();
    }
  });
});

describe('encrypted IPC in the machine', () => {
  it('sets up the kernel <-> server channels at boot and carries every message as a sealed wire', () => {
    const t = asInit(getpidTwice);
    expect(t.run()).toMatchObject({ kind: 'halted', status: 1 });
    expect(t.of('channel').map((e) => [e.initiator, e.responder])).toEqual([[0, 2], [0, 3], [0, 4], [0, 7]]);
    const ipc = ipcOf(t.events);
    expect(ipc.length).toBeGreaterThan(10);
    for (const e of ipc) {
      expect(e.payload).toBeUndefined();
      expect(e.wire).toBeInstanceOf(Uint8Array);
      expect(Array.from(e.wire!.subarray(0, 4))).toEqual([1, 0, 0, 0]);
    }
    // The channel keys decrypt what was journaled; a delegated call travels on (0, 3) with the caller inside.
    const keys = t.machine.channelKeys();
    const getpids = ipc.filter((e) => e.mType === MSG.PROC_GETPID);
    expect(getpids.map((e) => [e.src, e.dst])).toEqual([[1, 3], [1, 3]]);
    const d = decryptWire(getpids[0]!.wire!, keys);
    expect(d.ok && [d.message.src, d.message.dst, d.message.m_type]).toEqual([0, 3, MSG.PROC_GETPID]);
    expect(d.ok && Array.from(d.message.payload.subarray(0, 4))).toEqual([1, 0, 0, 0]); // the party: pid 1
    const seqs = getpids.map((e) => { const w = decodeWire(e.wire!); return w.ok ? w.wire.seq : -1; });
    expect(seqs[1]).toBe(seqs[0]! + 1);
  });

  it('an event\'s bytes are its own: nothing writes to a wire, payload or console bytes after the emit', () => {
    // The journal packs the bytes as they are (a view, not a copy) and a reader may hold them for
    // long: the bytes each message event had when emitted must be the bytes it has at the end,
    // through faults that rewrite wires (corrupt, alter, replay) and with encryption off.
    for (const encryptIpc of [true, false]) {
      const atEmit = new Map<MachineEvent, string>();
      const keep = (e: MachineEvent) => {
        const b = bytesOf(e);
        if (b !== undefined) atEmit.set(e, Buffer.from(b).toString('hex'));
      };
      const t = asInit(getpidAfterBadmsg, { encryptIpc, onEmit: keep });
      t.machine.inject({ kind: 'corrupt', src: 0, dst: 3, nth: 1, byteIndex: 5 });
      t.machine.inject({ kind: 'alter', src: 3, dst: 0, nth: 2 });
      t.machine.inject({ kind: 'replay', src: 0, dst: 3, nth: 3 });
      t.run();
      t.machine.input(new TextEncoder().encode('typed\n'));
      expect(atEmit.size).toBeGreaterThan(10);
      expect([...atEmit.keys()].some((e) => e.kind === 'console-input')).toBe(true);
      for (const [e, hex] of atEmit) expect(Buffer.from(bytesOf(e)!).toString('hex'), `${e.kind} at ${e.icount}`).toBe(hex);
    }
  });

  it('rejects a tampered ciphertext with an event, the caller gets EBADMSG and the PM keeps serving', () => {
    const t = asInit(getpidAfterBadmsg);
    t.machine.inject({ kind: 'corrupt', src: 0, dst: 3, nth: 1, byteIndex: 5 });
    expect(t.run()).toMatchObject({ kind: 'halted', status: 1 });
    expect(t.of('inject')).toHaveLength(1);
    expect(t.of('ipc-reject')).toEqual([expect.objectContaining({ src: 1, dst: 3, mType: MSG.PROC_GETPID, error: 'auth' })]);
    expect(t.of('server-crash')).toEqual([]);
  });

  it('rejects a tampered reply too: the waiting caller gets EBADMSG, not a hang', () => {
    const t = asInit(getpidAfterBadmsg);
    t.machine.inject({ kind: 'corrupt', src: 3, dst: 0, nth: 1 });
    expect(t.run()).toMatchObject({ kind: 'halted', status: 1 });
    expect(t.of('ipc-reject')).toEqual([expect.objectContaining({ src: 3, dst: 1, error: 'auth' })]);
  });

  it('a replayed message in flight: the copy is refused with an event, the original answered, the PM keeps serving', () => {
    const t = asInit(getpidTwice);
    t.machine.inject({ kind: 'replay', src: 0, dst: 3, nth: 1 });
    expect(t.run()).toMatchObject({ kind: 'halted', status: 1 }); // both getpids answered: pid 1
    expect(t.of('ipc-fault')).toEqual([expect.objectContaining({ src: 1, dst: 3, fault: 'replay' })]);
    const [reject] = t.of('ipc-reject');
    expect(reject).toMatchObject({ src: 1, dst: 3, mType: MSG.PROC_GETPID, error: 'replay' });
    // The refused copy is byte for byte the message that went through.
    const getpids = ipcOf(t.events).filter((e) => e.mType === MSG.PROC_GETPID);
    expect(getpids.map((e) => e.wire)).toContainEqual(reject!.wire);
    expect(t.of('server-crash')).toEqual([]);
  });

  it('a message whose header was rewritten in flight is refused with an event and the caller gets EBADMSG', () => {
    const t = asInit(getpidAfterBadmsg);
    t.machine.inject({ kind: 'alter', src: 0, dst: 3, nth: 1 });
    expect(t.run()).toMatchObject({ kind: 'halted', status: 1 });
    expect(t.of('ipc-fault')).toEqual([expect.objectContaining({ fault: 'alter' })]);
    expect(t.of('ipc-reject')).toEqual([expect.objectContaining({ src: 1, dst: 3, error: 'auth' })]);
  });

  it('refuses a replayed wire and wires whose header was altered; m_source cannot be forged', () => {
    const t = asInit(getpidTwice);
    t.run();
    const bytes = ipcOf(t.events).filter((e) => e.mType === MSG.PROC_GETPID).at(-1)!.wire!;
    const w = decodeWire(bytes);
    if (!w.ok) throw new Error('wire did not decode');
    expect(t.machine.kernel.link.open(w.wire)).toEqual({ ok: false, error: 'replay' });
    // The sender in the header is authenticated: claiming to come from pid 1 on the PM's channel fails.
    expect(t.machine.kernel.link.open({ ...w.wire, src: 2 }).ok).toBe(false);
    expect(t.machine.kernel.link.open({ ...w.wire, m_type: MSG.PROC_CTL_SIGNAL }).ok).toBe(false);
    // The party (whom the kernel acts for) is sealed: changing it breaks the tag.
    const c = Uint8Array.from(w.wire.ciphertext);
    c[0]! ^= 0x08; // party 1 -> 9
    expect(t.machine.kernel.link.open({ ...w.wire, seq: w.wire.seq + 1, ciphertext: c })).toMatchObject({ ok: false });
    expect(encodeWire(w.wire)).toEqual(bytes);
  });
});

describe('process to process', () => {
  it('a process gets its own endpoint only when it talks to another process; m_source is the authenticated sender', () => {
    // init forks; the child sends its parent 4 bytes (type 42) and exits; init receives and exits
    // with 0 when m_source is the child's pid (what fork returned), 99 otherwise.
    const data = new Uint8Array(4096);
    data.set([0xde, 0xad, 0xbe, 0xef], 256);
    const program = linkProgram([
      sys(26), { branch: 'beq', rs1: A0, rs2: 0, to: 'child' },
      op('add', 18, A0, 0), // s2 = child pid
      li(A0, -1), li(A1, DATA_BASE + 1024), li(A2, 512), li(A3, 0), sys(40),
      li(S1, DATA_BASE + 1024), load('lw', A0, S1, 0), { branch: 'bne', rs1: A0, rs2: 18, to: 'bad' },
      exitWith(0),
      { label: 'bad' }, exitWith(99),
      { label: 'child' }, sys(30), op('add', 19, A0, 0), // s3 = parent pid
      op('add', A0, 19, 0), sys(38),
      op('add', A0, 19, 0), li(A1, 42), li(A2, DATA_BASE + 256), li(A3, 4), sys(39),
      exitWith(0),
    ], data);
    const t = asInit(program);
    const keys: ChannelKeyEntry[] = [];
    t.machine.connect({ channelKeys: (k) => keys.push(...k.directions) });
    expect(t.run()).toMatchObject({ kind: 'halted', status: 0 });
    const child = t.of('fork')[0]!.child;
    expect(t.of('channel').filter((c) => c.initiator !== 0)).toEqual([expect.objectContaining({ initiator: child, responder: 1 })]);
    const msg = ipcOf(t.events).find((e) => e.mType === 42)!;
    expect([msg.src, msg.dst]).toEqual([child, 1]);
    const w = decodeWire(msg.wire!);
    expect(w.ok && [w.wire.src, w.wire.dst]).toEqual([child, 1]);
    // The child is gone and so is its channel in the machine; the keys handed out at setup still decrypt.
    expect(t.machine.channelKeys().directions.some((d) => d.from === child)).toBe(false);
    const d = decryptWire(msg.wire!, { version: 1, directions: keys });
    expect(d.ok && Array.from(d.message.payload)).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });
});

describe('capability table', () => {
  const pidPayload = (pid: number, extra = 12) => {
    const b = new Uint8Array(4 + extra);
    new DataView(b.buffer).setUint32(0, pid, true);
    return b;
  };

  it('refuses control messages from a process with EPERM and an event: another pid, another address space', () => {
    const cases: [number, number][] = [
      [2, MSG.VFS_PROC_EXIT], // close every fd of pid 1
      [3, MSG.PROC_CTL_SIGNAL], // post a signal as the kernel
      [4, MSG.MM_PROC_FORK], // clone another address space
    ];
    for (const [dst, mType] of cases) {
      const t = asInit(askServer(dst, mType, pidPayload(1)));
      expect(t.run(), `type ${mType}`).toMatchObject({ kind: 'halted', status: ERRNO.EPERM });
      expect(t.of('ipc-denied')).toEqual([expect.objectContaining({ src: 1, dst, mType })]);
      expect(t.of('ipc-denied')[0]!.reason).toMatch(/control message/);
      // The refused message never reached the server.
      expect(ipcOf(t.events).some((e) => e.mType === mType && e.src === 1)).toBe(false);
    }
  });

  it('refuses replies forged by a process and anything sent to the Reincarnation Server', () => {
    const reply = asInit(askServer(3, MSG.PROC_REPLY, new Uint8Array(8)));
    reply.run();
    expect(reply.of('ipc-denied')[0]!.reason).toMatch(/reply/);
    const rs = asInit(askServer(7, RS_MSG.RS_CRASHED, new Uint8Array(16)));
    rs.run();
    expect(rs.of('ipc-denied')[0]!.reason).toMatch(/Reincarnation Server/);
    expect(rs.of('server-restart')).toEqual([]);
  });

  it('lets a process make its own public requests by message (m_source is its own pid)', () => {
    const t = asInit(askServer(3, MSG.PROC_GETPID, new Uint8Array(0)));
    expect(t.run()).toMatchObject({ kind: 'halted', status: 0xff }); // exit(-1): getpid returned pid 1
    expect(t.of('ipc-denied')).toEqual([]);
  });
});

describe('keys kept apart', () => {
  it('getState() holds no secret key; restoring with or without the secret half gives the same keys and run', () => {
    const straight = asInit(getpidTwice);
    straight.run();

    const first = asInit(getpidTwice);
    first.machine.run(first.machine.icount + 1); // boot done, init started
    const pages = new Map<string, Uint8Array>();
    const state = JSON.parse(JSON.stringify(first.machine.getState((h, b) => pages.set(h, b.slice()))));
    const secret = first.machine.getSecretState();
    const text = JSON.stringify(state);
    expect(secret.endpoints.length).toBe(5);
    for (const e of secret.endpoints) expect(text).not.toContain(e.secretKey.slice(0, 64));
    for (const d of secret.directions) expect(text).not.toContain(d.senderKey);

    for (const withSecret of [true, false]) {
      const again = asInit(getpidTwice);
      again.machine.setState(state, (h) => pages.get(h), withSecret ? secret : undefined);
      expect(again.machine.getSecretState()).toEqual(secret);
      again.machine.run();
      expect(again.machine.getState()).toEqual(straight.machine.getState());
    }
  });
});

describe('encryption off', () => {
  it('carries plaintext payloads and the shell behaves the same', () => {
    const input = ['echo hello | cat\n', 'ls /bin\n'];
    const on = testMachine();
    const off = testMachine({ encryptIpc: false });
    on.run(input);
    off.run(input);
    expect(off.output()).toBe(on.output());
    expect(off.of('channel')).toEqual([]);
    const ipc = ipcOf(off.events);
    expect(ipc.length).toBeGreaterThan(50);
    expect(ipc.every((e) => e.payload instanceof Uint8Array && e.wire === undefined)).toBe(true);
  });
});
