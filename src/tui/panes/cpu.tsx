/** The focused process's registers (pc with its function), and the disassembly around pc (functions labelled) or its backtrace (`k`). */
import type { ReactElement } from 'react';
import { cpuLines, type CpuSymbols, type CpuView } from '../machine-view.js';
import { Pending, type MachineSlot } from './machine-slot.js';
import { PaneFrame } from './pane-frame.js';

export function CpuPane(p: MachineSlot & { readonly symbols: CpuSymbols | undefined; readonly view: CpuView }): ReactElement {
  // The registers take 13 rows at most; the disassembly gets the rest.
  return p.machine ? <PaneFrame {...p} lines={cpuLines(p.machine, p.pid, Math.max(3, p.rows - 14), p.width >= 60, p.symbols, p.view)} /> : <Pending {...p} />;
}
