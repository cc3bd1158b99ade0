/**
 * The one stepwise replay engine. A Replayer holds a machine at a position of a recorded
 * timeline (restored from the nearest snapshot, or copied from a machine at hand when that is
 * closer) and runs it forward until a condition holds (StopAt: an icount, a timeline position,
 * an event, a breakpoint, a write to a watched range), feeding the recorded inputs back at their
 * icounts and holding every event the machine emits to the recorded row (rowMatches).
 *
 * Every caller gets the same two answers at the edges: `end` once every recorded event has been
 * applied, and a Divergence when the machine does something else, including when it cannot go on
 * (waits for input the recording does not give it there, or halts) while the recording has more
 * events. A diverged Replayer stays diverged (its machine was stopped mid-instruction).
 */
import { INPUT_KINDS, type EventSink, type MachineEvent } from '../core/events.js';
import type { Machine, RunOptions as MachineRunOptions } from '../core/machine.js';
import type { BranchId, Icount, JournalSeq } from '../journal/ids.js';
import type { JournalStore, SnapshotRecord, StoredEvent } from '../journal/store.js';
import { branchEndIcount } from './branch-end.js';
import { DivergenceError, type Divergence } from './divergence.js';
import { copyMachine, restoreMachine, type Positioned } from './machines.js';
import { RecordedTimeline } from './recorded-timeline.js';
import { processPosition, sameBytes, watchedBytes, type RunOutcome, type StopAt } from './stop-condition.js';

/** Instructions a watch runs between two looks at its bytes before it searches one instruction at a time. */
const WATCH_CHUNK = 50_000;

/**
 * A replay holds the machine's idle skips and makes each one itself unless the recording has
 * inputs first: a live run waits for a deadline on the host clock, and a key typed meanwhile
 * went in (after an idle input for the time waited) before the skip.
 */
const HOLD: MachineRunOptions = { holdIdleSkips: true };

export interface ReplayerOptions {
  /** Receives every event the machine emitted and the recording holds (after it was compared). */
  readonly onEvent?: (e: MachineEvent) => void;
  /** Console output of the replayed machine. */
  readonly console?: (bytes: Uint8Array) => void;
  /** The key seed of a copy shared without it (see machineOf). */
  readonly keySeed?: Uint8Array;
}

export interface RunOptions {
  /**
   * Asked between machine slices (after each syscall, trap and timer tick): true pauses the run
   * (outcome `paused`) so a caller can keep its thread responsive; run again to go on.
   */
  readonly stopEarly?: () => boolean;
}

/** Where a Replayer started, for going back to a point of its run (a watch's exact search). */
type Origin = { readonly kind: 'snapshot'; readonly snapshot: SnapshotRecord } | { readonly kind: 'machine'; readonly from: Positioned };

/** Holds every emitted event to the recording; notes the first one a run's event conditions want. */
class HoldingSink implements EventSink {
  /** The event conditions of the run under way, if any. */
  tests: ((e: MachineEvent) => boolean)[] | null = null;
  hit: { readonly event: MachineEvent; readonly index: number } | null = null;

  constructor(
    readonly recorded: RecordedTimeline,
    public onEvent?: (e: MachineEvent) => void,
  ) {}

  emit(e: MachineEvent): void {
    this.recorded.match(e);
    this.onEvent?.(e);
    if (this.tests && this.hit === null) {
      for (let i = 0; i < this.tests.length; i++) {
        if (this.tests[i]!(e)) {
          this.hit = { event: e, index: i };
          break;
        }
      }
    }
  }
}

export class Replayer {
  private failure: Divergence | null = null;
  private cachedInput: StoredEvent | null | undefined;
  /** Where the timeline ends (branch-end.ts): a replay never runs past it. */
  readonly endIcount: number;

  private constructor(
    readonly store: JournalStore,
    readonly branch: BranchId,
    private machineNow: Machine,
    private sink: HoldingSink,
    private readonly origin: Origin,
    private readonly options: ReplayerOptions,
  ) {
    this.endIcount = branchEndIcount(store, branch);
    if (options.console) machineNow.connect({ console: options.console });
  }

  /** A replayer at `snapshot` (of `branch` or an ancestor's, visible to it). */
  static atSnapshot(store: JournalStore, branch: BranchId, snapshot: SnapshotRecord, options: ReplayerOptions = {}): Replayer {
    store.flush();
    const sink = new HoldingSink(new RecordedTimeline(store, branch, snapshot.seq), options.onEvent);
    return new Replayer(store, branch, restoreMachine(store, snapshot, sink, options.keySeed), sink, { kind: 'snapshot', snapshot }, options);
  }

