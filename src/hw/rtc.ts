/**
 * The real-time clock: wall time = boot epoch (a recorded input) + virtual time since boot.
 *
 * Precision: nanoseconds since the Unix epoch are about 1.8e18 today, far above 2^53 (9.0e15), so a
 * `number` would round them to a multiple of 256 ns. The epoch is therefore a `bigint` here, and
 * a decimal string in the saved state (JSON has no bigint). Whole seconds (about 1.8e9) and the
 * nanosecond remainder each fit a `number` exactly, so `timespec`/`timeval` return numbers.
 */
import type { VirtualClock } from './clock.js';
import { DeviceStateError, expectState } from './state.js';

export interface RtcState {
  readonly version: 1;
  /** Nanoseconds since 1970-01-01T00:00:00Z at boot, as a decimal string. */
  readonly bootEpochNs: string;
}

const RTC_STATE_VERSION = 1;
const NS_PER_SEC = 1_000_000_000n;
/** The guest's time_t is 64-bit; refuse epochs it could not represent. */
const MAX_EPOCH_NS = (2n ** 63n - 1n) * NS_PER_SEC;

export interface Timespec {
  readonly sec: number;
  readonly nsec: number;
}

export interface Timeval {
  readonly sec: number;
  readonly usec: number;
}

export class Rtc {
  private epochNs: bigint;

  constructor(
    private readonly clock: VirtualClock,
    bootEpochNs: bigint,
  ) {
    if (!validEpoch(bootEpochNs)) throw new RangeError(`boot epoch must be a bigint ns in [0, 2^63 s), got ${String(bootEpochNs)}`);
    this.epochNs = bootEpochNs;
  }

  get bootEpochNs(): bigint {
    return this.epochNs;
  }

  /** Wall-clock nanoseconds since the Unix epoch at instruction count `icount`. */
  nowNs(icount: number): bigint {
    return this.epochNs + BigInt(this.clock.nowNs(icount));
  }

  /** For clock_gettime(CLOCK_REALTIME). */
  timespec(icount: number): Timespec {
    const ns = this.nowNs(icount);
    return { sec: Number(ns / NS_PER_SEC), nsec: Number(ns % NS_PER_SEC) };
  }

  /** For gettimeofday. */
  timeval(icount: number): Timeval {
    const { sec, nsec } = this.timespec(icount);
    return { sec, usec: Math.floor(nsec / 1000) };
  }

  /** For time(): whole seconds since the epoch. */
  seconds(icount: number): number {
    return this.timespec(icount).sec;
  }

  getState(): RtcState {
    return { version: RTC_STATE_VERSION, bootEpochNs: this.epochNs.toString() };
  }

  setState(state: unknown): void {
    const s = expectState('rtc', state, RTC_STATE_VERSION);
    const raw = s['bootEpochNs'];
    if (typeof raw !== 'string' || !/^(0|[1-9][0-9]*)$/.test(raw)) {
      throw new DeviceStateError('rtc', `field bootEpochNs must be a decimal string, got ${String(raw)}`);
    }
    const epoch = BigInt(raw);
    if (!validEpoch(epoch)) throw new DeviceStateError('rtc', `bootEpochNs out of range: ${raw}`);
    this.epochNs = epoch;
  }
}

function validEpoch(ns: bigint): boolean {
  return typeof ns === 'bigint' && ns >= 0n && ns <= MAX_EPOCH_NS;
}
