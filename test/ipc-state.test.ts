/**
 * Determinism and state of the channel table: the same DRBG seed gives byte-identical wires; a
 * saved state restores and keeps sealing and opening exactly as the original; the state splits
 * into a shareable public part and a secret part that re-join; the channel keys alone decrypt
 * journaled wires for inspection.
 */
import { describe, expect, it } from 'vitest';
import { DeviceStateError } from '../src/hw/state.js';
import { Entropy } from '../src/hw/entropy.js';
import {
  ChannelKeyRing,
  ChannelTable,
  corruptWire,
  decryptWire,
  encodeWire,
  joinChannelTableState,
  splitChannelTableState,
  type ChannelTableState,
  type Wire,
} from '../src/core/ipc/index.js';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** Boot-time channels (kernel to servers) plus a user process talking to the PM. */
function boot(seedByte: number): { t: ChannelTable; rng: Entropy } {
  const rng = new Entropy(new Uint8Array(32).fill(seedByte));
  const t = new ChannelTable(rng);
  for (const pid of [0, 1, 2, 3, 4, 7, 8]) t.addEndpoint(pid);
  for (const server of [1, 2, 3, 4, 7]) t.connect(0, server);
  t.connect(8, 3);
  return { t, rng };
}

/** A fixed conversation; returns the wire bytes and what each open returned. */
function converse(t: ChannelTable, rounds: number, from = 0): { wires: string[]; opened: string[] } {
  const wires: string[] = [];
  const opened: string[] = [];
  for (let i = from; i < from + rounds; i++) {
    const req = t.seal(8, 3, 205, Uint8Array.of(i & 0xff, 1, 2, 3));
    const rep = t.seal(3, 8, 250, Uint8Array.of(8, 0, 0, 0, i & 0xff));
    const k = t.seal(0, 2, 100 + (i % 3), new Uint8Array(i % 40));
    for (const w of [req, rep, k]) {
      wires.push(hex(encodeWire(w)));
      const r = t.open(w);
      opened.push(r.ok ? `${r.message.seq}:${hex(r.message.payload)}` : r.error);
    }
  }
  return { wires, opened };
}

