/** Every kind of machine event, for `--kind` options: a record over the union, so a new kind that is not listed does not compile. */
import type { MachineEventKind } from '../core/events.js';

const KINDS: Readonly<Record<MachineEventKind, true>> = {
  boot: true, 'console-input': true, idle: true, 'timer-skip': true, irq: true, 'console-output': true, sched: true,
  syscall: true, 'syscall-return': true, ipc: true, 'ipc-reject': true, 'ipc-denied': true, 'ipc-fault': true,
  channel: true, 'server-crash': true, 'server-restart': true, 'server-down': true, inject: true, chaos: true,
  trap: true, signal: true, fork: true, exec: true, exit: true, halt: true,
  schedule: true, deadlock: true,
};

export const EVENT_KINDS: readonly MachineEventKind[] = Object.keys(KINDS) as MachineEventKind[];

export function isEventKind(s: string): s is MachineEventKind {
  return Object.hasOwn(KINDS, s);
}
