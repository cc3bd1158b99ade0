/** The process tree with what each process waits for; `>` marks the focused one. */
import type { ReactElement } from 'react';
import { processLines } from '../machine-view.js';
import { Pending, type MachineSlot } from './machine-slot.js';
import { PaneFrame } from './pane-frame.js';

export function ProcsPane(p: MachineSlot): ReactElement {
  return p.machine ? <PaneFrame {...p} lines={processLines(p.machine, p.pid)} /> : <Pending {...p} />;
}
