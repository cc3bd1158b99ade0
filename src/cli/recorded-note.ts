/**
 * What a live session says when it quits (`npm start`, `xrr tui --new`): where it recorded, how
 * large the file is, and how to get rid of recordings, which pile up otherwise.
 */
import { relative } from 'node:path';
import { humanSize, sizeOnDisk } from './recording-files.js';
import { counted } from './counted.js';

export function recordedNote(file: string, events: number, icount: number): string {
  const rel = relative(process.cwd(), file);
  const shown = rel.startsWith('..') ? file : rel;
  return (
    `xrr: recorded ${counted(events, 'event')}, ${counted(icount, 'instruction')} into ${shown} (${humanSize(sizeOnDisk(file))})\n` +
    `xrr: open it again with xrr tui ${shown}; xrr ls lists recordings, xrr rm FILE and xrr prune --older-than 7d remove them\n`
  );
}
