/**
 * The machine the state panes show (the live one, else the one at the cursor if a seek has
 * produced it) and the process they focus on: the one chosen with `p`, else the selected
 * event's, else the running one.
 */
import type { Machine } from '../../core/machine.js';
import { defaultPid } from '../machine-view.js';
import type { TuiSession } from '../session.js';
import type { Live } from './use-live-run.js';
import type { Seek } from './use-seek.js';
import type { ViewState } from './use-view-state.js';

export interface Inspected {
  readonly machine: Machine | null;
  readonly pid: number | null;
}

export function useInspected(session: TuiSession, seek: Seek, live: Live, view: ViewState): Inspected {
  const machine = live.run ? live.run.machine : session.cachedMachine(seek.cursor);
  const selectedPid = session.eventAt(seek.cursor.branch, seek.selSeq)?.pid ?? null;
  const has = (pid: number | null): pid is number => pid !== null && machine !== null && machine.kernel.procs.has(pid);
  const pid = !machine ? view.pidChoice : has(view.pidChoice) ? view.pidChoice : has(selectedPid) ? selectedPid : defaultPid(machine);
  return { machine, pid };
}
