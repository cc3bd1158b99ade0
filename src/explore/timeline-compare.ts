/**
 * Comparing two timelines of one program event by event: where they part is where a schedule
 * change first made a difference.
 */
import { jsonOfEvent } from '../core/event-json.js';
import type { MachineEvent } from '../core/events.js';

/**
 * Events as comparable text: keys sorted at every depth (an event read back from the journal
 * and one just emitted list their fields in different orders). The seq is left out: a trial has
 * one more input (chaos off) than the run it was forked from, which shifts the seqs after it.
 * A message's bytes are hex text, as in JSON (event-json.ts).
 */
export function eventKey(e: MachineEvent): string {
  const { seq: _seq, ...rest } = jsonOfEvent(e);
  return JSON.stringify(rest, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The first position where the two timelines hold different events (the shorter's length if none). */
export function firstDifference(a: readonly MachineEvent[], b: readonly MachineEvent[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (eventKey(a[i]!) !== eventKey(b[i]!)) return i;
  return n;
}
