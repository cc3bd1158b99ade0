/**
 * What the panes that show the machine at the cursor (processes, CPU, memory, servers) are
 * given; until a seek has produced that machine they say what is under way instead.
 */
import type { ReactElement } from 'react';
import type { Machine } from '../../core/machine.js';
import { PaneFrame, type FrameSlot } from './pane-frame.js';

export interface MachineSlot extends FrameSlot {
  readonly machine: Machine | null;
  readonly pid: number | null;
  /** What runs while there is no machine yet. */
  readonly pending: string;
}

export function Pending(p: MachineSlot): ReactElement {
  return <PaneFrame {...p} lines={[p.pending]} />;
}
