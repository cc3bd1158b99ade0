/**
 * A text view of the machine at one instant, for `xrr state`: processes as the kernel and the
 * Process Manager see them, and for one process its registers, memory regions and open files.
 */
import type { Machine } from '../core/machine.js';
import type { MmPort } from '../servers/mm-port.js';
import type { PmPort } from '../servers/pm-port.js';
import type { VfsPort } from '../servers/vfs-port.js';
import { inspectVfs } from '../servers/vfs/vfs-inspect.js';

export const ABI_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const permString = (p: number) => `${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}`;

export function describeState(machine: Machine, pid?: number): string {
  const k = machine.kernel;
  const pm = (k.servers.get(3) as PmPort).server.state;
  const mm = (k.servers.get(4) as MmPort).server.state;
  const vfs = inspectVfs((k.servers.get(2) as VfsPort).server.state);
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
        ? `reply from ${p.wait.server === 2 ? 'vfs' : p.wait.server === 3 ? 'pm' : 'mm'} (syscall ${p.wait.nr})`
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
