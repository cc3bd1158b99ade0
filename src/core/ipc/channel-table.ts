/**
 * The machine's Lattice IPC channel layer: every endpoint's ML-KEM-768 key pair, every channel
 * (one per unordered pair of pids, two directions) and every direction's keys and sequence
 * numbers. The machine simulates both ends of each channel, so the table keeps both views: the
 * key the sender seals with and the key the receiver opens with (equal unless the key exchange
 * was tampered with, which is exactly what a tampered-encapsulation fault shows).
 *
 * Ordering and replay: a channel direction delivers in order in this machine, so a receiver
 * accepts a sequence number only if it is greater than the last one it accepted. Gaps are
 * allowed, so a dropped or corrupted message does not wedge the channel; anything at or below
 * the last accepted number is a replay.
 *
 * State splits into a public part (public keys, encapsulation ciphertexts, sequence numbers: safe
 * to share with a recording) and a secret part (secret keys, channel keys) kept in a separate store.
 */
import { DeviceStateError, expectHex, expectInt, expectState, type StateRecord } from '../../hw/state.js';
import { hexOf } from '../../protocol/hex.js';
import {
  acceptChannel,
  bytesEqual,
  CHANNEL_KEY_BYTES,
  ENCAPSULATION_BYTES,
  generateKeyPair,
  initiateChannel,
  PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES,
  secretKeyMatches,
  type RandomSource,
} from './lattice-keys.js';
import { openWire, sealWire } from './sealing.js';
import { checkWire, derivedNonce, FIRST_SEQ, isU32, MAX_SEQ, type Wire } from './wire.js';

export type OpenError = 'auth' | 'replay' | 'header' | 'no-channel' | 'malformed';

export interface OpenedMessage {
  readonly src: number;
  readonly dst: number;
  readonly m_type: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

export type OpenResult = { readonly ok: true; readonly message: OpenedMessage } | { readonly ok: false; readonly error: OpenError };

export type ConnectResult =
  /** `agreed`: both sides derived the same keys (false only after a tampered encapsulation). */
  | { readonly ok: true; readonly created: boolean; readonly agreed: boolean }
  | { readonly ok: false; readonly error: 'no-endpoint' };

/** Fault injection on the key exchange: flip one byte of the encapsulation on its way to the responder. */
export interface ConnectFault {
  readonly flipEncapsulationByte: number;
}

/** Bugs in the caller (not hostile input): sealing on a channel that does not exist, bad arguments. */
export class LatticeError extends Error {
  constructor(
    readonly code: 'ENOTCONN' | 'EINVAL' | 'EEXIST' | 'EOVERFLOW',
    detail: string,
  ) {
    super(`lattice: ${detail}`);
    this.name = 'LatticeError';
  }
}

// ---- state -----------------------------------------------------------------------------------------

export interface LatticePublicState {
  readonly version: 1;
  readonly endpoints: readonly { readonly pid: number; readonly publicKey: string }[];
  /** The encapsulation is what the responder received (hex). */
  readonly channels: readonly { readonly initiator: number; readonly responder: number; readonly encapsulation: string }[];
  readonly directions: readonly { readonly from: number; readonly to: number; readonly nextSeq: number; readonly lastAccepted: number }[];
}

export interface ChannelKeyEntry {
  readonly from: number;
  readonly to: number;
  /** The key the sender seals with (hex). */
  readonly senderKey: string;
  /** The key the receiver opens with (hex); equal to senderKey after an honest key exchange. */
  readonly receiverKey: string;
}

/** The channel keys alone: enough to inspect journaled wires, nothing to impersonate an endpoint with. */
export interface ChannelKeys {
  readonly version: 1;
  readonly directions: readonly ChannelKeyEntry[];
}

export interface LatticeSecretState {
  readonly version: 1;
  readonly endpoints: readonly { readonly pid: number; readonly secretKey: string }[];
  readonly directions: readonly ChannelKeyEntry[];
}

export interface ChannelTableState {
  readonly version: 1;
  readonly public: LatticePublicState;
  readonly secret: LatticeSecretState;
}

const STATE_VERSION = 1;

export function splitChannelTableState(s: ChannelTableState): { public: LatticePublicState; secret: LatticeSecretState } {
  return { public: s.public, secret: s.secret };
}

export function joinChannelTableState(pub: LatticePublicState, secret: LatticeSecretState): ChannelTableState {
  return { version: STATE_VERSION, public: pub, secret };
}

// ---- the table -----------------------------------------------------------------------------------

interface Endpoint {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

interface Channel {
  readonly initiator: number;
  readonly responder: number;
  readonly encapsulation: Uint8Array;
}

interface Direction {
  readonly from: number;
  readonly to: number;
  readonly senderKey: Uint8Array;
  readonly receiverKey: Uint8Array;
  /** Sequence number of the next message sealed. */
  nextSeq: number;
  /** Highest sequence number accepted by the receiver (FIRST_SEQ - 1 when none). */
  lastAccepted: number;
}

type Nested<T> = Map<number, Map<number, T>>;

function nestedGet<T>(m: Nested<T>, a: number, b: number): T | undefined {
  return m.get(a)?.get(b);
}

function nestedSet<T>(m: Nested<T>, a: number, b: number, v: T): void {
  let inner = m.get(a);
  if (!inner) m.set(a, (inner = new Map()));
  inner.set(b, v);
}

function nestedDelete<T>(m: Nested<T>, a: number, b: number): void {
  const inner = m.get(a);
  if (!inner) return;
  inner.delete(b);
  if (inner.size === 0) m.delete(a);
}

function* nestedValues<T>(m: Nested<T>): Generator<T> {
  for (const inner of m.values()) yield* inner.values();
}

function lo(a: number, b: number): number {
  return a < b ? a : b;
}

function hi(a: number, b: number): number {
  return a < b ? b : a;
}

function expectPid(v: unknown, what: string): number {
  if (!isU32(v)) throw new LatticeError('EINVAL', `${what} must be a u32 pid, got ${String(v)}`);
  return v;
}

export class ChannelTable {
  private endpoints = new Map<number, Endpoint>();
  /** Keyed by (min pid, max pid). */
  private channels: Nested<Channel> = new Map();
  /** Keyed by (from, to). */
  private directions: Nested<Direction> = new Map();

