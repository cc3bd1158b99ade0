/**
 * Where a Replayer stops: the one interface that seeks, steps, continue / reverse-continue,
 * breakpoints and watchpoints (a gdb stub), last-write queries and `explain` drive. A run stops
 * at the first instruction boundary where any of its conditions holds; positions are instruction
 * boundaries, so an event stop lands after every event the machine emits at that boundary.
 */
import type { MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { Divergence } from './divergence.js';

export type StopAt =
  /** The machine at this icount, before any recorded input that arrived at it (a seek). */
  | { readonly kind: 'icount'; readonly icount: number }
  /** At least `seq` events of the timeline applied (the timeline position). */
  | { readonly kind: 'seq'; readonly seq: number }
  /** Right after an event the machine emits (and the recording holds) for which `test` is true. */
  | { readonly kind: 'event'; readonly test: (e: MachineEvent) => boolean }
  /**
   * Process `pid` is about to execute the instruction at `pc`, having retired an instruction
   * since the run started (so a run that starts on a breakpoint does not stop there again).
   */
  | { readonly kind: 'breakpoint'; readonly pid: number; readonly pc: number }
  /**
   * Right after the instruction, or the system call (a `read` into a buffer, an exec), that
   * changed a byte of `[addr, addr + length)` in the address space of `pid`. A write of the
   * value already there is not a change (as gdb's software watchpoints).
   */
  | { readonly kind: 'watch'; readonly pid: number; readonly addr: number; readonly length: number };

/** How a Replayer's run ended: a condition held, the recording ended, it diverged, or the caller paused it. */
export type RunOutcome =
  | {
      readonly kind: 'stopped';
      /** The condition that holds (the first of the run's, in the order given, that does). */
      readonly at: StopAt;
      /** For an event stop: the event. */
      readonly event?: MachineEvent;
      /** For a watch stop: the bytes before and after (undefined when unmapped). */
      readonly before?: Uint8Array;
      readonly after?: Uint8Array;
    }
  /** Every recorded event was applied: the machine is where the recording ends. */
  | { readonly kind: 'end' }
  | { readonly kind: 'divergence'; readonly divergence: Divergence }
  /** The caller's stopEarly asked to stop (host time slices); run again to go on. */
  | { readonly kind: 'paused' };

/** The bytes of a watched range now (undefined when any of it is unmapped or the process is gone). */
export function watchedBytes(machine: Machine, w: Extract<StopAt, { kind: 'watch' }>): Uint8Array | undefined {
  return machine.kernel.procs.get(w.pid)?.mem.peek(w.addr >>> 0, w.length);
}

/**
 * Where process `pid` is: its pc, instructions retired, and whether it may run (ready or on the
 * CPU); undefined when it has no registers.
 */
export function processPosition(machine: Machine, pid: number): { readonly pc: number; readonly retired: number; readonly runnable: boolean } | undefined {
  const p = machine.kernel.procs.get(pid);
  return p ? { pc: p.pc >>> 0, retired: p.icount, runnable: p.state === 'ready' || p.state === 'running' } : undefined;
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
