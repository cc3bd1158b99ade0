/**
 * Getting the machine to an icount in slices, so the UI can draw progress between them and
 * the user can cancel: from the nearest snapshot (what a seek does), or from a copy of a
 * machine already at hand when that is closer (stepping forward by an event or a thousand
 * instructions then costs the copy and the few instructions in between, not a replay of up to
 * a snapshot interval). The recorded inputs are fed back at their icounts exactly as replay
 * does, and every event the machine emits is compared with the recorded one: the first
 * mismatch is a DivergenceError, as in `xrr replay`.
 *
 * The copy goes through getState/setState, so the machine it starts from (a cache entry) is
 * never mutated.
 */
import { INPUT_KINDS, type MachineEvent } from '../core/events.js';
import { Machine } from '../core/machine.js';
import type { BranchId, Icount, JournalSeq, PageHash } from '../journal/ids.js';
import { machineOf, RecordedTimeline, restoreMachine } from '../journal/replay.js';
import type { JournalStore, SnapshotRecord, StoredEvent } from '../journal/store.js';

export interface Positioned {
  readonly machine: Machine;
  /** Timeline position: events applied to reach the machine. */
  readonly seq: number;
}

/** Holds each emitted event to the recorded one (throws DivergenceError) and counts them, past the recording's end too. */
class CheckingSink {
  private readonly recorded: RecordedTimeline;
  emitted = 0;

  constructor(store: JournalStore, branch: BranchId, fromSeq: number) {
    this.recorded = new RecordedTimeline(store, branch, fromSeq);
  }

  emit(e: MachineEvent): void {
    this.recorded.match(e);
    this.emitted++;
  }
}

/** A deep, independent copy of `machine` whose events go to `sink`. */
export function copyMachine(store: JournalStore, machine: Machine, sink: { emit(e: MachineEvent): void }): Machine {
  const pages = new Map<string, Uint8Array>();
  const state = structuredClone(machine.getState((hash, bytes) => pages.set(hash, bytes.slice())));
  const secret = structuredClone(machine.getSecretState());
  const copy = machineOf(store, sink);
  copy.setState(state, (hash) => pages.get(hash) ?? store.getPage(hash as PageHash) ?? undefined, secret);
  return copy;
}

/** A run toward `target` that advances one slice per step(). */
export class ForwardRun {
  private constructor(
    private readonly store: JournalStore,
    private readonly branch: BranchId,
    readonly machine: Machine,
    private readonly sink: CheckingSink,
    private readonly fromSeq: number,
    readonly startIcount: number,
    readonly target: number,
  ) {}

  static fromMachine(store: JournalStore, branch: BranchId, from: Positioned, target: number): ForwardRun {
    const sink = new CheckingSink(store, branch, from.seq);
    return new ForwardRun(store, branch, copyMachine(store, from.machine, sink), sink, from.seq, from.machine.icount, target);
  }

  static fromSnapshot(store: JournalStore, branch: BranchId, snapshot: SnapshotRecord, target: number): ForwardRun {
    const sink = new CheckingSink(store, branch, snapshot.seq);
    return new ForwardRun(store, branch, restoreMachine(store, snapshot, sink), sink, snapshot.seq, snapshot.icount, target);
  }

  private cachedInput: StoredEvent | null | undefined;

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
      const page = this.store.events(this.branch, { kinds: [kind], fromIcount: this.machine.icount as Icount, toIcount: Number.MAX_SAFE_INTEGER as Icount, limit: 16 });
      let e = page.find((x) => x.seq >= seq) ?? null;
      if (!e && page.length === 16) e = this.store.nextEvent(this.branch, (seq - 1) as JournalSeq, { kinds: [kind] });
      if (e && (!best || e.seq < best.seq)) best = e;
    }
    this.cachedInput = best;
    return best;
  }

  get seq(): number {
    return this.fromSeq + this.sink.emitted;
  }

  /**
   * Runs at most `budget` more instructions, and stops sooner when `stopEarly` says so (see
   * Machine.run); true when the machine is at the target (or can go no further).
   */
  step(budget: number, stopEarly?: () => boolean): boolean {
    const m = this.machine;
    const stopAt = Math.min(this.target, m.icount + budget);
    for (;;) {
      if (m.kernel.halted || m.icount >= this.target) return true;
      if (m.icount >= stopAt) return false;
      const next = this.nextInput();
      // An input goes in once every event recorded before it has happened, at its icount.
      if (next && next.seq === this.seq && next.icount === m.icount) {
        m.applyInput(next.event);
        continue;
      }
      const before = m.icount;
      const beforeSeq = this.seq;
      const stop = m.run(next && next.icount <= stopAt ? next.icount : stopAt, stopEarly);
      if (stop.kind === 'halted') return true;
      if (m.icount === before && this.seq === beforeSeq) return true; // idle, no input due: the end of the recording
      if (stopEarly?.()) return false;
    }
  }

  result(): Positioned {
    return { machine: this.machine, seq: this.seq };
  }
}

/** The machine at `target` (>= from.machine.icount) on `branch`, run on from `from` in one go. */
export function runForward(store: JournalStore, branch: BranchId, from: Positioned, target: number): Positioned {
  const run = ForwardRun.fromMachine(store, branch, from, target);
  while (!run.step(Number.MAX_SAFE_INTEGER));
  return run.result();
}
