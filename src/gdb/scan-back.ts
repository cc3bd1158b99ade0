/**
 * The backward search under reverse-continue and last-write, as rr does it: the latest probe
 * hit before a position is found by restoring the restore point (snapshot or checkpoint) just
 * before it, running forward to the position recording hits, and keeping the last; when the
 * interval has none, the one before it, down to a floor.
 */
import { runProbed, type ProbeHit, type ProbeSpec } from './execution-probe.js';
import type { ReplayTarget } from './replay-target.js';

/** The latest hit whose instruction is before `before` and at or after `floor`. Leaves the target somewhere in between. */
export function lastHitBefore(target: ReplayTarget, spec: ProbeSpec, before: number, floor: number): ProbeHit | undefined {
  const starts = new Set(target.restorePointsBefore(before - 1).map((p) => Math.max(p, floor)).filter((s) => s < before));
  if (floor < before) starts.add(floor);
  let upper = before;
  for (const start of [...starts].sort((a, b) => b - a)) {
    if (start >= upper) continue;
    target.seek(start);
    let last: ProbeHit | undefined;
    runProbed(target, spec, upper, (h) => {
      if (h.icount < before && h.icount >= floor) last = h;
      return 'continue';
    });
    if (last) return last;
    upper = start;
  }
  return undefined;
}

/** The first hit at or after the target's position (and after `skipAt`'s breakpoint), up to `limit`; the target stops there. */
export function firstHitFrom(target: ReplayTarget, spec: ProbeSpec, limit: number): ProbeHit | undefined {
  return runProbed(target, spec, limit, () => 'stop').stoppedBy;
}
