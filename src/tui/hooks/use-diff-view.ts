/**
 * The diff view of two timelines (`xrr tui --diff A B`, or two branches picked with `d`): the
 * diff is computed once (src/diff: first divergence, aligned differences), and the view steps
 * through its points. Side A is the UI's own timeline: its cursor follows the view, so closing
 * the view leaves it at the difference last shown. Side B's machine comes from a session of its
 * own (its own file, or the same one for two branches). Every computation runs as a move, so
 * the frame says what runs and a newer key replaces a stale one.
 */
import { useCallback, useRef, useState } from 'react';
import type { Machine } from '../../core/machine.js';
import { diffTimelines, type DiffReport } from '../../diff/diff-timelines.js';
import type { DiffSide } from '../../diff/side.js';
import { diffPoints, type DiffPoint } from '../diff-points.js';
import { otherDifferences } from '../diff-state.js';
import { CancelledError, TuiSession } from '../session.js';
import { fmt } from '../text.js';
import type { Seek } from './use-seek.js';

export interface DiffMachines {
  readonly a: Machine;
  readonly b: Machine;
  /** Differences besides registers (computed once a point: it reads every page and file). */
  readonly others: { readonly lines: readonly string[]; readonly total: number; readonly bySection: string };
}

export interface DiffViewData {
  readonly a: DiffSide;
  readonly b: DiffSide;
  readonly sessionB: TuiSession;
  readonly report: DiffReport;
  readonly points: readonly DiffPoint[];
  readonly index: number;
  /** Both machines at the point shown (null until restored). */
  readonly machines: DiffMachines | null;
}

export interface DiffView {
  readonly data: DiffViewData | null;
  /** Compare two timelines and show the first divergence. */
  open(a: DiffSide, b: DiffSide): void;
  /** The next (1) or previous (-1) difference. */
  step(dir: 1 | -1): void;
  close(): void;
}

/** Other differences listed under the registers. */
const OTHERS_LISTED = 12;

export function useDiffView(session: TuiSession, seek: Seek, say: (message: string) => void): DiffView {
  const [data, setDataState] = useState<DiffViewData | null>(null);
  const dataRef = useRef<DiffViewData | null>(null);
  /** The point the view is going to: keys pressed before it is shown count from it. */
  const heading = useRef(0);
  const setData = useCallback((d: DiffViewData | null) => {
    dataRef.current = d;
    setDataState(d);
  }, []);

  /** Restores both machines at point `index` (side A as the UI's cursor). */
  const show = useCallback(
    async (d: DiffViewData, index: number, signal: AbortSignal) => {
      const p = d.points[index];
      if (!p) return setData({ ...d, index, machines: null });
      setData({ ...d, index, machines: null });
      const note = `difference ${index + 1}/${d.points.length}: ${p.what} (${p.track})`;
      await seek.seekNow(d.a.branch, p.icountA, signal, p.a?.seq, note);
      const ma = (await session.machineAtAsync(d.a.branch, p.icountA, signal)).machine;
      const mb = (await d.sessionB.machineAtAsync(d.b.branch, p.icountB, signal)).machine;
      if (signal.aborted) throw new CancelledError();
      setData({ ...d, index, machines: { a: ma, b: mb, others: otherDifferences(ma, mb, OTHERS_LISTED) } });
    },
    [seek, session, setData],
  );

  const open = useCallback(
    (a: DiffSide, b: DiffSide) => {
      seek.move({
        label: `comparing ${a.label} with ${b.label}...`,
        run: async (signal) => {
          const report = diffTimelines(a, b, { state: false });
          const points = diffPoints(report);
          const sessionB = b.store === session.store ? session : new TuiSession(b.store, b.file);
          const d: DiffViewData = { a, b, sessionB, report, points, index: 0, machines: null };
          heading.current = 0;
          if (points.length === 0) {
            setData(d);
            return say(`the two timelines are ${report.verdict}: no difference to step through`);
          }
          await show(d, 0, signal);
        },
      });
    },
    [seek, session, say, setData, show],
  );

  const step = useCallback(
    (dir: 1 | -1) => {
      const d = dataRef.current;
      if (!d) return;
      const to = heading.current + dir;
      if (to < 0 || to >= d.points.length) return say(`no ${dir === 1 ? 'next' : 'previous'} difference (${d.points.length} in all${d.report.aligned?.omitted ? `, ${fmt(d.report.aligned.omitted)} more not listed` : ''})`);
      heading.current = to;
      seek.move({ label: `difference ${to + 1}/${d.points.length}: restoring both machines...`, run: (signal) => show(d, to, signal) });
    },
    [seek, say, show],
  );

  const close = useCallback(() => {
    seek.cancel();
    setData(null);
  }, [seek, setData]);

  return { data, open, step, close };
}