  /** `random` is the machine's DRBG; the table draws keygen seeds and encapsulation randomness from it (nonces are derived). */
  constructor(private readonly random: RandomSource) {}

  // ---- endpoints and channels ----

  /** Gives `pid` a fresh ML-KEM-768 key pair (64 DRBG bytes). Idempotent: an existing key pair is kept. */
  addEndpoint(pid: number): Uint8Array {
    expectPid(pid, 'pid');
    const existing = this.endpoints.get(pid);
    if (existing) return existing.publicKey;
    const kp = generateKeyPair(this.random);
    this.endpoints.set(pid, { publicKey: kp.publicKey, secretKey: kp.secretKey });
    return kp.publicKey;
  }

  hasEndpoint(pid: number): boolean {
    return this.endpoints.has(pid);
  }

  publicKey(pid: number): Uint8Array | undefined {
    return this.endpoints.get(pid)?.publicKey;
  }

  /** Forgets `pid`'s key pair and closes all its channels (the process or server instance is gone). */
  removeEndpoint(pid: number): void {
    if (!this.endpoints.delete(pid)) return;
    for (const c of [...nestedValues(this.channels)]) {
      if (c.initiator === pid || c.responder === pid) this.disconnect(c.initiator, c.responder);
    }
  }

  /**
   * Sets up the channel between src and dst with both directions: src encapsulates to dst's public
   * key (32 DRBG bytes), dst decapsulates with its secret key, both derive the direction keys.
   * Idempotent: an existing channel (set up from either side) is kept and nothing is drawn.
   */
  connect(src: number, dst: number, fault?: ConnectFault): ConnectResult {
    expectPid(src, 'src');
    expectPid(dst, 'dst');
    const existing = nestedGet(this.channels, lo(src, dst), hi(src, dst));
    if (existing) return { ok: true, created: false, agreed: this.channelAgrees(existing) };
    const initiator = this.endpoints.get(src);
    const responder = this.endpoints.get(dst);
    if (!initiator || !responder) return { ok: false, error: 'no-endpoint' };
    const sent = initiateChannel(src, dst, responder.publicKey, this.random);
    const received = Uint8Array.from(sent.encapsulation);
    if (fault) {
      const i = fault.flipEncapsulationByte;
      if (!Number.isInteger(i) || i < 0 || i >= received.length) throw new LatticeError('EINVAL', `encapsulation byte ${i} out of range`);
      received[i]! ^= 0x01;
    }
    // Sizes are right by construction, so acceptChannel cannot return null here.
    const theirs = acceptChannel(src, dst, received, responder.secretKey)!;
    nestedSet(this.channels, lo(src, dst), hi(src, dst), { initiator: src, responder: dst, encapsulation: received });
    this.addDirection(src, dst, sent.keys.forward, theirs.forward);
    if (src !== dst) this.addDirection(dst, src, theirs.backward, sent.keys.backward);
    return { ok: true, created: true, agreed: this.channelAgrees(nestedGet(this.channels, lo(src, dst), hi(src, dst))!) };
  }