  /** A replayer on a copy of a machine at hand (`from` itself is never touched). */
  static fromMachine(store: JournalStore, branch: BranchId, from: Positioned, options: ReplayerOptions = {}): Replayer {
    store.flush();
    const sink = new HoldingSink(new RecordedTimeline(store, branch, from.seq), options.onEvent);
    return new Replayer(store, branch, copyMachine(store, from.machine, sink, options.keySeed), sink, { kind: 'machine', from }, options);
  }

  /**
   * A replayer as close as it can start before `icount`: the nearest snapshot at or before it, or
   * one of `candidates` (machines at hand on this branch) when that is closer. Throws when the
   * branch has no snapshot at all.
   */
  static near(store: JournalStore, branch: BranchId, icount: number, candidates: Iterable<Positioned> = [], options: ReplayerOptions = {}): Replayer {
    store.flush();
    let base: Positioned | null = null;
    for (const c of candidates) if (c.machine.icount <= icount && (!base || c.machine.icount > base.machine.icount)) base = c;
    const snap = store.nearestSnapshot(branch, icount as Icount) ?? store.listSnapshots(branch)[0] ?? null;
    if (base && (!snap || base.machine.icount >= snap.icount)) return Replayer.fromMachine(store, branch, base, options);
    if (!snap) throw new Error('the recording has no snapshot to replay from');
    return Replayer.atSnapshot(store, branch, snap, options);
  }

  get machine(): Machine {
    return this.machineNow;
  }

  get icount(): number {
    return this.machineNow.icount;
  }

  /** Timeline position: events of the branch applied to reach the machine (the next event's seq). */
  get seq(): number {
    return this.sink.recorded.seq;
  }

  /** Where the run started (a snapshot's icount or the copied machine's). */
  get startIcount(): number {
    return this.origin.kind === 'snapshot' ? this.origin.snapshot.icount : this.origin.from.machine.icount;
  }

  get divergence(): Divergence | null {
    return this.failure;
  }

  position(): Positioned {
    return { machine: this.machineNow, seq: this.seq };
  }

  /** One instruction forward. */
  stepInstruction(): RunOutcome {
    return this.runUntil({ kind: 'icount', icount: this.icount + 1 });
  }

  /** To the next event of the timeline (and every other event at the boundary it lands on). */
  stepEvent(): RunOutcome {
    return this.runUntil({ kind: 'seq', seq: this.seq + 1 });
  }

  /**
   * Runs until one of `stops` holds, the recording ends, the machine diverges, or `stopEarly`
   * pauses it. With no condition it runs to the end of the recording.
   */
  runUntil(stops: StopAt | readonly StopAt[] = [], opts: RunOptions = {}): RunOutcome {
    if (this.failure) return { kind: 'divergence', divergence: this.failure };
    const conds: readonly StopAt[] = Array.isArray(stops) ? stops : [stops as StopAt];
    const run = new ActiveRun(conds, this.machineNow);
    this.sink.tests = run.eventTests;
    this.sink.hit = null;
    try {
      return this.loop(run, opts);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      this.failure = e.divergence;
      return { kind: 'divergence', divergence: e.divergence };
    } finally {
      this.sink.tests = null;
    }
  }

  private diverged(next: StoredEvent, actual: MachineEvent | null): RunOutcome {
    this.failure = { seq: next.seq, expected: next.event, actual, icount: this.machineNow.icount };
    return { kind: 'divergence', divergence: this.failure };
  }

