/** The focused process's registers and the disassembly around its pc. */
import type { ReactElement } from 'react';
import { cpuLines } from '../machine-view.js';
import { Pending, type MachineSlot } from './machine-slot.js';
import { PaneFrame } from './pane-frame.js';

export function CpuPane(p: MachineSlot): ReactElement {
  // The registers take 13 rows at most; the disassembly gets the rest.
  return p.machine ? <PaneFrame {...p} lines={cpuLines(p.machine, p.pid, Math.max(3, p.rows - 14), p.width >= 60)} /> : <Pending {...p} />;
}
