/**
 * Drives a booted machine with its console attached to this process: output to stdout, input
 * from the setup's source (a terminal in raw mode, where Ctrl-] leaves; a file fed a line each
 * time every process waits; a pipe). The machine runs through a Runner: the machine itself
 * (`xrr run`) or the timeline's Recorder (`xrr record`, `xrr fork`), which snapshots on the way.
 *
 * A recording's driver gives a Journaling: what it has is committed whenever the machine waits
 * for input and at least every COMMIT_MS of host time, so a kill loses at most that much; SIGTERM,
 * SIGHUP and SIGINT end the run (the caller then closes the journal), and so does a journal
 * that can no longer be written.
 */
import { constants } from 'node:os';
import type { IdleUntil, Machine, RunOptions, RunStop } from '../core/machine.js';
import type { RunSetup } from './run-setup.js';

/** Host milliseconds between two commits of a recording while the machine runs. */
export const COMMIT_MS = 1000;

/** The recording a driven run goes into. */
export interface Journaling {
  /** Commit (or hand to the writer) everything recorded so far. */
  commit(): void;
  /** Why the journal can no longer be written, or undefined. */
  failure(): string | undefined;
}

/** How a driven run ended: as the machine's run did, by a signal, or by a journal that failed. */
export type DriveStop = RunStop | { readonly kind: 'signal'; readonly signal: NodeJS.Signals } | { readonly kind: 'journal-failed'; readonly message: string };

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];

/** The exit status of a process ended by `signal` (128 + its number, as a shell reports it). */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

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

export async function driveConsole(runner: Runner, setup: Pick<RunSetup, 'input' | 'maxInstructions'>, journal?: Journaling): Promise<DriveStop> {
  const machine = runner.machine;
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  let lastCommit = performance.now();
  const commit = (): void => {
    journal?.commit();
    lastCommit = performance.now();
  };
  // Between slices of the run (after each syscall, trap or tick): give the thread back when a
  // commit is due or the run must end.
  const stopEarly = journal === undefined ? undefined : () => signalled !== undefined || performance.now() - lastCommit >= COMMIT_MS;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled ??= signal;
    wake?.();
  };
  if (journal) for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  machine.connect({ console: (bytes) => process.stdout.write(bytes) });
  const limit = setup.maxInstructions ?? Number.MAX_SAFE_INTEGER;
  const pending: Uint8Array[] = [];
  const source = setup.input;
  let inputEnded = source === 'none';
  let quit = false;
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
      const stop = runner.run(Math.min(limit, machine.icount + SLICE), stopEarly, live);
      if (journal) {
        const failure = journal.failure();
        if (failure !== undefined) return { kind: 'journal-failed', message: failure };
        if (signalled !== undefined) return { kind: 'signal', signal: signalled };
        if (stop.kind !== 'limit' || performance.now() - lastCommit >= COMMIT_MS) commit();
      }
      // Quitting while a sleep was held leaves the machine waiting, as an idle one does.
      if (stop.kind === 'halted' || quit) return stop.kind === 'idle-until' ? { kind: 'idle' } : stop;
      if (stop.kind === 'limit') {
        if (machine.icount >= limit) return stop;
        // Let signals, the writer's replies and typed input arrive between slices.
        await new Promise((r) => setImmediate(r));
        // Scripted input waits until the machine waits for it; typed input goes in at once.
        if (source instanceof Uint8Array || pending.length === 0) continue;
      }
      const next = pending.shift();
      if (next) {
        machine.input(next);
        continue;
      }
      if (stop.kind === 'idle-until') {
        const since = process.hrtime.bigint();
        const waited = () => Number(process.hrtime.bigint() - since);
        while (pending.length === 0 && !quit && signalled === undefined && waited() < stop.ns) {
          const timer = setTimeout(() => wake?.(), Math.min(Math.ceil((stop.ns - waited()) / 1e6), 2 ** 31 - 1));
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          clearTimeout(timer);
        }
        if (signalled !== undefined) return { kind: 'signal', signal: signalled };
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
        if (signalled !== undefined) return { kind: 'signal', signal: signalled };
        machine.idle(Number(process.hrtime.bigint() - waitStart));
      }
    }
  } finally {
    if (journal) for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    // A hung-up terminal cannot be put back in cooked mode; that is no reason to lose the recording.
    if (source === 'tty') {
      try {
        process.stdin.setRawMode(false);
      } catch {
        // the terminal is gone
      }
    }
    if (stream) {
      stream.removeAllListeners('data');
      stream.pause();
    }
  }
}
