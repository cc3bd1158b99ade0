/**
 * The booted machine: boot time to the shell prompt, delegated system calls per second
 * (getpid to the Process Manager; a 4 KiB write to the VFS), and fork+exit+wait per second.
 * Each workload is a small guest program run as init, so the machine halts when it is done.
 */
import { Machine } from '../src/core/machine.js';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { createServers } from '../src/servers/create-servers.js';
import { A0, A1, A2, A3, DATA_BASE, S0, S1, addi, exitWith, linkProgram, sys } from '../test/support/guest-asm.js';
import { li } from '../test/support/rv-encode.js';
import { median, type Benchmark, type Figure } from './figure.js';

const RUNS = Number(process.env.XRR_BENCH_RUNS ?? 5);
const image = loadGuestImage();
const EPOCH = 1_750_000_000_000_000_000n;

function machineFor(program?: Uint8Array): Machine {
  const entries = program ? [...image.entries, { path: '/tmp/bench', kind: 'file' as const, mode: 0o755, data: program }] : image.entries;
  return new Machine({
    seed: new Uint8Array(32),
    bootEpochNs: EPOCH,
    servers: createServers(entries, EPOCH),
    initArgv: program ? ['/tmp/bench'] : undefined,
  });
}

/** Host ms to boot and run `program` as init until it halts. */
function timeProgram(program: Uint8Array): number {
  const t0 = performance.now();
  const m = machineFor(program);
  const err = m.boot();
  if (err) throw new Error(err);
  const stop = m.run(5e9);
  if (stop.kind !== 'halted' || stop.status !== 0) throw new Error(`bench program ended with ${JSON.stringify(stop)}`);
  return performance.now() - t0;
}

const loop = (n: number, body: Parameters<typeof linkProgram>[0]) => [
  li(S0, n), { label: 'loop' }, { branch: 'beq' as const, rs1: S0, rs2: 0, to: 'done' },
  ...body, addi(S0, S0, -1), { jal: 0, to: 'loop' }, { label: 'done' }, exitWith(0),
];

/** Calls per second: (time of N calls - time of 0 calls) / N, so boot and teardown cancel out. */
function perSecond(name: string, make: (n: number) => Uint8Array, n: number, log: (s: string) => void): Figure {
  const base = make(0);
  const full = make(n);
  timeProgram(full); // warm up the translator and V8
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ms = timeProgram(full) - timeProgram(base);
    rates.push(n / (ms / 1000));
  }
  const m = median(rates);
  log(`${name}: ${n} per run, median ${m.toFixed(0)}/s`);
  return { bench: 'machine', metric: name, median: m, unit: 'ops/s', runs: RUNS };
}

const getpidProgram = (n: number) => linkProgram(loop(n, [sys(29)]));

const writeProgram = (n: number) => {
  const data = new Uint8Array(64 + 4096);
  data.set(new TextEncoder().encode('/dev/null\0'));
  return linkProgram([
    li(A0, DATA_BASE), li(A1, 1), li(A2, 0), sys(3), addi(S1, A0, 0),
    ...loop(n, [addi(A0, S1, 0), li(A1, DATA_BASE + 64), li(A2, 4096), sys(6)]),
  ], data);
};

const forkProgram = (n: number) => linkProgram([
  ...loop(n, [
    sys(26), { branch: 'beq' as const, rs1: A0, rs2: 0, to: 'child' },
    li(A0, -1), li(A1, 0), li(A2, 0), li(A3, 0), sys(28),
  ]),
  { label: 'child' }, exitWith(0),
]);

const machine: Benchmark = {
  name: 'machine',
  description: `boot to the shell prompt, delegated syscalls, fork+exit+wait; ${RUNS} runs each`,
  run(log) {
    const boots: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const m = machineFor();
      m.boot();
      const stop = m.run(5e8);
      if (stop.kind !== 'idle') throw new Error(`boot did not reach the prompt: ${JSON.stringify(stop)}`);
      if (i > 0) boots.push(performance.now() - t0); // the first run warms up
    }
    log(`boot to the shell prompt: median ${median(boots).toFixed(1)} ms`);
    return [
      { bench: 'machine', metric: 'boot_to_prompt', median: median(boots), unit: 'ms', runs: RUNS },
      perSecond('getpid_per_s', getpidProgram, 20_000, log),
      perSecond('write4k_per_s', writeProgram, 5_000, log),
      perSecond('fork_exit_wait_per_s', forkProgram, 500, log),
    ];
  },
};

export default machine;
