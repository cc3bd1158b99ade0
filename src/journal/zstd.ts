/**
 * zstd through zstd-codec (an emscripten build). Its runtime initialises asynchronously once;
 * after that every call is synchronous, which is what the stores need (better-sqlite3 is
 * synchronous too). loadZstd() is the one await in the journal.
 *
 * zstd-codec's WebAssembly heap is fixed at 16 MiB: one call with a few MiB of input runs it out
 * of memory (it prints "OOM" and returns nothing). So input is compressed in chunks of at most
 * CHUNK_BYTES, each its own zstd frame (with its content size), and the frames are concatenated:
 * still a standard zstd stream (`zstd -d` reads it), decompressed here frame by frame. Any size
 * of machine state or page set goes through in bounded memory; a blob of one frame (everything
 * written before) reads as before.
 */
import { createRequire } from 'node:module';
import { JournalError } from './errors.js';

export interface Zstd {
  /** Throws JournalError COMPRESS_FAILED, naming the cause, if zstd cannot compress. */
  compress(bytes: Uint8Array): Uint8Array;
  /** Throws JournalError CORRUPT when the input is not whole zstd frames. */
  decompress(bytes: Uint8Array): Uint8Array;
  /**
   * compress() with a raw-content dictionary: bytes the reader will have at hand (the previous
   * snapshot's state), which every frame may refer back to. Only the dictionary's first
   * DICTIONARY_MAX bytes are used (both ways), which keeps it inside zstd-codec's heap.
   */
  compressWithDictionary(bytes: Uint8Array, dictionary: Uint8Array): Uint8Array;
  /** decompress() of what compressWithDictionary gave, with the same dictionary. */
  decompressWithDictionary(bytes: Uint8Array, dictionary: Uint8Array): Uint8Array;
  /** A dictionary digested once for many calls (the pages of a journal); close() frees it. */
  prepareDictionary(dictionary: Uint8Array): ZstdDictionary;
}

/** compressWithDictionary / decompressWithDictionary with one dictionary, digested on first use. */
export interface ZstdDictionary {
  compress(bytes: Uint8Array): Uint8Array;
  decompress(bytes: Uint8Array): Uint8Array;
  close(): void;
}

/** The slice of zstd-codec's API used here (the package ships no types). */
export interface ZstdCodecSimple {
  compress(content: Uint8Array, level?: number): Uint8Array | null;
  decompress(compressed: Uint8Array): Uint8Array | null;
  compressUsingDict?(content: Uint8Array, dict: ZstdCodecDict): Uint8Array | null;
  decompressUsingDict?(compressed: Uint8Array, dict: ZstdCodecDict): Uint8Array | null;
}
/** A digested dictionary inside the WebAssembly heap; close() frees it. */
export interface ZstdCodecDict {
  close(): void;
}
export interface ZstdCodecDicts {
  Compression: new (dict: Uint8Array, level: number) => ZstdCodecDict;
  Decompression: new (dict: Uint8Array) => ZstdCodecDict;
}
export interface ZstdCodecGeneric {
  contentSize(compressed: Uint8Array): number | null;
}
interface ZstdCodecModule {
  ZstdCodec: { run(onReady: (zstd: { Simple: new () => ZstdCodecSimple; Generic: new () => ZstdCodecGeneric; Dict: ZstdCodecDicts }) => void): void };
}

/** Level 3 is zstd's default: most of the ratio of higher levels at several times the speed. */
const LEVEL = 3;

/**
 * Input bytes per frame. Compressing one needs about the input, its bound and zstd's level-3
 * context (~1.3 MiB) inside the 16 MiB heap; 1 MiB leaves room to spare and costs under 1% of
 * ratio against whole-blob frames on machine states.
 */
export const CHUNK_BYTES = 1 << 20;

/**
 * Dictionary bytes used at most. A digested 1 MiB dictionary at level 3 takes about 2 MiB of the
 * heap beside a chunk's input, output and context; a machine state past it still refers back to
 * its first MiB (the CPU, devices and kernel tables come first), the rest compresses on its own.
 */
export const DICTIONARY_MAX = 1 << 20;

let loading: Promise<Zstd> | undefined;

export function loadZstd(): Promise<Zstd> {
  loading ??= new Promise<Zstd>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const mod = require('zstd-codec') as ZstdCodecModule;
      mod.ZstdCodec.run((z) => resolve(chunkedZstd(new z.Simple(), new z.Generic(), z.Dict)));
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
  return loading;
}

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;

/**
 * Where the zstd frame starting at `at` ends (RFC 8878 section 3.1.1): frame header, blocks up to
 * the last one, optional checksum. Returns -1 when the bytes are not a well-formed frame.
 */
