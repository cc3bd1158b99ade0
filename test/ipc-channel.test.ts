/**
 * Sealed messages on a ChannelTable: what opens, and what is rejected (every single-byte change of
 * a wire, replays, altered headers, unknown channels, hostile shapes) without ever throwing.
 */
import { describe, expect, it } from 'vitest';
import { Entropy } from '../src/hw/entropy.js';
import {
  alterHeader,
  ChannelTable,
  checkWire,
  corruptWire,
  decodeWire,
  derivedNonce,
  encodeHeader,
  encodeWire,
  HEADER_BYTES,
  LatticeError,
  NONCE_BYTES,
  TAG_BYTES,
  WIRE_HEADER_OFFSET,
  WIRE_PREFIX_BYTES,
  type Wire,
} from '../src/core/ipc/index.js';

const PM = 3;
const USER = 8;
const GETPID = 205;

function table(seedByte = 1): ChannelTable {
  const t = new ChannelTable(new Entropy(new Uint8Array(32).fill(seedByte)));
  for (const pid of [0, 2, PM, USER]) t.addEndpoint(pid);
  t.connect(USER, PM);
  t.connect(0, PM);
  return t;
}

describe('seal and open', () => {
  it('round-trips payloads of 0, 16 and 4096 bytes with the header and sequence number', () => {
    const t = table();
    for (const [i, n] of [0, 16, 4096].entries()) {
      const payload = Uint8Array.from({ length: n }, (_, k) => (k * 7 + i) & 0xff);
      const w = t.seal(USER, PM, GETPID, payload);
      expect(w.seq).toBe(i + 1);
      expect(w.nonce.length).toBe(NONCE_BYTES);
      expect(w.ciphertext.length).toBe(n + TAG_BYTES);
      const r = t.open(w);
      expect(r).toEqual({ ok: true, message: { src: USER, dst: PM, m_type: GETPID, seq: i + 1, payload } });
    }
    expect(t.sequence(USER, PM)).toEqual({ nextSeq: 4, lastAccepted: 3 });
    expect(t.sequence(PM, USER)).toEqual({ nextSeq: 1, lastAccepted: 0 });
  });

  it('seals with the nonce derived from the header: never the same twice under a key, nothing drawn from the DRBG', () => {
    const drbg = new Entropy(new Uint8Array(32).fill(1));
    const t = new ChannelTable(drbg);
    for (const pid of [0, PM, USER]) t.addEndpoint(pid);
    t.connect(USER, PM);
    t.connect(0, PM);
    const next = drbg.bytes(8); // where the DRBG stands before any message
    const again = new Entropy(new Uint8Array(32).fill(1));
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      for (const [src, dst] of [[USER, PM], [PM, USER], [0, PM], [PM, 0]] as const) {
        const w = t.seal(src, dst, GETPID, new Uint8Array(i));
        expect(w.nonce).toEqual(derivedNonce(src, dst, w.seq));
        const key = `${src}>${dst}:${Buffer.from(w.nonce).toString('hex')}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(t.open(w).ok).toBe(true);
      }
    }
    // The same table, rebuilt on a fresh DRBG, draws exactly what the first drew before sealing.
    const t2 = new ChannelTable(again);
    for (const pid of [0, PM, USER]) t2.addEndpoint(pid);
    t2.connect(USER, PM);
    t2.connect(0, PM);
    expect(again.bytes(8)).toEqual(next);
    expect(derivedNonce(0x01020304, 7, 2 ** 32 + 5)).toEqual(Uint8Array.from([4, 3, 2, 1, 7, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, ...new Array<number>(8).fill(0)]));
  });

  it('the ciphertext does not contain the plaintext', () => {
    const t = table();
    const payload = new TextEncoder().encode('a secret getpid request payload');
    const w = t.seal(USER, PM, GETPID, payload);
    expect(Buffer.from(w.ciphertext).includes(Buffer.from(payload.subarray(0, 8)))).toBe(false);
  });

  it('wire bytes round-trip and open the same as the object; the AAD is bytes [4, 24) of the wire', () => {
    const t = table();
    const w = t.seal(USER, PM, GETPID, Uint8Array.of(1, 2, 3));
    const bytes = encodeWire(w);
    expect(bytes.length).toBe(WIRE_PREFIX_BYTES + 3 + TAG_BYTES);
    expect(decodeWire(bytes)).toEqual({ ok: true, wire: w });
    expect(bytes.subarray(WIRE_HEADER_OFFSET, WIRE_HEADER_OFFSET + HEADER_BYTES)).toEqual(encodeHeader(USER, PM, GETPID, 1));
    const r = t.open(bytes);
    expect(r.ok && r.message.payload).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('encodes the header as fixed little-endian fields, the sequence number as u64', () => {
    expect([...encodeHeader(0x01020304, 2, 0xfffe, 2 ** 32 + 5)]).toEqual([
      4, 3, 2, 1, 2, 0, 0, 0, 0xfe, 0xff, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0,
    ]);
  });

  it('sealing without a channel is a caller bug (LatticeError ENOTCONN), as are bad arguments', () => {
    const t = table();
    expect(() => t.seal(USER, 2, 1, new Uint8Array(0))).toThrow(LatticeError);
    try {
      t.seal(USER, 2, 1, new Uint8Array(0));
    } catch (e) {
      expect((e as LatticeError).code).toBe('ENOTCONN');
    }
    expect(() => t.seal(USER, PM, -1, new Uint8Array(0))).toThrow(/m_type/);
    expect(() => t.seal(USER, PM, 1, [1, 2] as unknown as Uint8Array)).toThrow(/payload/);
  });

  it('disconnect closes both directions; a new connect gives new keys and restarts the sequence numbers', () => {
    const t = table();
    const first = t.seal(USER, PM, GETPID, Uint8Array.of(1));
    t.disconnect(PM, USER);
    expect(t.open(first)).toEqual({ ok: false, error: 'no-channel' });
    t.connect(PM, USER);
    const again = t.seal(USER, PM, GETPID, Uint8Array.of(1));
    expect(again.seq).toBe(1);
    expect(t.open(first)).toEqual({ ok: false, error: 'auth' });
    expect(t.open(again).ok).toBe(true);
  });

  it('removeEndpoint drops the key pair and its channels', () => {
    const t = table();
    t.removeEndpoint(USER);
    expect(t.hasEndpoint(USER)).toBe(false);
    expect(t.hasChannel(USER, PM)).toBe(false);
    expect(t.hasChannel(0, PM)).toBe(true);
  });
});

describe('tamper rejection', () => {
  it('flipping any single bit pattern in any byte of the wire makes open fail, and the honest wire still opens', () => {
    const t = table();
    const w = t.seal(USER, PM, GETPID, Uint8Array.from({ length: 16 }, (_, i) => i));
    const bytes = encodeWire(w);
    const seqLow = WIRE_HEADER_OFFSET + 12;
    const ctStart = WIRE_PREFIX_BYTES;
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Uint8Array.from(bytes);
        bad[i]! ^= mask;
        const r = t.open(bad);
        expect(r.ok, `byte ${i} mask ${mask}`).toBe(false);
        if (r.ok) continue;
        if (i < WIRE_HEADER_OFFSET || (i >= ctStart - 4 && i < ctStart)) expect(r.error, `byte ${i}`).toBe('malformed');
        else if (i >= ctStart) expect(r.error, `byte ${i}`).toBe('auth');
        else if (i >= WIRE_HEADER_OFFSET + HEADER_BYTES) expect(r.error, `nonce byte ${i}`).toBe('auth');
        // seq 1 with its low bit flipped is 0, never valid, so that one is malformed.
        else if (i >= seqLow && i < seqLow + 4) expect(r.error, `seq byte ${i}`).toBe(i === seqLow && mask === 0x01 ? 'malformed' : 'header');
        else expect(['auth', 'header', 'no-channel', 'malformed'], `header byte ${i}`).toContain(r.error);
      }
    }
    expect(t.open(bytes).ok).toBe(true);
  });

  it('every field of the wire object, changed, is rejected: m_type and seq as header, ciphertext and nonce as auth', () => {
    const t = table();
    const w = t.seal(USER, PM, GETPID, new Uint8Array(16));
    expect(t.open({ ...w, m_type: GETPID + 1 })).toEqual({ ok: false, error: 'auth' });
    expect(t.open({ ...w, seq: 2 })).toEqual({ ok: false, error: 'header' });
    expect(t.open({ ...w, src: 0 })).toEqual({ ok: false, error: 'auth' }); // channel 0 -> PM exists, other key
    expect(t.open({ ...w, src: 2 })).toEqual({ ok: false, error: 'no-channel' });
    expect(t.open({ ...w, dst: USER, src: PM })).toEqual({ ok: false, error: 'auth' }); // reverse direction, other key
    expect(t.open(corruptWire(w, 3))).toEqual({ ok: false, error: 'auth' });
    expect(t.open({ ...w, nonce: corruptWire({ ...w, ciphertext: w.nonce }).ciphertext })).toEqual({ ok: false, error: 'auth' });
    expect(t.open({ ...w, ciphertext: w.ciphertext.subarray(0, w.ciphertext.length - 1) })).toEqual({ ok: false, error: 'auth' });
    expect(t.open(w).ok).toBe(true);
  });

  it('a forged m_source is impossible: a wire claiming another sender does not authenticate', () => {
    const t = table();
    // USER seals to PM and rewrites src to the kernel's pid 0, which has its own channel to PM.
    const forged: Wire = { ...t.seal(USER, PM, GETPID, new Uint8Array(4)), src: 0 };
    expect(t.open(forged)).toEqual({ ok: false, error: 'auth' });
  });
});

describe('replay rejection', () => {
  it('rejects an accepted message delivered again, and any older sequence number', () => {
    const t = table();
    const w1 = t.seal(USER, PM, GETPID, Uint8Array.of(1));
    const w2 = t.seal(USER, PM, GETPID, Uint8Array.of(2));
    expect(t.open(w1).ok).toBe(true);
    expect(t.open(w1)).toEqual({ ok: false, error: 'replay' });
    expect(t.open(encodeWire(w1))).toEqual({ ok: false, error: 'replay' });
    expect(t.open(w2).ok).toBe(true);
    expect(t.open(w1)).toEqual({ ok: false, error: 'replay' });
    expect(t.open(w2)).toEqual({ ok: false, error: 'replay' });
  });

  it('accepts gaps (a dropped message does not wedge the channel) but then rejects the late one', () => {
    const t = table();
    const w1 = t.seal(USER, PM, GETPID, Uint8Array.of(1));
    const w2 = t.seal(USER, PM, GETPID, Uint8Array.of(2));
    expect(t.open(w2).ok).toBe(true);
    expect(t.open(w1)).toEqual({ ok: false, error: 'replay' });
  });

  it('a rejected (corrupted) message does not advance the receiver', () => {
    const t = table();
    const w1 = t.seal(USER, PM, GETPID, Uint8Array.of(1));
    expect(t.open(corruptWire(w1, 0))).toEqual({ ok: false, error: 'auth' });
    expect(t.sequence(USER, PM)).toEqual({ nextSeq: 2, lastAccepted: 0 });
    expect(t.open(w1).ok).toBe(true);
  });
});

describe('hostile input never throws', () => {
  const t = table();
  const w = t.seal(USER, PM, GETPID, Uint8Array.of(1));
  const cases: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['a string', 'wire'],
    ['an array', [1, 2, 3]],
    ['empty bytes', new Uint8Array(0)],
    ['short bytes', new Uint8Array(WIRE_PREFIX_BYTES)],
    ['bytes with trailing junk', Uint8Array.from([...encodeWire(w), 0])],
    ['bytes from a newer format', Uint8Array.from(encodeWire(w), (b, i) => (i === 0 ? 2 : b))],
    ['src not an integer', { ...w, src: 1.5 }],
    ['dst negative', { ...w, dst: -1 }],
    ['m_type too large', { ...w, m_type: 2 ** 32 }],
    ['seq 0', { ...w, seq: 0 }],
    ['seq unsafe', { ...w, seq: 2 ** 60 }],
    ['seq a string', { ...w, seq: '1' }],
    ['nonce short', { ...w, nonce: new Uint8Array(23) }],
    ['nonce an array', { ...w, nonce: [...w.nonce] }],
    ['ciphertext shorter than a tag', { ...w, ciphertext: new Uint8Array(TAG_BYTES - 1) }],
    ['ciphertext missing', { ...w, ciphertext: undefined }],
  ];
  it.each(cases)('%s is malformed', (_, input) => {
    expect(checkWire(input)).toEqual({ ok: false, error: 'malformed' });
    expect(t.open(input as Wire)).toEqual({ ok: false, error: 'malformed' });
  });

  it('random byte strings are rejected without throwing', () => {
    const rng = new Entropy(new Uint8Array(32).fill(99));
    for (let i = 0; i < 500; i++) {
      const n = rng.below(200);
      const bytes = rng.bytes(n);
      if (n > 4) bytes.set([1, 0, 0, 0], 0);
      expect(t.open(bytes).ok).toBe(false);
    }
  });
});

describe('ciphertext corruption faults', () => {
  it('corruptWire is pure and any index (modulo the length) makes open fail with auth', () => {
    const t = table();
    const w = t.seal(USER, PM, GETPID, new Uint8Array(16));
    const before = Uint8Array.from(w.ciphertext);
    for (const i of [0, 15, 16, 31, 32, 1000]) expect(t.open(corruptWire(w, i))).toEqual({ ok: false, error: 'auth' });
    expect(w.ciphertext).toEqual(before);
    expect(() => corruptWire(w, 0, 0)).toThrow(RangeError);
    expect(t.open(w).ok).toBe(true);
  });

  it('refuses a wire whose header was rewritten to another message type', () => {
    const t = table();
    const w = t.seal(USER, PM, GETPID, new Uint8Array(16));
    expect(alterHeader(w).m_type).not.toBe(w.m_type);
    expect(t.open(alterHeader(w))).toEqual({ ok: false, error: 'auth' });
    expect(t.open(w).ok).toBe(true);
  });
});
