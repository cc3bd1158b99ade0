/**
 * The places the diff view steps through: the first divergence, then every difference of the
 * aligned diff after it (src/diff), each as a point on both timelines. A difference with an
 * event on both sides (a change) puts each side at its own event; one side only (an event the
 * other run did not have) puts the other side at the same instruction count: the two machines
 * side by side at the same moment of their runs, which is what an icount shift keeps close.
 */
import type { DiffReport, EventView } from '../diff/diff-timelines.js';

export interface DiffPoint {
  /** `first divergence`, `changed`, `only in A`, `only in B`. */
  readonly what: string;
  /** The process (or server) the difference belongs to: `pid 12`, `server vfs`, `machine`. */
  readonly track: string;
  readonly a: EventView | null;
  readonly b: EventView | null;
  /** Where each machine is shown: just past the event's instruction (what it did shows), clamped to the side's end. */
  readonly icountA: number;
  readonly icountB: number;
}

/** The process a point's registers are shown for: the track's pid, when it is a process. */
export function pidOfTrack(track: string): number | null {
  const m = /^pid (\d+)$/.exec(track);
  return m ? Number(m[1]) : null;
}

/** Every difference of a report as a point, the first divergence first; none when the runs agree. */
export function diffPoints(report: DiffReport): DiffPoint[] {
  const endA = report.a.lastIcount;
  const endB = report.b.lastIcount;
  const point = (what: string, track: string, a: EventView | null, b: EventView | null): DiffPoint => {
    // The side without an event stands at the other's instruction count.
    const at = a?.icount ?? b?.icount ?? 0;
    const bt = b?.icount ?? a?.icount ?? 0;
    return { what, track, a, b, icountA: Math.min(endA, at + 1), icountB: Math.min(endB, bt + 1) };
  };
  const first = report.firstDivergence;
  if (!first) return [];
  // A process's track before the machine's own (console output): it names whose registers matter.
  const tracks = [first.a?.track, first.b?.track].filter((t): t is string => t !== undefined);
  const points = [point('first divergence', tracks.find((t) => pidOfTrack(t) !== null) ?? tracks[0] ?? 'machine', first.a, first.b)];
  // The aligned diff starts at the divergence: its first differences are the divergence's own events.
  const atDivergence = (d: { a: EventView | null; b: EventView | null }) =>
    (d.a === null || d.a.seq === first.a?.seq) && (d.b === null || d.b.seq === first.b?.seq);
  for (const d of report.aligned?.differences ?? []) {
    if (atDivergence(d)) continue;
    points.push(point(d.change === 'changed' ? 'changed' : d.change === 'only-a' ? 'only in A' : 'only in B', d.track, d.a, d.b));
  }
  return points;
}
