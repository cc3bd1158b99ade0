/**
 * Virtual time (DESIGN.md section 3): the guest sees `icount * NS_PER_INSTRUCTION + idleNs`
 * nanoseconds since boot, where `idleNs` is the sum of the recorded idle skips. Nothing here reads
 * the host clock; the icount is always passed in by the run loop.
 */
import { expectInt, expectState } from './state.js';

/**
 * Each retired guest instruction is 10 ns of virtual time: a 100 MHz, one-instruction-per-cycle
 * RV32 core, like the small RISC-V boards XINIM targets.
 * - It is an integer, so virtual time is an exact integer nanosecond count (no rounding, so record
 *   and replay can never disagree by a fraction).
 * - A 100 Hz tick (10 ms) is exactly 1,000,000 instructions: a preemption quantum short enough to
 *   interleave fork/wait races many times per second of host time, long enough that the tick does
 *   not dominate the run.
 * - An interpreter in TypeScript retires a few tens of millions of instructions per host second, so
 *   a busy guest sees virtual time run at roughly host speed: `sleep 1` idles (skipped), while a
 *   compute loop timed by the guest reports plausible numbers.
 * - Precision: virtual ns stay exact while below 2^53 ns, about 104 days of virtual time; `nowNs`
 *   throws beyond that rather than silently rounding.
 */
export const NS_PER_INSTRUCTION = 10;

const CLOCK_STATE_VERSION = 1;

export interface VirtualClockState {
  readonly version: 1;
  /** Virtual nanoseconds added by idle skips since boot (recorded input in a live run). */
  readonly idleNs: number;
}

export class VirtualClock {
  private idle = 0;

  /** Total virtual nanoseconds skipped while idle. */
  get idleNs(): number {
    return this.idle;
  }

  /** Virtual nanoseconds since boot at instruction count `icount`. */
  nowNs(icount: number): number {
    if (!Number.isSafeInteger(icount) || icount < 0) {
      throw new RangeError(`icount must be a non-negative safe integer, got ${icount}`);
    }
    const ns = icount * NS_PER_INSTRUCTION + this.idle;
    if (!Number.isSafeInteger(ns)) throw new RangeError(`virtual time overflowed 2^53 ns at icount ${icount}`);
    return ns;
  }

  /**
   * The first instruction count at which virtual time reaches `ns` (it may lie in the past: the
   * caller compares it with its current icount). Used to turn a deadline into an exact CPU budget.
   */
  icountAt(ns: number): number {
    const remaining = ns - this.idle;
    if (remaining <= 0) return 0;
    return Math.ceil(remaining / NS_PER_INSTRUCTION);
  }

  /**
   * Idle skip: every process is blocked at `nowIcount`, so let virtual time jump to `targetNs`
   * without retiring instructions. Returns the nanoseconds skipped (0 if `targetNs` is not in the
   * future), which a live run records and a replay feeds back through `addIdleNs`.
   */
  skipTo(nowIcount: number, targetNs: number): number {
    if (!Number.isSafeInteger(targetNs)) throw new RangeError(`targetNs must be a safe integer, got ${targetNs}`);
    const delta = targetNs - this.nowNs(nowIcount);
    if (delta <= 0) return 0;
    this.idle += delta;
    return delta;
  }

  /** Replays a recorded idle skip of `deltaNs` nanoseconds. */
  addIdleNs(deltaNs: number): void {
    if (!Number.isSafeInteger(deltaNs) || deltaNs < 0) {
      throw new RangeError(`idle skip must be a non-negative safe integer, got ${deltaNs}`);
    }
    this.idle += deltaNs;
  }

  getState(): VirtualClockState {
    return { version: CLOCK_STATE_VERSION, idleNs: this.idle };
  }

  setState(state: unknown): void {
    const s = expectState('clock', state, CLOCK_STATE_VERSION);
    this.idle = expectInt('clock', s, 'idleNs', 0, Number.MAX_SAFE_INTEGER);
  }
}
