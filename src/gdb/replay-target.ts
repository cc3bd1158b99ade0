/**
 * The one place where `xrr gdb`, the symbols and the last-write queries reach the replay
 * engine. Everything above this file sees only `ReplayTarget`: a machine at a position of a
 * recorded timeline that can seek (restore the nearest snapshot or checkpoint, replay to an
 * icount) and run forward with the recorded inputs fed back and every event held to the
 * journal. When src/timeline's Replayer lands, only `openReplayTarget` changes.
 */
import { INPUT_KINDS, type MachineEvent } from '../core/events.js';
import type { Machine, MachineState } from '../core/machine.js';
import type { LatticeSecretState } from '../core/ipc/index.js';
import type { BranchId, Icount, PageHash } from '../journal/ids.js';
import { machineOf, restoreMachine } from '../timeline/machines.js';
import { RecordedTimeline } from '../timeline/recorded-timeline.js';
import type { JournalStore, StoredEvent } from '../journal/store.js';

/** How a forward run ended. */
export type AdvanceEnd =
  /** The machine is at the icount asked for. */
  | 'reached'
  /** `stopBetweenSlices` said stop. */
  | 'stopped'
  /** The end of the recorded history (its last event), a halt, or an idle machine with no input due. */
  | 'end';

export interface ReplayTarget {
  readonly store: JournalStore;
  readonly branch: BranchId;
  /** The icount of the first restore point and of the last recorded event. */
  readonly firstIcount: number;
  readonly lastIcount: number;
  /** The machine at the position. Read it; move it only with seek and advance. */
  readonly machine: Machine;
  readonly icount: number;
  /** Timeline position: the seq of the next event. */
  readonly seq: number;
  /** Go to `icount` (clamped to the recorded history). */
  seek(icount: number): void;
  /**
   * Run forward to `maxIcount` (bounded by the end of history), feeding the recorded inputs;
   * `stopBetweenSlices` is asked between slices (after a syscall, trap, tick or context switch,
   * with `machine.kernel.current` the process about to run) and stops the run there.
   */
  advance(maxIcount: number, stopBetweenSlices?: () => boolean): AdvanceEnd;
  /** Icounts of the snapshots and checkpoints at or before `icount`, latest first (where backward scans restart). */
  restorePointsBefore(icount: number): number[];
}

/**
 * A seek that replays more than this many instructions leaves a checkpoint (a copy of the
 * machine) half that far before its target, so a run of reverse steps or nearby seeks replays
 * at most this much after a copy, instead of a snapshot interval after a snapshot restore.
 */
const CHECKPOINT_SPAN = 5_000;
/** Distinct page versions the checkpoints may hold (4 KiB each) before they are all dropped. */
const MAX_CHECKPOINT_PAGES = 16_384;
const MAX_CHECKPOINTS = 24;

/**
 * A machine's state kept as data (getState, its pages by hash, the channel secrets): restoring
 * it is a clone and a setState, without the key derivation a snapshot restore does nor the
 * getState a copy of a live machine would.
 */
interface Checkpoint {
  readonly icount: number;
  readonly seq: number;
  readonly state: MachineState;
  readonly secret: LatticeSecretState;
}

/** Holds each emitted event to the recorded one (DivergenceError on a mismatch) and counts them. */
class HoldingSink {
  private readonly recorded: RecordedTimeline;
  emitted = 0;
  constructor(store: JournalStore, branch: BranchId, readonly fromSeq: number) {
    this.recorded = new RecordedTimeline(store, branch, fromSeq);
  }
  emit(e: MachineEvent): void {
    this.recorded.match(e);
    this.emitted++;
  }
  get seq(): number {
    return this.fromSeq + this.emitted;
  }
}

class JournalReplayTarget implements ReplayTarget {
  readonly firstIcount: number;
  readonly lastIcount: number;
  private current!: { machine: Machine; sink: HoldingSink };
  private readonly inputs: readonly StoredEvent[];
  private inputAt = 0;
  private readonly checkpoints: Checkpoint[] = [];
  /** The checkpoints' pages by content hash, shared: most pages are the same in all of them. */
  private readonly checkpointPages = new Map<string, Uint8Array>();

  constructor(readonly store: JournalStore, readonly branch: BranchId) {
    store.flush();
    const first = store.listSnapshots(branch)[0] ?? store.nearestSnapshot(branch, 0 as Icount);
    if (!first) throw new Error('the recording has no snapshot to replay from');
    const last = store.events(branch, { order: 'desc', limit: 1 })[0];
    this.firstIcount = first.icount;
    this.lastIcount = last ? last.icount : first.icount;
    this.inputs = store.events(branch, { kinds: [...INPUT_KINDS] });
    const sink = new HoldingSink(store, branch, first.seq);
    this.current = { machine: restoreMachine(store, first, sink), sink };
  }

