/**
 * The ELF image a guest process runs and its symbol table. The path comes from the journal
 * (the process's last exec, or its parent's image at the fork: ProcessHistory), the bytes from
 * the recording's own filesystem at the position (the VFS server's state in the machine), so
 * a recording needs nothing from the host to be symbolized. Those bytes are a stripped program
 * (function names, no DWARF) in a recording made since debug files: its full ELF comes from the
 * debug files (debug-files.ts), keyed by the bytes.
 */
import type { Machine } from '../core/machine.js';
import { serverViews } from '../servers/server-views.js';
import { debugElfFor, guestFileSha256, type DebugFiles } from './debug-files.js';
import { readSymbolTable, SymbolTable } from './elf-symbols.js';

/** The bytes of the regular file at absolute `path` in the machine's filesystem, or undefined. */
export function readGuestFile(machine: Machine, path: string): Uint8Array | undefined {
  const state = serverViews(machine).vfs();
  if (!state || !path.startsWith('/')) return undefined;
  let ino = 1;
  for (const name of path.split('/').filter((s) => s.length > 0 && s !== '.')) {
    const dir = state.inodes.get(ino);
    if (dir?.kind !== 'dir') return undefined;
    const next = name === '..' ? dir.parent : dir.entries.get(name);
    if (next === undefined) return undefined;
    ino = next;
  }
  const node = state.inodes.get(ino);
  return node?.kind === 'file' ? node.data.slice(0, node.size) : undefined;
}

/**
 * The ELF to read symbols and DWARF from for the program at `path` in `machine`'s filesystem:
 * its debug file when `files` has one for its bytes, else its bytes; undefined when there is no
 * such file.
 */
export function readGuestElf(machine: Machine, path: string, files: DebugFiles | undefined): Uint8Array | undefined {
  const bytes = readGuestFile(machine, path);
  return bytes === undefined ? undefined : debugElfFor(files, bytes);
}

/** Symbol tables by image content, so each distinct image is parsed once. */
export class SymbolCache {
  private readonly tables = new Map<string, SymbolTable>();

  /** `debugFiles`: where the full ELF of a stripped program is (a recording's, the image's); none: the bytes alone. */
  constructor(private readonly debugFiles?: DebugFiles) {}

  /** The symbols of the image at `path` in `machine`'s filesystem; an empty table if it has none or cannot be read. */
  forPath(machine: Machine, path: string): SymbolTable {
    const bytes = readGuestFile(machine, path);
    if (!bytes) return new SymbolTable([]);
    return this.forImage(bytes);
  }

  /** The symbols of a guest program's bytes, read from its debug file when there is one. */
  forImage(bytes: Uint8Array): SymbolTable {
    const key = guestFileSha256(bytes);
    let t = this.tables.get(key);
    if (!t) {
      const elf = this.debugFiles?.debugFile(key) ?? bytes;
      const r = readSymbolTable(elf);
      t = r.ok ? r.table : new SymbolTable([]);
      this.tables.set(key, t);
    }
    return t;
  }
}
