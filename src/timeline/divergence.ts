/**
 * Where a replayed machine and its recording disagree. Every replay (`xrr replay`, a seek, the
 * TUI's runs, a fork's seek) gives this one answer, in one of two shapes:
 * - the machine emitted an event that is not the recorded one (`actual` is that event);
 * - the machine cannot go on (it waits for input that the recording does not give it there,
 *   or it halted) while the recording has more events: `actual` is null.
 */
import { eventJsonText } from '../core/event-json.js';
import type { MachineEvent } from '../core/events.js';

export interface Divergence {
  /** Position in the branch's timeline of the recorded event that did not happen. */
  readonly seq: number;
  /** The recorded event (null only if the row could not be read back). */
  readonly expected: MachineEvent | null;
  /** What the machine did instead: an event, or null when it could not go on. */
  readonly actual: MachineEvent | null;
  /** The icount the replayed machine had reached. */
  readonly icount: number;
}

export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  constructor(readonly divergence: Divergence) {
    super(describeDivergence(divergence));
  }
}

export function describeDivergence(d: Divergence): string {
  const actual = d.actual ? eventJsonText(d.actual) : `nothing: the machine could not go on at icount ${d.icount}`;
  return `replay diverged at event ${d.seq}: expected ${eventJsonText(d.expected)}, got ${actual}`;
}
