/**
 * Builds the root filesystem from the guest image manifest (guest/manifest.json): a list of entries
 * `{ path, kind: 'dir' | 'file' | 'chardev', mode, data | device }`, applied in order, missing parent
 * directories created 0755 root:root. Afterwards whatever the machine always needs and the manifest did
 * not list is added: /dev (0755), /dev/console (0620), /dev/null (0666) and /tmp (01777).
 *
 * A bad manifest is a build error, not guest input, so it throws.
 */
import { S_IFDIR, S_IFMT, S_IFREG } from '../../protocol/guest-abi.js';
import { bytesToString } from '../../protocol/struct-codec.js';
import { createCharDevice, createDir, createFile, dirInode, inode } from './ramfs.js';
import { createVfsState, ROOT_INO, type CharDevice, type DirInode, type VfsState } from './vfs-state.js';

export interface RootFsEntry {
  /** Absolute path, e.g. `/bin/sh`. */
  readonly path: string;
  /**
   * What it is. When absent, the type bits of `mode` say (S_IFDIR / S_IFREG, none = regular file).
   */
  readonly kind?: 'dir' | 'file' | 'chardev';
  /** Permission bits (07777), optionally with type bits, e.g. 0o755 or 0o100755. */
  readonly mode: number;
  /** Contents of a regular file. */
  readonly data?: Uint8Array;
  /** Which device a `chardev` entry is. */
  readonly device?: CharDevice;
  readonly uid?: number;
  readonly gid?: number;
}

/** Guest names are byte strings: a manifest path is taken as UTF-8 and stored one char per byte. */
function splitPath(unicodePath: string): string[] {
  const path = bytesToString(new TextEncoder().encode(unicodePath));
  if (!path.startsWith('/')) throw new Error(`root fs entry ${JSON.stringify(path)}: path must be absolute`);
  const parts = path.split('/').filter((p) => p.length > 0);
  for (const p of parts) {
    if (p === '.' || p === '..') throw new Error(`root fs entry ${JSON.stringify(path)}: no . or .. allowed`);
    if (p.length > 255) throw new Error(`root fs entry ${JSON.stringify(path)}: name too long`);
  }
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

function kindOf(e: RootFsEntry): 'dir' | 'file' | 'chardev' {
  if (e.kind !== undefined) return e.kind;
  const type = e.mode & S_IFMT;
  if (type === S_IFDIR) return 'dir';
  if (type === 0 || type === S_IFREG) return 'file';
  throw new Error(`root fs entry ${e.path}: mode type bits 0o${type.toString(8)} need an explicit kind`);
}

export function buildRootFs(entries: readonly RootFsEntry[], now = 0n): VfsState {
  const state = createVfsState(now);
  const add = (e: RootFsEntry) => {
    const parts = splitPath(e.path);
    const attrs = { mode: e.mode & 0o7777, uid: e.uid ?? 0, gid: e.gid ?? 0, now };
    const kind = kindOf(e);
    if (kind === 'dir') {
      const dir = ensureDir(state, parts, now);
      dir.mode = attrs.mode;
      dir.uid = attrs.uid;
      dir.gid = attrs.gid;
      return;
    }
    if (parts.length === 0) throw new Error('root fs: / is a directory');
    const parent = ensureDir(state, parts.slice(0, -1), now);
    const name = parts[parts.length - 1]!;
    if (parent.entries.has(name)) throw new Error(`root fs entry ${e.path}: listed twice`);
    if (kind === 'file') {
      createFile(state, parent, name, attrs, e.data ?? new Uint8Array(0));
    } else {
      if (e.device !== 'console' && e.device !== 'null') throw new Error(`root fs entry ${e.path}: unknown device ${String(e.device)}`);
      createCharDevice(state, parent, name, e.device, attrs);
    }
  };
  for (const e of entries) add(e);
  const exists = (path: string) => {
    let dir = dirInode(state, ROOT_INO);
    const parts = splitPath(path);
    for (let i = 0; i < parts.length; i++) {
      const ino = dir.entries.get(parts[i]!);
      if (ino === undefined) return false;
      const node = inode(state, ino);
      if (i === parts.length - 1) return true;
      if (node.kind !== 'dir') return false;
      dir = node;
    }
    return true;
  };
  const defaults: RootFsEntry[] = [
    { path: '/dev', kind: 'dir', mode: 0o755 },
    { path: '/dev/console', kind: 'chardev', device: 'console', mode: 0o620 },
    { path: '/dev/null', kind: 'chardev', device: 'null', mode: 0o666 },
    { path: '/tmp', kind: 'dir', mode: 0o1777 },
  ];
  for (const d of defaults) if (!exists(d.path)) add(d);
  return state;
}

/**
 * Turns guest/manifest.json (already parsed) into root fs entries. `readSource` returns the contents of
 * a file entry's `source` (a path relative to the repository); the caller does the host I/O, so this
 * module stays free of it. A file entry may carry inline `text` (UTF-8) instead. Modes are octal
 * strings ("0755") or numbers.
 */
export function rootFsEntriesFromManifest(manifest: unknown, readSource: (source: string) => Uint8Array): RootFsEntry[] {
  const fail = (why: string): never => {
    throw new Error(`guest manifest: ${why}`);
  };
  if (typeof manifest !== 'object' || manifest === null) return fail('not an object');
  const m = manifest as { version?: unknown; entries?: unknown };
  if (m.version !== 1) return fail(`version ${String(m.version)} is not supported (expected 1)`);
  if (!Array.isArray(m.entries)) return fail('entries is not a list');
  return m.entries.map((raw: unknown, i: number): RootFsEntry => {
    if (typeof raw !== 'object' || raw === null) return fail(`entry ${i} is not an object`);
    const e = raw as Record<string, unknown>;
    const path = e['path'];
    if (typeof path !== 'string') return fail(`entry ${i}: path is not a string`);
    const modeRaw = e['mode'];
    const mode =
      typeof modeRaw === 'number' ? modeRaw : typeof modeRaw === 'string' && /^[0-7]{1,6}$/.test(modeRaw) ? parseInt(modeRaw, 8) : NaN;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) return fail(`entry ${path}: bad mode ${JSON.stringify(modeRaw)}`);
    const ids = {
      ...(typeof e['uid'] === 'number' ? { uid: e['uid'] } : {}),
      ...(typeof e['gid'] === 'number' ? { gid: e['gid'] } : {}),
    };
    switch (e['kind']) {
      case 'dir':
        return { path, kind: 'dir', mode, ...ids };
      case 'file': {
        const source = e['source'];
        const text = e['text'];
        if (typeof source === 'string') return { path, kind: 'file', mode, data: readSource(source), ...ids };
        if (typeof text === 'string') return { path, kind: 'file', mode, data: new TextEncoder().encode(text), ...ids };
        return fail(`entry ${path}: file without a source or text`);
      }
      case 'chardev': {
        const device = e['device'];
        if (device !== 'console' && device !== 'null') return fail(`entry ${path}: unknown device ${JSON.stringify(device)}`);
        return { path, kind: 'chardev', mode, device, ...ids };
      }
      default:
        return fail(`entry ${path}: unknown kind ${JSON.stringify(e['kind'])}`);
    }
  });
}
