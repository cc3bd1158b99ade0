/**
 * A machine state as the snapshot table stores it (the `state` blob, before the store
 * compresses it): JSON, since every getState() returns plain data by construction. The page
 * bytes are not in it: they are in the page table, by content hash.
 */
import type { MachineState } from '../core/machine.js';
import { JournalError } from './errors.js';

export function encodeState(state: MachineState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}

/**
 * The state a snapshot blob holds. Only its container is checked here (a JSON object with a
 * version and a machine version); Machine.setState validates every field as it restores.
 */
export function decodeState(bytes: Uint8Array): MachineState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new JournalError('CORRUPT', 'a snapshot state is not JSON (run xrr verify)', { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new JournalError('CORRUPT', 'a snapshot state is not a JSON object');
  const rec = parsed as Record<string, unknown>;
  if (typeof rec['machineVersion'] !== 'string') throw new JournalError('CORRUPT', 'a snapshot state has no machineVersion');
  // The rest is checked field by field by Machine.setState (a corrupted state is an error naming the field).
  return parsed as MachineState;
}

/**
 * How a snapshot row's blobs are stored (snapshot.codec), chosen by measurement (README "Snapshots"):
 *  - HASH_LIST (0, schemas before 8): `state` is zstd frames of the state; `page_hashes` the pages'
 *    32-byte hashes one after the other.
 *  - COMPACT (1): `state` is zstd frames of the state, compressed with the state of the snapshot
 *    `base` as a dictionary when base is set (a keyframe of the same branch, itself stored
 *    without a base: a restore decompresses at most two states); `page_hashes` is zstd frames of
 *    the pages' ids in the page table (page.id), as varints of the difference from the previous id.
 * Consecutive states of a machine share most of their bytes (its keys, its file system's chunk
 * lists, its processes' tables), and a page list repeats the previous one's ids in runs.
 */
export const SNAPSHOT_CODEC = { HASH_LIST: 0, COMPACT: 1 } as const;

/**
 * Whether a state compressed against a keyframe is worth keeping as a delta: while it is under
 * half of `reference`, the keyframe's own compressed size (the cheap test, made first) or the
 * state's compressed alone (made when the first fails). Past both the machine has drifted from
 * the keyframe, and the state is stored on its own and becomes the branch's next keyframe.
 */
export function keepsDelta(deltaBytes: number, reference: number): boolean {
  return deltaBytes * 2 < reference;
}

/** Page ids as zigzag varints of each id's difference from the one before (the first from 0). */
export function encodePageIds(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 9 + 1);
  let at = 0;
  let prev = 0;
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) throw new JournalError('BAD_ARGUMENT', `page id ${id} is not a positive integer`);
    const d = id - prev;
    prev = id;
    // zigzag without 32-bit operators: ids may pass 2^31
    let z = d >= 0 ? d * 2 : -d * 2 - 1;
    while (z >= 0x80) {
      out[at++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[at++] = z;
  }
  return out.subarray(0, at);
}

/** The ids encodePageIds wrote; CORRUPT unless the bytes hold exactly `count` valid ids. */
export function decodePageIds(bytes: Uint8Array, count: number, where: string): number[] {
  const out: number[] = [];
  let at = 0;
  let prev = 0;
  while (out.length < count) {
    let z = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new JournalError('CORRUPT', `${where}: its page list ends after ${out.length} of ${count} pages (run xrr verify)`);
      const b = bytes[at++]!;
      z += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
      if (scale > 2 ** 56) throw new JournalError('CORRUPT', `${where}: its page list holds a number too long (run xrr verify)`);
    }
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    prev += d;
    if (!Number.isSafeInteger(prev) || prev < 1) throw new JournalError('CORRUPT', `${where}: its page list holds page id ${prev} (run xrr verify)`);
    out.push(prev);
  }
  if (at !== bytes.length) throw new JournalError('CORRUPT', `${where}: its page list has ${bytes.length - at} bytes past its ${count} pages (run xrr verify)`);
  return out;
}
