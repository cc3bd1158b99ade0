/**
 * A read-only, display-ready view of the VFS for the TUI's server pane and `xrr inspect`: per process
 * its credentials, cwd and open fds (with the path of what they refer to), plus totals. Derived from
 * the state alone; the order is by pid and fd.
 */
import { O } from '../../protocol/vfs-protocol.js';
import { stringToBytes } from '../../protocol/struct-codec.js';
import type { VfsStateView } from '../server-views.js';
import { ROOT_INO, type Ino } from './vfs-state.js';

export interface FdView {
  readonly fd: number;
  /** `/etc/motd`, `pipe:[12]`, or `(deleted) ino 40`. */
  readonly target: string;
  readonly access: 'r' | 'w' | 'rw';
  readonly flags: readonly ('append' | 'nonblock' | 'cloexec')[];
  readonly offset: number;
  /** Fd slots in all processes sharing this open file description. */
  readonly shared: number;
}

export interface ProcView {
  readonly pid: number;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
  readonly umask: number;
  readonly cwd: string;
  readonly fds: readonly FdView[];
}

export interface VfsView {
  readonly inodes: number;
  readonly bytesStored: number;
  readonly openFiles: number;
  readonly procs: readonly ProcView[];
}

/** One path per reachable inode (the first in sorted tree order). */
function pathsByIno(state: VfsStateView): Map<Ino, string> {
  const paths = new Map<Ino, string>([[ROOT_INO, '/']]);
  const walk = (dirIno: Ino, prefix: string) => {
    const dir = state.inodes.get(dirIno);
    if (dir?.kind !== 'dir') return;
    for (const [name, ino] of [...dir.entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const path = `${prefix}/${name}`;
      if (!paths.has(ino)) paths.set(ino, path);
      if (state.inodes.get(ino)?.kind === 'dir') walk(ino, path);
    }
  };
  walk(ROOT_INO, '');
  return paths;
}

export function inspectVfs(state: VfsStateView): VfsView {
  const paths = pathsByIno(state);
  // Names are byte strings; shown as UTF-8 (invalid sequences become U+FFFD).
  const utf8 = new TextDecoder();
  const show = (p: string) => utf8.decode(stringToBytes(p));
  let bytesStored = 0;
  for (const node of state.inodes.values()) {
    if (node.kind === 'file') bytesStored += node.size;
    else if (node.kind === 'fifo') bytesStored += node.buffer.length;
  }
  const targetOf = (ino: Ino): string => {
    const node = state.inodes.get(ino);
    if (node?.kind === 'fifo') return `pipe:[${ino}]`;
    const p = paths.get(ino);
    return p === undefined ? `(deleted) ino ${ino}` : show(p);
  };
  const procs = [...state.procs]
    .sort((a, b) => a[0] - b[0])
    .map(([pid, p]): ProcView => {
      const fds: FdView[] = [];
      p.fds.forEach((slot, fd) => {
        if (!slot) return;
        const f = state.files.get(slot.file);
        // A state that lost the description (a corrupt snapshot the VFS itself would crash on) still shows.
        if (!f) {
          fds.push({ fd, target: `(missing open file ${slot.file})`, access: 'r', flags: [], offset: 0, shared: 0 });
          return;
        }
        const acc = f.flags & O.ACCMODE;
        const flags: ('append' | 'nonblock' | 'cloexec')[] = [];
        if (f.flags & O.APPEND) flags.push('append');
        if (f.flags & O.NONBLOCK) flags.push('nonblock');
        if (slot.cloexec) flags.push('cloexec');
        fds.push({ fd, target: targetOf(f.ino), access: acc === O.RDONLY ? 'r' : acc === O.WRONLY ? 'w' : 'rw', flags, offset: f.offset, shared: f.refs });
      });
      return { pid, uid: p.cred.uid, euid: p.cred.euid, gid: p.cred.gid, egid: p.cred.egid, umask: p.umask, cwd: targetOf(p.cwd), fds };
    });
  return { inodes: state.inodes.size, bytesStored, openFiles: state.files.size, procs };
}
