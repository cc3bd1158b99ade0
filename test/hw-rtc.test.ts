import { describe, expect, it } from 'vitest';
import { NS_PER_INSTRUCTION, VirtualClock } from '../src/hw/clock.js';
import { Rtc } from '../src/hw/rtc.js';

// 2026-11-22T03:55:00.123456789Z: above 2^53 ns, so a number could not hold it exactly.
const EPOCH = 1_795_319_700_123_456_789n;

describe('Rtc', () => {
  it('adds virtual time to the recorded boot epoch without losing nanoseconds', () => {
    const clock = new VirtualClock();
    const rtc = new Rtc(clock, EPOCH);
    expect(rtc.nowNs(0)).toBe(EPOCH);
    expect(rtc.nowNs(1)).toBe(EPOCH + BigInt(NS_PER_INSTRUCTION));
    expect(rtc.timespec(0)).toEqual({ sec: 1_795_319_700, nsec: 123_456_789 });
    expect(rtc.timeval(0)).toEqual({ sec: 1_795_319_700, usec: 123_456 });
    expect(rtc.seconds(0)).toBe(1_795_319_700);
  });

  it('carries nanoseconds into seconds and follows idle skips', () => {
    const clock = new VirtualClock();
    const rtc = new Rtc(clock, EPOCH);
    const icount = Math.ceil(876_543_211 / NS_PER_INSTRUCTION); // crosses the second boundary
    expect(rtc.timespec(icount).sec).toBe(1_795_319_701);
    expect(rtc.timespec(icount).nsec).toBe(Number((EPOCH + BigInt(icount * NS_PER_INSTRUCTION)) % 1_000_000_000n));
    clock.addIdleNs(5_000_000_000);
    expect(rtc.timespec(icount).sec).toBe(1_795_319_706);
  });

  it('rejects an epoch it cannot represent', () => {
    expect(() => new Rtc(new VirtualClock(), -1n)).toThrow(RangeError);
    expect(() => new Rtc(new VirtualClock(), 2n ** 63n * 1_000_000_000n)).toThrow(RangeError);
  });

  it('save -> restore keeps the exact epoch through JSON', () => {
    const clock = new VirtualClock();
    const rtc = new Rtc(clock, EPOCH);
    const json = JSON.stringify(rtc.getState());
    const copy = new Rtc(clock, 0n);
    copy.setState(JSON.parse(json));
    expect(copy.bootEpochNs).toBe(EPOCH);
    expect(copy.nowNs(12345)).toBe(rtc.nowNs(12345));
    expect(() => copy.setState({ version: 1, bootEpochNs: 1.5 })).toThrow(/decimal/);
    expect(() => copy.setState({ version: 1, bootEpochNs: '-5' })).toThrow(/decimal/);
    expect(() => copy.setState({ version: 3, bootEpochNs: '5' })).toThrow(/newer/);
    expect(copy.bootEpochNs).toBe(EPOCH);
  });
});
