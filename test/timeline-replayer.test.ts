/**
 * The timeline's Replayer on real recordings: stepping by instruction, by event and to a
 * predicate (an event, a breakpoint) lands on exactly the machine a straight run reaches; a
 * watch stops right after the store, or the system call, that changed the watched bytes; the
 * end of a recording is one answer; and a divergence (a tampered row, a different input, a
 * machine that stalls while the recording has more events) is the same answer from replay(),
 * the Replayer and the TUI session's forward runs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../src/core/decode.js';
import type { Machine } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import type { JournalStore, StoredEvent } from '../src/journal/store.js';
import { DivergenceError, type Divergence } from '../src/timeline/divergence.js';
import { replay, seek } from '../src/timeline/replay.js';
import { Replayer } from '../src/timeline/replayer.js';
import { lastStopBefore } from '../src/timeline/reverse.js';
import { TuiSession } from '../src/tui/session.js';
import { A0, A1, addi, DATA_BASE, exitWith, linkProgram, S0 } from './support/guest-asm.js';
import { recordRun, stateHash, straightTo, type TestRun } from './support/recording.js';
import { li, store as storeInsn } from './support/rv-encode.js';

const SHELL: TestRun = { seed: 0, input: ['ls /bin\n', 'forkrace\n', 'echo done | cat\n'] };

let rec: { store: JournalStore; machine: Machine; output: string };

beforeAll(async () => {
  rec = await recordRun(SHELL);
});

/** A copy of `store`'s recording whose events are `edit`ed (the boot snapshot kept). */
async function forged(store: JournalStore, edit: (events: StoredEvent[]) => StoredEvent['event'][]): Promise<JournalStore> {
  const copy = await MemoryJournalStore.create();
  copy.createRecording(store.getRecording()!);
  copy.append(ROOT_BRANCH, edit(store.events(ROOT_BRANCH)));
  const snap = store.listSnapshots(ROOT_BRANCH)[0]!;
  for (const h of store.snapshotPages(snap.id)) copy.putPage(store.getPage(h)!);
  copy.putSnapshot({ branch: ROOT_BRANCH, icount: snap.icount, seq: snap.seq, state: store.loadSnapshotState(snap.id), pages: store.snapshotPages(snap.id) });
  copy.flush();
  return copy;
}

/** The divergence each way of replaying reports: replay() (what `xrr replay` runs), a Replayer, and the TUI session's seek. */
function divergenceEachWay(store: JournalStore): { replay: Divergence; replayer: Divergence; tui: Divergence } {
  const caught = (f: () => unknown): Divergence => {
    try {
      f();
    } catch (e) {
      if (e instanceof DivergenceError) return e.divergence;
      throw e;
    }
    throw new Error('no divergence');
  };
  const end = store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!.icount;
  const r = Replayer.atSnapshot(store, ROOT_BRANCH, store.listSnapshots(ROOT_BRANCH)[0]!).runUntil();
  if (r.kind !== 'divergence') throw new Error(`the Replayer says ${r.kind}`);
  return {
    replay: caught(() => replay(store, ROOT_BRANCH, { from: 0 })),
    replayer: r.divergence,
    tui: caught(() => new TuiSession(store, 'forged.db', 0).machineAt(ROOT_BRANCH, end)),
  };
}

