/**
 * The diff's one call into the time-travel engine: the machine of a timeline at an icount,
 * restored from the nearest snapshot and replayed (every event checked on the way). Everything
 * else of src/diff reads the journal only.
 */
import type { Machine } from '../core/machine.js';
import { seek } from '../timeline/replay.js';
import type { DiffSide } from './side.js';

export function machineAt(side: DiffSide, icount: number): Machine {
  return seek(side.store, side.branch, icount).machine;
}
