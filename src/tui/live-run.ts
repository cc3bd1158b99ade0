/**
 * A machine running live under the TUI: it runs in short slices between turns of the event loop
 * (so keys and renders get through), recorded onto its branch by the timeline's Recorder (the
 * fork's or the new recording's, else a new one), and typed bytes are console input. When every
 * process waits for input it stops until a key arrives and then records the host time it waited
 * (an idle input event), as `xrr fork` does.
 */
import type { Machine, RunStop } from '../core/machine.js';
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { StoreTarget } from '../timeline/record-target.js';
import { Recorder } from '../timeline/recorder.js';

/** Instructions per slice at most, and host time (a slice of syscall-dense code holds far fewer). */
const SLICE = 200_000;
const SLICE_MS = 20;

export type LiveState = 'running' | 'waiting-input' | 'halted' | 'stopped';

export class LiveRun {
  private pending: Uint8Array[] = [];
  private waitingSince: bigint | null = null;
  private timer: NodeJS.Immediate | null = null;
  private readonly recorder: Recorder;
  state: LiveState = 'running';
  /** Host time of the last onChange while running: a redraw every slice would cost more than the slice. */
  private lastChange = 0;
  /** Guest instructions per host second over the last second of running (the header's speed). */
  mips = 0;
  private window: { t: number; icount: number } = { t: Date.now(), icount: 0 };
  lastStop: RunStop | null = null;

  constructor(
    readonly store: JournalStore,
    readonly branch: BranchId,
    readonly machine: Machine,
    private readonly onChange: () => void,
  ) {
    const own = Recorder.of(machine);
    const onBranch = own && own.target instanceof StoreTarget && own.target.store === store && own.target.branch === branch;
    this.recorder = onBranch ? own : new Recorder(machine, new StoreTarget(store, branch));
  }

  start(): void {
    this.schedule();
  }

  input(bytes: Uint8Array): void {
    if (this.state === 'halted' || this.state === 'stopped') return;
    this.pending.push(bytes);
    this.schedule();
  }

  /** Stop running; the branch keeps everything so far (flushed). */
  stop(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    if (this.state !== 'halted') this.state = 'stopped';
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

  private step(): void {
    if (this.state === 'stopped' || this.state === 'halted') return;
    const m = this.machine;
    const typed = this.pending.shift();
    if (typed) {
      if (this.waitingSince !== null) {
        m.idle(Number(process.hrtime.bigint() - this.waitingSince));
        this.waitingSince = null;
      }
      m.input(typed);
    }
    const before = m.icount;
    const t0 = Date.now();
    const sliceEnd = performance.now() + SLICE_MS;
    const stop = this.recorder.run(m.icount + SLICE, () => performance.now() > sliceEnd);
    if (m.icount > before) {
      if (t0 - this.window.t > 1000 || this.window.icount === 0) this.window = { t: t0, icount: before };
      const dt = Date.now() - this.window.t;
      if (dt > 50) this.mips = (m.icount - this.window.icount) / dt / 1000;
    }
    this.lastStop = stop;
    if (stop.kind === 'halted') {
      this.state = 'halted';
      this.store.flush();
    } else if (stop.kind === 'idle' && this.pending.length === 0) {
      this.state = 'waiting-input';
      this.waitingSince = process.hrtime.bigint();
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
