/**
 * The ELF image a guest process runs and its symbol table. The path comes from the journal
 * (the process's last exec, or its parent's image at the fork: ProcessHistory), the bytes from
 * the recording's own filesystem at the position (the VFS server's state in the machine), so
 * a recording needs nothing from the host to be symbolized.
 */
import { createHash } from 'node:crypto';
import type { Machine } from '../core/machine.js';
import { serverViews } from '../servers/server-views.js';
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

/** Symbol tables by image content, so each distinct image is parsed once. */
export class SymbolCache {
  private readonly tables = new Map<string, SymbolTable>();

  /** The symbols of the image at `path` in `machine`'s filesystem; an empty table if it has none or cannot be read. */
  forPath(machine: Machine, path: string): SymbolTable {
    const bytes = readGuestFile(machine, path);
    if (!bytes) return new SymbolTable([]);
    return this.forImage(bytes);
  }

  forImage(bytes: Uint8Array): SymbolTable {
    const key = createHash('sha256').update(bytes).digest('hex');
    let t = this.tables.get(key);
    if (!t) {
      const r = readSymbolTable(bytes);
      t = r.ok ? r.table : new SymbolTable([]);
      this.tables.set(key, t);
    }
    return t;
  }
}