  get machine(): Machine {
    return this.current.machine;
  }
  get icount(): number {
    return this.current.machine.icount;
  }
  get seq(): number {
    return this.current.sink.seq;
  }

  restorePointsBefore(icount: number): number[] {
    const points = new Set([...this.store.listSnapshots(this.branch).map((s) => s.icount as number), ...this.checkpoints.map((c) => c.icount)]);
    return [...points].filter((i) => i <= icount).sort((a, b) => b - a);
  }

  seek(target: number): void {
    target = Math.max(this.firstIcount, Math.min(target, this.lastIcount));
    const snapshot = this.store.nearestSnapshot(this.branch, target as Icount);
    let checkpoint: Checkpoint | undefined;
    for (const c of this.checkpoints) if (c.icount <= target && (!checkpoint || c.icount > checkpoint.icount)) checkpoint = c;
    const here = this.icount <= target ? this.icount : -1;
    const fromSnapshot = snapshot ? snapshot.icount : -1;
    const fromCheckpoint = checkpoint ? checkpoint.icount : -1;
    if (here >= fromSnapshot && here >= fromCheckpoint) {
      // Running on from here is at least as close as any restore point.
    } else if (checkpoint && fromCheckpoint >= fromSnapshot) {
      this.restoreCheckpoint(checkpoint);
    } else if (snapshot) {
      const sink = new HoldingSink(this.store, this.branch, snapshot.seq);
      this.current = { machine: restoreMachine(this.store, snapshot, sink), sink };
      this.inputAt = 0;
    }
    if (target - this.icount > CHECKPOINT_SPAN) {
      this.advance(target - CHECKPOINT_SPAN / 2);
      this.keepCheckpoint();
    }
    this.advance(target);
  }

  advance(maxIcount: number, stopBetweenSlices?: () => boolean): AdvanceEnd {
    const m = this.machine;
    const stopAt = Math.min(maxIcount, this.lastIcount);
    for (;;) {
      if (m.kernel.halted) return 'end';
      if (m.icount >= stopAt) return m.icount >= this.lastIcount && maxIcount > this.lastIcount ? 'end' : 'reached';
      const next = this.nextInput();
      // An input goes in once every event recorded before it has happened, at its icount.
      if (next && next.seq === this.seq && next.icount === m.icount) {
        m.applyInput(next.event);
        continue;
      }
      const before = m.icount;
      const beforeSeq = this.seq;
      const limit = next && next.icount <= stopAt ? next.icount : stopAt;
      let stoppedEarly = false;
      const stop = m.run(limit, stopBetweenSlices && (() => (stoppedEarly = stopBetweenSlices())));
      if (stop.kind === 'halted') return 'end';
      if (stoppedEarly) return 'stopped';
      if (m.icount === before && this.seq === beforeSeq) return 'end'; // idle, no input due
    }
  }

  private nextInput(): StoredEvent | undefined {
    const seq = this.seq;
    // Inputs are few; a restore may move back, so search from the start then.
    if (this.inputAt > 0 && this.inputs[this.inputAt - 1]!.seq >= seq) this.inputAt = 0;
    while (this.inputAt < this.inputs.length && this.inputs[this.inputAt]!.seq < seq) this.inputAt++;
    return this.inputs[this.inputAt];
  }

  private keepCheckpoint(): void {
    if (this.checkpoints.some((c) => c.icount === this.icount)) return;
    if (this.checkpointPages.size > MAX_CHECKPOINT_PAGES) {
      this.checkpoints.length = 0;
      this.checkpointPages.clear();
    }
    const pages = this.checkpointPages;
    const state = structuredClone(this.machine.getState((hash, bytes) => {
      if (!pages.has(hash)) pages.set(hash, bytes.slice());
    }));
    const secret = structuredClone(this.machine.getSecretState());
    this.checkpoints.push({ icount: this.icount, seq: this.seq, state, secret });
    if (this.checkpoints.length > MAX_CHECKPOINTS) this.checkpoints.shift();
  }

  private restoreCheckpoint(c: Checkpoint): void {
    const sink = new HoldingSink(this.store, this.branch, c.seq);
    const machine = machineOf(this.store, sink);
    machine.setState(structuredClone(c.state), (hash) => this.checkpointPages.get(hash) ?? this.store.getPage(hash as PageHash) ?? undefined, structuredClone(c.secret));
    this.current = { machine, sink };
    this.inputAt = 0;
  }
}

/** A replay target on `branch` of the recording, at its first restore point. */
export function openReplayTarget(store: JournalStore, branch: BranchId): ReplayTarget {
  return new JournalReplayTarget(store, branch);
}
