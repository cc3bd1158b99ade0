/**
 * Lattice IPC channel setup: ML-KEM-768 key pairs from the DRBG, encapsulate to the receiver's
 * public key, decapsulate with the matching secret key, HKDF-SHA256 direction keys. Proves the two
 * sides agree, that a tampered encapsulation gives keys that fail authentication, and that the
 * upstream XINIM mistake (decapsulating with an unrelated key pair) is not what we do.
 */
import { describe, expect, it } from 'vitest';
import { Entropy } from '../src/hw/entropy.js';
import {
  acceptChannel,
  ChannelTable,
  ENCAPSULATION_BYTES,
  generateKeyPair,
  initiateChannel,
  openWire,
  PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES,
  sealWire,
  secretKeyMatches,
} from '../src/core/ipc/index.js';

const seed = (b: number) => new Uint8Array(32).fill(b);
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

describe('ML-KEM-768 key pairs', () => {
  it('come from the DRBG: the same seed gives the same key pair, another seed another one', () => {
    const a = generateKeyPair(new Entropy(seed(1)));
    const b = generateKeyPair(new Entropy(seed(1)));
    const c = generateKeyPair(new Entropy(seed(2)));
    expect(a.publicKey.length).toBe(PUBLIC_KEY_BYTES);
    expect(a.secretKey.length).toBe(SECRET_KEY_BYTES);
    expect(hex(a.publicKey)).toBe(hex(b.publicKey));
    expect(hex(a.secretKey)).toBe(hex(b.secretKey));
    expect(hex(a.publicKey)).not.toBe(hex(c.publicKey));
    expect(secretKeyMatches(a.publicKey, a.secretKey)).toBe(true);
    expect(secretKeyMatches(c.publicKey, a.secretKey)).toBe(false);
  });
});

describe('channel key agreement', () => {
  const rng = new Entropy(seed(3));
  const server = generateKeyPair(rng);

  it('initiator and responder derive the same keys in both directions, and the directions differ', () => {
    const init = initiateChannel(8, 2, server.publicKey, rng);
    expect(init.encapsulation.length).toBe(ENCAPSULATION_BYTES);
    const resp = acceptChannel(8, 2, init.encapsulation, server.secretKey)!;
    expect(hex(resp.forward)).toBe(hex(init.keys.forward));
    expect(hex(resp.backward)).toBe(hex(init.keys.backward));
    expect(hex(init.keys.forward)).not.toBe(hex(init.keys.backward));
  });

  it('a message sealed by either side opens on the other', () => {
    const init = initiateChannel(8, 2, server.publicKey, rng);
    const resp = acceptChannel(8, 2, init.encapsulation, server.secretKey)!;
    const nonce = rng.bytes(24);
    const there = sealWire(init.keys.forward, nonce, { src: 8, dst: 2, m_type: 205, seq: 1 }, Uint8Array.of(1, 2, 3));
    expect(openWire(resp.forward, there)).toEqual(Uint8Array.of(1, 2, 3));
    const back = sealWire(resp.backward, rng.bytes(24), { src: 2, dst: 8, m_type: 250, seq: 1 }, Uint8Array.of(9));
    expect(openWire(init.keys.backward, back)).toEqual(Uint8Array.of(9));
  });

  it('keys are bound to the (initiator, responder) pair: the same secret for another pair gives other keys', () => {
    const init = initiateChannel(8, 2, server.publicKey, rng);
    const other = acceptChannel(9, 2, init.encapsulation, server.secretKey)!;
    expect(hex(other.forward)).not.toBe(hex(init.keys.forward));
  });

  it('a tampered encapsulation gives the responder different keys: a message sealed by the honest initiator fails', () => {
    const init = initiateChannel(8, 2, server.publicKey, rng);
    for (const i of [0, 500, ENCAPSULATION_BYTES - 1]) {
      const tampered = Uint8Array.from(init.encapsulation);
      tampered[i]! ^= 0x80;
      const resp = acceptChannel(8, 2, tampered, server.secretKey)!; // implicit rejection: no error, another secret
      expect(hex(resp.forward)).not.toBe(hex(init.keys.forward));
      const w = sealWire(init.keys.forward, rng.bytes(24), { src: 8, dst: 2, m_type: 205, seq: 1 }, new Uint8Array(16));
      expect(openWire(resp.forward, w)).toBeNull();
    }
  });

  it('a wrongly sized encapsulation is refused, not thrown on', () => {
    expect(acceptChannel(8, 2, new Uint8Array(10), server.secretKey)).toBeNull();
  });

  it('decapsulating with an unrelated key pair (the upstream XINIM bug) does not agree', () => {
    const unrelated = generateKeyPair(rng);
    const init = initiateChannel(8, 2, server.publicKey, rng);
    const wrong = acceptChannel(8, 2, init.encapsulation, unrelated.secretKey)!;
    expect(hex(wrong.forward)).not.toBe(hex(init.keys.forward));
  });
});

