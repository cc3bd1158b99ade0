/**
 * The events one jumps between when hunting a failure: crashes and deadlocks (`x`/`X`) and
 * traps (`t`/`T`), as kinds the store can look up by index plus a check of the event itself.
 * The kernel has no `deadlock` event kind yet: a machine that stopped because every process
 * waits halts with a reason that says so, and that halt is the deadlock's landmark; other halts
 * (init exited) are a normal end, not a failure. A server giving up (`server-down`) and its
 * crashes are the crashes.
 */
import type { MachineEvent, MachineEventKind } from '../core/events.js';

export type LandmarkKind = 'crash' | 'trap';

export interface Landmark {
  /** Kinds the store is asked for (one index lookup each). */
  readonly kinds: readonly MachineEventKind[];
  /** Whether an event of those kinds is one. */
  readonly accepts: (e: MachineEvent) => boolean;
  /** What the status line calls it. */
  readonly what: string;
}

/** A halt whose reason says every process waits: the machine deadlocked. */
export function isDeadlockHalt(e: MachineEvent): boolean {
  return e.kind === 'halt' && /deadlock|every process (is )?(blocked|waits)/i.test(e.reason);
}

export const LANDMARKS: Readonly<Record<LandmarkKind, Landmark>> = {
  crash: {
    kinds: ['server-crash', 'server-down', 'halt'],
    accepts: (e) => e.kind === 'server-crash' || e.kind === 'server-down' || isDeadlockHalt(e),
    what: 'crash/deadlock',
  },
  trap: {
    kinds: ['trap'],
    accepts: (e) => e.kind === 'trap',
    what: 'trap',
  },
};

/** Kinds the timeline marks X (halts of every reason: where a branch stopped is worth seeing) or T. */
export const TIMELINE_MARK_KINDS: readonly MachineEventKind[] = ['halt', 'server-crash', 'server-down', 'trap', 'ipc-reject'];
