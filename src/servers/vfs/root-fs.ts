/**
 * Builds the root filesystem from the guest image manifest: a list of `{ path, mode, data }` entries
 * (mode with its S_IFDIR/S_IFREG type bits; a missing type means a regular file), plus what the
 * machine always has: /dev (0755), /dev/console (character device 5,1, 0666) and /tmp (01777).
 * Missing parent directories are created 0755 root:root. Entries are applied in the order given;
 * a directory listed twice keeps the last mode.
 */
import { S_IFDIR, S_IFMT, S_IFREG } from '../protocol/guest-abi.js';
import { createCharDevice, createDir, createFile, dirInode, inode } from './ramfs.js';
import { CONSOLE_RDEV, createVfsState, ROOT_INO, type DirInode, type VfsState } from './vfs-state.js';

export interface RootFsEntry {
  /** Absolute path, e.g. `/bin/sh`. */
  readonly path: string;
  /** Type and permission bits, e.g. 0o100755 or 0o040755. */
  readonly mode: number;
  /** Contents of a regular file. */
  readonly data?: Uint8Array;
  readonly uid?: number;
  readonly gid?: number;
}

function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`root fs entry ${JSON.stringify(path)}: path must be absolute`);
  const parts = path.split('/').filter((p) => p.length > 0);
  for (const p of parts) if (p === '.' || p === '..') throw new Error(`root fs entry ${JSON.stringify(path)}: no . or .. allowed`);
  return parts;
}

function ensureDir(state: VfsState, parts: readonly string[], now: bigint): DirInode {
  let dir = dirInode(state, ROOT_INO);
  for (const name of parts) {
    const existing = dir.entries.get(name);
    if (existing === undefined) {
      dir = createDir(state, dir, name, { mode: 0o755, uid: 0, gid: 0, now });
    } else {
      const node = inode(state, existing);
      if (node.kind !== 'dir') throw new Error(`root fs: ${name} is not a directory`);
      dir = node;
    }
  }
  return dir;
}

export function buildRootFs(entries: readonly RootFsEntry[], now = 0n): VfsState {
  const state = createVfsState(now);
  const dev = ensureDir(state, ['dev'], now);
  createCharDevice(state, dev, 'console', CONSOLE_RDEV, { mode: 0o666, uid: 0, gid: 0, now });
  const tmp = ensureDir(state, ['tmp'], now);
  tmp.mode = 0o1777;
  for (const e of entries) {
    const parts = splitPath(e.path);
    const type = e.mode & S_IFMT;
    const attrs = { mode: e.mode & 0o7777, uid: e.uid ?? 0, gid: e.gid ?? 0, now };
    if (type === S_IFDIR) {
      const dir = ensureDir(state, parts, now);
      dir.mode = attrs.mode;
      dir.uid = attrs.uid;
      dir.gid = attrs.gid;
      continue;
    }
    if (type !== 0 && type !== S_IFREG) throw new Error(`root fs entry ${e.path}: only directories and regular files`);
    if (parts.length === 0) throw new Error('root fs: / is a directory');
    const parent = ensureDir(state, parts.slice(0, -1), now);
    const name = parts[parts.length - 1]!;
    if (parent.entries.has(name)) throw new Error(`root fs entry ${e.path}: listed twice`);
    createFile(state, parent, name, attrs, e.data ?? new Uint8Array(0));
  }
  return state;
}
