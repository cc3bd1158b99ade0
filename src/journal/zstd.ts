/**
 * zstd through zstd-codec (an emscripten build). Its runtime initialises asynchronously once;
 * after that every call is synchronous, which is what the stores need (better-sqlite3 is
 * synchronous too). loadZstd() is the one await in the journal.
 */
import { createRequire } from 'node:module';
import { JournalError } from './errors.js';

export interface Zstd {
  compress(bytes: Uint8Array): Uint8Array;
  /** Throws JournalError CORRUPT when the input is not a whole zstd frame. */
  decompress(bytes: Uint8Array): Uint8Array;
}

/** The slice of zstd-codec's API used here (the package ships no types). */
interface ZstdCodecSimple {
  compress(content: Uint8Array, level?: number): Uint8Array | null;
  decompress(compressed: Uint8Array): Uint8Array | null;
}
interface ZstdCodecGeneric {
  contentSize(compressed: Uint8Array): number | null;
}
interface ZstdCodecModule {
  ZstdCodec: { run(onReady: (zstd: { Simple: new () => ZstdCodecSimple; Generic: new () => ZstdCodecGeneric }) => void): void };
}

/** Level 3 is zstd's default: most of the ratio of higher levels at several times the speed. */
const LEVEL = 3;

let loading: Promise<Zstd> | undefined;

export function loadZstd(): Promise<Zstd> {
  loading ??= new Promise<Zstd>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url);
      const mod = require('zstd-codec') as ZstdCodecModule;
      mod.ZstdCodec.run((z) => resolve(wrap(new z.Simple(), new z.Generic())));
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
  return loading;
}

function wrap(simple: ZstdCodecSimple, generic: ZstdCodecGeneric): Zstd {
  return {
    compress(bytes) {
      const out = simple.compress(bytes, LEVEL);
      if (out === null) throw new Error(`zstd failed to compress ${bytes.length} bytes`);
      return out;
    },
    decompress(bytes) {
      let size: number | null;
      let out: Uint8Array | null;
      try {
        size = generic.contentSize(bytes);
        // zstd-codec reads an empty frame as a failure; a frame that declares size 0 is empty.
        if (size === 0) return new Uint8Array(0);
        out = size === null ? null : simple.decompress(bytes);
      } catch (e) {
        // A malformed frame can make the wasm side abort; that is bad data, not a bug here.
        throw new JournalError('CORRUPT', `zstd frame does not decode (${e instanceof Error ? e.message : String(e)})`, { cause: e });
      }
      if (out === null || out.length !== size) throw new JournalError('CORRUPT', `zstd frame of ${bytes.length} bytes does not decode`);
      return out;
    },
  };
}
