/** The branch tree with each branch's bookmarks; `*` marks the cursor's branch. */
import type { ReactElement } from 'react';
import type { BranchId } from '../../journal/ids.js';
import type { TuiSession } from '../session.js';
import { PaneFrame, type FrameSlot } from './pane-frame.js';

export function BranchesPane(p: FrameSlot & { readonly session: TuiSession; readonly branch: BranchId }): ReactElement {
  return <PaneFrame {...p} lines={p.session.branchLines(p.branch)} />;
}