describe('ChannelTable.connect', () => {
  it('agrees on keys both ways, whichever side connects, and is idempotent', () => {
    const t = new ChannelTable(new Entropy(seed(4)));
    for (const pid of [0, 2, 8]) t.addEndpoint(pid);
    expect(t.connect(8, 2)).toEqual({ ok: true, created: true, agreed: true });
    expect(t.connect(8, 2)).toEqual({ ok: true, created: false, agreed: true });
    expect(t.connect(2, 8)).toEqual({ ok: true, created: false, agreed: true });
    expect(t.connect(2, 0)).toEqual({ ok: true, created: true, agreed: true });
    const keys = t.channelKeys().directions;
    expect(keys.map((k) => [k.from, k.to])).toEqual([[0, 2], [2, 0], [2, 8], [8, 2]]);
    for (const k of keys) expect(k.senderKey).toBe(k.receiverKey);
    expect(t.getPublicState().channels.map((c) => [c.initiator, c.responder])).toEqual([[2, 0], [8, 2]]);
  });

  it('an idempotent connect draws no randomness', () => {
    const a = new Entropy(seed(5));
    const t = new ChannelTable(a);
    t.addEndpoint(1);
    t.addEndpoint(2);
    t.connect(1, 2);
    const before = a.getState();
    t.connect(2, 1);
    t.addEndpoint(1);
    expect(a.getState()).toEqual(before);
  });

  it('refuses a channel to an endpoint without a key pair', () => {
    const t = new ChannelTable(new Entropy(seed(6)));
    t.addEndpoint(1);
    expect(t.connect(1, 9)).toEqual({ ok: false, error: 'no-endpoint' });
    expect(t.hasChannel(1, 9)).toBe(false);
  });

  it('with a tampered encapsulation (fault) the table records that the sides disagree, and messages fail auth', () => {
    const t = new ChannelTable(new Entropy(seed(7)));
    t.addEndpoint(1);
    t.addEndpoint(2);
    expect(t.connect(1, 2, { flipEncapsulationByte: 17 })).toEqual({ ok: true, created: true, agreed: false });
    expect(t.open(t.seal(1, 2, 205, new Uint8Array(16)))).toEqual({ ok: false, error: 'auth' });
    expect(t.open(t.seal(2, 1, 250, new Uint8Array(16)))).toEqual({ ok: false, error: 'auth' });
  });

  it('a channel to oneself has one direction and works', () => {
    const t = new ChannelTable(new Entropy(seed(8)));
    t.addEndpoint(9);
    expect(t.connect(9, 9)).toEqual({ ok: true, created: true, agreed: true });
    const r = t.open(t.seal(9, 9, 1, Uint8Array.of(5)));
    expect(r.ok && r.message.payload).toEqual(Uint8Array.of(5));
  });
});
