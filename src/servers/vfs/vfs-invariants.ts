/**
 * Consistency checks over a whole VFS state: every count the code maintains incrementally (link counts,
 * references, pipe readers and writers, description refs) recomputed from scratch. Used by tests after
 * random request sequences, and available to the kernel's debug builds and the `verify` tooling.
 * Returns the list of violations (empty when consistent).
 */
import { O } from '../../protocol/vfs-protocol.js';
import { FS_CAPACITY_BYTES, PIPE_CAPACITY, ROOT_INO, type VfsState } from './vfs-state.js';

export function checkVfsInvariants(state: VfsState): string[] {
  const problems: string[] = [];
  const links = new Map<number, number>();
  const subdirs = new Map<number, number>();
  const refs = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);

  for (const node of state.inodes.values()) {
    if (node.kind !== 'dir') continue;
    for (const [name, ino] of node.entries) {
      if (name === '' || name === '.' || name === '..' || name.includes('/')) problems.push(`dir ${node.ino}: bad name ${JSON.stringify(name)}`);
      const child = state.inodes.get(ino);
      if (child === undefined) {
        problems.push(`dir ${node.ino}: entry ${name} -> missing inode ${ino}`);
        continue;
      }
      bump(links, ino);
      if (child.kind === 'dir') {
        bump(subdirs, node.ino);
        if (child.parent !== node.ino) problems.push(`dir ${ino}: parent ${child.parent} but linked from ${node.ino}`);
      }
    }
  }
  for (const f of state.files.values()) {
    if (!state.inodes.has(f.ino)) problems.push(`file ${f.id}: missing inode ${f.ino}`);
    bump(refs, f.ino);
  }
  const fileRefs = new Map<number, number>();
  for (const p of state.procs.values()) {
    bump(refs, p.cwd);
    if (!state.inodes.has(p.cwd)) problems.push(`proc ${p.pid}: cwd ${p.cwd} missing`);
    p.fds.forEach((slot, fd) => {
      if (slot === null) return;
      if (!state.files.has(slot.file)) problems.push(`proc ${p.pid} fd ${fd}: missing description ${slot.file}`);
      bump(fileRefs, slot.file);
    });
  }
  for (const f of state.files.values()) {
    if ((fileRefs.get(f.id) ?? 0) !== f.refs) problems.push(`file ${f.id}: refs ${f.refs}, fd slots ${fileRefs.get(f.id) ?? 0}`);
    if (f.refs === 0) problems.push(`file ${f.id}: unreferenced description kept`);
  }
  for (const node of state.inodes.values()) {
    const r = refs.get(node.ino) ?? 0;
    if (node.refs !== r) problems.push(`inode ${node.ino}: refs ${node.refs}, counted ${r}`);
    const l = links.get(node.ino) ?? 0;
    if (node.kind === 'dir') {
      const alive = node.ino === ROOT_INO || l > 0;
      const expected = alive ? 2 + (subdirs.get(node.ino) ?? 0) : 0;
      if (node.nlink !== expected) problems.push(`dir ${node.ino}: nlink ${node.nlink}, expected ${expected}`);
      if (node.ino !== ROOT_INO && l > 1) problems.push(`dir ${node.ino}: linked ${l} times`);
      if (!alive && node.entries.size > 0) problems.push(`dir ${node.ino}: removed but not empty`);
    } else if (node.nlink !== l) {
      problems.push(`inode ${node.ino}: nlink ${node.nlink}, linked ${l} times`);
    }
    if (node.nlink === 0 && r === 0 && node.ino !== ROOT_INO) problems.push(`inode ${node.ino}: unreachable but kept`);
    if (node.kind === 'file' && (node.size > node.data.length || node.size < 0)) problems.push(`file ${node.ino}: size beyond data`);
    if (node.kind === 'fifo') {
      let readers = 0;
      let writers = 0;
      for (const f of state.files.values()) {
        if (f.ino !== node.ino) continue;
        if ((f.flags & O.ACCMODE) !== O.WRONLY) readers++;
        if ((f.flags & O.ACCMODE) !== O.RDONLY) writers++;
      }
      if (readers !== node.readers || writers !== node.writers) {
        problems.push(`pipe ${node.ino}: readers/writers ${node.readers}/${node.writers}, counted ${readers}/${writers}`);
      }
      if (node.buffer.length > PIPE_CAPACITY) problems.push(`pipe ${node.ino}: ${node.buffer.length} bytes buffered`);
    }
  }
  let fileBytes = 0;
  for (const node of state.inodes.values()) if (node.kind === 'file') fileBytes += node.size;
  if (fileBytes !== state.fileBytes) problems.push(`file bytes counted ${state.fileBytes}, files hold ${fileBytes}`);
  if (fileBytes > FS_CAPACITY_BYTES) problems.push(`files hold ${fileBytes} bytes, beyond the capacity`);
  if (!state.inodes.has(ROOT_INO)) problems.push('root inode missing');
  for (const ino of state.inodes.keys()) if (ino >= state.nextIno) problems.push(`inode ${ino} >= nextIno`);
  for (const id of state.files.keys()) if (id >= state.nextFileId) problems.push(`file ${id} >= nextFileId`);
  return problems;
}