describe('stepping', () => {
  it('by instruction lands on the state of a straight run, one instruction at a time', () => {
    const from = 4_000_000 - 40;
    const r = Replayer.near(rec.store, ROOT_BRANCH, from);
    expect(r.runUntil({ kind: 'icount', icount: from })).toMatchObject({ kind: 'stopped' });
    for (let i = 1; i <= 40; i++) {
      expect(r.stepInstruction()).toMatchObject({ kind: 'stopped', at: { kind: 'icount' } });
      expect(r.icount).toBe(from + i);
    }
    expect(stateHash(r.machine)).toBe(stateHash(straightTo(SHELL, from + 40)));
  });

  it('by event moves the timeline position on and lands where a seek to that icount does', () => {
    const r = Replayer.near(rec.store, ROOT_BRANCH, 2_000_000);
    r.runUntil({ kind: 'icount', icount: 2_000_000 });
    for (let i = 0; i < 25; i++) {
      const before = r.seq;
      expect(r.stepEvent()).toMatchObject({ kind: 'stopped', at: { kind: 'seq' } });
      expect(r.seq).toBeGreaterThan(before);
      const applied = rec.store.eventAt(ROOT_BRANCH, (r.seq - 1) as never)!;
      expect(applied.icount).toBe(r.icount); // the last event applied is at the boundary it stopped on
    }
    const s = seek(rec.store, ROOT_BRANCH, r.icount);
    expect(s.seq).toBe(r.seq);
    expect(stateHash(r.machine)).toBe(stateHash(straightTo(SHELL, r.icount)));
  });

  it('to an event predicate stops on the boundary of the first matching event', () => {
    const fork = rec.store.events(ROOT_BRANCH, { kinds: ['fork'] })[0]!;
    const r = Replayer.atSnapshot(rec.store, ROOT_BRANCH, rec.store.listSnapshots(ROOT_BRANCH)[0]!);
    const out = r.runUntil([{ kind: 'event', test: (e) => e.kind === 'fork' }, { kind: 'icount', icount: Number.MAX_SAFE_INTEGER }]);
    expect(out).toMatchObject({ kind: 'stopped', at: { kind: 'event' }, event: { kind: 'fork', child: (fork.event as { child: number }).child } });
    expect(r.icount).toBe(fork.icount);
    expect(r.seq).toBeGreaterThan(fork.seq);
    expect(stateHash(r.machine)).toBe(stateHash(straightTo(SHELL, fork.icount)));
  });

  it('to a breakpoint stops with the process about to execute it', () => {
    // The next system call of the shell after a point: its ecall is the instruction before the pc it returns to.
    const sh = 11;
    const start = rec.store.events(ROOT_BRANCH, { kinds: ['syscall'], pid: sh, fromIcount: 3_000_000 as never, limit: 2 });
    const [first, second] = start;
    const atCall = seek(rec.store, ROOT_BRANCH, second!.icount).machine.kernel.procs.get(sh)!;
    const ecallPc = (atCall.pc - 4) >>> 0;
    const r = Replayer.near(rec.store, ROOT_BRANCH, first!.icount);
    r.runUntil({ kind: 'icount', icount: first!.icount });
    const out = r.runUntil({ kind: 'breakpoint', pid: sh, pc: ecallPc });
    expect(out).toMatchObject({ kind: 'stopped', at: { kind: 'breakpoint' } });
    const p = r.machine.kernel.procs.get(sh)!;
    expect(p.pc >>> 0).toBe(ecallPc);
    expect(r.icount).toBeGreaterThan(first!.icount);
    expect(r.icount).toBeLessThan(second!.icount);
    expect(stateHash(r.machine)).toBe(stateHash(straightTo(SHELL, r.icount)));
    // Reverse-continue from the second call finds the same instruction, the last time the shell was there.
    const back = lastStopBefore(rec.store, ROOT_BRANCH, second!.icount, { kind: 'breakpoint', pid: sh, pc: ecallPc })!;
    expect(back.icount).toBe(r.icount);
    expect(back.replayer.machine.kernel.procs.get(sh)!.pc >>> 0).toBe(ecallPc);
  });
});

describe('breakpoints in a waiting process', () => {
  it('run at full speed while it waits, and stop where a straight run has it about to execute the breakpoint', () => {
    // The two system calls of the shell furthest apart: it waits in the first (for a child, or
    // for input) while others run; the breakpoint is the ecall of the second.
    const sh = 11;
    const calls = rec.store.events(ROOT_BRANCH, { kinds: ['syscall'], pid: sh });
    let widest = 1;
    for (let i = 1; i < calls.length; i++) if (calls[i]!.icount - calls[i - 1]!.icount > calls[widest]!.icount - calls[widest - 1]!.icount) widest = i;
    const [wait, next] = [calls[widest - 1]!, calls[widest]!];
    expect(next.icount - wait.icount).toBeGreaterThan(100_000);
    const pcAfter = seek(rec.store, ROOT_BRANCH, next.icount).machine.kernel.procs.get(sh)!.pc;
    const ecallPc = (pcAfter - 4) >>> 0;
    const r = Replayer.near(rec.store, ROOT_BRANCH, wait.icount);
    r.runUntil({ kind: 'icount', icount: wait.icount });
    expect(r.machine.kernel.procs.get(sh)!.state).toBe('blocked');
    const out = r.runUntil({ kind: 'breakpoint', pid: sh, pc: ecallPc });
    expect(out).toMatchObject({ kind: 'stopped', at: { kind: 'breakpoint' } });
    expect(r.icount).toBeLessThan(next.icount);
    expect(r.icount).toBeGreaterThan(wait.icount);
    expect(stateHash(r.machine)).toBe(stateHash(straightTo(SHELL, r.icount)));
  });
});