  hasChannel(a: number, b: number): boolean {
    return nestedGet(this.channels, lo(a, b), hi(a, b)) !== undefined;
  }

  /** Closes the channel between a and b (both directions); a later connect sets up fresh keys. */
  disconnect(a: number, b: number): void {
    nestedDelete(this.channels, lo(a, b), hi(a, b));
    nestedDelete(this.directions, a, b);
    nestedDelete(this.directions, b, a);
  }

  private addDirection(from: number, to: number, senderKey: Uint8Array, receiverKey: Uint8Array): void {
    nestedSet(this.directions, from, to, { from, to, senderKey, receiverKey, nextSeq: FIRST_SEQ, lastAccepted: FIRST_SEQ - 1 });
  }

  private channelAgrees(c: Channel): boolean {
    const f = nestedGet(this.directions, c.initiator, c.responder)!;
    const b = nestedGet(this.directions, c.responder, c.initiator)!;
    return bytesEqual(f.senderKey, f.receiverKey) && bytesEqual(b.senderKey, b.receiverKey);
  }

  // ---- messages ----

  /** Seals a message from src to dst with the next sequence number and the nonce derived from its header (wire.ts derivedNonce). */
  seal(src: number, dst: number, m_type: number, payload: Uint8Array): Wire {
    expectPid(src, 'src');
    expectPid(dst, 'dst');
    if (!isU32(m_type)) throw new LatticeError('EINVAL', `m_type must be a u32, got ${String(m_type)}`);
    if (!(payload instanceof Uint8Array)) throw new LatticeError('EINVAL', 'payload must be a Uint8Array');
    const dir = nestedGet(this.directions, src, dst);
    if (!dir) throw new LatticeError('ENOTCONN', `no channel ${src} -> ${dst}; connect first`);
    if (dir.nextSeq >= MAX_SEQ) throw new LatticeError('EOVERFLOW', `sequence numbers exhausted on ${src} -> ${dst}; reconnect`);
    const seq = dir.nextSeq++;
    return sealWire(dir.senderKey, derivedNonce(src, dst, seq), { src, dst, m_type, seq }, payload);
  }

  /**
   * The receiver's side: authenticates and decrypts a wire (object or bytes) and checks its
   * sequence number. Never throws on hostile input. An authentic message with an already accepted
   * sequence number is 'replay'. A message that fails authentication is 'header' when it does
   * authenticate with the sequence number the receiver expected next (so the header was altered,
   * not the ciphertext), otherwise 'auth': an altered m_type, src or dst cannot be told apart from
   * an altered ciphertext, since the header is only protected as associated data.
   */
  open(input: Wire | Uint8Array): OpenResult {
    const parsed = checkWire(input);
    if (!parsed.ok) return parsed;
    const w = parsed.wire;
    const dir = nestedGet(this.directions, w.src, w.dst);
    if (!dir) return NO_CHANNEL;
    const payload = openWire(dir.receiverKey, w);
    if (payload === null) return { ok: false, error: this.seqWasAltered(dir, w) ? 'header' : 'auth' };
    if (w.seq <= dir.lastAccepted) return REPLAY;
    dir.lastAccepted = w.seq;
    return { ok: true, message: { src: w.src, dst: w.dst, m_type: w.m_type, seq: w.seq, payload } };
  }

  private seqWasAltered(dir: Direction, w: Wire): boolean {
    const expected = dir.lastAccepted + 1;
    return expected !== w.seq && expected <= MAX_SEQ && openWire(dir.receiverKey, { ...w, seq: expected }) !== null;
  }

  /** Next sequence number the sender will use and the last one the receiver accepted on from -> to. */
  sequence(from: number, to: number): { readonly nextSeq: number; readonly lastAccepted: number } | undefined {
    const d = nestedGet(this.directions, from, to);
    return d && { nextSeq: d.nextSeq, lastAccepted: d.lastAccepted };
  }

  // ---- keys and state ----

  channelKeys(): ChannelKeys {
    return { version: STATE_VERSION, directions: this.keyEntries() };
  }

