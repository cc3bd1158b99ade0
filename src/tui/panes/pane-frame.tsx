/**
 * A titled box of lines, cut to its width and height: every pane draws through it. `tail` keeps
 * the last lines (the console scrolls); `highlight` marks a row as selected (inverse) or not yet
 * applied (dim), and both are characters in the text too, so nothing depends on color.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { fit } from '../text.js';

export type RowMark = 'sel' | 'dim' | '';

/** Where a pane goes: its title (a tab bar for the cycled pane), width and rows (the title's included). */
export interface FrameSlot {
  readonly title: string;
  readonly width: number;
  readonly rows: number;
  readonly color: boolean;
}

export interface PaneFrameProps {
  readonly title: string;
  readonly lines: readonly string[];
  readonly width: number;
  /** Rows including the title's. */
  readonly rows: number;
  readonly color: boolean;
  readonly highlight?: readonly RowMark[];
  readonly tail?: boolean;
}

export function PaneFrame(p: PaneFrameProps): ReactElement {
  const body = Math.max(0, p.rows - 1);
  const shown = p.tail ? p.lines.slice(-body || p.lines.length) : p.lines.slice(0, body);
  return (
    <Box flexDirection="column" width={p.width} height={p.rows}>
      <Text bold underline={p.color} wrap="truncate">
        {fit(`-- ${p.title} `, p.width).replace(/ +$/, (s) => '-'.repeat(s.length))}
      </Text>
      {shown.map((l, i) => {
        const h = p.highlight?.[i];
        return (
          <Text key={i} wrap="truncate" inverse={p.color && h === 'sel'} dimColor={p.color && h === 'dim'}>
            {fit(l, p.width)}
          </Text>
        );
      })}
    </Box>
  );
}