describe('watching memory', () => {
  /** A program that counts down 120,000 times (longer than a watch's slice), stores a word, counts again, exits. */
  const VALUE = 0x5eed_f00d;
  const TARGET = DATA_BASE + 8;
  const countdown = (label: string) => [...li(S0, 120_000), { label }, addi(S0, S0, -1), { branch: 'bne' as const, rs1: S0, rs2: 0, to: label }];
  const program = linkProgram([...countdown('a'), ...li(A0, TARGET), ...li(A1, VALUE | 0), storeInsn('sw', A1, A0, 0), ...countdown('b'), exitWith(0)]);
  const WRITER: TestRun = { seed: 3, input: [], initArgv: ['/tmp/writer'], files: { '/tmp/writer': program } };

  it('stops right after the store that changed the watched bytes', async () => {
    const { store } = await recordRun(WRITER);
    const r = Replayer.atSnapshot(store, ROOT_BRANCH, store.listSnapshots(ROOT_BRANCH)[0]!);
    const out = r.runUntil({ kind: 'watch', pid: 1, addr: TARGET, length: 4 });
    expect(out).toMatchObject({ kind: 'stopped', at: { kind: 'watch' } });
    if (out.kind !== 'stopped') return;
    expect(Buffer.from(out.before!).readUInt32LE(0)).toBe(0);
    expect(Buffer.from(out.after!).readUInt32LE(0)).toBe(VALUE);
    // The instruction just executed is the store, and a straight run one instruction earlier had not written yet.
    const p = r.machine.kernel.procs.get(1)!;
    const bytes = p.mem.peek((p.pc - 4) >>> 0, 4)!;
    expect(decode(bytes[0]! | (bytes[1]! << 8), bytes[2]! | (bytes[3]! << 8)).op).toBe('sw');
    const peekAt = (icount: number) => Buffer.from(straightTo(WRITER, icount).kernel.procs.get(1)!.mem.peek(TARGET, 4)!).readUInt32LE(0);
    expect(peekAt(r.icount - 1)).toBe(0);
    expect(peekAt(r.icount)).toBe(VALUE);
    expect(r.icount).toBeGreaterThan(240_000);
    // It goes on from there like any run: nothing writes the word again, and it is gone when the process exits.
    const gone = r.runUntil({ kind: 'watch', pid: 1, addr: TARGET, length: 4 });
    expect(gone).toMatchObject({ kind: 'stopped', after: undefined });
    expect(r.machine.kernel.procs.has(1)).toBe(false);
    expect(r.runUntil()).toEqual({ kind: 'end' });
  });

  it('backwards: the last write before a later point is the store a forward watch stops at, across snapshots', async () => {
    const { store } = await recordRun(WRITER, 100_000); // a snapshot every 100,000 instructions
    const watch = { kind: 'watch', pid: 1, addr: TARGET, length: 4 } as const;
    const forward = Replayer.atSnapshot(store, ROOT_BRANCH, store.listSnapshots(ROOT_BRANCH)[0]!);
    expect(forward.runUntil(watch)).toMatchObject({ kind: 'stopped' });
    const later = forward.icount + 150_000; // two snapshots further on, still before the exit
    const last = lastStopBefore(store, ROOT_BRANCH, later, watch)!;
    expect(last.icount).toBe(forward.icount);
    expect(last.seq).toBe(forward.seq);
    expect(stateHash(last.replayer.machine)).toBe(stateHash(forward.machine));
    expect(lastStopBefore(store, ROOT_BRANCH, forward.icount, watch)).toBeNull(); // strictly before: nothing wrote it earlier
  });

  it('a read(2) into a buffer is a write, stopped right after the system call that did it', () => {
    // The shell's read of its second command line: the buffer is the read's second argument.
    const inputs = rec.store.events(ROOT_BRANCH, { kinds: ['console-input'] });
    const second = inputs[1]!;
    const read = rec.store.previousEvent(ROOT_BRANCH, second.seq, { kinds: ['syscall'], pid: 11 })!;
    const buf = (read.event as { args: readonly number[] }).args[1]!;
    const r = Replayer.near(rec.store, ROOT_BRANCH, read.icount);
    r.runUntil({ kind: 'icount', icount: read.icount });
    const out = r.runUntil({ kind: 'watch', pid: 11, addr: buf, length: 9 });
    expect(out).toMatchObject({ kind: 'stopped', at: { kind: 'watch' } });
    if (out.kind !== 'stopped') return;
    expect(Buffer.from(out.after!).toString('latin1')).toBe('forkrace\n');
    // The line arrived with the input at the icount the shell waited at: the stop is right after it went in.
    expect(r.icount).toBe(second.icount);
    expect(r.seq).toBeGreaterThan(second.seq);
    const straight = straightTo(SHELL, r.icount, { inputsAtEnd: true });
    expect(Buffer.from(straight.kernel.procs.get(11)!.mem.peek(buf, 9)!).toString('latin1')).toBe('forkrace\n');
    expect(stateHash(r.machine)).toBe(stateHash(straight));
  });
});

