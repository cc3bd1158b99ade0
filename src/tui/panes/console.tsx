/** What the guest printed up to the cursor (everything so far when live), its last lines. */
import type { ReactElement } from 'react';
import type { FrameSlot } from './detail.js';
import { PaneFrame } from './pane-frame.js';

export function ConsolePane(p: FrameSlot & { readonly text: string }): ReactElement {
  const lines = p.text.replace(/\r/g, '').split('\n');
  return <PaneFrame {...p} lines={lines.slice(-Math.max(1, p.rows - 1))} tail />;
}
