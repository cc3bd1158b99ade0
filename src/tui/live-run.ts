/**
 * A machine running live under the TUI: it runs in short slices between turns of the event loop
 * (so keys and renders get through), recorded onto its branch by the timeline's Recorder (the
 * fork's or the new recording's, else a new one), and typed bytes are console input. Idle time
 * follows the host clock: when every process waits for input it stops until a key arrives, and
 * when every process sleeps until a timer deadline (`sleep 30`) it waits that long on the host
 * (the machine skips to the deadline after, a derived event that a replay makes at once). A key
 * typed while it waits goes in after an idle input for the host time waited, as `xrr fork` does.
 */
import type { IdleUntil, Machine, RunOptions, RunStop } from '../core/machine.js';
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { StoreTarget } from '../timeline/record-target.js';
import { Recorder } from '../timeline/recorder.js';
import type { DebugFiles } from '../symbols/debug-files.js';

/** Instructions per slice at most, and host time (a slice of syscall-dense code holds far fewer). */
const SLICE = 200_000;
const SLICE_MS = 20;
/** A live machine stops where it would skip idle time, and waits for it on the host clock. */
const LIVE: RunOptions = { holdIdleSkips: true };

/** `sleeping`: every process waits for a timer deadline, which the host clock is waited for. */
export type LiveState = 'running' | 'waiting-input' | 'sleeping' | 'halted' | 'stopped';

/** Where the machine waits on the host: since when, and for a deadline `ns` of virtual time away (else for input). */
interface HostWait {
  readonly since: bigint;
  readonly ns: number | null;
  readonly timer: NodeJS.Timeout | null;
}

export class LiveRun {
  private pending: Uint8Array[] = [];
  private waiting: HostWait | null = null;
  private timer: NodeJS.Immediate | null = null;
  private readonly recorder: Recorder;
  state: LiveState = 'running';
  /** Host time of the last onChange while running: a redraw every slice would cost more than the slice. */
  private lastChange = 0;
  /** Guest instructions per host second over the last second of running (the header's speed). */
  mips = 0;
  private window: { t: number; icount: number } = { t: Date.now(), icount: 0 };
  lastStop: RunStop | IdleUntil | null = null;

  constructor(
    readonly store: JournalStore,
    readonly branch: BranchId,
    readonly machine: Machine,
    private readonly onChange: () => void,
    /** The guest image's debug files, stored for the programs the run execs (when the machine has no recorder that does). */
    debugFiles?: DebugFiles,
  ) {
    const own = Recorder.of(machine);
    const onBranch = own && own.target instanceof StoreTarget && own.target.store === store && own.target.branch === branch;
    this.recorder = onBranch ? own : new Recorder(machine, new StoreTarget(store, branch), { debugFiles: own?.debugFiles ?? debugFiles });
  }

  start(): void {
    this.schedule();
  }

  input(bytes: Uint8Array): void {
    if (this.state === 'halted' || this.state === 'stopped') return;
    this.pending.push(bytes);
    this.schedule();
  }

  /**
   * Stop running; the branch keeps everything so far (flushed), with a snapshot where it stopped,
   * so the branch opens (or is seeked to) at its end without a replay.
   */
  stop(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    // The host time waited so far counts (a pause does not: resumed, the machine waits again).
    // What that idle time made due (timer ticks) happens now, at this boundary, as a replay does
    // right after the idle input: else the end snapshot holds a machine no replay reaches.
    if (this.waiting !== null) {
      this.endWait();
      if (this.state !== 'halted') this.recorder.run(this.machine.icount, undefined, LIVE);
    }
    if (this.state !== 'halted') this.state = 'stopped';
    this.recorder.finish();
    this.store.flush();
  }

  /** Run again after stop(): the branch goes on where it stopped. */
  resume(): void {
    if (this.state !== 'stopped') return;
    this.state = 'running';
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setImmediate(() => {
      this.timer = null;
      this.step();
    });
  }

  /**
   * The machine stops waiting (a key, a pause): the host time it waited goes in first, as an idle
   * input; or, when that reached the deadline it waited for, as the skip to it.
   */
  private endWait(): void {
    const w = this.waiting;
    if (w === null) return;
    this.waiting = null;
    if (w.timer) clearTimeout(w.timer);
    const waited = Number(process.hrtime.bigint() - w.since);
    if (w.ns !== null && waited >= w.ns) this.machine.skipIdle();
    else this.machine.idle(waited);
  }

  /** Wait on the host until the deadline `ns` after `since` (again, if a timer fired early). */
  private sleepUntil(since: bigint, ns: number): void {
    const left = ns - Number(process.hrtime.bigint() - since);
    if (left <= 0) return this.deadlineReached();
    // Whole milliseconds, rounded up, and at most what a Node timer takes (about 24 days).
    const timer = setTimeout(() => this.sleepUntil(since, ns), Math.min(Math.ceil(left / 1e6), 2 ** 31 - 1));
    this.waiting = { since, ns, timer };
  }

  /** The deadline the machine slept until has come on the host clock. */
  private deadlineReached(): void {
    if (this.waiting === null) return;
    this.waiting = null;
    this.machine.skipIdle();
    this.state = 'running';
    this.schedule();
  }

  private step(): void {
    if (this.state === 'stopped' || this.state === 'halted') return;
    const m = this.machine;
    const typed = this.pending.shift();
    if (typed) {
      this.endWait();
      m.input(typed);
    }
    const before = m.icount;
    const t0 = Date.now();
    const sliceEnd = performance.now() + SLICE_MS;
    const stop = this.recorder.run(m.icount + SLICE, () => performance.now() > sliceEnd, LIVE);
    if (m.icount > before) {
      if (t0 - this.window.t > 1000 || this.window.icount === 0) this.window = { t: t0, icount: before };
      const dt = Date.now() - this.window.t;
      if (dt > 50) this.mips = (m.icount - this.window.icount) / dt / 1000;
    }
    this.lastStop = stop;
    if (stop.kind === 'halted') {
      this.state = 'halted';
      this.store.flush();
    } else if ((stop.kind === 'idle' || stop.kind === 'idle-until') && this.pending.length === 0) {
      const since = process.hrtime.bigint();
      this.waiting = { since, ns: null, timer: null };
      this.state = stop.kind === 'idle' ? 'waiting-input' : 'sleeping';
      if (stop.kind === 'idle-until') this.sleepUntil(since, stop.ns);
      this.store.flush();
    } else {
      this.state = 'running';
      this.schedule();
      const now = Date.now();
      if (now - this.lastChange < 100) return;
      this.lastChange = now;
    }
    this.onChange();
  }
}
