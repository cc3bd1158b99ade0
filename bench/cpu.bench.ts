/**
 * CPU speed: the cpubench workload (CRC32, sorting, matrix multiply, a branchy interpreter)
 * on our CPU, and the same ELF under qemu-riscv32 in the same run, for the ratio.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runElfOnCpu } from '../test/support/cpu-harness.js';
import { median, type Benchmark, type Figure } from './figure.js';

const WORKLOAD = fileURLToPath(new URL('./workloads/cpubench-linux.elf', import.meta.url));
const RUNS = Number(process.env.XRR_BENCH_RUNS ?? 5);

function hasQemu(): boolean {
  return spawnSync('qemu-riscv32', ['--version']).status === 0;
}

const cpu: Benchmark = {
  name: 'cpu',
  description: `cpubench workload, ${RUNS} runs on our CPU and under qemu-riscv32`,
  run(log) {
    const elf = readFileSync(WORKLOAD);
    const ours: number[] = [];
    let instructions = 0;
    let checksum = '';
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = runElfOnCpu(elf, 10_000_000, 1e11);
      const ms = performance.now() - t0;
      if (!r.ok) throw new Error(`cpubench failed on our CPU: ${r.error}`);
      instructions = r.icount;
      checksum = Buffer.from(r.stdout).toString('latin1').trim();
      ours.push(ms);
      log(`run ${i + 1}: ${r.icount} instructions in ${ms.toFixed(0)} ms = ${(r.icount / ms / 1000).toFixed(1)} MIPS`);
    }
    const oursMs = median(ours);
    const figures: Figure[] = [
      { bench: 'cpu', metric: 'mips', median: instructions / oursMs / 1000, unit: 'MIPS', runs: RUNS },
      { bench: 'cpu', metric: 'workload_time', median: oursMs, unit: 'ms', runs: RUNS },
    ];
    if (!hasQemu()) {
      log('qemu-riscv32 not installed (Debian package qemu-user): no comparison');
      return figures;
    }
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const out = execFileSync('qemu-riscv32', [WORKLOAD], { encoding: 'latin1' }).trim();
      theirs.push(performance.now() - t0);
      if (out !== checksum) throw new Error(`qemu printed ${out}, our CPU ${checksum}: the CPU is wrong`);
    }
    const qemuMs = median(theirs);
    log(`qemu-riscv32: ${qemuMs.toFixed(0)} ms per run (same checksum ${checksum})`);
    figures.push(
      { bench: 'cpu', metric: 'qemu_workload_time', median: qemuMs, unit: 'ms', runs: RUNS },
      { bench: 'cpu', metric: 'qemu_mips', median: instructions / qemuMs / 1000, unit: 'MIPS', runs: RUNS },
      { bench: 'cpu', metric: 'time_ratio_vs_qemu', median: oursMs / qemuMs, unit: 'x', runs: RUNS },
    );
    return figures;
  },
};

export default cpu;
