/**
 * The options that configure a run (`xrr run`, `xrr record`, `xrr tui --new`), resolved into a
 * RunSetup: entropy seed, boot epoch, IPC key seed, guest image and program, console input,
 * injected faults and chaos. The same program, inputs, seed, epoch and key seed give the same
 * event stream byte for byte (and so the same hash chain).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { EventSink, Fault } from '../core/events.js';
import { Machine } from '../core/machine.js';
import { bytesOfHex } from '../protocol/hex.js';
import { createServers } from '../servers/create-servers.js';
import { chaosSeed, faultsOf } from '../timeline/fault-spec.js';
import { parseArgs, UsageError, type OptionSpec } from './args.js';
import { loadGuestImage, withHostFile, type GuestImage } from './guest-image.js';

export const KEY_SEED_OPTION: OptionSpec = {
  kind: 'string',
  help: 'IPC key seed: 64 hex digits (random by default); with --seed and --epoch, a run that can be made again byte for byte',
  valueName: 'HEX64',
};

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  seed: { kind: 'string', help: 'entropy seed: 64 hex digits, or any text (hashed); random by default', valueName: 'S' },
  'key-seed': KEY_SEED_OPTION,
  input: { kind: 'string', help: 'console input from FILE, or - for standard input', valueName: 'FILE|-' },
  'max-instructions': { kind: 'int', help: 'stop after N instructions (k/M/G suffixes)', valueName: 'N' },
  epoch: { kind: 'string', help: 'boot wall-clock time, ISO 8601 or seconds since 1970; now by default', valueName: 'T' },
  inject: { kind: 'list', help: 'inject a fault at boot, e.g. crash:vfs:VFS_CLOSE:3 (the syntax is below); repeatable', valueName: 'SPEC' },
  chaos: { kind: 'int', help: 'chaos scheduling: random picks and preemptions drawn from seed N (an input, so replay is exact)', valueName: 'N' },
  help: { kind: 'flag', help: 'show this help' },
};

export const RUN_SYNOPSIS = '[--seed S] [--key-seed HEX64] [--epoch T] [--input FILE|-] [--max-instructions N] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';

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

/** The inputs a run starts with, right after boot (or a fork): the injected faults and chaos scheduling. */
export function applyStartInputs(machine: Machine, setup: Pick<RunSetup, 'faults' | 'chaos'>): void {
  for (const f of setup.faults) machine.inject(f);
  if (setup.chaos !== undefined) machine.chaos(setup.chaos);
}

export function parseSeed(s: string | undefined): Uint8Array {
  if (s === undefined) return Uint8Array.from(randomBytes(32));
  if (/^[0-9a-fA-F]{64}$/.test(s)) return bytesOfHex(s);
  return Uint8Array.from(createHash('sha256').update(s).digest());
}

/** --key-seed: exactly 64 hex digits (it is key material, so no hashing of arbitrary text). */
export function parseKeySeed(s: string | undefined): Uint8Array | undefined {
  if (s === undefined) return undefined;
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new UsageError(`--key-seed: expected 64 hex digits (32 bytes), got ${JSON.stringify(s.slice(0, 80))}`);
  return bytesOfHex(s);
}

export function parseEpoch(s: string | undefined): bigint {
  if (s === undefined) return BigInt(Date.now()) * 1_000_000n;
  if (/^\d+$/.test(s)) return BigInt(s) * 1_000_000_000n;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new UsageError(`--epoch: cannot read ${JSON.stringify(s)} as a time`);
  return BigInt(ms) * 1_000_000n;
}

/** The chaos option's value as the machine takes it, or undefined. */
export function chaosOption(v: unknown): number | undefined {
  return v === undefined ? undefined : chaosSeed(v as number);
}

/** Resolve the options of run/record into a RunSetup (PROGRAM may be a guest path or a host ELF). */
export function resolveRunSetup(argv: readonly string[]): RunSetup {
  const { options, positional } = parseArgs(argv, RUN_OPTIONS);
  const faults = faultsOf(options.get('inject'));
  let image = loadGuestImage();
  const initArgv = ['/sbin/init'];
  const [first, ...args] = positional;
  if (first !== undefined) {
    let program = first;
    const inGuest = image.entries.some((e) => e.path === program && e.kind === 'file');
    if (!inGuest) {
      if (!existsSync(program)) throw new UsageError(`no such program: ${program} (a guest path like /bin/ls, or a host ELF file)`);
      const guestPath = `/tmp/${basename(program)}`;
      image = withHostFile(image, program, guestPath);
      program = guestPath;
    }
    initArgv.push(program, ...args);
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
    chaos: chaosOption(options.get('chaos')),
    keySeed: parseKeySeed(options.get('key-seed') as string | undefined) ?? Uint8Array.from(randomBytes(32)),
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

/** `argv` without the named options (with their values). */
export function stripOptions(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? (a.slice(2).split('=')[0] ?? '') : '';
    if (names.includes(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}
