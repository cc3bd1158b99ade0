/**
 * The two header lines: the file, the branch and where it came from, and the mode (PAUSED,
 * SEEKING, LIVE with its state and speed); then the position: icount, virtual time, timeline
 * position, the focused process and the filter.
 */
import { basename } from 'node:path';
import { Text } from 'ink';
import type { ReactElement } from 'react';
import type { Machine } from '../../core/machine.js';
import type { LiveRun } from '../live-run.js';
import { describeFilter, isEmptyFilter, type Cursor, type TextFilter, type TuiSession } from '../session.js';
import { fit, fmt } from '../text.js';

export interface HeaderProps {
  readonly session: TuiSession;
  readonly cursor: Cursor;
  /** The mode badge (modeLabel). */
  readonly mode: string;
  /** Live: the running machine's icount and the events recorded so far are shown, not the cursor's. */
  readonly live: boolean;
  readonly icount: number;
  readonly machine: Machine | null;
  readonly pid: number | null;
  readonly filter: TextFilter;
  readonly width: number;
  readonly color: boolean;
}

/** The mode badge: what the keys act on now. */
export function modeLabel(live: LiveRun | null, seeking: boolean): string {
  if (seeking) return 'SEEKING';
  if (!live) return 'PAUSED';
  return `LIVE (${live.state}${live.state === 'running' ? `, ${live.mips.toFixed(1)} MIPS` : ''})`;
}

export function Header(p: HeaderProps): ReactElement {
  const { session, cursor } = p;
  const info = session.branchInfo(cursor.branch);
  const length = session.length(cursor.branch);
  const vtime = p.machine ? (p.machine.clock.nowNs(p.machine.icount) / 1e9).toFixed(6) : '?';
  const branch = `branch ${cursor.branch}${info?.label ? ` (${info.label})` : ''}${info?.parent ? ` forked from ${info.parent}@${fmt(info.forkIcount)}` : ''}`;
  // The badge always shows whole: a long path gives way to the file's name.
  const room = p.width - p.mode.length - 3;
  const full = `xrr ${session.file}  ${branch}`;
  const line1 = full.length <= room ? full : `xrr ${basename(session.file)}  ${branch}`;
  const line2 =
    `icount ${fmt(p.icount)}/${fmt(session.endIcount(cursor.branch))}  t=${vtime}s  seq ${fmt(p.live ? length : cursor.seq)}/${fmt(length)}  pid ${p.pid ?? '-'}` +
    (isEmptyFilter(p.filter) ? '' : `  filter ${describeFilter(p.filter)}`);
  return (
    <>
      <Text bold wrap="truncate">
        {fit(line1, room)} <Text inverse={p.color}>[{p.mode}]</Text>
      </Text>
      <Text wrap="truncate">{fit(line2, p.width)}</Text>
    </>
  );
}