  private keyEntries(): ChannelKeyEntry[] {
    return this.sortedDirections().map((d) => ({ from: d.from, to: d.to, senderKey: hexOf(d.senderKey), receiverKey: hexOf(d.receiverKey) }));
  }

  private sortedDirections(): Direction[] {
    return [...nestedValues(this.directions)].sort((a, b) => a.from - b.from || a.to - b.to);
  }

  private sortedEndpoints() {
    return [...this.endpoints].sort((a, b) => a[0] - b[0]);
  }

  getPublicState(): LatticePublicState {
    return {
      version: STATE_VERSION,
      endpoints: this.sortedEndpoints().map(([pid, e]) => ({ pid, publicKey: hexOf(e.publicKey) })),
      channels: [...nestedValues(this.channels)]
        .sort((a, b) => lo(a.initiator, a.responder) - lo(b.initiator, b.responder) || hi(a.initiator, a.responder) - hi(b.initiator, b.responder))
        .map((c) => ({ initiator: c.initiator, responder: c.responder, encapsulation: hexOf(c.encapsulation) })),
      directions: this.sortedDirections().map((d) => ({ from: d.from, to: d.to, nextSeq: d.nextSeq, lastAccepted: d.lastAccepted })),
    };
  }

  getSecretState(): LatticeSecretState {
    return {
      version: STATE_VERSION,
      endpoints: this.sortedEndpoints().map(([pid, e]) => ({ pid, secretKey: hexOf(e.secretKey) })),
      directions: this.keyEntries(),
    };
  }

  getState(): ChannelTableState {
    return { version: STATE_VERSION, public: this.getPublicState(), secret: this.getSecretState() };
  }

