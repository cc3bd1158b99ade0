/**
 * A debugger's hook on one CPU: breakpoints, and the stepping of watched loads and stores, for
 * that CPU alone (`Cpu.setDebugHook`). The machine runs exactly as without it (the same
 * instructions retire with the same effects, so the same events); the hook observes, and may
 * end a run early as if its budget were spent (a run split anywhere gives the same events).
 *
 * How the CPU honours it, without slowing the plain path (a CPU without a hook checks for one
 * once per `run` and runs its usual loop):
 * - breakpoints: translated code on a page holding a breakpoint is translated apart (its own
 *   cache entry, keyed by the breakpoints of that page) with every block ending before a
 *   breakpoint, so control reaching one always returns to the run loop, which tells the hook
 *   before the instruction executes. Pages without breakpoints run their usual code (a region
 *   never leaves its page);
 * - watches (`AddressSpace.setWatch` on the running space): watched pages take the address
 *   space's slow path, where a watched access raises a private trap before it happens; the CPU
 *   then steps that one instruction with the access reported as the instruction's own (its pc
 *   and icount) and goes back to translated code.
 */
export interface CpuDebugHook {
  /**
   * Called as each `run` starts (the kernel may have switched process or changed mappings
   * since the last): the debugger sets or refreshes its watches on address spaces here.
   * Returns the breakpoints of this run (pcs in the running address space), or undefined.
   */
  beginRun(): ReadonlySet<number> | undefined;
  /** The run is at a breakpoint, at `icount`; the instruction has not executed. */
  atBreakpoint(pc: number, icount: number): void;
  /**
   * Asked after a breakpoint and after each stepped instruction (one that made a watched
   * access, or a breakpoint's): true ends the run there, as if its budget were spent.
   */
  stopRequested(): boolean;
}