describe('determinism', () => {
  it('the same DRBG seed gives byte-identical key pairs, encapsulations and wires', () => {
    const a = boot(1);
    const b = boot(1);
    expect(b.t.getState()).toEqual(a.t.getState());
    expect(converse(b.t, 20)).toEqual(converse(a.t, 20));
    expect(b.rng.getState()).toEqual(a.rng.getState());
  });

  it('another seed gives other keys and wires', () => {
    expect(converse(boot(2).t, 1).wires[0]).not.toBe(converse(boot(1).t, 1).wires[0]);
  });

  it('every wire has a fresh nonce', () => {
    const { wires } = converse(boot(3).t, 30);
    const nonces = wires.map((w) => w.slice(48, 96));
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

describe('save -> restore -> keep running', () => {
  it('a restored table (and DRBG) seals and opens exactly as the original from that point', () => {
    const a = boot(4);
    converse(a.t, 5);
    a.t.open(a.t.seal(8, 3, 205, Uint8Array.of(9))); // leave the directions in different places
    a.t.seal(3, 8, 250, Uint8Array.of(9)); // sealed, never opened: a message in flight
    const saved = JSON.parse(JSON.stringify({ table: a.t.getState(), rng: a.rng.getState() })) as { table: unknown; rng: unknown };

    const b = boot(99);
    b.t.setState(saved.table);
    b.rng.setState(saved.rng);
    expect(b.t.getState()).toEqual(a.t.getState());
    expect(converse(b.t, 10, 5)).toEqual(converse(a.t, 10, 5));
    expect(b.t.getState()).toEqual(a.t.getState());
  });

  it('replay protection survives a restore', () => {
    const a = boot(5);
    const w = a.t.seal(8, 3, 205, Uint8Array.of(1));
    expect(a.t.open(w).ok).toBe(true);
    const b = new ChannelTable(new Entropy(new Uint8Array(32)));
    b.setState(a.t.getState());
    expect(b.open(w)).toEqual({ ok: false, error: 'replay' });
  });

  it('a bad state is refused and leaves the table untouched', () => {
    const a = boot(6);
    const good = a.t.getState();
    const before = JSON.stringify(good);
    const mutate = (f: (s: any) => void): unknown => {
      const s = JSON.parse(before);
      f(s);
      return s;
    };
    const bad: [string, unknown][] = [
      ['not an object', 7],
      ['newer version', mutate((s) => (s.version = 2))],
      ['no secret part', mutate((s) => delete s.secret)],
      ['public key not hex', mutate((s) => (s.public.endpoints[0].publicKey = 'zz'))],
      ['secret key of another endpoint', mutate((s) => (s.secret.endpoints[0].secretKey = s.secret.endpoints[1].secretKey))],
      ['a missing secret key', mutate((s) => s.secret.endpoints.pop())],
      ['channel to an unknown endpoint', mutate((s) => (s.public.channels[0].responder = 1234))],
      ['short encapsulation', mutate((s) => (s.public.channels[0].encapsulation = 'ab'))],
      ['a direction without keys', mutate((s) => s.secret.directions.pop())],
      ['a missing direction', mutate((s) => s.public.directions.pop())],
      ['lastAccepted beyond nextSeq', mutate((s) => (s.public.directions[0].lastAccepted = s.public.directions[0].nextSeq))],
      ['nextSeq 0', mutate((s) => (s.public.directions[0].nextSeq = 0))],
      ['duplicate endpoint', mutate((s) => s.public.endpoints.push(s.public.endpoints[0]))],
    ];
    const t = boot(7).t;
    const mine = JSON.stringify(t.getState());
    for (const [what, s] of bad) {
      expect(() => t.setState(s), what).toThrow(DeviceStateError);
      expect(JSON.stringify(t.getState()), what).toBe(mine);
    }
    t.setState(JSON.parse(before));
    expect(t.getState()).toEqual(good);
  });
});

describe('public and secret state', () => {
  it('the public part holds no secret: no secret key or channel key appears in it', () => {
    const { t } = boot(8);
    converse(t, 2);
    const { public: pub, secret } = splitChannelTableState(t.getState());
    const text = JSON.stringify(pub);
    for (const e of secret.endpoints) expect(text).not.toContain(e.secretKey.slice(0, 64));
    for (const d of secret.directions) {
      expect(text).not.toContain(d.senderKey);
      expect(text).not.toContain(d.receiverKey);
    }
    expect(Object.keys(pub.endpoints[0]!)).toEqual(['pid', 'publicKey']);
    expect(Object.keys(pub.directions[0]!)).toEqual(['from', 'to', 'nextSeq', 'lastAccepted']);
  });

  it('public and secret parts stored apart re-join into a working table', () => {
    const a = boot(9);
    converse(a.t, 3);
    const pubStore = JSON.stringify(a.t.getPublicState());
    const keyStore = JSON.stringify(a.t.getSecretState());
    const b = new ChannelTable(new Entropy(new Uint8Array(32)));
    b.setState(joinChannelTableState(JSON.parse(pubStore), JSON.parse(keyStore)));
    expect(b.getState()).toEqual(a.t.getState());
    b.setState(b.getState());
    const w = a.t.seal(8, 3, 205, Uint8Array.of(4, 2));
    const r = b.open(w);
    expect(r.ok && r.message.payload).toEqual(Uint8Array.of(4, 2));
  });

  it('the public part alone cannot restore a table', () => {
    const t = boot(10).t;
    expect(() => new ChannelTable(new Entropy(new Uint8Array(32))).setState({ version: 1, public: t.getPublicState() })).toThrow(
      DeviceStateError,
    );
  });
});

describe('inspection with the channel keys', () => {
  it('decrypts journaled wires (objects or bytes) with only the channel keys, without sequence checks', () => {
    const { t } = boot(11);
    const journal: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const w = t.seal(8, 3, 205, Uint8Array.of(i));
      journal.push(encodeWire(w));
      t.open(w);
    }
    const keys = JSON.parse(JSON.stringify(t.channelKeys()));
    const ring = new ChannelKeyRing(keys);
    expect(journal.map((b) => {
      const r = ring.decrypt(b);
      return r.ok ? [r.message.seq, r.message.m_type, [...r.message.payload]] : r.error;
    })).toEqual([[1, 205, [0]], [2, 205, [1]], [3, 205, [2]]]);
    const again = decryptWire(journal[0]!, keys);
    expect(again.ok).toBe(true);
  });

  it('reports a corrupted wire, an unknown channel and garbage as values', () => {
    const { t } = boot(12);
    const w: Wire = t.seal(8, 3, 205, Uint8Array.of(1));
    const ring = new ChannelKeyRing(t.channelKeys());
    expect(ring.decrypt(corruptWire(w))).toEqual({ ok: false, error: 'auth' });
    expect(ring.decrypt({ ...w, src: 5 })).toEqual({ ok: false, error: 'no-channel' });
    expect(ring.decrypt(new Uint8Array(3))).toEqual({ ok: false, error: 'malformed' });
    expect(() => new ChannelKeyRing({ version: 1, directions: [{ from: 1, to: 2, senderKey: 'x' }] })).toThrow(DeviceStateError);
  });

  it('shows what was sent even when the key exchange was tampered with and the receiver rejected it', () => {
    const t = new ChannelTable(new Entropy(new Uint8Array(32).fill(13)));
    t.addEndpoint(8);
    t.addEndpoint(3);
    t.connect(8, 3, { flipEncapsulationByte: 0 });
    const w = t.seal(8, 3, 205, Uint8Array.of(7));
    expect(t.open(w)).toEqual({ ok: false, error: 'auth' });
    const r = decryptWire(w, t.channelKeys());
    expect(r.ok && r.message.payload).toEqual(Uint8Array.of(7));
  });
});

describe('state shape', () => {
  it('is plain JSON data, versioned, with sorted entries', () => {
    const s: ChannelTableState = boot(14).t.getState();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.version).toBe(1);
    expect(s.public.endpoints.map((e) => e.pid)).toEqual([0, 1, 2, 3, 4, 7, 8]);
    expect(s.public.directions.length).toBe(12);
  });
});