  /** Restores a saved state; validates all of it first and throws DeviceStateError leaving the table untouched. */
  setState(state: unknown): void {
    const d = 'lattice';
    const s = expectState(d, state, STATE_VERSION);
    const pub = expectState(`${d}.public`, s['public'], STATE_VERSION);
    const sec = expectState(`${d}.secret`, s['secret'], STATE_VERSION);
    const fail = (detail: string): never => {
      throw new DeviceStateError(d, detail);
    };

    const secretKeys = new Map<number, Uint8Array>();
    for (const r of records(d, sec, 'endpoints')) {
      const pid = expectInt(d, r, 'pid', 0, 0xffff_ffff);
      if (secretKeys.has(pid)) fail(`duplicate secret key for pid ${pid}`);
      secretKeys.set(pid, exactHex(d, r, 'secretKey', SECRET_KEY_BYTES));
    }
    const endpoints = new Map<number, Endpoint>();
    for (const r of records(d, pub, 'endpoints')) {
      const pid = expectInt(d, r, 'pid', 0, 0xffff_ffff);
      if (endpoints.has(pid)) fail(`duplicate endpoint ${pid}`);
      const publicKey = exactHex(d, r, 'publicKey', PUBLIC_KEY_BYTES);
      const secretKey = secretKeys.get(pid) ?? fail(`no secret key for endpoint ${pid}`);
      if (!secretKeyMatches(publicKey, secretKey)) fail(`secret key of endpoint ${pid} does not belong to its public key`);
      endpoints.set(pid, { publicKey, secretKey });
    }
    if (secretKeys.size !== endpoints.size) fail('secret keys for endpoints that do not exist');

    const keys: Nested<{ senderKey: Uint8Array; receiverKey: Uint8Array }> = new Map();
    let keyCount = 0;
    for (const r of records(d, sec, 'directions')) {
      const from = expectInt(d, r, 'from', 0, 0xffff_ffff);
      const to = expectInt(d, r, 'to', 0, 0xffff_ffff);
      if (nestedGet(keys, from, to)) fail(`duplicate keys for ${from} -> ${to}`);
      nestedSet(keys, from, to, { senderKey: exactHex(d, r, 'senderKey', CHANNEL_KEY_BYTES), receiverKey: exactHex(d, r, 'receiverKey', CHANNEL_KEY_BYTES) });
      keyCount++;
    }

    const channels: Nested<Channel> = new Map();
    for (const r of records(d, pub, 'channels')) {
      const initiator = expectInt(d, r, 'initiator', 0, 0xffff_ffff);
      const responder = expectInt(d, r, 'responder', 0, 0xffff_ffff);
      if (!endpoints.has(initiator) || !endpoints.has(responder)) fail(`channel ${initiator} -> ${responder} has no endpoint`);
      if (nestedGet(channels, lo(initiator, responder), hi(initiator, responder))) fail(`duplicate channel ${initiator} <-> ${responder}`);
      nestedSet(channels, lo(initiator, responder), hi(initiator, responder), {
        initiator, responder, encapsulation: exactHex(d, r, 'encapsulation', ENCAPSULATION_BYTES),
      });
    }

    const directions: Nested<Direction> = new Map();
    let directionCount = 0;
    for (const r of records(d, pub, 'directions')) {
      const from = expectInt(d, r, 'from', 0, 0xffff_ffff);
      const to = expectInt(d, r, 'to', 0, 0xffff_ffff);
      if (!nestedGet(channels, lo(from, to), hi(from, to))) fail(`direction ${from} -> ${to} has no channel`);
      if (nestedGet(directions, from, to)) fail(`duplicate direction ${from} -> ${to}`);
      const nextSeq = expectInt(d, r, 'nextSeq', FIRST_SEQ, MAX_SEQ);
      const lastAccepted = expectInt(d, r, 'lastAccepted', FIRST_SEQ - 1, nextSeq - 1);
      const k = nestedGet(keys, from, to) ?? fail(`no keys for direction ${from} -> ${to}`);
      nestedSet(directions, from, to, { from, to, senderKey: k.senderKey, receiverKey: k.receiverKey, nextSeq, lastAccepted });
      directionCount++;
    }
    if (keyCount !== directionCount) fail('channel keys for directions that do not exist');
    for (const c of nestedValues(channels)) {
      if (!nestedGet(directions, c.initiator, c.responder) || !nestedGet(directions, c.responder, c.initiator)) {
        fail(`channel ${c.initiator} <-> ${c.responder} lacks a direction`);
      }
    }

    this.endpoints = endpoints;
    this.channels = channels;
    this.directions = directions;
  }
}

const NO_CHANNEL: OpenResult = { ok: false, error: 'no-channel' };
const REPLAY: OpenResult = { ok: false, error: 'replay' };

function records(device: string, parent: StateRecord, field: string): StateRecord[] {
  const v = parent[field];
  if (!Array.isArray(v)) throw new DeviceStateError(device, `field ${field} must be an array`);
  return v.map((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new DeviceStateError(device, `${field}[${i}] must be an object`);
    return r as StateRecord;
  });
}

function exactHex(device: string, r: StateRecord, field: string, length: number): Uint8Array {
  const b = expectHex(device, r, field, length);
  if (b.length !== length) throw new DeviceStateError(device, `field ${field} must be ${length} bytes, got ${b.length}`);
  return b;
}

// ---- inspection --------------------------------------------------------------------------------

export type DecryptResult =
  | { readonly ok: true; readonly message: OpenedMessage }
  | { readonly ok: false; readonly error: 'auth' | 'no-channel' | 'malformed' };

/**
 * Decrypts journaled wires given only the channel keys (the TUI's inspector): no sequence checks,
 * no state. Uses the sender's key, so it shows what was sent even when the receiver rejected it.
 */
export class ChannelKeyRing {
  private readonly keys: Nested<Uint8Array> = new Map();

  /** Throws DeviceStateError on malformed key data. */
  constructor(keys: unknown) {
    const d = 'lattice.keys';
    const s = expectState(d, keys, STATE_VERSION);
    for (const r of records(d, s, 'directions')) {
      const from = expectInt(d, r, 'from', 0, 0xffff_ffff);
      const to = expectInt(d, r, 'to', 0, 0xffff_ffff);
      nestedSet(this.keys, from, to, exactHex(d, r, 'senderKey', CHANNEL_KEY_BYTES));
    }
  }

  decrypt(input: Wire | Uint8Array): DecryptResult {
    const parsed = checkWire(input);
    if (!parsed.ok) return parsed;
    const w = parsed.wire;
    const key = nestedGet(this.keys, w.src, w.dst);
    if (!key) return { ok: false, error: 'no-channel' };
    const payload = openWire(key, w);
    if (payload === null) return { ok: false, error: 'auth' };
    return { ok: true, message: { src: w.src, dst: w.dst, m_type: w.m_type, seq: w.seq, payload } };
  }
}

/** One-off form of ChannelKeyRing.decrypt. */
export function decryptWire(input: Wire | Uint8Array, keys: ChannelKeys): DecryptResult {
  return new ChannelKeyRing(keys).decrypt(input);
}
