/** Every field of the selected event, an IPC message decoded field by field (event-detail.ts). */
import type { ReactElement } from 'react';
import type { StoredEvent } from '../../journal/store.js';
import type { IpcOpener } from '../ipc-open.js';
import { eventDetailLines, type DetailSymbols } from '../event-detail.js';
import { PaneFrame, type FrameSlot } from './pane-frame.js';

export function DetailPane(p: FrameSlot & { readonly event: StoredEvent | null; readonly open: IpcOpener | undefined; readonly symbols?: DetailSymbols }): ReactElement {
  const lines = p.event ? eventDetailLines(p.event.event, p.event.seq, p.open, p.symbols) : ['no event selected'];
  return <PaneFrame {...p} lines={lines} />;
}
