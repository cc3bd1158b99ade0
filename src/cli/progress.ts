/** Progress bars on standard error for long commands (replay, seek, verify); nothing when it is not a terminal. */
import type { BranchId, Icount } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';

export function progressLine(label: string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (!process.stderr.isTTY) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
    process.stderr.write(`\r${label} [${bar}] ${pct}%`);
    if (done >= total) process.stderr.write('\n');
  };
}

/** A progress line for a seek to `at`: from the snapshot it starts at to the target. */
export function seekProgress(store: JournalStore, branch: BranchId, at: number): (icount: number) => void {
  const from = store.nearestSnapshot(branch, at as Icount)?.icount ?? 0;
  const bar = progressLine(`seeking to ${at}`);
  return (icount) => bar(icount - from, at - from);
}
