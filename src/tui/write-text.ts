/**
 * One line for a write the memory pane's `w` / `W` found (src/gdb/last-write.ts): when, which
 * process, and what wrote: a store instruction (its pc and function) or the kernel on behalf of
 * a syscall (a `read` into the buffer is the write).
 */
import type { WriteRecord } from '../gdb/last-write.js';
import { hexAddr } from '../protocol/hex.js';
import { fmt } from './text.js';

export function writeText(w: WriteRecord): string {
  const what =
    w.by === 'kernel'
      ? `by the kernel in syscall ${w.syscall ? `${w.syscall.name}(${w.syscall.args.slice(0, 3).map(hexAddr).join(', ')}) entered at icount ${fmt(w.syscall.icount)}` : '(unknown)'}`
      : `store at pc ${hexAddr(w.pc)}${w.where ? ` (${w.where})` : ''}`;
  return `icount ${fmt(w.icount)}, pid ${w.pid}, ${what}, ${w.len} byte${w.len === 1 ? '' : 's'} at ${hexAddr(w.addr)}`;
}
