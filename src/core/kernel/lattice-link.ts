/**
 * The kernel's side of Lattice IPC: which endpoints and channels exist, where their key material
 * comes from, and sealing/opening on them (the ChannelTable of src/core/ipc does the cryptography).
 *
 * Who is an endpoint. The kernel builds every delegated call's message itself (it copies the
 * arguments out of the process), so delegated calls travel on the kernel <-> server channels, set
 * up once at boot; the process the kernel acts for is inside the sealed plaintext (`party`, see
 * `envelope`), authenticated with the rest. A user process gets its own ML-KEM key pair only when
 * it talks to another process (lattice_connect / lattice_send to a pid that is not a server). So a
 * fork costs no key generation (about 3 ms per endpoint plus channel otherwise), and boot costs one
 * key pair per server and the kernel plus one encapsulation per server.
 *
 * Key material. The machine hands the link a key seed: the recorder's own (MachineConfig.keySeed,
 * which a journal keeps apart with the channel keys), else the first 32 bytes of its DRBG. Key
 * generation and encapsulation draw from HKDF streams over it, labelled by what is being made
 * (endpoint pid and generation, channel ends and generation). Nonces are derived from each message's
 * header (ipc/wire.ts derivedNonce), so no message draws from the DRBG.
 * Labelled draws make the secret half of the state recomputable from the public half and the key
 * seed: a snapshot restored without its secret part re-derives the same keys (and the channel table
 * checks that each secret key belongs to its public key). So with a key seed of its own, a copy of
 * a recording without it and the channel keys cannot be decrypted from the entropy seed that every
 * snapshot holds; without one (recordings before schema 3, tests), the entropy seed derives them.
 */
import { StateValue } from '../state-check.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  ChannelTable,
  joinChannelTableState,
  type ChannelKeys,
  type LatticePublicState,
  type LatticeSecretState,
  type OpenResult,
  type RandomSource,
  type Wire,
} from '../ipc/index.js';

const KEY_SALT = new TextEncoder().encode('xrr/lattice-keys/v1');

/**
 * Re-derived secret halves by seed and labels. A pure function's memo (the same inputs always give
 * the same keys), so a seek that restores snapshot after snapshot pays the key generation once.
 */
const rederived = new Map<string, LatticeSecretState>();
const REDERIVED_MAX = 64;

/** Bytes for key generation and encapsulation, by label; anything drawn without a label from the machine DRBG. */
class LabelledRandom implements RandomSource {
  private label: string | undefined;
  private draws = 0;

  /** Names the key material without revealing it (a memo key). */
  readonly id: string;

  constructor(
    private readonly keyMaterial: Uint8Array,
    private readonly drbg: RandomSource,
  ) {
    this.id = Buffer.from(sha256(keyMaterial)).toString('hex');
  }

  with<T>(label: string, f: () => T): T {
    this.label = label;
    this.draws = 0;
    try {
      return f();
    } finally {
      this.label = undefined;
    }
  }

  bytes(n: number): Uint8Array {
    if (this.label === undefined) return this.drbg.bytes(n);
    return hkdf(sha256, this.keyMaterial, undefined, new TextEncoder().encode(`${this.label}#${this.draws++}`), n);
  }
}

export interface LatticeLinkState {
  readonly version: 1;
  readonly encrypted: boolean;
  /** The channel table's public half: public keys, encapsulations, sequence numbers. */
  readonly table: LatticePublicState | null;
  /** Generation of each pid's key pair and of each channel (bumped when a restarted server gets new keys). */
  readonly endpointGen: readonly (readonly [number, number])[];
  readonly channelGen: readonly (readonly [number, number, number])[];
}

/** Reads and checks the link's saved state (the channel table checks its own half). */
function parseLinkState(raw: unknown): LatticeLinkState {
  const s = StateValue.root(raw, 'lattice');
  s.version(1);
  const table = s.at('table');
  return {
    version: 1,
    encrypted: s.at('encrypted').bool(),
    // The channel table checks every field of its half when it is restored.
    table: table.isNull() ? null : (table.object(), table.value as LatticePublicState),
    endpointGen: s.at('endpointGen').array().map((e) => {
      const [pid, gen] = e.tuple(2).map((v) => v.count());
      return [pid ?? 0, gen ?? 0] as const;
    }),
    channelGen: s.at('channelGen').array().map((e) => {
      const [lo, hi, gen] = e.tuple(3).map((v) => v.count());
      return [lo ?? 0, hi ?? 0, gen ?? 0] as const;
    }),
  };
}

export class LatticeLink {
  private table: ChannelTable;
  private readonly random: LabelledRandom;
  private endpointGen = new Map<number, number>();
  /** Keyed "lo:hi". */
  private channelGen = new Map<string, number>();

  constructor(
    /** 32 bytes from the machine's DRBG, drawn at construction (so a fresh machine with the same seed has them again). */
    keySeed: Uint8Array,
    drbg: RandomSource,
    readonly encrypted: boolean,
  ) {
    this.random = new LabelledRandom(hkdf(sha256, keySeed, KEY_SALT, undefined, 32), drbg);
    this.table = new ChannelTable(this.random);
  }

  hasChannel(a: number, b: number): boolean {
    return this.table.hasChannel(a, b);
  }

