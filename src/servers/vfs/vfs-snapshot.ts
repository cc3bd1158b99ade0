/**
 * getState/setState for the VFS: plain, versioned, JSON-safe data in a deterministic order (inodes by
 * number, directory entries by name, descriptions by id, processes by pid, fds ascending). File and
 * pipe contents are base64, timestamps decimal strings of nanoseconds. A field once retired is never
 * reused (STYLE.md 4).
 */
import { StateValue, uniqueBy } from '../../core/state-check.js';
import { NAME_MAX } from '../../protocol/vfs-protocol.js';
import { fromBase64, isBase64, toBase64 } from './base64.js';
import { FILE_SIZE_MAX, OPEN_MAX, PIPE_CAPACITY, rdevOf, type CharDevice, type FdSlot, type Inode, type OpenFile, type ProcFiles, type VfsState } from './vfs-state.js';
import type { BlobSink as BlobSinkOfKernel } from '../../core/kernel/server-port.js';
import { CHUNK, chunkHashes } from './chunk-hashes.js';

export const VFS_STATE_VERSION = 1;

interface InodeSnapshotCommon {
  readonly ino: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly refs: number;
  readonly atime: string;
  readonly mtime: string;
  readonly ctime: string;
}

export type InodeSnapshot =
  | (InodeSnapshotCommon & { readonly kind: 'dir'; readonly parent: number; readonly entries: readonly (readonly [string, number])[] })
  /**
   * A file's bytes: inline (base64) or, when the snapshot was taken with a blob store, as the
   * content hashes of its 4 KiB chunks, so snapshots share unchanged file data like pages.
   */
  | (InodeSnapshotCommon & { readonly kind: 'file'; readonly data: string })
  | (InodeSnapshotCommon & { readonly kind: 'file'; readonly chunks: readonly string[]; readonly size: number })
  | (InodeSnapshotCommon & { readonly kind: 'fifo'; readonly buffer: string; readonly readers: number; readonly writers: number })
  | (InodeSnapshotCommon & { readonly kind: 'chr'; readonly device: CharDevice });

export interface OpenFileSnapshot {
  readonly id: number;
  readonly ino: number;
  readonly flags: number;
  readonly offset: number;
  readonly dirAfter: string;
  readonly refs: number;
}

export interface ProcSnapshot {
  readonly pid: number;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
  readonly umask: number;
  readonly cwd: number;
  /** [fd, description id, close-on-exec], fd ascending. */
  readonly fds: readonly (readonly [number, number, boolean])[];
}

export interface VfsSnapshot {
  readonly version: typeof VFS_STATE_VERSION;
  readonly nextIno: number;
  readonly nextFileId: number;
  readonly inodes: readonly InodeSnapshot[];
  readonly files: readonly OpenFileSnapshot[];
  readonly procs: readonly ProcSnapshot[];
}

/**
 * Stores bytes and returns their key (the journal's page store: their content hash); with
 * `known`, the key is the content hash and bytes whose hash is remembered go in without hashing.
 */
export type BlobSink = BlobSinkOfKernel;
/** Returns the bytes stored under a hash. */
export type BlobSource = (hash: string) => Uint8Array | undefined;

