import { describe, expect, it } from 'vitest';
import { NS_PER_INSTRUCTION, VirtualClock } from '../src/hw/clock.js';
import { TICK_NS, Timer, type TimerExpiry } from '../src/hw/timer.js';

const TICK_ICOUNT = TICK_NS / NS_PER_INSTRUCTION;

describe('VirtualClock', () => {
  it('derives virtual time from icount plus idle skips', () => {
    const clock = new VirtualClock();
    expect(clock.nowNs(0)).toBe(0);
    expect(clock.nowNs(1234)).toBe(1234 * NS_PER_INSTRUCTION);
    expect(clock.skipTo(100, 5_000)).toBe(5_000 - 100 * NS_PER_INSTRUCTION);
    expect(clock.nowNs(100)).toBe(5_000);
    expect(clock.nowNs(101)).toBe(5_000 + NS_PER_INSTRUCTION);
    expect(clock.idleNs).toBe(4_000);
  });

  it('never goes backwards on a skip to the past', () => {
    const clock = new VirtualClock();
    expect(clock.skipTo(1000, 5)).toBe(0);
    expect(clock.nowNs(1000)).toBe(1000 * NS_PER_INSTRUCTION);
  });

  it('maps a time to the first icount that reaches it', () => {
    const clock = new VirtualClock();
    expect(clock.icountAt(0)).toBe(0);
    expect(clock.icountAt(NS_PER_INSTRUCTION * 7)).toBe(7);
    expect(clock.icountAt(NS_PER_INSTRUCTION * 7 + 1)).toBe(8);
    clock.addIdleNs(1_000);
    expect(clock.icountAt(1_000)).toBe(0);
    expect(clock.nowNs(clock.icountAt(12_345))).toBeGreaterThanOrEqual(12_345);
    expect(clock.nowNs(clock.icountAt(12_345) - 1)).toBeLessThan(12_345);
  });

  it('refuses an icount that would lose precision', () => {
    const clock = new VirtualClock();
    expect(() => clock.nowNs(Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
    expect(() => clock.nowNs(-1)).toThrow(RangeError);
  });

  it('saves and restores, and rejects bad or newer state', () => {
    const clock = new VirtualClock();
    clock.addIdleNs(42);
    const copy = new VirtualClock();
    copy.setState(JSON.parse(JSON.stringify(clock.getState())));
    expect(copy.nowNs(10)).toBe(clock.nowNs(10));
    expect(() => copy.setState({ version: 2, idleNs: 0 })).toThrow(/newer/);
    expect(() => copy.setState({ version: 1, idleNs: -1 })).toThrow(/idleNs/);
    expect(() => copy.setState(null)).toThrow(/object/);
  });
});

describe('Timer', () => {
  it('ticks at 100 Hz of virtual time, at exact icounts', () => {
    const clock = new VirtualClock();
    const timer = new Timer(clock);
    expect(TICK_NS).toBe(10_000_000);
    expect(timer.nextDeadlineIcount(0)).toBe(TICK_ICOUNT);
    expect(timer.expire(TICK_ICOUNT - 1)).toEqual([]);
    expect(timer.expire(TICK_ICOUNT)).toEqual([{ kind: 'tick', atNs: TICK_NS, missed: 0 }]);
    expect(timer.expire(TICK_ICOUNT)).toEqual([]);
    expect(timer.nextDeadlineIcount(TICK_ICOUNT)).toBe(2 * TICK_ICOUNT);
  });

  it('gives the run loop a budget that ends exactly at a one-shot deadline', () => {
    const clock = new VirtualClock();
    const timer = new Timer(clock);
    timer.addDeadline(8, 1_234_567);
    const at = timer.nextDeadlineIcount(0);
    expect(at).toBe(Math.ceil(1_234_567 / NS_PER_INSTRUCTION));
    expect(timer.expire(at - 1)).toEqual([]);
    expect(timer.expire(at)).toEqual([{ kind: 'deadline', id: 8, atNs: 1_234_567 }]);
    expect(timer.deadlineNs(8)).toBeUndefined();
  });

  it('returns the current icount when an event is already overdue', () => {
    const timer = new Timer(new VirtualClock());
    timer.addDeadline(1, 0);
    expect(timer.nextDeadlineIcount(500)).toBe(500);
  });

  it('fires simultaneous events in a deterministic order: time, then tick, then arming order', () => {
    const timer = new Timer(new VirtualClock());
    timer.addDeadline(30, TICK_NS);
    timer.addDeadline(10, TICK_NS);
    timer.addDeadline(20, TICK_NS - 5);
    const fired = timer.expire(TICK_ICOUNT);
    expect(fired.map((e: TimerExpiry) => (e.kind === 'tick' ? 'tick' : e.id))).toEqual([20, 'tick', 30, 10]);
  });

  it('cancels and re-arms deadlines', () => {
    const timer = new Timer(new VirtualClock());
    timer.addDeadline(1, 100);
    expect(timer.cancelDeadline(1)).toBe(true);
    expect(timer.cancelDeadline(1)).toBe(false);
    timer.addDeadline(2, 100);
    timer.addDeadline(2, 500);
    expect(timer.expire(10)).toEqual([]);
    expect(timer.expire(50)).toEqual([{ kind: 'deadline', id: 2, atNs: 500 }]);
  });

  it('idle-skips to the next one-shot deadline, coalescing missed ticks', () => {
    const clock = new VirtualClock();
    const timer = new Timer(clock);
    expect(timer.skipToNextDeadline(0)).toBeNull();
    timer.addDeadline(9, 3 * TICK_NS + 7); // nanosleep(30 ms + 7 ns)
    const skipped = timer.skipToNextDeadline(100);
    expect(skipped).toBe(3 * TICK_NS + 7 - 100 * NS_PER_INSTRUCTION);
    expect(clock.nowNs(100)).toBe(3 * TICK_NS + 7);
    expect(timer.nextDeadlineIcount(100)).toBe(100);
    expect(timer.expire(100)).toEqual([
      { kind: 'tick', atNs: TICK_NS, missed: 2 },
      { kind: 'deadline', id: 9, atNs: 3 * TICK_NS + 7 },
    ]);
    // The tick stays aligned to multiples of TICK_NS of virtual time.
    expect(timer.nextEventNs()).toBe(4 * TICK_NS);
    // After an idle skip icount and ns are no longer aligned: the tick lands on the first
    // instruction boundary at or after it.
    const tickAt = clock.nowNs(timer.nextDeadlineIcount(100));
    expect(tickAt).toBeGreaterThanOrEqual(4 * TICK_NS);
    expect(tickAt).toBeLessThan(4 * TICK_NS + NS_PER_INSTRUCTION);
  });

  it('save -> restore -> keeps running identically', () => {
    const run = (clock: VirtualClock, timer: Timer, from: number, steps: number): TimerExpiry[] => {
      const out: TimerExpiry[] = [];
      let now = from;
      for (let i = 0; i < steps; i++) {
        now = timer.nextDeadlineIcount(now);
        out.push(...timer.expire(now));
        if (i % 3 === 0) timer.addDeadline(i, clock.nowNs(now) + 1_500_000 * (i % 5));
        if (i % 7 === 0) timer.skipToNextDeadline(now);
      }
      return out;
    };
    const clock = new VirtualClock();
    const timer = new Timer(clock);
    timer.addDeadline(100, 25_000_000);
    timer.addDeadline(101, 3);
    run(clock, timer, 0, 10);
    const now = 10 * TICK_ICOUNT;
    const saved = JSON.parse(JSON.stringify({ clock: clock.getState(), timer: timer.getState() }));

    const clock2 = new VirtualClock();
    const timer2 = new Timer(clock2);
    clock2.setState(saved.clock);
    timer2.setState(saved.timer);
    expect(timer2.getState()).toEqual(timer.getState());
    const a = run(clock, timer, now, 40);
    const b = run(clock2, timer2, now, 40);
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(40);
    expect(timer2.getState()).toEqual(timer.getState());
  });

  it('rejects malformed state without changing anything', () => {
    const timer = new Timer(new VirtualClock());
    timer.addDeadline(1, 10);
    const before = timer.getState();
    expect(() => timer.setState({ ...before, version: 9 })).toThrow(/newer/);
    expect(() => timer.setState({ ...before, deadlines: [{ id: 1, atNs: 5, seq: 0 }, { id: 1, atNs: 6, seq: 0 }] })).toThrow(
      /twice/,
    );
    expect(() => timer.setState({ ...before, deadlines: [{ id: 1, atNs: -5, seq: 0 }] })).toThrow(/atNs/);
    expect(() => timer.setState({ ...before, deadlines: 'x' })).toThrow(/deadlines/);
    expect(timer.getState()).toEqual(before);
  });
});
