/**
 * The interrupt controller, modelled on the RISC-V PLIC's claim/complete protocol with a fixed
 * priority: the lowest-numbered pending, enabled line that is not already in service wins.
 *
 * Two kinds of source:
 * - edge (`raise`): latches the line pending until it is claimed (the timer tick);
 * - level (`setLevel`): the line is pending for as long as the device asserts it (the UART's
 *   `irqPending()`); after `complete` it is claimable again if still asserted.
 * A claimed line stays in service, and is not offered again, until `complete(line)`.
 */
import { expectInt, expectState } from './state.js';

export const NUM_IRQ_LINES = 32;

/** The machine's interrupt lines; a lower number is a higher priority. */
export const IRQ = {
  TIMER: 0,
  UART: 1,
} as const;
export type IrqLine = number;

export interface InterruptControllerState {
  readonly version: 1;
  /** Bit masks over the 32 lines. */
  readonly enabled: number;
  readonly latched: number;
  readonly level: number;
  readonly inService: number;
}

const INTC_STATE_VERSION = 1;

function bit(line: IrqLine): number {
  if (!Number.isInteger(line) || line < 0 || line >= NUM_IRQ_LINES) {
    throw new RangeError(`interrupt line must be in [0, ${NUM_IRQ_LINES}), got ${line}`);
  }
  return (1 << line) >>> 0;
}

export class InterruptController {
  private enabled = 0;
  private latched = 0;
  private level = 0;
  private inService = 0;

  /** Edge-triggered source: latch `line` pending until claimed. */
  raise(line: IrqLine): void {
    this.latched = (this.latched | bit(line)) >>> 0;
  }

  /** Level-triggered source: `line` is pending while `asserted`. */
  setLevel(line: IrqLine, asserted: boolean): void {
    const b = bit(line);
    this.level = (asserted ? this.level | b : this.level & ~b) >>> 0;
  }

  enable(line: IrqLine): void {
    this.enabled = (this.enabled | bit(line)) >>> 0;
  }

  disable(line: IrqLine): void {
    this.enabled = (this.enabled & ~bit(line)) >>> 0;
  }

  get enableMask(): number {
    return this.enabled;
  }

  setEnableMask(mask: number): void {
    this.enabled = mask >>> 0;
  }

  /** Pending (latched or asserted), regardless of enable and service state. */
  isPending(line: IrqLine): boolean {
    return ((this.latched | this.level) & bit(line)) !== 0;
  }

  isInService(line: IrqLine): boolean {
    return (this.inService & bit(line)) !== 0;
  }

  private claimable(): number {
    return ((this.latched | this.level) & this.enabled & ~this.inService) >>> 0;
  }

  /** Whether `claim()` would return a line: the CPU should take an interrupt. */
  hasPending(): boolean {
    return this.claimable() !== 0;
  }

  /** Takes the highest-priority claimable line (or null), clears its latch and marks it in service. */
  claim(): IrqLine | null {
    const c = this.claimable();
    if (c === 0) return null;
    const line = 31 - Math.clz32(c & -c);
    const b = bit(line);
    this.latched = (this.latched & ~b) >>> 0;
    this.inService = (this.inService | b) >>> 0;
    return line;
  }

  /** Ends service of a claimed line. Completing a line that was not claimed is a kernel bug. */
  complete(line: IrqLine): void {
    const b = bit(line);
    if ((this.inService & b) === 0) throw new Error(`interrupt line ${line} completed but not in service`);
    this.inService = (this.inService & ~b) >>> 0;
  }

  getState(): InterruptControllerState {
    return {
      version: INTC_STATE_VERSION,
      enabled: this.enabled,
      latched: this.latched,
      level: this.level,
      inService: this.inService,
    };
  }

  setState(state: unknown): void {
    const s = expectState('intc', state, INTC_STATE_VERSION);
    const enabled = expectInt('intc', s, 'enabled', 0, 0xffffffff);
    const latched = expectInt('intc', s, 'latched', 0, 0xffffffff);
    const level = expectInt('intc', s, 'level', 0, 0xffffffff);
    const inService = expectInt('intc', s, 'inService', 0, 0xffffffff);
    this.enabled = enabled;
    this.latched = latched;
    this.level = level;
    this.inService = inService;
  }
}