  private loop(run: ActiveRun, opts: RunOptions): RunOutcome {
    for (;;) {
      const m = this.machineNow;
      const hit = run.holds(m, this.seq, this.sink.hit);
      if (hit) return hit;
      const next = this.sink.recorded.peek();
      if (!next) {
        // Past the last event the recording may still go on, without events, to where its run stopped.
        const before = m.icount;
        if (before < this.endIcount && !m.kernel.halted) m.run(Math.min(run.icount, this.endIcount), () => this.sink.hit !== null || (opts.stopEarly?.() ?? false), HOLD);
        if (m.icount === before) return { kind: 'end' };
        continue;
      }
      if (INPUT_KINDS.has(next.kind) && next.icount === m.icount) {
        // The machine emits the same input event again, which is compared. What the inputs of this
        // boundary make due at once (the UART's interrupt, ticks after an idle wait) happens before
        // the next look at the conditions, once every input that went in here together is in: a
        // run between two of them would service the timer where the recording did not.
        m.applyInput(next.event);
        const after = this.sink.recorded.peek();
        if (!(after && INPUT_KINDS.has(after.kind) && after.icount === m.icount)) m.run(m.icount, undefined, HOLD);
        continue;
      }
      if (m.kernel.halted) return this.diverged(next, null);
      const input = this.nextInput();
      let max = Math.min(run.icount, this.endIcount, input ? input.icount : Number.MAX_SAFE_INTEGER);
      // Breakpoints are looked at after every instruction, but only while a process they are in
      // may run: until then the machine runs at full speed and stops between slices as soon as
      // one may (woken, forked). What is due at this boundary happens first, so that no slice
      // starts before that is known.
      if (run.hasBreakpoints && !run.exact && !run.breakpointRunnable(m)) {
        m.run(m.icount, undefined, HOLD);
        if (run.breakpointRunnable(m)) continue;
      }
      const stepping = run.exact || (run.hasBreakpoints && run.breakpointRunnable(m));
      if (stepping) max = Math.min(max, m.icount + 1);
      else if (run.watching) max = Math.min(max, m.icount + WATCH_CHUNK);
      const before = m.icount;
      const beforeSeq = this.seq;
      const early = run.hasBreakpoints && !stepping ? () => run.breakpointRunnable(m) : () => false;
      let stop = m.run(max, () => this.sink.hit !== null || this.seq >= run.seq || early() || (opts.stopEarly?.() ?? false), HOLD);
      if (run.watching && !stepping) {
        const found = this.findWrite(run, before, m.icount);
        if (found) return found;
      }
      // Skips the recording made here, with what they make due at this boundary, as one run would.
      for (let n = this.sink.recorded.peek(); stop.kind === 'idle-until' && n && !(INPUT_KINDS.has(n.kind) && n.icount === m.icount); n = this.sink.recorded.peek()) {
        stop = m.skipIdle();
      }
      if (stop.kind === 'idle-until') continue; // the inputs of this boundary go in first, or the recording ends here
      if (stop.kind === 'idle') {
        const n = this.sink.recorded.peek();
        if (n && !(INPUT_KINDS.has(n.kind) && n.icount === m.icount)) {
          // Waiting for input, and the recording has none for it here: it went another way
          // (unless what it did on the way is what the run was looking for).
          return run.holds(m, this.seq, this.sink.hit) ?? this.diverged(n, null);
        }
        continue;
      }
      if (stop.kind === 'halted') continue; // the end if nothing more was recorded, else a divergence
      if (m.icount === before && this.seq === beforeSeq) {
        // Capped where the recording has its next event, and the machine does not produce it.
        if (!run.holds(m, this.seq, this.sink.hit)) return this.diverged(next, null);
        continue;
      }
      if (opts.stopEarly?.() && !run.holds(m, this.seq, this.sink.hit)) return { kind: 'paused' };
    }
  }

  /**
   * A watch saw its bytes change somewhere in the slice from icount `from` to `to`:
   * go back to that slice's start (a replayer from the nearest snapshot or from where this one
   * started) and search it one instruction at a time, then carry on as that replayer.
   */
  private findWrite(run: ActiveRun, from: number, to: number): RunOutcome | null {
    const changed = run.changedWatch(this.machineNow);
    if (changed === null) return null;
    const probe = this.rewound(from);
    const exact = new ActiveRun([...run.watches.map((w) => w.at), { kind: 'icount', icount: to }], probe.machineNow, true);
    // The bytes the run last saw unchanged: the probe compares with them, not with its own start.
    exact.watches.forEach((w, i) => (w.bytes = run.watches[i]!.bytes));
    probe.sink.tests = null;
    const outcome = probe.loop(exact, {});
    // Whatever the probe found, this replayer carries on from where it is (the same machine at `to` or before).
    this.machineNow = probe.machineNow;
    this.sink = probe.sink;
    this.cachedInput = undefined;
    this.failure = probe.failure;
    // The listeners go on with the probe's machine. The stretch from the write to where this
    // replayer had got is run again, so they see its events and console output twice.
    this.sink.onEvent = this.options.onEvent;
    if (this.options.console) this.machineNow.connect({ console: this.options.console });
    if (outcome.kind === 'stopped' && outcome.at.kind === 'icount') {
      // Not found one instruction at a time: the bytes changed and changed back within the slice.
      run.resetWatches(this.machineNow);
      return null;
    }
    return outcome;
  }

  /** A replayer at `icount` (before the inputs that arrived at it), from the nearest snapshot or this one's origin. */
  private rewound(icount: number): Replayer {
    const candidates = this.origin.kind === 'machine' ? [this.origin.from] : [];
    const probe = Replayer.near(this.store, this.branch, icount, candidates, { keySeed: this.options.keySeed });
    const out = probe.runUntil({ kind: 'icount', icount });
    if (out.kind === 'divergence') throw new DivergenceError(out.divergence);
    return probe;
  }

