/**
 * `xrr run`: boot the machine and give it a console. Interactive on a terminal (raw mode,
 * Ctrl-] leaves), scriptable otherwise: with --input the console reads a file or a pipe, and
 * the run ends when init exits, or when the input is exhausted and every process waits.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Machine, type RunStop } from '../core/machine.js';
import type { EventSink } from '../core/events.js';
import { createServers } from '../servers/create-servers.js';
import { parseArgs, usageOf, UsageError, type OptionSpec } from './args.js';
import { chaosSeed, faultsOf } from './fault-spec.js';
import { loadGuestImage, withHostFile, type GuestImage } from './guest-image.js';
import type { Fault } from '../core/events.js';

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  seed: { kind: 'string', help: 'entropy seed: 64 hex digits, or any text (hashed); random by default', valueName: 'S' },
  input: { kind: 'string', help: 'console input from FILE, or - for standard input', valueName: 'FILE|-' },
  'max-instructions': { kind: 'int', help: 'stop after N instructions (k/M/G suffixes)', valueName: 'N' },
  epoch: { kind: 'string', help: 'boot wall-clock time, ISO 8601 or seconds since 1970; now by default', valueName: 'T' },
  inject: { kind: 'list', help: 'inject a fault at boot, e.g. crash:vfs:3 (see src/cli/fault-spec.ts); repeatable', valueName: 'SPEC' },
  chaos: { kind: 'int', help: 'chaos scheduling: random picks and preemptions drawn from seed N (an input, so replay is exact)', valueName: 'N' },
  help: { kind: 'flag', help: 'show this help' },
};

export const RUN_SYNOPSIS = '[--seed S] [--input FILE|-] [--max-instructions N] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';

/** Where a run's configuration comes from: the command line, resolved to concrete inputs. */
export interface RunSetup {
  readonly seed: Uint8Array;
  readonly bootEpochNs: bigint;
  readonly image: GuestImage;
  readonly initArgv: string[];
  readonly input: 'tty' | 'none' | Uint8Array | NodeJS.ReadableStream;
  readonly maxInstructions: number | undefined;
  /** Faults injected at boot (recorded as inputs). */
  readonly faults: readonly Fault[];
  /** Chaos scheduling seed, from boot (recorded as an input). */
  readonly chaos: number | undefined;
  /** The IPC key material's own seed (a recorder keeps it apart, with the channel keys). */
  readonly keySeed: Uint8Array;
}

/** The inputs a run starts with, right after boot: the injected faults and chaos scheduling. */
export function applyStartInputs(machine: Machine, setup: Pick<RunSetup, 'faults' | 'chaos'>): void {
  for (const f of setup.faults) machine.inject(f);
  if (setup.chaos !== undefined) machine.chaos(setup.chaos);
}


export function parseSeed(s: string | undefined): Uint8Array {
  if (s === undefined) return randomBytes(32);
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Uint8Array.from(Buffer.from(s, 'hex'));
  return Uint8Array.from(createHash('sha256').update(s).digest());
}

export function parseEpoch(s: string | undefined): bigint {
  if (s === undefined) return BigInt(Date.now()) * 1_000_000n;
  if (/^\d+$/.test(s)) return BigInt(s) * 1_000_000_000n;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new UsageError(`--epoch: cannot read ${JSON.stringify(s)} as a time`);
  return BigInt(ms) * 1_000_000n;
}

/** Resolve the options of run/record into a RunSetup (PROGRAM may be a guest path or a host ELF). */
export function resolveRunSetup(argv: readonly string[]): RunSetup {
  const { options, positional } = parseArgs(argv, RUN_OPTIONS);
  const faults = faultsOf(options.get('inject'));
  let image = loadGuestImage();
  const initArgv = ['/sbin/init'];
  if (positional.length > 0) {
    let program = positional[0]!;
    const inGuest = image.entries.some((e) => e.path === program && e.kind === 'file');
    if (!inGuest) {
      if (!existsSync(program)) throw new UsageError(`no such program: ${program} (a guest path like /bin/ls, or a host ELF file)`);
      const guestPath = `/tmp/${basename(program)}`;
      image = withHostFile(image, program, guestPath);
      program = guestPath;
    }
    initArgv.push(program, ...positional.slice(1));
  }
  const inputOpt = options.get('input') as string | undefined;
  let input: RunSetup['input'];
  if (inputOpt === '-') input = process.stdin;
  else if (inputOpt !== undefined) {
    if (!existsSync(inputOpt)) throw new UsageError(`--input: no such file ${inputOpt}`);
    input = Uint8Array.from(readFileSync(inputOpt));
  } else input = process.stdin.isTTY ? 'tty' : 'none';
  return {
    seed: parseSeed(options.get('seed') as string | undefined),
    bootEpochNs: parseEpoch(options.get('epoch') as string | undefined),
    image,
    initArgv,
    input,
    maxInstructions: options.get('max-instructions') as number | undefined,
    faults,
    chaos: options.get('chaos') === undefined ? undefined : chaosSeed(options.get('chaos') as number),
    keySeed: Uint8Array.from(randomBytes(32)),
  };
}

