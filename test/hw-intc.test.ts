import { describe, expect, it } from 'vitest';
import { InterruptController, IRQ } from '../src/hw/intc.js';

describe('InterruptController', () => {
  it('offers only enabled pending lines', () => {
    const intc = new InterruptController();
    intc.raise(IRQ.UART);
    expect(intc.isPending(IRQ.UART)).toBe(true);
    expect(intc.hasPending()).toBe(false);
    expect(intc.claim()).toBeNull();
    intc.enable(IRQ.UART);
    expect(intc.hasPending()).toBe(true);
    expect(intc.claim()).toBe(IRQ.UART);
  });

  it('claims the lowest-numbered line first, deterministically', () => {
    const intc = new InterruptController();
    intc.setEnableMask(0xffffffff);
    intc.raise(31);
    intc.raise(5);
    intc.raise(IRQ.TIMER);
    expect(intc.claim()).toBe(IRQ.TIMER);
    expect(intc.claim()).toBe(5);
    expect(intc.claim()).toBe(31);
    expect(intc.claim()).toBeNull();
  });

  it('latches an edge until claimed and keeps a line out of reach while in service', () => {
    const intc = new InterruptController();
    intc.enable(IRQ.TIMER);
    intc.raise(IRQ.TIMER);
    expect(intc.claim()).toBe(IRQ.TIMER);
    expect(intc.isPending(IRQ.TIMER)).toBe(false);
    intc.raise(IRQ.TIMER); // another tick arrives during service
    expect(intc.claim()).toBeNull();
    intc.complete(IRQ.TIMER);
    expect(intc.claim()).toBe(IRQ.TIMER);
    intc.complete(IRQ.TIMER);
    expect(intc.claim()).toBeNull();
  });

  it('re-offers a level line after complete while the device still asserts it', () => {
    const intc = new InterruptController();
    intc.enable(IRQ.UART);
    intc.setLevel(IRQ.UART, true);
    expect(intc.claim()).toBe(IRQ.UART);
    intc.complete(IRQ.UART);
    expect(intc.claim()).toBe(IRQ.UART);
    intc.setLevel(IRQ.UART, false);
    intc.complete(IRQ.UART);
    expect(intc.claim()).toBeNull();
  });

  it('treats completing an unclaimed line and a bad line number as bugs', () => {
    const intc = new InterruptController();
    expect(() => intc.complete(IRQ.UART)).toThrow(/not in service/);
    expect(() => intc.raise(32)).toThrow(RangeError);
  });

  it('save -> restore -> keeps running', () => {
    const intc = new InterruptController();
    intc.setEnableMask(0b111);
    intc.raise(2);
    intc.setLevel(1, true);
    intc.raise(0);
    expect(intc.claim()).toBe(0);
    const copy = new InterruptController();
    copy.setState(JSON.parse(JSON.stringify(intc.getState())));
    for (const c of [intc, copy]) {
      expect(c.claim()).toBe(1);
      expect(c.claim()).toBe(2);
      c.complete(0);
      c.complete(1);
      expect(c.claim()).toBe(1);
    }
    expect(copy.getState()).toEqual(intc.getState());
    expect(() => copy.setState({ version: 1, enabled: 0, latched: 0, level: 0 })).toThrow(/inService/);
    expect(() => copy.setState({ version: 2, enabled: 0, latched: 0, level: 0, inService: 0 })).toThrow(/newer/);
  });
});
