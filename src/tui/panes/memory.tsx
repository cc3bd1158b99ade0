/**
 * A hex dump of the focused process's memory, at the address chosen with `a` or its stack
 * pointer; under its title, the write `w` / `W` last went to.
 */
import type { ReactElement } from 'react';
import { memoryLines } from '../machine-view.js';
import { Pending, type MachineSlot } from './machine-slot.js';
import { PaneFrame } from './pane-frame.js';

export function MemoryPane(p: MachineSlot & { readonly addr: number | null; readonly note: string | null }): ReactElement {
  if (!p.machine) return <Pending {...p} />;
  const proc = p.pid === null ? undefined : p.machine.kernel.procs.get(p.pid);
  // Without an address chosen with `a`, the stack pointer's 16-byte line.
  const addr = p.addr ?? ((proc?.regs[2] ?? 0) & ~0xf);
  const dump = memoryLines(p.machine, p.pid, addr, p.rows - (p.note ? 3 : 2), p.width >= 76 ? 16 : 8);
  return <PaneFrame {...p} lines={p.note ? [dump[0] ?? '', p.note, ...dump.slice(1)] : dump} />;
}
