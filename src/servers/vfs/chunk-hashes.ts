/**
 * The content hash of each 4 KiB chunk of a file, as the last snapshot computed it, kept until a
 * write or a size change touches the chunk. A snapshot lists every file's chunks by hash; without
 * this it hashed the whole file system each time (4.6 MB of guest programs in the root file
 * system: 5 ms of each snapshot's 5.5 on the machine's thread, and 128 MiB of written files made
 * each snapshot hash 128 MiB).
 *
 * Kept beside the inode, not in it (a WeakMap: an inode dropped takes its hashes along), and only
 * for the data array it was computed over: an inode whose array was replaced (restored, grown) is
 * hashed again, unless the array was replaced by a copy of itself (chunksMoved). In-place changes
 * to a file's bytes happen in two places, both of which forget what they change:
 * handle-vfs-request.ts write (forgetChunks) and ramfs.ts setFileSize (forgetChunksFrom). test/vfs-chunk-hashes.test.ts checks the cached hashes against fresh ones
 * after random writes and truncations.
 */
import type { FileInode } from './vfs-state.js';

/** File data is cut into chunks of this size when stored by content hash. */
export const CHUNK = 4096;

interface Hashes {
  data: Uint8Array;
  readonly byChunk: (string | undefined)[];
}

const known = new WeakMap<FileInode, Hashes>();

/** The hashes remembered for the node's current data (an empty list to fill when there are none). */
export function chunkHashes(node: FileInode): (string | undefined)[] {
  const h = known.get(node);
  if (h !== undefined && h.data === node.data) return h.byChunk;
  const fresh: Hashes = { data: node.data, byChunk: [] };
  known.set(node, fresh);
  return fresh.byChunk;
}

/** Forget the chunks holding bytes [start, end): they are about to change. */
export function forgetChunks(node: FileInode, start: number, end: number): void {
  const h = known.get(node);
  if (h === undefined || end <= start) return;
  const last = Math.min(h.byChunk.length, Math.ceil(end / CHUNK));
  for (let i = Math.floor(start / CHUNK); i < last; i++) h.byChunk[i] = undefined;
}

/** Forget every chunk from the one holding byte `offset` on (the file's size changes there). */
export function forgetChunksFrom(node: FileInode, offset: number): void {
  const h = known.get(node);
  if (h !== undefined && h.byChunk.length > Math.floor(offset / CHUNK)) h.byChunk.length = Math.floor(offset / CHUNK);
}

/** The node's bytes were copied into a new array (grown): the hashes kept hold for it too. */
export function chunksMoved(node: FileInode, from: Uint8Array): void {
  const h = known.get(node);
  if (h !== undefined && h.data === from) h.data = node.data;
}