  /**
   * The next recorded input at or after the current position. Found one kind at a time with an
   * icount range (SQLite then uses its kind index; a query for several kinds scans the journal),
   * and kept until the run passes it.
   */
  private nextInput(): StoredEvent | null {
    const seq = this.seq;
    if (this.cachedInput !== undefined && (this.cachedInput === null || this.cachedInput.seq >= seq)) return this.cachedInput;
    let best: StoredEvent | null = null;
    for (const kind of INPUT_KINDS) {
      const page = this.store.events(this.branch, { kinds: [kind], fromIcount: this.machineNow.icount as Icount, toIcount: Number.MAX_SAFE_INTEGER as Icount, limit: 16 });
      let e = page.find((x) => x.seq >= seq) ?? null;
      if (!e && page.length === 16) e = this.store.nextEvent(this.branch, (seq - 1) as JournalSeq, { kinds: [kind] });
      if (e && (!best || e.seq < best.seq)) best = e;
    }
    this.cachedInput = best;
    return best;
  }
}

interface WatchState {
  readonly at: Extract<StopAt, { kind: 'watch' }>;
  bytes: Uint8Array | undefined;
}

interface BreakpointState {
  readonly at: Extract<StopAt, { kind: 'breakpoint' }>;
  /** The process's retired count when the run started. */
  readonly retired: number | undefined;
}

/** A run's conditions, split by how they are checked. */
class ActiveRun {
  /** The least icount and seq asked for (MAX_SAFE_INTEGER when none). */
  readonly icount: number;
  readonly seq: number;
  readonly eventTests: ((e: MachineEvent) => boolean)[] | null;
  private readonly eventConds: StopAt[];
  readonly watches: WatchState[];
  private readonly breakpoints: BreakpointState[];

  constructor(
    private readonly conds: readonly StopAt[],
    machine: Machine,
    /** Search one instruction at a time (a watch's exact search). */
    readonly exact = false,
  ) {
    let icount = Number.MAX_SAFE_INTEGER;
    let seq = Number.MAX_SAFE_INTEGER;
    const tests: ((e: MachineEvent) => boolean)[] = [];
    this.eventConds = [];
    this.watches = [];
    this.breakpoints = [];
    for (const c of conds) {
      switch (c.kind) {
        case 'icount': icount = Math.min(icount, c.icount); break;
        case 'seq': seq = Math.min(seq, c.seq); break;
        case 'event': tests.push(c.test); this.eventConds.push(c); break;
        case 'watch': this.watches.push({ at: c, bytes: watchedBytes(machine, c) }); break;
        case 'breakpoint': this.breakpoints.push({ at: c, retired: processPosition(machine, c.pid)?.retired }); break;
        default: {
          const _exhaustive: never = c;
          throw new Error(`unknown stop condition ${JSON.stringify(_exhaustive)}`);
        }
      }
    }
    this.icount = icount;
    this.seq = seq;
    this.eventTests = tests.length > 0 ? tests : null;
  }

  get watching(): boolean {
    return this.watches.length > 0;
  }

  get hasBreakpoints(): boolean {
    return this.breakpoints.length > 0;
  }

  /** Whether a process with a breakpoint may run (so the run must go one instruction at a time). */
  breakpointRunnable(machine: Machine): boolean {
    for (const b of this.breakpoints) if (processPosition(machine, b.at.pid)?.runnable) return true;
    return false;
  }

  /** The first watch whose bytes differ from those last seen, or null. */
  changedWatch(machine: Machine): WatchState | null {
    for (const w of this.watches) if (!sameBytes(w.bytes, watchedBytes(machine, w.at))) return w;
    return null;
  }

  resetWatches(machine: Machine): void {
    for (const w of this.watches) w.bytes = watchedBytes(machine, w.at);
  }

  /** The outcome if a condition holds at the machine's position, else null (first condition in the given order). */
  holds(machine: Machine, seq: number, eventHit: { readonly event: MachineEvent; readonly index: number } | null): RunOutcome | null {
    for (const c of this.conds) {
      switch (c.kind) {
        case 'icount':
          if (machine.icount >= c.icount) return { kind: 'stopped', at: c };
          break;
        case 'seq':
          if (seq >= c.seq) return { kind: 'stopped', at: c };
          break;
        case 'event':
          if (eventHit && this.eventConds[eventHit.index] === c) return { kind: 'stopped', at: c, event: eventHit.event };
          break;
        case 'watch': {
          // Exact wherever it is asked: after each instruction in a search, after the inputs of a
          // boundary, and after a slice only once findWrite has found the slice's bytes unchanged.
          const w = this.watches.find((x) => x.at === c)!;
          const now = watchedBytes(machine, c);
          if (!sameBytes(w.bytes, now)) return { kind: 'stopped', at: c, before: w.bytes, after: now };
          break;
        }
        case 'breakpoint': {
          const b = this.breakpoints.find((x) => x.at === c)!;
          const p = processPosition(machine, c.pid);
          if (p && p.pc === c.pc >>> 0 && p.retired !== b.retired) return { kind: 'stopped', at: c };
          break;
        }
        default: {
          const _exhaustive: never = c;
          return _exhaustive;
        }
      }
    }
    return null;
  }
}
