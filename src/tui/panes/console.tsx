/**
 * What the guest printed up to the cursor (everything so far when live): its last lines, long
 * ones wrapped at the pane's width as a terminal would, so the newest output is always on screen.
 */
import type { ReactElement } from 'react';
import { PaneFrame, type FrameSlot } from './pane-frame.js';

/** `text` as the screen lines of a terminal `width` columns wide. */
export function consoleRows(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const line of text.replace(/\r/g, '').split('\n')) {
    if (line.length <= w) out.push(line);
    else for (let i = 0; i < line.length; i += w) out.push(line.slice(i, i + w));
  }
  return out;
}

export function ConsolePane(p: FrameSlot & { readonly text: string }): ReactElement {
  return <PaneFrame {...p} lines={consoleRows(p.text, p.width).slice(-Math.max(1, p.rows - 1))} tail />;
}
