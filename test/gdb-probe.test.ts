/**
 * The execution probe against the plainest reference: the same stretch of the recording run
 * one instruction at a time, looking at the pc of the process about to run and at the watched
 * bytes after each instruction. Breakpoints in hot and cold code, several hits, all found at
 * the same icounts; a watched variable's writes all found. If the probe let a compiled region
 * run through a breakpoint, or missed a store, the lists would differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbed, type ProbeHit } from '../src/gdb/execution-probe.js';
import { ProcessHistory } from '../src/gdb/process-history.js';
import { openReplayTarget } from '../src/gdb/replay-target.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { SymbolCache } from '../src/symbols/guest-images.js';

let store: SqliteJournalStore;
beforeAll(async () => {
  store = await SqliteJournalStore.open('recordings/sample-vfs-crash.db', { readonly: true, create: false });
});
afterAll(() => store.close());

describe('execution probe', () => {
  it('finds every breakpoint hit and every write a one-instruction-at-a-time run finds', () => {
    const history = new ProcessHistory(store, ROOT_BRANCH);
    const pid = history.lastExeced()!;
    const from = history.get(pid)!.execs.at(-1)!.icount;
    const to = from + 150_000;
    const target = openReplayTarget(store, ROOT_BRANCH);
    target.seek(from);
    const symbols = new SymbolCache().forPath(target.machine, '/bin/forkrace');
    // Hot code (stdio's per-character put, called from printf's loop), calls made once or
    // a few times, and main.
    const breakpoints = new Set(['__bufio_put', 'printf', 'write', 'main', 'fork'].map((n) => symbols.lookup(n)!.address));
    const family = history.family(pid);
    const spec = { watches: (p: number) => family.has(p), breakpoints, writes: [] };

    const probed: ProbeHit[] = [];
    runProbed(target, spec, to, (h) => (probed.push(h), 'continue'));
    expect(target.icount).toBe(to);

    target.seek(from);
    const reference: { icount: number; pc: number; pid: number }[] = [];
    const k = target.machine.kernel;
    for (let guard = 0; target.icount < to && guard < 10_000_000; guard++) {
      const p = k.current;
      if (p && family.has(p.pid) && breakpoints.has(p.pc >>> 0)) reference.push({ icount: target.icount, pc: p.pc >>> 0, pid: p.pid });
      if (target.advance(target.icount + 1) === 'end') break;
    }
    expect(reference.length).toBeGreaterThan(20);
    expect(new Set(reference.map((r) => r.pc)).size).toBeGreaterThanOrEqual(3);
    expect(probed.map((h) => ({ icount: h.icount, pc: h.pc, pid: h.pid }))).toEqual(reference);
  }, 600_000);

  it('finds every write to a watched range, with the icount of the store', () => {
    const history = new ProcessHistory(store, ROOT_BRANCH);
    const pid = history.lastExeced()!;
    const from = history.get(pid)!.execs.at(-1)!.icount;
    const to = from + 60_000;
    const target = openReplayTarget(store, ROOT_BRANCH);
    target.seek(from);
    // The process's stack top, where its calls save registers over and over.
    const sp = target.machine.kernel.procs.get(pid)!.regs[2]! >>> 0;
    const range = { addr: sp - 256, len: 256 };
    const probed: ProbeHit[] = [];
    runProbed(target, { watches: (p) => p === pid, breakpoints: new Set(), writes: [range] }, to, (h) => (probed.push(h), 'continue'));

    // The reference: after each instruction of the process, did any byte of the range change?
    // (A store of an equal value changes nothing; the probe sees it, so the reference is a subset.)
    target.seek(from);
    const k = target.machine.kernel;
    const changed: number[] = [];
    let before = k.procs.get(pid)!.mem.peek(range.addr, range.len)!;
    for (let guard = 0; target.icount < to && guard < 10_000_000; guard++) {
      const at = target.icount;
      const running = k.current?.pid === pid;
      if (target.advance(at + 1) === 'end') break;
      const now = k.procs.get(pid)?.mem.peek(range.addr, range.len);
      if (!now) break;
      if (running && Buffer.compare(Buffer.from(before), Buffer.from(now)) !== 0) changed.push(at);
      before = now;
    }
    expect(changed.length).toBeGreaterThan(10);
    const probedAt = new Set(probed.flatMap((h) => (h.kind === 'write' && h.by === 'store' ? [h.icount] : [])));
    for (const at of changed) expect(probedAt.has(at), `the store at icount ${at}`).toBe(true);
  }, 600_000);
});
