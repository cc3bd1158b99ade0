/**
 * The timer: a periodic scheduler tick at TICK_HZ of virtual time and one-shot deadlines (nanosleep,
 * restart backoff, ...). Events are due at exact virtual nanoseconds; `nextDeadlineIcount` turns the
 * nearest one into the instruction count at which the run loop must stop the CPU, and `expire`
 * reports everything due, in a deterministic order.
 *
 * The timer shares the machine's VirtualClock (passed at construction, not part of the state):
 * restore the clock's state and the timer's state side by side.
 */
import type { VirtualClock } from './clock.js';
import { DeviceStateError, expectInt, expectState } from './state.js';

/** XINIM's scheduler tick rate. */
export const TICK_HZ = 100;
export const TICK_NS = 1_000_000_000 / TICK_HZ;

/** Caller-chosen id of a one-shot deadline (e.g. the sleeping pid). */
export type DeadlineId = number;

export type TimerExpiry =
  /** `missed` counts tick periods that passed entirely inside an idle skip (coalesced into this one). */
  | { readonly kind: 'tick'; readonly atNs: number; readonly missed: number }
  | { readonly kind: 'deadline'; readonly id: DeadlineId; readonly atNs: number };

export interface TimerState {
  readonly version: 1;
  readonly nextTickNs: number;
  /** One-shot deadlines; `seq` orders deadlines due at the same nanosecond (first armed, first fired). */
  readonly deadlines: readonly { readonly id: DeadlineId; readonly atNs: number; readonly seq: number }[];
  readonly nextSeq: number;
}

const TIMER_STATE_VERSION = 1;

interface Deadline {
  atNs: number;
  seq: number;
}

export class Timer {
  private nextTickNs = TICK_NS;
  private readonly deadlines = new Map<DeadlineId, Deadline>();
  private nextSeq = 0;

  constructor(private readonly clock: VirtualClock) {}

  /** Arms (or re-arms, replacing the previous one) the one-shot deadline `id` at virtual `atNs`. */
  addDeadline(id: DeadlineId, atNs: number): void {
    if (!Number.isSafeInteger(id)) throw new RangeError(`deadline id must be a safe integer, got ${id}`);
    if (!Number.isSafeInteger(atNs) || atNs < 0) throw new RangeError(`deadline must be a non-negative safe integer ns, got ${atNs}`);
    this.deadlines.set(id, { atNs, seq: this.nextSeq++ });
  }

  /** Disarms deadline `id`; returns whether it was armed. */
  cancelDeadline(id: DeadlineId): boolean {
    return this.deadlines.delete(id);
  }

  deadlineNs(id: DeadlineId): number | undefined {
    return this.deadlines.get(id)?.atNs;
  }

  /** Virtual ns of the nearest one-shot deadline, ignoring the tick (what an idle machine waits for). */
  nextOneShotNs(): number | null {
    let best: number | null = null;
    for (const d of this.deadlines.values()) if (best === null || d.atNs < best) best = d.atNs;
    return best;
  }

  /** Virtual ns of the nearest event, tick included. */
  nextEventNs(): number {
    const oneShot = this.nextOneShotNs();
    return oneShot === null ? this.nextTickNs : Math.min(oneShot, this.nextTickNs);
  }

  /**
   * The instruction count at which the nearest event is due, never before `nowIcount`: the CPU may
   * run exactly `nextDeadlineIcount(now) - now` instructions before `expire` must be called.
   */
  nextDeadlineIcount(nowIcount: number): number {
    return Math.max(nowIcount, this.clock.icountAt(this.nextEventNs()));
  }

  /** Removes and returns every event due at `nowIcount`, ordered by (time, tick first, arming order). */
  expire(nowIcount: number): TimerExpiry[] {
    const now = this.clock.nowNs(nowIcount);
    const fired: (TimerExpiry & { seq: number })[] = [];
    if (now >= this.nextTickNs) {
      const missed = Math.floor((now - this.nextTickNs) / TICK_NS);
      // Stay aligned to multiples of TICK_NS; ticks skipped while idle are coalesced, as a tickless
      // kernel would: nobody was running to preempt.
      fired.push({ kind: 'tick', atNs: this.nextTickNs, missed, seq: -1 });
      this.nextTickNs += (missed + 1) * TICK_NS;
    }
    for (const [id, d] of this.deadlines) {
      if (d.atNs <= now) fired.push({ kind: 'deadline', id, atNs: d.atNs, seq: d.seq });
    }
    fired.sort((a, b) => a.atNs - b.atNs || a.seq - b.seq);
    return fired.map((e) => {
      if (e.kind === 'tick') return { kind: 'tick', atNs: e.atNs, missed: e.missed };
      this.deadlines.delete(e.id);
      return { kind: 'deadline', id: e.id, atNs: e.atNs };
    });
  }

  /**
   * Idle skip when every process is blocked: advance virtual time to the nearest one-shot deadline
   * (the tick wakes nobody, so it is not waited for). Returns the ns skipped, or null if no deadline
   * is armed (a live run then waits for console input; an exhausted scripted run ends).
   */
  skipToNextDeadline(nowIcount: number): number | null {
    const target = this.nextOneShotNs();
    if (target === null) return null;
    return this.clock.skipTo(nowIcount, target);
  }

  getState(): TimerState {
    const deadlines = [...this.deadlines].map(([id, d]) => ({ id, atNs: d.atNs, seq: d.seq }));
    deadlines.sort((a, b) => a.seq - b.seq);
    return { version: TIMER_STATE_VERSION, nextTickNs: this.nextTickNs, deadlines, nextSeq: this.nextSeq };
  }

  setState(state: unknown): void {
    const s = expectState('timer', state, TIMER_STATE_VERSION);
    const nextTickNs = expectInt('timer', s, 'nextTickNs', 0, Number.MAX_SAFE_INTEGER);
    const nextSeq = expectInt('timer', s, 'nextSeq', 0, Number.MAX_SAFE_INTEGER);
    const raw = s['deadlines'];
    if (!Array.isArray(raw)) throw new DeviceStateError('timer', 'field deadlines must be an array');
    const deadlines = new Map<DeadlineId, Deadline>();
    for (const entry of raw) {
      if (typeof entry !== 'object' || entry === null) throw new DeviceStateError('timer', 'deadline entry must be an object');
      const e = entry as Record<string, unknown>;
      const id = expectInt('timer', e, 'id', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const atNs = expectInt('timer', e, 'atNs', 0, Number.MAX_SAFE_INTEGER);
      const seq = expectInt('timer', e, 'seq', 0, nextSeq - 1);
      if (deadlines.has(id)) throw new DeviceStateError('timer', `deadline id ${id} appears twice`);
      deadlines.set(id, { atNs, seq });
    }
    this.nextTickNs = nextTickNs;
    this.nextSeq = nextSeq;
    this.deadlines.clear();
    for (const [id, d] of [...deadlines].sort((a, b) => a[1].seq - b[1].seq)) this.deadlines.set(id, d);
  }
}
