/**
 * Everything that happens in the machine is one of these events, keyed by the icount at
 * which it happened and a sequence number that orders events of the same icount
 * (DESIGN.md section 3). The machine emits them into an EventSink; the journal is one sink,
 * a test harness another.
 *
 * Inputs (the only nondeterministic events, which replay feeds back in) are marked in
 * INPUT_KINDS; every other kind is derived and is recomputed and compared on replay.
 */

export type MachineEventBody =
  | { readonly kind: 'boot'; readonly seedHex: string; readonly bootEpochNs: string; readonly machineVersion: string }
  | { readonly kind: 'console-input'; readonly data: readonly number[] }
  /** Input: a live run waited this long (host time) for console input. */
  | { readonly kind: 'idle'; readonly skippedNs: number }
  /** Every process was blocked: virtual time jumped to the next timer deadline. */
  | { readonly kind: 'timer-skip'; readonly skippedNs: number }
  | { readonly kind: 'irq'; readonly line: number }
  | { readonly kind: 'console-output'; readonly data: readonly number[] }
  | { readonly kind: 'sched'; readonly from: number; readonly to: number; readonly reason: string }
  | { readonly kind: 'syscall'; readonly pid: number; readonly nr: number; readonly name: string; readonly args: readonly number[] }
  | { readonly kind: 'syscall-return'; readonly pid: number; readonly nr: number; readonly result: number }
  | { readonly kind: 'ipc'; readonly src: number; readonly dst: number; readonly mType: number; readonly payloadHex: string }
  | { readonly kind: 'trap'; readonly pid: number; readonly cause: number; readonly pc: number; readonly tval: number }
  | { readonly kind: 'signal'; readonly pid: number; readonly signo: number; readonly action: 'deliver' | 'terminate' | 'interrupt' }
  | { readonly kind: 'fork'; readonly parent: number; readonly child: number }
  | { readonly kind: 'exec'; readonly pid: number; readonly path: string }
  | { readonly kind: 'exit'; readonly pid: number; readonly status: number }
  | { readonly kind: 'halt'; readonly reason: string; readonly status: number };

export type MachineEventKind = MachineEventBody['kind'];

export type MachineEvent = MachineEventBody & { readonly icount: number; readonly seq: number };

/** Kinds whose content comes from outside the machine; replay feeds them back in. */
export const INPUT_KINDS: ReadonlySet<MachineEventKind> = new Set(['boot', 'console-input', 'idle']);

export interface EventSink {
  emit(event: MachineEvent): void;
}

/** Drops every event (a run nobody records). */
export class NullEventSink implements EventSink {
  emit(): void {}
}

/** Keeps every event in memory (tests, short runs). */
export class ArrayEventSink implements EventSink {
  readonly events: MachineEvent[] = [];
  emit(event: MachineEvent): void {
    this.events.push(event);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexOf(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX[bytes[i]!]!;
  return parts.join('');
}
