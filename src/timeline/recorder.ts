/**
 * The one run + snapshot loop: a machine's events, channel keys and snapshots go to a
 * RecordTarget, with a snapshot at the start, then as SnapshotSpacing says, and one where the
 * recording ends (when the machine halts, or when its driver calls finish()), so that opening a
 * recording at its end (what `xrr tui` does) restores a snapshot and replays nothing, however
 * long the recording. `xrr record`, `xrr fork`, the TUI's live runs and forks, and tests all
 * record through it.
 */
import type { IdleUntil, Machine, RunOptions, RunStop } from '../core/machine.js';
import type { RecordTarget } from './record-target.js';
import type { DebugFiles } from '../symbols/debug-files.js';
import { SnapshotSpacing } from './snapshot-spacing.js';

export interface RecorderOptions {
  /** Instructions and events between snapshots (SNAPSHOT_INTERVAL, SNAPSHOT_EVENTS by default). */
  readonly interval?: number;
  readonly eventInterval?: number;
  /** Take the first snapshot now (default true): a recording replays from it. Off when the machine is not booted yet. */
  readonly snapshotNow?: boolean;
  /**
   * The debug files of the programs the machine may run (the guest image's, GuestImage.debugFiles):
   * the one of each program it execs is stored in the recording (DebugFileCollector). None: the
   * recording stores none, and its programs are symbolized from their own bytes.
   */
  readonly debugFiles?: DebugFiles;
}

export class Recorder {
  private readonly spacing: SnapshotSpacing;
  /** What RecorderOptions.debugFiles gave (a later recorder of the machine's, on another branch, goes on with it). */
  readonly debugFiles: DebugFiles | undefined;
  /** The recorder each machine records through, so a later driver (the TUI's live run) goes on with it. */
  private static readonly attached = new WeakMap<Machine, Recorder>();

  /** The recorder that `machine` records through, if any. */
  static of(machine: Machine): Recorder | undefined {
    return Recorder.attached.get(machine);
  }

  /** Routes the machine's events and channel keys to `target` from now on (connect before boot to record the boot). */
  constructor(
    readonly machine: Machine,
    readonly target: RecordTarget,
    opts: RecorderOptions = {},
  ) {
    this.spacing = new SnapshotSpacing(opts.interval, opts.eventInterval);
    machine.connect({ events: target, channelKeys: target.channelKeys });
    this.debugFiles = opts.debugFiles;
    if (opts.debugFiles) target.collectDebugFiles(machine, opts.debugFiles);
    Recorder.attached.set(machine, this);
    if (opts.snapshotNow ?? true) this.snapshot();
  }

  /** Snapshot now (after boot, when the recorder was made before it). */
  snapshot(): void {
    this.target.snapshot(this.machine);
    this.spacing.taken(this.machine.icount, this.target.events);
  }

  /**
   * The recording ends (or pauses) here: a snapshot of the machine where it is, unless the last
   * one was taken at this very position. Call it when a run is over for now (input ended, the
   * user quit or paused, an instruction limit); a halt calls it by itself. Without it a recording
   * still opens at its end, by replaying from the last spaced snapshot (up to SNAPSHOT_EVENTS).
   */
  finish(): void {
    if (!this.spacing.takenAt(this.machine.icount, this.target.events)) this.snapshot();
  }

  /**
   * Runs the machine as Machine.run does (to `maxIcount`, or until it halts or waits for input,
   * or `stopEarly` answers true between slices, or with `opts.holdIdleSkips` until it would skip
   * idle time), snapshotting on the way whenever one is due.
   */
  run(maxIcount?: number, stopEarly?: () => boolean): RunStop;
  run(maxIcount: number, stopEarly: (() => boolean) | undefined, opts: RunOptions): RunStop | IdleUntil;
  run(maxIcount = Number.MAX_SAFE_INTEGER, stopEarly?: () => boolean, opts: RunOptions = {}): RunStop | IdleUntil {
    const m = this.machine;
    const early = () => this.spacing.dueByEvents(this.target.events) || (stopEarly?.() ?? false);
    for (;;) {
      const stop = m.run(Math.min(maxIcount, this.spacing.due), early, opts);
      if (this.spacing.isDue(m.icount, this.target.events)) this.snapshot();
      // A halted machine never runs again: this is where its recording ends.
      if (stop.kind === 'halted') this.finish();
      if (stop.kind !== 'limit' || m.icount >= maxIcount || stopEarly?.()) return stop;
    }
  }
}
