/**
 * The `?` overlay: the keymap's rows (the table the keys dispatch through, keymap.ts) in pages
 * that fit the screen, and a legend of the timeline's and the event list's markers.
 */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { helpRows } from '../keymap.js';

export const KEY_COLUMN = 24;

export interface HelpOverlayProps {
  readonly page: number;
  readonly perPage: number;
  readonly rows: number;
}

export function HelpOverlay(p: HelpOverlayProps): ReactElement {
  const all = helpRows();
  const pages = Math.max(1, Math.ceil(all.length / p.perPage));
  const title = pages > 1 ? `Keys, page ${p.page + 1}/${pages} (Space: next page; any other key closes this help)` : 'Keys (any key closes this help)';
  return (
    <Box flexDirection="column" height={p.rows}>
      <Text bold>{title}</Text>
      {all.slice(p.page * p.perPage, (p.page + 1) * p.perPage).map(([keys, help]) => (
        <Text key={`${keys} ${help}`} wrap="truncate">
          {`  ${keys.padEnd(KEY_COLUMN)} ${help}`}
        </Text>
      ))}
      <Text wrap="truncate">{'  timeline: S snapshot  B bookmark  F fork  X halt/crash  T trap  D divergence  ^ cursor;  event list: > selected  . not yet applied'}</Text>
    </Box>
  );
}
