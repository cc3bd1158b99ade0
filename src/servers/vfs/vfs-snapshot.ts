/**
 * getState/setState for the VFS: plain, versioned, JSON-safe data in a deterministic order (inodes by
 * number, directory entries by name, descriptions by id, processes by pid, fds ascending). File and
 * pipe contents are base64, timestamps decimal strings of nanoseconds. A field once retired is never
 * reused (STYLE.md 4).
 */
import { fromBase64, toBase64 } from './base64.js';
import { OPEN_MAX, rdevOf, type CharDevice, type FdSlot, type Inode, type OpenFile, type ProcFiles, type VfsState } from './vfs-state.js';

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

const byNumber = (a: number, b: number) => a - b;

/** File data is cut into chunks of this size when stored by content hash. */
const CHUNK = 4096;

/** Stores bytes by content and returns their hash (the journal's page store). */
export type BlobSink = (bytes: Uint8Array) => string;
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
      const names = [...node.entries.keys()].sort();
      return { ...common, kind: 'dir', parent: node.parent, entries: names.map((n) => [n, node.entries.get(n)!] as const) };
    }
    case 'file': {
      const bytes = node.data.subarray(0, node.size);
      if (!blobs) return { ...common, kind: 'file', data: toBase64(bytes) };
      const chunks: string[] = [];
      for (let off = 0; off < bytes.length; off += CHUNK) chunks.push(blobs(bytes.subarray(off, off + CHUNK)));
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
  const procs: ProcSnapshot[] = [...state.procs.keys()].sort(byNumber).map((pid) => {
    const p = state.procs.get(pid)!;
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
    inodes: [...state.inodes.keys()].sort(byNumber).map((ino) => inodeSnapshot(state.inodes.get(ino)!, blobs)),
    files: [...state.files.keys()].sort(byNumber).map((id) => {
      const f = state.files.get(id)!;
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

/** Rebuilds a VFS state from a snapshot; throws on a version this build does not know. */
export function restoreVfs(snapshot: VfsSnapshot, load?: BlobSource): VfsState {
  if (snapshot.version !== VFS_STATE_VERSION) {
    throw new Error(`VFS state version ${String(snapshot.version)} is not supported (expected ${VFS_STATE_VERSION})`);
  }
  const inodes = new Map<number, Inode>(snapshot.inodes.map((s) => [s.ino, restoreInode(s, load)]));
  const files = new Map<number, OpenFile>(snapshot.files.map((f) => [f.id, { ...f }]));
  const procs = new Map<number, ProcFiles>(
    snapshot.procs.map((p) => {
      const fds: (FdSlot | null)[] = new Array<null>(OPEN_MAX).fill(null);
      for (const [fd, file, cloexec] of p.fds) fds[fd] = { file, cloexec };
      return [p.pid, { pid: p.pid, cred: { uid: p.uid, euid: p.euid, gid: p.gid, egid: p.egid }, umask: p.umask, cwd: p.cwd, fds }];
    }),
  );
  return { inodes, files, procs, nextIno: snapshot.nextIno, nextFileId: snapshot.nextFileId };
}
