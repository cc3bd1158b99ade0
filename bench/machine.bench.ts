/**
 * The booted machine: boot time to the shell prompt, delegated system calls per second
 * (getpid to the Process Manager; a 4 KiB write to the VFS), and fork+exit+wait per second.
 * Each workload is a small guest program run as init, so the machine halts when it is done.
 *
 * Lattice IPC: every delegated call is two sealed and opened messages (request and reply). The
 * encrypted and plaintext machines run the same programs in the same process, interleaved run by
 * run, so the ratio is not skewed by a host that got busier halfway; the key exchanges at boot
 * (ML-KEM key pairs for the kernel and four servers, four encapsulations) are timed on their own.
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

function machineFor(program?: Uint8Array, encryptIpc = true): Machine {
  const entries = program ? [...image.entries, { path: '/tmp/bench', kind: 'file' as const, mode: 0o755, data: program }] : image.entries;
  return new Machine({
    seed: new Uint8Array(32),
    bootEpochNs: EPOCH,
    servers: createServers(entries, EPOCH),
    initArgv: program ? ['/tmp/bench'] : undefined,
    encryptIpc,
  });
}

/** Host ms to boot and run `program` as init until it halts. */
function timeProgram(program: Uint8Array, encryptIpc = true): number {
  const t0 = performance.now();
  const m = machineFor(program, encryptIpc);
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

/** Host CPU ms (user + system) to boot and run `program` as init until it halts: steadier than wall time on a busy host. */
function cpuOfProgram(program: Uint8Array, encryptIpc: boolean): number {
  const c0 = process.cpuUsage();
  timeProgram(program, encryptIpc);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/**
 * getpid round trips per second with encryption on and off, runs interleaved, by wall time and by
 * CPU time (the CPU-time rate is what the machine itself costs when the host is shared).
 */
function getpidSideBySide(n: number, log: (s: string) => void): Figure[] {
  const base = getpidProgram(0);
  const full = getpidProgram(n);
  timeProgram(full, true);
  timeProgram(full, false);
  const wall = { on: [] as number[], off: [] as number[] };
  const cpu = { on: [] as number[], off: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    wall.on.push(n / ((timeProgram(full, true) - timeProgram(base, true)) / 1000));
    wall.off.push(n / ((timeProgram(full, false) - timeProgram(base, false)) / 1000));
    cpu.on.push(n / ((cpuOfProgram(full, true) - cpuOfProgram(base, true)) / 1000));
    cpu.off.push(n / ((cpuOfProgram(full, false) - cpuOfProgram(base, false)) / 1000));
  }
  const on = median(wall.on), off = median(wall.off), cOn = median(cpu.on), cOff = median(cpu.off);
  log(`getpid round trips: encrypted ${on.toFixed(0)}/s, plaintext ${off.toFixed(0)}/s, ratio ${(on / off).toFixed(3)} (wall time, ${n} per run)`);
  log(`getpid round trips per CPU second: encrypted ${cOn.toFixed(0)}, plaintext ${cOff.toFixed(0)}, ratio ${(cOn / cOff).toFixed(3)}`);
  return [
    { bench: 'machine', metric: 'getpid_encrypted_per_s', median: on, unit: 'ops/s', runs: RUNS },
    { bench: 'machine', metric: 'getpid_plaintext_per_s', median: off, unit: 'ops/s', runs: RUNS },
    { bench: 'machine', metric: 'getpid_encrypted_to_plaintext', median: on / off, unit: 'ratio', runs: RUNS },
    { bench: 'machine', metric: 'getpid_encrypted_per_cpu_s', median: cOn, unit: 'ops/CPU s', runs: RUNS },
    { bench: 'machine', metric: 'getpid_plaintext_per_cpu_s', median: cOff, unit: 'ops/CPU s', runs: RUNS },
  ];
}

/** Host ms of the key exchanges at boot alone (Machine.boot with encryption on minus off, init not run). */
function keyExchangeMs(): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const a = machineFor(undefined, true);
    const t0 = performance.now();
    a.kernel.connectServers();
    const ms = performance.now() - t0;
    if (i > 0) times.push(ms);
  }
  return median(times);
}

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
    const bootMs = (encryptIpc: boolean) => {
      const t0 = performance.now();
      const m = machineFor(undefined, encryptIpc);
      m.boot();
      const stop = m.run(5e8);
      if (stop.kind !== 'idle') throw new Error(`boot did not reach the prompt: ${JSON.stringify(stop)}`);
      return performance.now() - t0;
    };
    const boots: number[] = [];
    const plainBoots: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const on = bootMs(true);
      const off = bootMs(false);
      if (i > 0) { // the first run warms up
        boots.push(on);
        plainBoots.push(off);
      }
    }
    const kx = keyExchangeMs();
    log(`boot to the shell prompt: median ${median(boots).toFixed(1)} ms encrypted (key exchanges ${kx.toFixed(1)} ms of it), ${median(plainBoots).toFixed(1)} ms plaintext`);
    return [
      { bench: 'machine', metric: 'boot_to_prompt', median: median(boots), unit: 'ms', runs: RUNS },
      { bench: 'machine', metric: 'boot_to_prompt_plaintext', median: median(plainBoots), unit: 'ms', runs: RUNS },
      { bench: 'machine', metric: 'boot_key_exchanges', median: kx, unit: 'ms', runs: RUNS },
      ...getpidSideBySide(20_000, log),
      perSecond('getpid_per_s', getpidProgram, 20_000, log),
      perSecond('write4k_per_s', writeProgram, 5_000, log),
      perSecond('fork_exit_wait_per_s', forkProgram, 500, log),
    ];
  },
};

export default machine;