  /** Makes sure a and b have key pairs and a channel; returns whether a channel was set up now. */
  connect(a: number, b: number): boolean {
    if (this.table.hasChannel(a, b)) return false;
    for (const pid of [a, b]) {
      if (!this.table.hasEndpoint(pid)) this.random.with(`endpoint/${pid}/${this.endpointGen.get(pid) ?? 0}`, () => this.table.addEndpoint(pid));
    }
    const key = `${Math.min(a, b)}:${Math.max(a, b)}`;
    const gen = this.channelGen.get(key) ?? 0;
    this.channelGen.set(key, gen);
    const r = this.random.with(`channel/${a}/${b}/${gen}`, () => this.table.connect(a, b));
    if (!r.ok) throw new Error(`lattice: cannot connect ${a} and ${b}: ${r.error}`);
    return true;
  }

  /** `pid` is a new instance (a restarted server, a pid reused): new key pair, its channels closed. */
  renew(pid: number): void {
    if (!this.table.hasEndpoint(pid)) return;
    this.table.removeEndpoint(pid);
    this.endpointGen.set(pid, (this.endpointGen.get(pid) ?? 0) + 1);
    for (const [key, gen] of this.channelGen) {
      const [lo, hi] = key.split(':').map(Number) as [number, number];
      if (lo === pid || hi === pid) this.channelGen.set(key, gen + 1);
    }
  }

  seal(src: number, dst: number, m_type: number, plaintext: Uint8Array): Wire {
    return this.table.seal(src, dst, m_type, plaintext);
  }

  open(wire: Wire): OpenResult {
    return this.table.open(wire);
  }

  channelKeys(): ChannelKeys {
    return this.table.channelKeys();
  }

  getState(): LatticeLinkState {
    return {
      version: 1,
      encrypted: this.encrypted,
      table: this.encrypted ? this.table.getPublicState() : null,
      endpointGen: [...this.endpointGen].sort((x, y) => x[0] - y[0]),
      channelGen: [...this.channelGen].map(([k, g]) => {
        const [lo, hi] = k.split(':').map(Number) as [number, number];
        return [lo, hi, g] as const;
      }).sort((x, y) => x[0] - y[0] || x[1] - y[1]),
    };
  }

  getSecretState(): LatticeSecretState {
    return this.table.getSecretState();
  }

  /**
   * Restores the public half and joins the secret half to it. Without a secret half the keys are
   * derived again from the seed (one key generation per endpoint, one encapsulation per channel).
   */
  setState(raw: unknown, secret?: LatticeSecretState): void {
    const s = parseLinkState(raw);
    if (s.encrypted !== this.encrypted) throw new Error(`the state was saved with encryption ${s.encrypted ? 'on' : 'off'}; this machine has it ${this.encrypted ? 'on' : 'off'}`);
    this.endpointGen = new Map(s.endpointGen.map(([p, g]) => [p, g]));
    this.channelGen = new Map(s.channelGen.map(([lo, hi, g]) => [`${lo}:${hi}`, g]));
    const table = new ChannelTable(this.random);
    if (s.table) table.setState(joinChannelTableState(s.table, secret ?? this.rederive(s.table)));
    this.table = table;
  }

  private rederive(pub: LatticePublicState): LatticeSecretState {
    const memoKey = [
      this.random.id,
      ...pub.endpoints.map((e) => `e${e.pid}/${this.endpointGen.get(e.pid) ?? 0}`),
      ...pub.channels.map((c) => `c${c.initiator}/${c.responder}/${this.channelGen.get(`${Math.min(c.initiator, c.responder)}:${Math.max(c.initiator, c.responder)}`) ?? 0}`),
    ].join(',');
    const hit = rederived.get(memoKey);
    if (hit) return hit;
    const secret = this.derive(pub);
    if (rederived.size >= REDERIVED_MAX) rederived.delete(rederived.keys().next().value!);
    rederived.set(memoKey, secret);
    return secret;
  }

  private derive(pub: LatticePublicState): LatticeSecretState {
    const scratch = new ChannelTable(this.random);
    for (const e of pub.endpoints) {
      this.random.with(`endpoint/${e.pid}/${this.endpointGen.get(e.pid) ?? 0}`, () => scratch.addEndpoint(e.pid));
    }
    for (const c of pub.channels) {
      const gen = this.channelGen.get(`${Math.min(c.initiator, c.responder)}:${Math.max(c.initiator, c.responder)}`) ?? 0;
      this.random.with(`channel/${c.initiator}/${c.responder}/${gen}`, () => scratch.connect(c.initiator, c.responder));
    }
    return scratch.getSecretState();
  }
}

/** A message on a kernel channel carries the process the kernel acts for (or delivers to) ahead of the payload. */
export function envelope(party: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(4 + payload.length);
  b[0] = party & 0xff;
  b[1] = (party >>> 8) & 0xff;
  b[2] = (party >>> 16) & 0xff;
  b[3] = (party >>> 24) & 0xff;
  b.set(payload, 4);
  return b;
}

export function openEnvelope(plaintext: Uint8Array): { party: number; payload: Uint8Array } | undefined {
  if (plaintext.length < 4) return undefined;
  const party = (plaintext[0]! | (plaintext[1]! << 8) | (plaintext[2]! << 16) | (plaintext[3]! << 24)) >>> 0;
  return { party, payload: plaintext.subarray(4) };
}