export function frameEnd(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) return -1;
  const magic = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
    if (at + 8 > b.length) return -1;
    const size = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
    const end = at + 8 + size;
    return end <= b.length ? end : -1;
  }
  if (magic !== MAGIC || at + 5 > b.length) return -1;
  const fhd = b[at + 4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  const dictFlag = fhd & 3;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  let p = at + 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]! + fcsBytes;
  for (;;) {
    if (p + 3 > b.length) return -1;
    const h = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) return -1; // reserved
    p += 3 + (type === 1 ? 1 : size);
    if (p > b.length) return -1;
    if (last) break;
  }
  p += checksum ? 4 : 0;
  return p <= b.length ? p : -1;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function chunkedZstd(simple: ZstdCodecSimple, generic: ZstdCodecGeneric, dicts?: ZstdCodecDicts): Zstd {
  /** One frame; with `dict`, one that refers back to it. */
  const compressOne = (bytes: Uint8Array, total: number, dict: ZstdCodecDict | null): Uint8Array => {
    let out: Uint8Array | null;
    try {
      out = dict === null ? simple.compress(bytes, LEVEL) : simple.compressUsingDict!(bytes, dict);
    } catch (e) {
      throw new JournalError('COMPRESS_FAILED', `zstd could not compress a ${bytes.length}-byte chunk of ${total} bytes: ${describe(e)}`, { cause: e });
    }
    if (out === null) {
      throw new JournalError('COMPRESS_FAILED', `zstd could not compress a ${bytes.length}-byte chunk of ${total} bytes (zstd-codec's fixed 16 MiB WebAssembly heap is full)`);
    }
    return out;
  };
  const decompressOne = (frame: Uint8Array, dict: ZstdCodecDict | null): Uint8Array => {
    let size: number | null;
    let out: Uint8Array | null;
    try {
      size = generic.contentSize(frame);
      // zstd-codec reads an empty frame as a failure; a frame that declares size 0 is empty.
      if (size === 0) return new Uint8Array(0);
      out = size === null ? null : dict === null ? simple.decompress(frame) : simple.decompressUsingDict!(frame, dict);
    } catch (e) {
      // A malformed frame can make the wasm side abort; that is bad data, not a bug here.
      throw new JournalError('CORRUPT', `zstd frame does not decode (${describe(e)})`, { cause: e });
    }
    if (out === null || out.length !== size) throw new JournalError('CORRUPT', `zstd frame of ${frame.length} bytes does not decode`);
    return out;
  };
  const compress = (bytes: Uint8Array, dict: ZstdCodecDict | null): Uint8Array => {
    if (bytes.length <= CHUNK_BYTES) return compressOne(bytes, bytes.length, dict);
    const frames: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) frames.push(compressOne(bytes.subarray(at, Math.min(at + CHUNK_BYTES, bytes.length)), bytes.length, dict));
    return concat(frames);
  };
  const decompress = (bytes: Uint8Array, dict: ZstdCodecDict | null): Uint8Array => {
    const first = frameEnd(bytes, 0);
    if (first === bytes.length || first === -1) return decompressOne(bytes, dict);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const end = frameEnd(bytes, at);
      if (end === -1) throw new JournalError('CORRUPT', `zstd stream of ${bytes.length} bytes has a malformed frame at byte ${at}`);
      const frame = bytes.subarray(at, end);
      // A skippable frame carries no data.
      if (((frame[0]! | (frame[1]! << 8) | (frame[2]! << 16) | (frame[3]! << 24)) >>> 0) === MAGIC) parts.push(decompressOne(frame, dict));
      at = end;
    }
    return concat(parts);
  };
  /** A digested dictionary; the caller frees it (the wasm heap does not collect garbage). */
  const digest = (make: () => ZstdCodecDict, what: string): ZstdCodecDict => {
    if (!dicts || !simple.compressUsingDict || !simple.decompressUsingDict) throw new JournalError('COMPRESS_FAILED', 'this zstd build has no dictionary support');
    try {
      return make();
    } catch (e) {
      throw new JournalError(what === 'compress' ? 'COMPRESS_FAILED' : 'CORRUPT', `zstd could not load a dictionary to ${what} with: ${describe(e)}`, { cause: e });
    }
  };
  /** Runs `f` with a digested dictionary, freed afterwards. */
  const withDict = <T>(make: () => ZstdCodecDict, what: string, f: (d: ZstdCodecDict) => T): T => {
    const d = digest(make, what);
    try {
      return f(d);
    } finally {
      d.close();
    }
  };
  const capped = (dictionary: Uint8Array): Uint8Array => dictionary.subarray(0, DICTIONARY_MAX);
  return {
    compress: (bytes) => compress(bytes, null),
    decompress: (bytes) => decompress(bytes, null),
    compressWithDictionary: (bytes, dictionary) => withDict(() => new dicts!.Compression(capped(dictionary), LEVEL), 'compress', (d) => compress(bytes, d)),
    decompressWithDictionary: (bytes, dictionary) => withDict(() => new dicts!.Decompression(capped(dictionary)), 'decompress', (d) => decompress(bytes, d)),
    prepareDictionary(dictionary) {
      const bytes = Uint8Array.from(capped(dictionary));
      let forCompressing: ZstdCodecDict | null = null;
      let forDecompressing: ZstdCodecDict | null = null;
      return {
        compress: (b) => compress(b, (forCompressing ??= digest(() => new dicts!.Compression(bytes, LEVEL), 'compress'))),
        decompress: (b) => decompress(b, (forDecompressing ??= digest(() => new dicts!.Decompression(bytes), 'decompress'))),
        close() {
          forCompressing?.close();
          forDecompressing?.close();
          forCompressing = forDecompressing = null;
        },
      };
    },
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
