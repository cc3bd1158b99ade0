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
 *  - PAGE_REFS (2, from migration page_index_and_packs on): as COMPACT, but the state is stored
 *    with the page hashes it names replaced by references into the snapshot's own page list
 *    (referPages); both the keyframe dictionary and the delta are of that form.
 * Consecutive states of a machine share most of their bytes (its keys, its file system's chunk
 * lists, its processes' tables), and a page list repeats the previous one's ids in runs.
 */
export const SNAPSHOT_CODEC = { HASH_LIST: 0, COMPACT: 1, PAGE_REFS: 2 } as const;

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

/**
 * The byte that stands for a quoted page hash in a state stored with PAGE_REFS. JSON.stringify
 * never writes a raw control character (it escapes them inside strings), so no state encodeState
 * makes holds it; a state that does is stored as it is (referPages returns null).
 */
const PAGE_REF = 0x01;
const QUOTE = 0x22;
const HASH_HEX = 64;

function isLowerHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
}

/**
 * The state with every quoted page hash that is in `pages` (the snapshot's page list) replaced by
 * PAGE_REF and a zigzag varint of its index's distance from the index after the previous
 * reference. A machine state names each of its memory pages and file chunks by a 66-byte quoted
 * hash that compresses poorly; the page list already holds them (as page ids, a few bits each),
 * and the references of pages visited in list order are all `01 00`, which compresses to nothing.
 * Exactly reversible (resolvePages): digests stay over the state as the machine wrote it.
 * Null when the state holds PAGE_REF itself (it cannot be marked unambiguously).
 */
export function referPages(state: Uint8Array, pages: readonly string[]): Uint8Array | null {
  if (state.includes(PAGE_REF)) return null;
  const index = new Map<string, number>();
  pages.forEach((h, i) => {
    if (!index.has(h)) index.set(h, i);
  });
  const text = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
  const out = Buffer.allocUnsafeSlow(state.length);
  let at = 0;
  let copied = 0;
  let next = 0;
  for (let i = text.indexOf(QUOTE); i !== -1 && i + HASH_HEX + 1 < text.length; i = text.indexOf(QUOTE, i + 1)) {
    if (text[i + HASH_HEX + 1] !== QUOTE) continue;
    let hex = true;
    for (let k = i + 1; k <= i + HASH_HEX; k++) {
      if (!isLowerHex(text[k]!)) {
        hex = false;
        break;
      }
    }
    if (!hex) continue;
    const found = index.get(text.toString('latin1', i + 1, i + 1 + HASH_HEX));
    if (found === undefined) continue;
    at += text.copy(out, at, copied, i);
    out[at++] = PAGE_REF;
    const d = found - next;
    let z = d >= 0 ? d * 2 : -d * 2 - 1;
    while (z >= 0x80) {
      out[at++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[at++] = z;
    next = found + 1;
    copied = i + HASH_HEX + 2;
    i = copied - 1; // the closing quote is not the next string's opening one
  }
  at += text.copy(out, at, copied);
  return Uint8Array.from(out.subarray(0, at));
}

/**
 * The state referPages was given, from what it returned and the same page list; `size` is the
 * state's recorded length. CORRUPT (naming `where`) when a reference is cut short or points past
 * the list, or the result is not `size` bytes.
 */
export function resolvePages(stored: Uint8Array, pages: readonly string[], size: number, where: string): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > stored.length * (HASH_HEX + 2)) {
    throw new JournalError('CORRUPT', `${where}: its state records ${size} bytes, which ${stored.length} stored bytes cannot hold (run xrr verify)`);
  }
  const out = Buffer.allocUnsafeSlow(size);
  const src = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  let at = 0;
  let next = 0;
  let from = 0;
  const put = (a: number, b: number): void => {
    if (at + (b - a) > size) throw new JournalError('CORRUPT', `${where}: its state holds more than its recorded ${size} bytes (run xrr verify)`);
    at += src.copy(out, at, a, b);
  };
  for (let i = src.indexOf(PAGE_REF); i !== -1; i = src.indexOf(PAGE_REF, from)) {
    put(from, i);
    let p = i + 1;
    let z = 0;
    let scale = 1;
    for (;;) {
      if (p >= src.length) throw new JournalError('CORRUPT', `${where}: its state ends inside a page reference (run xrr verify)`);
      const b = src[p++]!;
      z += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
      if (scale > 2 ** 49) throw new JournalError('CORRUPT', `${where}: its state holds a page reference too long (run xrr verify)`);
    }
    const found = next + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    const hash = pages[found];
    if (hash === undefined || hash.length !== HASH_HEX) throw new JournalError('CORRUPT', `${where}: its state refers to page ${found} of a list of ${pages.length} (run xrr verify)`);
    if (at + HASH_HEX + 2 > size) throw new JournalError('CORRUPT', `${where}: its state holds more than its recorded ${size} bytes (run xrr verify)`);
    out[at++] = QUOTE;
    at += out.write(hash, at, HASH_HEX, 'latin1');
    out[at++] = QUOTE;
    next = found + 1;
    from = p;
  }
  put(from, src.length);
  if (at !== size) throw new JournalError('CORRUPT', `${where}: its state decodes to ${at} bytes, ${size} recorded (run xrr verify)`);
  return new Uint8Array(out.buffer, out.byteOffset, at);
}
