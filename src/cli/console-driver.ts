/**
 * Drives a booted machine with its console attached to this process: output to stdout, input
 * from the setup's source (a terminal in raw mode, where Ctrl-] leaves; a file fed a line each
 * time every process waits; a pipe). The machine runs through a Runner: the machine itself
 * (`xrr run`) or the timeline's Recorder (`xrr record`, `xrr fork`), which snapshots on the way.
 */
import type { IdleUntil, Machine, RunOptions, RunStop } from '../core/machine.js';
import type { RunSetup } from './run-setup.js';

export interface Runner {
  readonly machine: Machine;
  run(maxIcount: number, stopEarly: (() => boolean) | undefined, opts: RunOptions): RunStop | IdleUntil;
}

/** The machine as its own Runner (nothing recorded). */
export function plainRunner(machine: Machine): Runner {
  return { machine, run: (max, stopEarly, opts) => machine.run(max, stopEarly, opts) };
}

/** Instructions between two looks at typed input. */
const SLICE = 20_000_000;

export async function driveConsole(runner: Runner, setup: Pick<RunSetup, 'input' | 'maxInstructions'>): Promise<RunStop | IdleUntil> {
  const machine = runner.machine;
  machine.connect({ console: (bytes) => process.stdout.write(bytes) });
  const limit = setup.maxInstructions ?? Number.MAX_SAFE_INTEGER;
  const pending: Uint8Array[] = [];
  const source = setup.input;
  let inputEnded = source === 'none';
  let quit = false;
  let wake: (() => void) | undefined;
  const feed = (chunk: Uint8Array) => {
    pending.push(chunk);
    wake?.();
  };

  if (source instanceof Uint8Array) {
    // One line at a time, each when every process waits: as if typed at the prompt.
    let start = 0;
    for (let i = 0; i < source.length; i++) {
      if (source[i] === 0x0a) {
        pending.push(source.subarray(start, i + 1));
        start = i + 1;
      }
    }
    if (start < source.length) pending.push(source.subarray(start));
    inputEnded = true;
  }
  const stream = source === 'tty' ? process.stdin : typeof source === 'object' && !(source instanceof Uint8Array) ? source : undefined;
  if (stream) {
    if (source === 'tty') process.stdin.setRawMode(true);
    stream.on('data', (d: Buffer | string) => {
      const bytes = typeof d === 'string' ? Buffer.from(d) : d;
      if (source === 'tty' && bytes.includes(0x1d)) {
        // Ctrl-] leaves, as in telnet: Ctrl-C belongs to the guest.
        inputEnded = true;
        quit = true;
        wake?.();
        return;
      }
      feed(Uint8Array.from(bytes));
    });
    stream.on('end', () => {
      inputEnded = true;
      wake?.();
    });
  }
  // At a terminal the run is live: idle time follows the host clock (`sleep 30` takes 30 s), and
  // the skip is made, or a key typed meanwhile goes in, once that has passed. Without one, skipped.
  const live: RunOptions = { holdIdleSkips: source === 'tty' };
  try {
    for (;;) {
      const stop = runner.run(Math.min(limit, machine.icount + SLICE), undefined, live);
      if (stop.kind === 'halted' || quit) return stop;
      if (stop.kind === 'limit') {
        if (machine.icount >= limit) return stop;
        // Scripted input waits until the machine waits for it; typed input goes in at once.
        if (source instanceof Uint8Array) continue;
        await new Promise((r) => setImmediate(r)); // let typed input arrive between slices
        if (pending.length === 0) continue;
      }
      const next = pending.shift();
      if (next) {
        machine.input(next);
        continue;
      }
      if (stop.kind === 'idle-until') {
        const since = process.hrtime.bigint();
        const waited = () => Number(process.hrtime.bigint() - since);
        while (pending.length === 0 && !quit && waited() < stop.ns) {
          const timer = setTimeout(() => wake?.(), Math.min(Math.ceil((stop.ns - waited()) / 1e6), 2 ** 31 - 1));
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          clearTimeout(timer);
        }
        const ns = waited();
        if (ns >= stop.ns) machine.skipIdle();
        else machine.idle(ns);
        continue;
      }
      if (stop.kind === 'idle') {
        if (inputEnded) return stop;
        const waitStart = process.hrtime.bigint();
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        machine.idle(Number(process.hrtime.bigint() - waitStart));
      }
    }
  } finally {
    if (source === 'tty') process.stdin.setRawMode(false);
    if (stream) {
      stream.removeAllListeners('data');
      stream.pause();
    }
  }
}
