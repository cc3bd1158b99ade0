/**
 * Everything the machine gives out goes through one typed bus: its events, the bytes it writes
 * to the console, and the keys of each Lattice channel as it is set up. A recorder, a replayer,
 * a terminal or a test connects listeners here rather than assigning fields of the kernel, and a
 * fork reroutes the events of a running machine to another branch with one call.
 *
 * Emitting is a direct call to the one listener of each output: the bus sits on the per-event
 * path, so it keeps no list to iterate.
 */
import type { ChannelKeyEntry } from './ipc/index.js';
import type { EventSink, MachineEvent } from './events.js';

/** The keys of a channel, reported when it is set up (the journal's channel_key rows). */
export interface ChannelKeysReport {
  readonly icount: number;
  readonly initiator: number;
  readonly responder: number;
  readonly directions: readonly ChannelKeyEntry[];
}

export interface MachineOutputs {
  /** Every event, in (icount, seq) order. */
  readonly events: EventSink;
  /** Bytes the guest wrote to the console (the UART's transmit side). */
  readonly console: (bytes: Uint8Array) => void;
  /** Keys of each channel as it is set up. */
  readonly channelKeys: (keys: ChannelKeysReport) => void;
}

const NOWHERE: MachineOutputs = {
  events: { emit: () => undefined },
  console: () => undefined,
  channelKeys: () => undefined,
};

export class OutputBus {
  private out: MachineOutputs;

  constructor(initial: Partial<MachineOutputs> = {}) {
    this.out = { ...NOWHERE, ...initial };
  }

  /**
   * Route the named outputs to `listeners` (the others keep theirs). Returns a function that puts
   * back what these replaced.
   */
  connect(listeners: Partial<MachineOutputs>): () => void {
    const before = this.out;
    this.out = { ...this.out, ...listeners };
    return () => {
      this.out = { ...this.out, ...pick(before, Object.keys(listeners) as (keyof MachineOutputs)[]) };
    };
  }

  event(e: MachineEvent): void {
    this.out.events.emit(e);
  }

  console(bytes: Uint8Array): void {
    this.out.console(bytes);
  }

  channelKeys(keys: ChannelKeysReport): void {
    this.out.channelKeys(keys);
  }
}

function pick(o: MachineOutputs, keys: readonly (keyof MachineOutputs)[]): Partial<MachineOutputs> {
  const r: { -readonly [K in keyof MachineOutputs]?: MachineOutputs[K] } = {};
  for (const k of keys) (r as Record<string, unknown>)[k] = o[k];
  return r;
}