export function createMachine(setup: RunSetup, sink?: EventSink): Machine {
  return new Machine({
    seed: setup.seed,
    bootEpochNs: setup.bootEpochNs,
    servers: createServers(setup.image.entries, setup.bootEpochNs),
    sink,
    initArgv: setup.initArgv,
    keySeed: setup.keySeed,
  });
}

/**
 * Drive a booted machine with its console attached to this process: output to stdout,
 * input from the setup's source. Resolves with how the run ended.
 */
export interface DriveHooks {
  /** The machine must not run past this icount before afterRun is called (snapshot spacing). */
  readonly nextStop?: () => number;
  /** Called after every machine run (the recorder snapshots here). */
  readonly afterRun?: () => void;
  /** Ends a machine run early (Machine.run's stopEarly): the recorder's snapshot by event count. */
  readonly stopEarly?: () => boolean;
}

export async function driveConsole(machine: Machine, setup: RunSetup, hooks: DriveHooks = {}): Promise<RunStop> {
  machine.connect({ console: (bytes) => process.stdout.write(bytes) });
  const limit = setup.maxInstructions ?? Number.MAX_SAFE_INTEGER;
  const slice = 20_000_000;
  const pending: Uint8Array[] = [];
  let inputEnded = setup.input === 'none';
  let quit = false;
  let wake: (() => void) | undefined;
  const feed = (chunk: Uint8Array) => {
    pending.push(chunk);
    wake?.();
  };

  if (setup.input instanceof Uint8Array) {
    // One line at a time, each when every process waits: as if typed at the prompt.
    let start = 0;
    for (let i = 0; i < setup.input.length; i++) {
      if (setup.input[i] === 0x0a) {
        pending.push(setup.input.subarray(start, i + 1));
        start = i + 1;
      }
    }
    if (start < setup.input.length) pending.push(setup.input.subarray(start));
    inputEnded = true;
  } else if (setup.input === 'tty' || typeof setup.input === 'object') {
    const stream = setup.input === 'tty' ? process.stdin : setup.input;
    if (setup.input === 'tty') process.stdin.setRawMode(true);
    stream.on('data', (d: Buffer | string) => {
      const bytes = typeof d === 'string' ? Buffer.from(d) : d;
      if (setup.input === 'tty' && bytes.includes(0x1d)) {
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
  try {
    for (;;) {
      const stop = machine.run(Math.min(limit, machine.icount + slice, hooks.nextStop?.() ?? Number.MAX_SAFE_INTEGER), hooks.stopEarly);
      hooks.afterRun?.();
      if (stop.kind === 'halted' || quit) return stop;
      if (stop.kind === 'limit') {
        if (machine.icount >= limit) return stop;
        // Scripted input waits until the machine waits for it; typed input goes in at once.
        if (setup.input instanceof Uint8Array) continue;
        await new Promise((r) => setImmediate(r)); // let typed input arrive between slices
        if (pending.length === 0) continue;
      }
      if (pending.length > 0) {
        machine.input(pending.shift()!);
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
    if (setup.input === 'tty') process.stdin.setRawMode(false);
    if (setup.input === 'tty' || (typeof setup.input === 'object' && !(setup.input instanceof Uint8Array))) {
      const stream = setup.input === 'tty' ? process.stdin : setup.input;
      stream.removeAllListeners('data');
      stream.pause();
    }
  }
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usageOf('run', RUN_SYNOPSIS, RUN_OPTIONS));
    return 0;
  }
  const setup = resolveRunSetup(argv);
  const machine = createMachine(setup);
  const err = machine.boot();
  if (err) {
    console.error(`xrr: ${err}`);
    return 1;
  }
  applyStartInputs(machine, setup);
  const stop = await driveConsole(machine, setup);
  if (stop.kind === 'halted') return stop.status;
  if (stop.kind === 'limit') {
    console.error(`xrr: stopped after ${machine.icount} instructions (--max-instructions)`);
    return 124;
  }
  return 0;
}
