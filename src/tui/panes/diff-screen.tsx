/**
 * The diff view: what is compared and the verdict, the difference shown (k of n) with each side's
 * event, both timelines' events around it side by side (`>` the difference's event, `*` every other
 * event that is a difference, `.` events after the machine shown), then both machines' state
 * at the point: the selected process's registers with `*` on each value that differs, and the
 * other facts that differ. Markers are characters, so nothing depends on color.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import type { EventView } from '../../diff/diff-timelines.js';
import type { DiffPoint } from '../diff-points.js';
import { DIFFERS, registersSideBySide } from '../diff-state.js';
import type { DiffViewData } from '../hooks/use-diff-view.js';
import { openerFor } from '../ipc-open.js';
import { eventText, type TuiSession } from '../session.js';
import { fit, fmt } from '../text.js';
import { PaneFrame } from './pane-frame.js';

export interface DiffScreenProps {
  readonly data: DiffViewData;
  readonly sessionA: TuiSession;
  /** The process whose registers are compared. */
  readonly pid: number | null;
  readonly width: number;
  /** Rows above the status line. */
  readonly rows: number;
  readonly color: boolean;
  /** What runs while the machines are being restored. */
  readonly pending: string;
}

function sideLine(side: 'A' | 'B', e: EventView | null, point: DiffPoint): string {
  if (e !== null) return `${side}  seq ${fmt(e.seq)}  icount ${fmt(e.icount)}  ${e.summary}`;
  const icount = side === 'A' ? point.icountA : point.icountB;
  return point.what === 'first divergence' ? `${side}  (ended: no more events)` : `${side}  (no such event: shown at icount ${fmt(icount)})`;
}

/** Whose difference it is: one track, or each side's when they differ (A's console output, B's server crash). */
function trackText(p: DiffPoint): string {
  const a = p.a?.track;
  const b = p.b?.track;
  return a !== undefined && b !== undefined && a !== b ? `A ${a}, B ${b}` : p.track;
}

/** The events of one side around `center`, marked. */
function eventLines(session: TuiSession, side: DiffViewData['a'], point: DiffPoint | undefined, which: 'a' | 'b', marked: ReadonlySet<number>, rows: number): string[] {
  // Each side's messages opened with its own journaled keys (two recordings seal with different ones).
  const open = openerFor(null, session.journaledKeys());
  const own = point?.[which] ?? null;
  const icount = which === 'a' ? point?.icountA : point?.icountB;
  // Centred on the difference's event, else on the side's position at the other's instruction count.
  const center = own?.seq ?? (icount === undefined ? 0 : (session.store.events(side.branch, { fromIcount: icount as never, limit: 1 })[0]?.seq ?? side.length - 1));
  const seqW = String(side.length).length;
  return session.window(side.branch, center, rows).map((e) => {
    const mark = e.seq === own?.seq ? '>' : marked.has(e.seq) ? DIFFERS : icount !== undefined && e.icount >= icount ? '.' : ' ';
    return `${mark}${String(e.seq).padStart(seqW)} ${String(e.icount).padStart(9)} ${eventText(e.event, open)}`;
  });
}

export function DiffScreen(p: DiffScreenProps): ReactElement {
  const { data, width, color } = p;
  const { report, points, index } = data;
  const point = points[index];
  const half = Math.floor((width - 1) / 2);
  const inputs = report.inputs.filter((i) => i.changesBehaviour).map((i) => i.input);
  const head = [
    `xrr diff  A ${report.a.label} (${fmt(report.a.events)} events)  B ${report.b.label} (${fmt(report.b.events)} events)`,
    `verdict ${report.verdict}${inputs.length ? `; inputs differ: ${inputs.join(', ')}` : ''}  ` +
      (point ? `difference ${index + 1}/${points.length}${report.aligned?.omitted ? ` (+${fmt(report.aligned.omitted)} not listed)` : ''}: ${point.what}, ${trackText(point)}` : 'no differences'),
    point ? sideLine('A', point.a, point) : '',
    point ? sideLine('B', point.b, point) : '',
  ];
  const markedA = new Set(points.flatMap((q) => (q.a ? [q.a.seq] : [])));
  const markedB = new Set(points.flatMap((q) => (q.b ? [q.b.seq] : [])));
  const body = Math.max(6, p.rows - head.length);
  const eventRows = Math.max(3, Math.floor(body * 0.4) - 1);
  const stateRows = body - eventRows - 1;
  const perLine = half >= 62 ? 4 : half >= 46 ? 3 : 2;
  const m = data.machines;
  const regs = m ? registersSideBySide(m.a, m.b, p.pid, perLine) : null;
  const stateA = regs ? [`machine at icount ${fmt(m!.a.icount)}`, ...regs.a] : [p.pending];
  const stateB = regs ? [`machine at icount ${fmt(m!.b.icount)}`, ...regs.b] : [p.pending];
  const others = m
    ? [`${DIFFERS} registers: ${regs!.differing.length ? regs!.differing.join(' ') : 'none'} differ;  also: ${m.others.bySection}`, ...m.others.lines.map(String), ...(m.others.total > m.others.lines.length ? [`  ... ${m.others.total - m.others.lines.length} more`] : [])]
    : [];
  const regRows = Math.max(stateA.length, stateB.length) + 1;
  return (
    <Box flexDirection="column" width={width} height={p.rows}>
      {head.map((l, i) => (
        <Text key={i} bold={i === 0} wrap="truncate">
          {fit(l, width)}
        </Text>
      ))}
      <Box flexDirection="row" height={eventRows + 1}>
        <PaneFrame title={`events A ${data.a.label}`} lines={eventLines(p.sessionA, data.a, point, 'a', markedA, eventRows)} width={half} rows={eventRows + 1} color={color} />
        <Box width={1} />
        <PaneFrame title={`events B ${data.b.label}`} lines={eventLines(data.sessionB, data.b, point, 'b', markedB, eventRows)} width={width - half - 1} rows={eventRows + 1} color={color} />
      </Box>
      <Box flexDirection="row" height={Math.min(regRows, stateRows)}>
        <PaneFrame title={`state A, pid ${p.pid ?? '-'} (p: next process)`} lines={stateA} width={half} rows={Math.min(regRows, stateRows)} color={color} />
        <Box width={1} />
        <PaneFrame title={`state B, pid ${p.pid ?? '-'}`} lines={stateB} width={width - half - 1} rows={Math.min(regRows, stateRows)} color={color} />
      </Box>
      <PaneFrame title="what else differs (n / N: next / previous difference, Esc closes)" lines={others} width={width} rows={Math.max(1, stateRows - regRows)} color={color} />
    </Box>
  );
}