function inodeSnapshot(node: Inode, blobs?: BlobSink): InodeSnapshot {
  const common: InodeSnapshotCommon = {
    ino: node.ino,
    mode: node.mode,
    uid: node.uid,
    gid: node.gid,
    nlink: node.nlink,
    refs: node.refs,
    atime: node.atime.toString(),
    mtime: node.mtime.toString(),
    ctime: node.ctime.toString(),
  };
  switch (node.kind) {
    case 'dir': {
      const entries = [...node.entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return { ...common, kind: 'dir', parent: node.parent, entries };
    }
    case 'file': {
      const bytes = node.data.subarray(0, node.size);
      if (!blobs) return { ...common, kind: 'file', data: toBase64(bytes) };
      const chunks: string[] = [];
      const known = blobs.known;
      if (known === undefined) {
        for (let off = 0; off < bytes.length; off += CHUNK) chunks.push(blobs(bytes.subarray(off, off + CHUNK)));
      } else {
        // Content hashes: a chunk unchanged since the last snapshot keeps the hash it had.
        const hashes = chunkHashes(node);
        for (let i = 0, off = 0; off < bytes.length; i++, off += CHUNK) {
          const chunk = bytes.subarray(off, off + CHUNK);
          let hash = hashes[i];
          if (hash === undefined) hashes[i] = hash = blobs(chunk);
          else known(hash, chunk);
          chunks.push(hash);
        }
      }
      return { ...common, kind: 'file', chunks, size: node.size };
    }
    case 'fifo':
      return { ...common, kind: 'fifo', buffer: toBase64(node.buffer), readers: node.readers, writers: node.writers };
    case 'chr':
      return { ...common, kind: 'chr', device: node.device };
    default: {
      const _exhaustive: never = node;
      return _exhaustive;
    }
  }
}

/** The VFS's state; with `blobs`, file contents go there by content hash instead of inline. */
export function snapshotVfs(state: VfsState, blobs?: BlobSink): VfsSnapshot {
  const procs: ProcSnapshot[] = [...state.procs].sort((a, b) => a[0] - b[0]).map(([pid, p]) => {
    const fds: (readonly [number, number, boolean])[] = [];
    p.fds.forEach((slot, fd) => {
      if (slot) fds.push([fd, slot.file, slot.cloexec]);
    });
    return { pid, uid: p.cred.uid, euid: p.cred.euid, gid: p.cred.gid, egid: p.cred.egid, umask: p.umask, cwd: p.cwd, fds };
  });
  return {
    version: VFS_STATE_VERSION,
    nextIno: state.nextIno,
    nextFileId: state.nextFileId,
    inodes: [...state.inodes].sort((a, b) => a[0] - b[0]).map(([, node]) => inodeSnapshot(node, blobs)),
    files: [...state.files].sort((a, b) => a[0] - b[0]).map(([, f]) => {
      return { id: f.id, ino: f.ino, flags: f.flags, offset: f.offset, dirAfter: f.dirAfter, refs: f.refs };
    }),
    procs,
  };
}

function restoreInode(s: InodeSnapshot, load?: BlobSource): Inode {
  const common = {
    ino: s.ino,
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    nlink: s.nlink,
    refs: s.refs,
    atime: BigInt(s.atime),
    mtime: BigInt(s.mtime),
    ctime: BigInt(s.ctime),
  };
  switch (s.kind) {
    case 'dir':
      return { ...common, kind: 'dir', parent: s.parent, entries: new Map(s.entries.map(([n, i]) => [n, i])) };
    case 'file': {
      if ('data' in s) {
        const data = fromBase64(s.data);
        return { ...common, kind: 'file', data, size: data.length };
      }
      const data = new Uint8Array(s.size);
      s.chunks.forEach((h, i) => {
        const chunk = load?.(h);
        if (!chunk) throw new Error(`VFS snapshot: file data chunk ${h} is missing from the store`);
        data.set(chunk.subarray(0, Math.min(CHUNK, s.size - i * CHUNK)), i * CHUNK);
      });
      return { ...common, kind: 'file', data, size: s.size };
    }
    case 'fifo':
      return { ...common, kind: 'fifo', buffer: fromBase64(s.buffer), readers: s.readers, writers: s.writers };
    case 'chr':
      return { ...common, kind: 'chr', device: s.device, rdev: rdevOf(s.device) };
    default: {
      const _exhaustive: never = s;
      return _exhaustive;
    }
  }
}

// ---- reading a saved state -------------------------------------------------------------------

const DEVICES: readonly CharDevice[] = ['console', 'null'];

/** Base64 of at most `maxBytes` bytes. */
export function base64At(v: StateValue, maxBytes: number): string {
  const s = v.string(Math.ceil(maxBytes / 3) * 4);
  if (!isBase64(s)) v.fail('base64');
  return s;
}

function inode(v: StateValue): InodeSnapshot {
  const common: InodeSnapshotCommon = {
    ino: v.at('ino').int(1, 0xffff_ffff, 'an inode number (>= 1)'),
    mode: v.at('mode').int(0, 0o7777, 'permission bits (0..0o7777)'),
    uid: v.at('uid').u32(),
    gid: v.at('gid').u32(),
    nlink: v.at('nlink').count(),
    refs: v.at('refs').count(),
    atime: v.at('atime').bigintString().toString(),
    mtime: v.at('mtime').bigintString().toString(),
    ctime: v.at('ctime').bigintString().toString(),
  };
  const kind = v.at('kind').oneOf(['dir', 'file', 'fifo', 'chr'] as const);
  switch (kind) {
    case 'dir': {
      const entries = v.at('entries').array().map((e) => {
        const [name, ino] = e.tuple(2);
        return [name?.string(NAME_MAX) ?? '', ino?.u32() ?? 0] as const;
      });
      uniqueBy(entries, (e) => e[0], `${v.path}.entries`, 'name');
      return { ...common, kind, parent: v.at('parent').u32(), entries };
    }
    case 'file': {
      if (v.at('data').value !== undefined) return { ...common, kind, data: base64At(v.at('data'), FILE_SIZE_MAX) };
      const size = v.at('size').int(0, FILE_SIZE_MAX);
      const chunks = v.at('chunks').array().map((c) => {
        const h = c.string(128);
        if (h.length === 0) c.fail('a chunk hash');
        return h;
      });
      if (chunks.length !== Math.ceil(size / CHUNK)) v.at('chunks').fail(`${Math.ceil(size / CHUNK)} chunk hashes for ${size} bytes`);
      return { ...common, kind, chunks, size };
    }
    case 'fifo':
      return { ...common, kind, buffer: base64At(v.at('buffer'), PIPE_CAPACITY), readers: v.at('readers').count(), writers: v.at('writers').count() };
    case 'chr':
      return { ...common, kind, device: v.at('device').oneOf(DEVICES) };
  }
}

/**
 * Reads and checks a saved filesystem: every field present, typed and in range; a bad one is a
 * StateError naming it (`vfs.fs.inodes[4].mode: expected permission bits (0..0o7777), got -1`).
 */
export function parseVfsSnapshot(s: StateValue): VfsSnapshot {
  s.version(VFS_STATE_VERSION);
  const inodes = s.at('inodes').array().map(inode);
  uniqueBy(inodes, (n) => n.ino, `${s.path}.inodes`, 'inode');
  const files = s.at('files').array().map((v): OpenFileSnapshot => ({
    id: v.at('id').u32(),
    ino: v.at('ino').u32(),
    flags: v.at('flags').u32(),
    offset: v.at('offset').count(),
    dirAfter: v.at('dirAfter').string(NAME_MAX),
    refs: v.at('refs').count(),
  }));
  uniqueBy(files, (f) => f.id, `${s.path}.files`, 'open file');
  const procs = s.at('procs').array().map((v): ProcSnapshot => {
    const fds = v.at('fds').array(OPEN_MAX).map((e) => {
      const [fd, file, cloexec] = e.tuple(3);
      return [fd?.int(0, OPEN_MAX - 1) ?? 0, file?.u32() ?? 0, cloexec?.bool() ?? false] as const;
    });
    uniqueBy(fds, (f) => f[0], `${v.path}.fds`, 'fd');
    return {
      pid: v.at('pid').pid(),
      uid: v.at('uid').u32(),
      euid: v.at('euid').u32(),
      gid: v.at('gid').u32(),
      egid: v.at('egid').u32(),
      umask: v.at('umask').int(0, 0o777, 'a umask (0..0o777)'),
      cwd: v.at('cwd').u32(),
      fds,
    };
  });
  uniqueBy(procs, (p) => p.pid, `${s.path}.procs`, 'pid');
  return { version: VFS_STATE_VERSION, nextIno: s.at('nextIno').u32(), nextFileId: s.at('nextFileId').u32(), inodes, files, procs };
}

/** Rebuilds a VFS state from a checked snapshot (parseVfsSnapshot). */
export function restoreVfs(snapshot: VfsSnapshot, load?: BlobSource): VfsState {
  const inodes = new Map<number, Inode>(snapshot.inodes.map((s) => [s.ino, restoreInode(s, load)]));
  const files = new Map<number, OpenFile>(snapshot.files.map((f) => [f.id, { ...f }]));
  const procs = new Map<number, ProcFiles>(
    snapshot.procs.map((p) => {
      const fds: (FdSlot | null)[] = new Array<null>(OPEN_MAX).fill(null);
      for (const [fd, file, cloexec] of p.fds) fds[fd] = { file, cloexec };
      return [p.pid, { pid: p.pid, cred: { uid: p.uid, euid: p.euid, gid: p.gid, egid: p.egid }, umask: p.umask, cwd: p.cwd, fds }];
    }),
  );
  let fileBytes = 0;
  for (const node of inodes.values()) if (node.kind === 'file') fileBytes += node.size;
  return { inodes, files, procs, nextIno: snapshot.nextIno, nextFileId: snapshot.nextFileId, fileBytes };
}
