/**
 * "Where did this value come from": the last write to an address of a process before a
 * position, and the next one after it (a reverse watchpoint over the journal's snapshots, as
 * Pernosco's dataflow or WinDbg TTD's memory queries answer). The instruction that wrote
 * (icount, pc, function), the process (the parent's writes count for a forked child's copy of
 * its memory, up to the fork) and, when the kernel wrote on a process's behalf, the syscall
 * (a `read` into the buffer is the write).
 *
 * The TUI's memory pane and `xrr state --at T --last-write ADDR` call `findLastWrite`.
 */
import type { Machine } from '../core/machine.js';
import { hexAddr } from '../protocol/hex.js';
import type { BranchId, Icount } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { SymbolCache } from '../symbols/guest-images.js';
import { recordingDebugFiles } from '../timeline/recording-debug-files.js';
import type { ProbeHit, ProbeSpec } from './execution-probe.js';
import { ProcessHistory } from './process-history.js';
import { openReplayTarget, type ReplayTarget } from './replay-target.js';
import { firstHitFrom, lastHitBefore } from './scan-back.js';

export interface LastWriteQuery {
  readonly pid: number;
  readonly addr: number;
  /** Bytes from addr (default 1). */
  readonly len?: number;
  /** The cursor: writes before it are "last", at or after it "next". */
  readonly at: number;
}

export interface WriteRecord {
  /** The position just before the write: the writing instruction's icount. */
  readonly icount: number;
  readonly pid: number;
  readonly pc: number;
  /** The bytes of the query's range it wrote. */
  readonly addr: number;
  readonly len: number;
  readonly by: 'store' | 'kernel';
  /** For a kernel write: the process's syscall that did it. */
  readonly syscall?: { readonly name: string; readonly nr: number; readonly args: readonly number[]; readonly icount: number };
  /** `function+0x1c` in the image the writer ran, when it has symbols. */
  readonly where?: string;
}

export interface WriteFindings {
  readonly query: LastWriteQuery;
  readonly before: WriteRecord | undefined;
  readonly after: WriteRecord | undefined;
}

/** The last write before the cursor and the next after it, on an open replay target (moved). */
export function findWrites(target: ReplayTarget, history: ProcessHistory, q: LastWriteQuery): WriteFindings {
  const symbols = new SymbolCache(recordingDebugFiles(target.store));
  const len = Math.max(1, q.len ?? 1);
  const range = [{ addr: q.addr >>> 0, len }];
  const lineage = history.memoryLineage(q.pid, q.at);
  const backSpec: ProbeSpec = {
    watches: (pid, icount) => lineage.some((l) => l.pid === pid && icount >= l.from && icount <= l.to),
    breakpoints: new Set(),
    writes: range,
  };
  const floor = Math.max(target.firstIcount, Math.min(...lineage.map((l) => l.from)));
  const beforeHit = lastHitBefore(target, backSpec, q.at, floor);
  const before = beforeHit ? recordOf(beforeHit, target, history, symbols) : undefined;
  target.seek(q.at);
  const afterHit = firstHitFrom(target, { watches: (pid) => pid === q.pid, breakpoints: new Set(), writes: range }, target.lastIcount);
  const after = afterHit ? recordOf(afterHit, target, history, symbols) : undefined;
  return { query: q, before, after };
}

/** `findWrites` on a recording: opens a replay of `branch` for the one question. */
export function findLastWrite(store: JournalStore, branch: BranchId, q: LastWriteQuery): WriteFindings {
  return findWrites(openReplayTarget(store, branch), new ProcessHistory(store, branch), q);
}

function recordOf(h: ProbeHit, target: ReplayTarget, history: ProcessHistory, symbols: SymbolCache): WriteRecord | undefined {
  if (h.kind === 'breakpoint') return undefined;
  let syscall: WriteRecord['syscall'];
  if (h.by === 'kernel') {
    const e = target.store.events(target.branch, { pid: h.pid, kinds: ['syscall'], toIcount: h.at as Icount, order: 'desc', limit: 1 })[0];
    if (e?.event.kind === 'syscall') syscall = { name: e.event.name, nr: e.event.nr, args: e.event.args, icount: e.icount };
  }
  const path = history.imagePathAt(h.pid, h.icount);
  const where = path ? symbols.forPath(target.machine, path).locate(h.pc) : undefined;
  return {
    icount: h.icount, pid: h.pid, pc: h.pc, addr: h.addr, len: h.len, by: h.by, syscall,
    where: where ? (where.offset === 0 ? where.symbol.name : `${where.symbol.name}+0x${where.offset.toString(16)}`) : undefined,
  };
}

function describeOne(label: string, w: WriteRecord | undefined): string {
  if (!w) return `${label}: none`;
  const what = w.by === 'kernel' && w.syscall
    ? `syscall ${w.syscall.name}(${w.syscall.args.slice(0, 3).map(hexAddr).join(', ')}) entered at icount ${w.syscall.icount}`
    : `store at pc ${hexAddr(w.pc)}${w.where ? ` (${w.where})` : ''}`;
  return `${label}: icount ${w.icount}, pid ${w.pid}, ${what}, wrote ${w.len} byte${w.len === 1 ? '' : 's'} at ${hexAddr(w.addr)}`;
}

/** The findings as text, with the bytes at the address now (`xrr state --last-write`, `monitor last-write`). */
export function describeWrite(f: WriteFindings, machineAtCursor: Machine | undefined): string {
  const q = f.query;
  const bytes = machineAtCursor?.kernel.procs.get(q.pid)?.mem.peek(q.addr >>> 0, Math.max(1, q.len ?? 1));
  const value = bytes ? ` (bytes now: ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')})` : '';
  return [
    `pid ${q.pid} address ${hexAddr(q.addr)} at icount ${q.at}${value}`,
    describeOne('  last write before', f.before),
    describeOne('  next write after ', f.after),
  ].join('\n');
}

/** `xrr state FILE --at T --last-write ADDR [--pid P]`: the text the state command prints. */
export function lastWriteReport(store: JournalStore, branch: BranchId, at: number, addr: number, pid?: number): string {
  const target = openReplayTarget(store, branch);
  const history = new ProcessHistory(store, branch);
  target.seek(at);
  const who = pid ?? target.machine.kernel.current?.pid;
  if (who === undefined) throw new Error('--last-write needs --pid P: no process runs at that icount');
  if (!target.machine.kernel.procs.has(who)) throw new Error(`process ${who} does not exist at icount ${at}`);
  const f = findWrites(target, history, { pid: who, addr, at });
  target.seek(at);
  return describeWrite(f, target.machine);
}

/** An address as a user types it: hex with 0x, or decimal; a RangeError says what is wrong. */
export function parseGuestAddress(text: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]{1,8}$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d{1,10}$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`not a 32-bit guest address: ${JSON.stringify(text)}`);
  return n;
}
