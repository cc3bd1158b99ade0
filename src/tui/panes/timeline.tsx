/**
 * The timeline: a sparkline of event density across the branch, and under it the markers
 * (S snapshot, B bookmark, F fork, X halt/crash, T trap, D divergence) with `^` at the cursor.
 */
import { Text } from 'ink';
import type { ReactElement } from 'react';
import type { BranchId } from '../../journal/ids.js';
import type { TuiSession } from '../session.js';

export interface TimelineProps {
  readonly session: TuiSession;
  readonly branch: BranchId;
  readonly icount: number;
  readonly width: number;
  readonly color: boolean;
}

export function Timeline(p: TimelineProps): ReactElement {
  const tl = p.session.timeline(p.branch, p.width - 2);
  const col = Math.min(p.width - 3, Math.max(0, Math.floor((p.icount / tl.end) * (p.width - 2))));
  const marks = tl.marks.slice(0, col) + '^' + tl.marks.slice(col + 1);
  return (
    <>
      <Text color={p.color ? 'cyan' : undefined} wrap="truncate">
        {'|' + tl.spark + '|'}
      </Text>
      <Text wrap="truncate">{' ' + marks}</Text>
    </>
  );
}
