/**
 * Boots the real machine (real servers, the committed guest image) for tests, with the console
 * captured, and runs it with scripted input.
 */
import { ArrayEventSink } from '../../src/core/events.js';
import { Machine, type RunStop } from '../../src/core/machine.js';
import { loadGuestImage } from '../../src/cli/guest-image.js';
import { createServers } from '../../src/servers/create-servers.js';

const image = loadGuestImage();

export interface BootOptions {
  readonly seed?: number;
  readonly initArgv?: string[];
  readonly maxInstructions?: number;
  /** Console input, fed whenever every process waits for input. */
  readonly input?: string[];
  /** Extra files in the root filesystem (mode 0755). */
  readonly files?: Record<string, Uint8Array>;
}

export interface BootResult {
  readonly machine: Machine;
  readonly output: string;
  readonly stop: RunStop;
  readonly events: ArrayEventSink['events'];
  /** How many of the input strings were fed. */
  readonly inputUsed: number;
}

export function seedBytes(n: number): Uint8Array {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, n, true);
  return s;
}

/** A machine not yet booted, with its console captured. */
export function newMachine(opts: BootOptions = {}): { machine: Machine; sink: ArrayEventSink; output: () => string } {
  const sink = new ArrayEventSink();
  const epoch = 1_750_000_000_000_000_000n;
  const machine = new Machine({
    seed: seedBytes(opts.seed ?? 1),
    bootEpochNs: epoch,
    servers: createServers(
      [...image.entries, ...Object.entries(opts.files ?? {}).map(([path, data]) => ({ path, kind: 'file' as const, mode: 0o755, data }))],
      epoch,
    ),
    sink,
    initArgv: opts.initArgv,
  });
  let output = '';
  machine.connect({ console: (b) => (output += Buffer.from(b).toString('latin1')) });
  return { machine, sink, output: () => output };
}

export function bootMachine(opts: BootOptions = {}): BootResult {
  const { machine, sink, output } = newMachine(opts);
  const err = machine.boot();
  if (err) throw new Error(err);
  const input = [...(opts.input ?? [])];
  let inputUsed = 0;
  const limit = opts.maxInstructions ?? 2_000_000_000;
  let stop: RunStop;
  for (;;) {
    stop = machine.run(limit);
    if (stop.kind === 'idle' && input.length > 0) {
      machine.input(new TextEncoder().encode(input.shift()!));
      inputUsed++;
      continue;
    }
    break;
  }
  return { machine, output: output(), stop, events: sink.events, inputUsed };
}
