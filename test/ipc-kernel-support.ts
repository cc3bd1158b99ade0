/**
 * A machine for the IPC and crash tests: the real servers and guest image, with the options those
 * tests need (encryption on or off, Reincarnation Server policy, what to do on give-up, hang deadline),
 * run with console input fed whenever every process waits for it.
 */
import { ArrayEventSink, type MachineEvent } from '../src/core/events.js';
import { Machine, type MachineConfig, type RunStop } from '../src/core/machine.js';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { createServers } from '../src/servers/create-servers.js';
import type { RsPolicy } from '../src/servers/rs/rs-server.js';
import { seedBytes } from './support/boot.js';

const image = loadGuestImage();
const EPOCH = 1_750_000_000_000_000_000n;

export interface TestMachineOptions {
  readonly seed?: number;
  readonly files?: Record<string, Uint8Array>;
  readonly initArgv?: string[];
  readonly encryptIpc?: boolean;
  readonly rsPolicy?: RsPolicy;
  readonly onServerGiveUp?: MachineConfig['onServerGiveUp'];
  readonly hangDeadlineNs?: number;
  /** Called with each event as it is emitted (before the machine goes on). */
  readonly onEmit?: (e: MachineEvent) => void;
}

export interface TestMachine {
  readonly machine: Machine;
  readonly events: MachineEvent[];
  output(): string;
  /** Run, feeding `input` line by line whenever the machine idles; returns the last stop. */
  run(input?: string[], limit?: number): RunStop;
  of<K extends MachineEvent['kind']>(kind: K): Extract<MachineEvent, { kind: K }>[];
}

export function testMachine(opts: TestMachineOptions = {}): TestMachine {
  const sink = new ArrayEventSink();
  const onEmit = opts.onEmit;
  if (onEmit) {
    const push = sink.emit.bind(sink);
    sink.emit = (e) => {
      onEmit(e);
      push(e);
    };
  }
  const files = Object.entries(opts.files ?? {}).map(([path, data]) => ({ path, kind: 'file' as const, mode: 0o755, data }));
  const machine = new Machine({
    seed: seedBytes(opts.seed ?? 1),
    bootEpochNs: EPOCH,
    servers: createServers([...image.entries, ...files], EPOCH, opts.rsPolicy),
    sink,
    initArgv: opts.initArgv,
    encryptIpc: opts.encryptIpc,
    onServerGiveUp: opts.onServerGiveUp,
    hangDeadlineNs: opts.hangDeadlineNs,
  });
  let out = '';
  machine.connect({ console: (b) => (out += Buffer.from(b).toString('latin1')) });
  const err = machine.boot();
  if (err) throw new Error(err);
  return {
    machine,
    events: sink.events,
    output: () => out,
    run(input = [], limit = 2_000_000_000) {
      const rest = [...input];
      for (;;) {
        const stop = machine.run(limit);
        if (stop.kind === 'idle' && rest.length > 0) {
          machine.input(new TextEncoder().encode(rest.shift()!));
          continue;
        }
        return stop;
      }
    },
    of: (kind) => sink.events.filter((e) => e.kind === kind) as never,
  };
}
