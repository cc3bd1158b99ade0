/**
 * Which servers are up or down at the cursor (from the journal, so during a seek too), then the
 * servers' tables: PM's processes, VFS's open files, MM's regions.
 */
import type { ReactElement } from 'react';
import { serverLines } from '../machine-view.js';
import type { ServerStatus } from '../server-status.js';
import type { MachineSlot } from './machine-slot.js';
import { PaneFrame } from './pane-frame.js';

export function ServersPane(p: MachineSlot & { readonly status: readonly ServerStatus[] }): ReactElement {
  const status = ['Servers', ...p.status.map((s) => `  ${s.line}`)];
  return <PaneFrame {...p} lines={[...status, ...(p.machine ? serverLines(p.machine, p.pid) : [p.pending])]} />;
}
