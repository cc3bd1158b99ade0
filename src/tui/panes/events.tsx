/**
 * The event list around the selection (the newest events when live): seq, icount and a line of
 * text per event; `>` marks the selected one and `.` those not yet applied at the cursor. With a
 * filter it lists the matches only.
 */
import type { ReactElement } from 'react';
import type { IpcOpener } from '../ipc-open.js';
import { describeFilter, eventText, isEmptyFilter, type Cursor, type TextFilter, type TuiSession } from '../session.js';
import { fmt } from '../text.js';
import { PaneFrame, type RowMark } from './pane-frame.js';

export interface EventsPaneProps {
  readonly session: TuiSession;
  readonly cursor: Cursor;
  readonly selSeq: number;
  readonly live: boolean;
  readonly filter: TextFilter;
  readonly open: IpcOpener | undefined;
  /** Rows of events (the title not counted). */
  readonly rows: number;
  readonly width: number;
  readonly color: boolean;
}

export function EventsPane(p: EventsPaneProps): ReactElement {
  const { session, cursor } = p;
  const length = session.length(cursor.branch);
  const filtered = !isEmptyFilter(p.filter);
  const center = p.live ? length - 1 : p.selSeq;
  const events = filtered ? session.matchingWindow(cursor.branch, center, p.rows, p.filter) : session.window(cursor.branch, center, p.rows);
  const applied = p.live ? length : cursor.seq;
  const seqW = String(length).length;
  const icW = String(session.endIcount(cursor.branch)).length;
  const lines: string[] = [];
  const marks: RowMark[] = [];
  for (const e of events) {
    const done = e.seq < applied;
    const mark = e.seq === p.selSeq ? '>' : done ? ' ' : '.';
    lines.push(`${mark}${String(e.seq).padStart(seqW)} ${String(e.icount).padStart(icW)} ${eventText(e.event, p.open)}`);
    marks.push(e.seq === p.selSeq ? 'sel' : done ? '' : 'dim');
  }
  const title = filtered ? `events matching ${describeFilter(p.filter)}` : `events ${fmt(length)}`;
  return <PaneFrame title={title} lines={lines} width={p.width} rows={p.rows + 1} color={p.color} highlight={marks} />;
}
