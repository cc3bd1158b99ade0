/**
 * A text view of the machine at one instant, for `xrr state`: processes as the kernel and the
 * Process Manager see them, and for one process its registers, memory regions and open files.
 */
import type { Machine } from '../core/machine.js';
import { syscallName } from '../core/syscall-numbers.js';
import { serverViews } from '../servers/server-views.js';
import { inspectVfs } from '../servers/vfs/vfs-inspect.js';
import { SERVER_NAMES } from '../protocol/message-types.js';

export const ABI_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const permString = (p: number) => `${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}`;

/** A hex dump with ASCII of `len` bytes at `addr` in process `pid` (unmapped bytes as `..`). */
export function hexDump(machine: Machine, pid: number, addr: number, len: number): string {
  const p = machine.kernel.procs.get(pid);
  if (!p) return `process ${pid} has no address space`;
  const lines: string[] = [];
  for (let row = addr & ~15; row < addr + len; row += 16) {
    const cells: string[] = [];
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const b = p.mem.peek((row + i) >>> 0, 1)?.[0];
      cells.push(b === undefined ? '..' : b.toString(16).padStart(2, '0'));
      ascii += b === undefined ? ' ' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    lines.push(`${hex(row)}  ${cells.slice(0, 8).join(' ')}  ${cells.slice(8).join(' ')}  |${ascii}|`);
  }
  return lines.join('\n');
}

/** The VFS tree: one line per entry with mode, owner, size. */
export function vfsTree(machine: Machine): string {
  const st = serverViews(machine).vfs();
  if (!st) return 'this machine has no VFS';
  const lines: string[] = [];
  const walk = (ino: number, path: string, depth: number) => {
    const node = st.inodes.get(ino);
    if (!node) return;
    const size = node.kind === 'file' ? node.size : node.kind === 'dir' ? node.entries.size : 0;
    const type = { dir: 'd', file: '-', fifo: 'p', chr: 'c' }[node.kind];
    lines.push(`${type}${node.mode.toString(8).padStart(4, '0')} ${String(node.uid).padStart(4)} ${String(size).padStart(8)}  ${'  '.repeat(depth)}${path}`);
    if (node.kind === 'dir') for (const name of [...node.entries.keys()].sort()) walk(node.entries.get(name)!, name, depth + 1);
  };
  walk(1, '/', 0);
  return lines.join('\n');
}

export function describeState(machine: Machine, pid?: number): string {
  const k = machine.kernel;
  const views = serverViews(machine);
  const pm = views.pm();
  const mm = views.mm();
  const vfsState = views.vfs();
  if (!pm || !mm || !vfsState) return 'this machine lacks the PM, MM or VFS server';
  const vfs = inspectVfs(vfsState);
  const lines: string[] = [];
  const ns = machine.clock.nowNs(machine.icount);
  lines.push(`icount ${machine.icount}, virtual time ${(ns / 1e9).toFixed(6)} s since boot${k.halted ? `, halted (${k.halted.reason}, status ${k.halted.status})` : ''}`);
  lines.push('');
  lines.push('  PID  PPID  PGID  UID  STATE     WAITING FOR                 ICOUNT  NAME');
  for (const pcb of [...pm.procs.values()].sort((a, b) => a.pid - b.pid)) {
    const p = k.procs.get(pcb.pid);
    const state = pcb.state === 'zombie' ? 'zombie' : pcb.kind !== 'user' ? pcb.kind : (p?.state ?? '?');
    const wait = p?.wait
      ? p.wait.kind === 'reply'
        ? `reply from ${SERVER_NAMES[p.wait.server] ?? `pid ${p.wait.server}`} (${syscallName(p.wait.nr) ?? `syscall ${p.wait.nr}`})`
        : p.wait.kind
      : pcb.waiter
        ? pcb.waiter.kind
        : '';
    lines.push(
      `${String(pcb.pid).padStart(5)} ${String(pcb.ppid).padStart(5)} ${String(pcb.pgid).padStart(5)} ${String(pcb.uid).padStart(4)}  ${state.padEnd(9)} ${wait.padEnd(26)} ${String(p?.icount ?? 0).padStart(8)}  ${pcb.name}`,
    );
  }
  if (pid === undefined) return lines.join('\n');

  const p = k.procs.get(pid);
  lines.push('');
  if (!p) {
    lines.push(`process ${pid}: not running (no address space)`);
    return lines.join('\n');
  }
  lines.push(`process ${pid} (${p.name}): pc ${hex(p.pc)}`);
  for (let r = 0; r < 32; r += 4) {
    lines.push(
      '  ' + [0, 1, 2, 3].map((i) => `${ABI_NAMES[r + i]!.padStart(4)} ${hex(p.regs[r + i]!)}`).join('  '),
    );
  }
  const regions = mm.procs.get(pid)?.regions ?? [];
  lines.push('', '  memory regions');
  for (const r of regions) lines.push(`    ${hex(r.start)}-${hex(r.end)} ${permString(r.perm)} ${r.kind}`);
  lines.push(`    ${p.mem.pageCount} pages mapped`);
  const files = vfs.procs.find((v) => v.pid === pid);
  if (files) {
    lines.push('', `  cwd ${files.cwd}, uid ${files.uid}, umask ${files.umask.toString(8).padStart(3, '0')}`, '  open files');
    for (const f of files.fds) lines.push(`    ${String(f.fd).padStart(3)} ${f.access.padEnd(2)} ${f.target} @${f.offset}${f.flags.length ? ` (${f.flags.join(', ')})` : ''}`);
  }
  return lines.join('\n');
}