describe('the edges of a recording', () => {
  it('the end of the recording is one answer: every event applied, at the last event', () => {
    const last = rec.store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!;
    const r = Replayer.atSnapshot(rec.store, ROOT_BRANCH, rec.store.listSnapshots(ROOT_BRANCH)[0]!);
    expect(r.runUntil()).toEqual({ kind: 'end' });
    expect(r.seq).toBe(rec.store.branchLength(ROOT_BRANCH));
    expect(r.icount).toBe(last.icount);
    expect(stateHash(r.machine)).toBe(stateHash(rec.machine));
    // Asked for more, it stays there and says so again.
    expect(r.runUntil({ kind: 'icount', icount: last.icount + 1_000_000 })).toEqual({ kind: 'end' });
    expect(r.icount).toBe(last.icount);
    // A seek past the end lands there too, through replay() and the TUI alike.
    expect(seek(rec.store, ROOT_BRANCH, last.icount + 5_000_000).machine.icount).toBe(last.icount);
    expect(new TuiSession(rec.store, 'x.db', 0).machineAt(ROOT_BRANCH, last.icount + 5_000_000).machine.icount).toBe(last.icount);
  });

  it('a tampered row is the same divergence through replay, the Replayer and the TUI session', async () => {
    const victim = rec.store.events(ROOT_BRANCH).find((e) => e.kind === 'syscall-return' && e.icount > 3_000_000)!;
    const store = await forged(rec.store, (events) => events.map((e) => (e.seq === victim.seq ? ({ ...e.event, result: 4242 } as StoredEvent['event']) : e.event)));
    const d = divergenceEachWay(store);
    expect(d.replay).toEqual(d.replayer);
    expect(d.tui).toEqual(d.replayer);
    expect(d.replay.seq).toBe(victim.seq);
    expect(d.replay.expected).toMatchObject({ kind: 'syscall-return', result: 4242 });
    expect(d.replay.actual).toMatchObject({ kind: 'syscall-return' });
  });

  it('a different input fed back is the same divergence each way', async () => {
    const input = rec.store.events(ROOT_BRANCH, { kinds: ['console-input'] })[1]!;
    const store = await forged(rec.store, (events) =>
      events.map((e) => (e.seq === input.seq ? { ...e.event, data: new TextEncoder().encode('ls /\n') } : e.event) as StoredEvent['event']),
    );
    const d = divergenceEachWay(store);
    expect(d.replay).toEqual(d.replayer);
    expect(d.tui).toEqual(d.replayer);
    expect(d.replay.seq).toBeGreaterThan(input.seq);
    expect(d.replay.actual).not.toBeNull();
  });

  it('a machine that stalls while the recording has more events has diverged, each way', async () => {
    // Without its second line of input, the shell waits at its prompt where the recording goes on.
    const input = rec.store.events(ROOT_BRANCH, { kinds: ['console-input'] })[1]!;
    const store = await forged(rec.store, (events) => events.filter((e) => e.seq !== input.seq).map((e) => e.event));
    const d = divergenceEachWay(store);
    expect(d.replay).toEqual(d.replayer);
    expect(d.tui).toEqual(d.replayer);
    expect(d.replay.seq).toBe(input.seq); // the event that followed the missing input, now at its position
    expect(d.replay.actual).toBeNull();
    expect(d.replay.icount).toBe(input.icount);
    // And the session's asynchronous seek (what a key press runs) says the same.
    const end = store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!.icount;
    await expect(new TuiSession(store, 'forged.db', 0).machineAtAsync(ROOT_BRANCH, end)).rejects.toMatchObject({ divergence: d.replay });
  });
});
