/**
 * The panes that show the machine at the cursor: processes, CPU (registers and disassembly),
 * memory (a hex dump) and the servers' tables. Until a seek has produced that machine they say
 * what is under way instead.
 */
import type { ReactElement } from 'react';
import type { Machine } from '../../core/machine.js';
import { cpuLines, memoryLines, processLines, serverLines } from '../machine-view.js';
import type { ServerStatus } from '../server-status.js';
import type { FrameSlot } from './detail.js';
import { PaneFrame } from './pane-frame.js';

export interface MachineSlot extends FrameSlot {
  readonly machine: Machine | null;
  readonly pid: number | null;
  /** What runs while there is no machine yet. */
  readonly pending: string;
}

const waiting = (p: MachineSlot): ReactElement => <PaneFrame {...p} lines={[p.pending]} />;

export function ProcsPane(p: MachineSlot): ReactElement {
  return p.machine ? <PaneFrame {...p} lines={processLines(p.machine, p.pid)} /> : waiting(p);
}

export function CpuPane(p: MachineSlot): ReactElement {
  // The registers take 13 rows at most; the disassembly gets the rest.
  return p.machine ? <PaneFrame {...p} lines={cpuLines(p.machine, p.pid, Math.max(3, p.rows - 14), p.width >= 60)} /> : waiting(p);
}

export function MemoryPane(p: MachineSlot & { readonly addr: number | null }): ReactElement {
  if (!p.machine) return waiting(p);
  const proc = p.pid === null ? undefined : p.machine.kernel.procs.get(p.pid);
  // Without an address chosen with `a`, the stack pointer's 16-byte line.
  const addr = p.addr ?? ((proc?.regs[2] ?? 0) & ~0xf);
  return <PaneFrame {...p} lines={memoryLines(p.machine, p.pid, addr, p.rows - 2, p.width >= 76 ? 16 : 8)} />;
}

/** Up or down first (from the journal, so during a seek too), then the servers' tables. */
export function ServersPane(p: MachineSlot & { readonly status: readonly ServerStatus[] }): ReactElement {
  const status = ['Servers', ...p.status.map((s) => `  ${s.line}`)];
  return <PaneFrame {...p} lines={[...status, ...(p.machine ? serverLines(p.machine, p.pid) : [p.pending])]} />;
}
