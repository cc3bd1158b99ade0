/**
 * The journal's seal: HMAC-SHA256 tags that only the holder of a recording's seal key can make.
 *
 * The sha256 block chain (block-chain.ts) shows that rows, blocks and head agree with each other;
 * anyone who edits a row can recompute it. Each recording therefore gets 32 random bytes of its
 * own (table seal_key, kept apart and withheld by `xrr share` like the channel keys), from which
 * HKDF derives the MAC key. Tagged, each message domain-separated so no tag stands in for another:
 * - every chain block: (branch, index, count, hash); a block's hash covers every event before it;
 * - every branch head: (branch, parent, fork point, head_seq, head_hash, the branch's snapshot
 *   chain, the recording row): a cut tail, a moved fork point, a deleted or added snapshot, an
 *   edited seed or epoch change it;
 * - every snapshot: its digest (position, sha256 of its uncompressed state, of its page list, and
 *   the chain value at its seq), checked whenever the snapshot is loaded.
 * - every debug file (the full ELF of a program that ran): its key (the sha256 of the program in the
 *   guest's file system), the sha256 of its bytes and its size, so neither the ELF nor the program
 *   it is said to describe can be changed.
 * Pages are content-addressed: their key is the sha256 of their bytes, checked when loaded.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { BranchId, PageHash } from './ids.js';
import type { RecordingMeta } from './store.js';

/** 'keyed': this file holds its seal key; 'withheld': a copy shared without it; 'none': made before schema 5. */
export type SealStatus = 'keyed' | 'withheld' | 'none';

const ZERO32 = new Uint8Array(32);

/** Canonical bytes for the tagged messages: a domain tag, then fields of fixed width. */
class Fields {
  private readonly parts: Buffer[] = [];
  constructor(domain: string) {
    this.parts.push(Buffer.from(`${domain}\0`, 'latin1'));
  }
  num(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.parts.push(b);
    return this;
  }
  bytes(v: Uint8Array | null): this {
    this.parts.push(Buffer.from(v ?? ZERO32));
    return this;
  }
  get(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function newSealKey(): Uint8Array {
  return Uint8Array.from(randomBytes(32));
}

export interface HeadFields {
  readonly branch: BranchId;
  readonly parent: BranchId | null;
  readonly forkIcount: number;
  readonly forkSeq: number;
  readonly length: number;
  readonly hash: Uint8Array | null;
  readonly snapshots: number;
  readonly snapshotHash: Uint8Array | null;
}

export interface SnapshotFields {
  readonly branch: BranchId;
  readonly icount: number;
  readonly seq: number;
  /** The uncompressed state. */
  readonly state: Uint8Array;
  readonly pages: readonly PageHash[];
  /** The chain value after the first `seq` events of the branch's timeline (null for seq 0). */
  readonly chainAt: Uint8Array | null;
}

/** sha256 of a snapshot's position, state, page list and chain value: what its row promises. */
export function snapshotDigest(s: SnapshotFields): Uint8Array {
  const state = createHash('sha256').update(s.state).digest();
  const f = new Fields('xrr-snapshot-v1').num(s.branch).num(s.icount).num(s.seq).num(s.state.length).bytes(state).num(s.pages.length).bytes(pageListHash(s.pages)).bytes(s.chainAt);
  return Uint8Array.from(createHash('sha256').update(f.get()).digest());
}

/**
 * sha256 of the page hashes' bytes, one after another. Written into one buffer and hashed at
 * once: a snapshot lists every page of the machine (thousands), and a Buffer and an update a
 * page was most of a snapshot's cost on the writer thread. A hash that is not 64 hex digits (never
 * stored, but a digest must not depend on it being so) is hashed as its decoded bytes, as ever.
 */
function pageListHash(pages: readonly PageHash[]): Buffer {
  const all = Buffer.allocUnsafe(pages.length * 32);
  for (let i = 0; i < pages.length; i++) {
    const p = pages[i]!;
    if (p.length !== 64 || all.write(p, i * 32, 32, 'hex') !== 32) {
      const h = createHash('sha256');
      for (const q of pages) h.update(Buffer.from(q, 'hex'));
      return h.digest();
    }
  }
  return createHash('sha256').update(all).digest();
}

/** The branch's snapshot chain after one more snapshot. */
export function nextSnapshotHash(prev: Uint8Array | null, digest: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(prev ?? ZERO32).update(digest).digest());
}

/** sha256 of the recording row, so a head's tag covers the seed, epoch and machine version. */
export function recordingDigest(meta: RecordingMeta): Uint8Array {
  const canonical = JSON.stringify([meta.machineVersion, meta.imageHash, meta.seedHex, meta.bootEpochNs, meta.commandLine, meta.createdAt, meta.xrrVersion]);
  return Uint8Array.from(createHash('sha256').update(canonical).digest());
}

/** Tags under one recording's seal key. */
export class Seal {
  private readonly key: Buffer;

  constructor(sealKey: Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', sealKey, 'xrr journal seal', 'chain, heads and snapshots v1', 32));
  }

  private tag(message: Buffer): Uint8Array {
    return Uint8Array.from(createHmac('sha256', this.key).update(message).digest());
  }

  block(branch: BranchId, index: number, count: number, hash: Uint8Array): Uint8Array {
    return this.tag(new Fields('xrr-block-v1').num(branch).num(index).num(count).bytes(hash).get());
  }

  head(h: HeadFields, recording: Uint8Array): Uint8Array {
    const f = new Fields('xrr-head-v1').num(h.branch).num(h.parent ?? 0).num(h.forkIcount).num(h.forkSeq).num(h.length).bytes(h.hash);
    return this.tag(f.num(h.snapshots).bytes(h.snapshotHash).bytes(recording).get());
  }

  snapshot(digest: Uint8Array): Uint8Array {
    return this.tag(new Fields('xrr-snapshot-mac-v1').bytes(digest).get());
  }

  debugFile(guestSha256: Uint8Array, sha256: Uint8Array, size: number): Uint8Array {
    return this.tag(new Fields('xrr-debug-file-v1').bytes(guestSha256).bytes(sha256).num(size).get());
  }
}
