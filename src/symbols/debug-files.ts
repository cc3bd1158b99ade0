/**
 * Debug files: the full ELF (DWARF and all) of a guest program, found by the sha256 of the
 * program's bytes as the machine's file system holds them. The guest image holds its programs
 * stripped of their debug info (guest/image/, `strip --strip-debug`, which keeps .symtab and the
 * loaded code and data), so that a boot snapshot does not carry the DWARF of every program; each has a
 * debug companion (guest/bin, guest/sbin). A recording stores the companion of each program that
 * ran (the journal's debug_file table, src/timeline/debug-file-collector.ts), the way rr keeps
 * only the files a trace mapped. Symbols, backtraces, source lines and gdb's file reads ask one
 * lookup, "the debug ELF for these guest bytes": a recording's store answers it
 * (src/timeline/recording-debug-files.ts), and the guest image does for a machine that runs
 * without a recording. Without an answer the bytes themselves are read, as for a recording made
 * before debug files (whose file system holds the full programs) or a host ELF run as a program.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface DebugFiles {
  /** The full ELF of the guest program whose bytes hash to `guestSha256` (64 lowercase hex digits), or undefined. */
  debugFile(guestSha256: string): Uint8Array | undefined;
}

/** The key of a guest program's debug file: the sha256 of its bytes, as 64 lowercase hex digits. */
export function guestFileSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first answer of `sources`, in order (a recording's own files before the image's, say). */
export function firstDebugFiles(...sources: readonly (DebugFiles | undefined)[]): DebugFiles {
  const present = sources.filter((s): s is DebugFiles => s !== undefined);
  if (present.length === 1) return present[0]!;
  return {
    debugFile(guestSha256) {
      for (const s of present) {
        const elf = s.debugFile(guestSha256);
        if (elf !== undefined) return elf;
      }
      return undefined;
    },
  };
}

/** The ELF to read symbols and DWARF from for a guest program's bytes: its debug file when one is known, else the bytes. */
export function debugElfFor(files: DebugFiles | undefined, guestBytes: Uint8Array): Uint8Array {
  return (files === undefined ? undefined : files.debugFile(guestFileSha256(guestBytes))) ?? guestBytes;
}

/**
 * Debug files on the host, by key: the guest image's companions (guest/manifest.json's "debug"),
 * read when first asked for. `paths` is plain data, so it crosses to a worker thread as it is.
 */
export class HostDebugFiles implements DebugFiles {
  private readonly read = new Map<string, Uint8Array | undefined>();

  constructor(readonly paths: ReadonlyMap<string, string>) {}

  debugFile(guestSha256: string): Uint8Array | undefined {
    if (this.read.has(guestSha256)) return this.read.get(guestSha256);
    const path = this.paths.get(guestSha256);
    let elf: Uint8Array | undefined;
    try {
      elf = path === undefined ? undefined : Uint8Array.from(readFileSync(path));
    } catch {
      // A companion the checkout lacks (deleted by hand) only means fewer symbols.
      elf = undefined;
    }
    this.read.set(guestSha256, elf);
    return elf;
  }
}
