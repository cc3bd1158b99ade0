// Replays the differential test for one seed, or one sequence of it:
//
//   npx tsx test/support/diff-cli.ts --seed 0x5eed0001 --index 1234 [--full] [--alone] [--minimize]
//   npx tsx test/support/diff-cli.ts --seed 0x5eed0001 [--count 5000]
//   npx tsx test/support/diff-cli.ts --seed S --index I --first F --count C --budget B [--faults]
//
// (the last form replays a chunk the test built differently, as its failure message says).
//
// With --index, the sequence is built in the same chunk (so at the same addresses) as in the test,
// listed, run under qemu-riscv32 and our CPU, and the first differences are printed. --alone
// puts it in an ELF by itself instead (other addresses: auipc/jal link values change). --elf PATH
// also writes the ELF (then `riscv64-unknown-elf-objdump -d PATH` disassembles it). --minimize
// turns body instructions into nops while the disagreement persists and prints what is left.
// --faults runs our CPU on the variant whose sequences end in a faulting instruction and compares
// the state each trap leaves with qemu's dump (precise traps).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildProgram, addresses, RECORD_BYTES } from './rv-random.js';
import { runElfOnCpu } from './cpu-harness.js';
import { cNop, opImm, type Insn } from './rv-encode.js';
import { runQemu } from './qemu.js';
import {
  CHUNK, chunkOf, describeRecordDiff, h32, minimize, programWithSequenceAt, listing, planChunks, runChunkBoth, runOursOnChunk, seedText,
  type ChunkPlan,
} from './differential.js';

async function one(seed: number, index: number, full: boolean, alone: boolean, elfPath?: string, custom?: ChunkPlan, shrink = false): Promise<number> {
  const plan: ChunkPlan = alone ? { seed, firstIndex: index, count: 1 } : custom ?? chunkOf(seed, index);
  if (index < plan.firstIndex || index >= plan.firstIndex + plan.count) throw new Error(`index ${index} is not in that chunk`);
  const program = buildProgram(plan.seed, plan.firstIndex, plan.count);
  const k = index - plan.firstIndex;
  const seq = program.sequences[k]!;
  if (elfPath) writeFileSync(elfPath, program.elf);
  console.log(`seed ${seedText(seed)} sequence ${index} (${alone ? 'alone' : `chunk from ${plan.firstIndex}`})`);
  console.log(listing(seq, full));
  const q = await runQemu(program.elf);
  if (q.status !== 0) {
    console.log(`qemu-riscv32 failed: ${q.status ?? q.signal} ${q.stderr}`);
    return 2;
  }
  const ours = runOursOnChunk({ plan, elf: program.elf, starts: program.sequences.map((s) => s.address) });
  if (plan.budget) console.log(`(our CPU ran with budget ${plan.budget} per run call)`);
  const qRec = q.stdout.subarray(k * RECORD_BYTES, (k + 1) * RECORD_BYTES);
  const oRec = ours.stdout.subarray(k * RECORD_BYTES, (k + 1) * RECORD_BYTES);
  if (oRec.length < RECORD_BYTES) {
    console.log(`our CPU did not reach the end of this sequence: ${ours.error ?? 'short output'}`);
    return 1;
  }
  const diff = describeRecordDiff(qRec, oRec);
  if (diff === '') {
    console.log('agrees with qemu-riscv32');
    return 0;
  }
  console.log('DIFFERS:\n  ' + diff.split('; ').join('\n  '));
  if (shrink) {
    const small = await minimize(seq, plan.budget, (s) => console.log(`minimize: ${s}`));
    const kept = { ...seq, insns: small };
    const addrs = addresses(kept);
    console.log('minimal body (the set-up is unchanged; removed instructions became nops):');
    for (let i = seq.bodyStart; i < seq.dumpStart; i++) {
      if (small[i] === seq.insns[i]) console.log(`  ${h32(addrs[i]!)}  ${small[i]!.asm}`);
    }
    // Register values at the start of the body, from qemu running the set-up alone.
    const nops = small.map((insn, i) => (i >= seq.bodyStart && i < seq.dumpStart ? nopLike(insn) : insn));
    const before = await runQemu(programWithSequenceAt(nops, seq.address));
    const used = new Set<number>();
    for (let i = seq.bodyStart; i < seq.dumpStart; i++) {
      if (small[i] === seq.insns[i]) for (const m of small[i]!.asm.matchAll(/x(\d+)/g)) used.add(Number(m[1]));
    }
    const word = (r: number): number => before.stdout.readUInt32LE(r * 4);
    console.log('register values when the body starts: ' + [...used].sort((a, b) => a - b).map((r) => `x${r} = ${h32(word(r))}`).join(', '));
    const elf = programWithSequenceAt(small, seq.address);
    const q2 = await runQemu(elf);
    const r2 = runElfOnCpu(elf, plan.budget);
    console.log(r2.ok ? 'minimal difference:\n  ' + describeRecordDiff(new Uint8Array(q2.stdout), r2.stdout).split('; ').join('\n  ') : `ours: ${r2.error}`);
  }
  return 1;
}

function nopLike(insn: Insn): Insn {
  return insn.size === 2 ? cNop() : opImm('addi', 0, 0, 0);
}

async function all(seed: number, count: number, budget?: number, faults = false): Promise<number> {
  let bad = 0;
  for (const plan of planChunks(seed, count)) {
    const outcome = await runChunkBoth({ ...plan, ...(budget ? { budget } : {}), ...(faults ? { faults } : {}) });
    for (const m of outcome.mismatches) {
      bad++;
      console.log(`index ${m.index}: ${m.detail}`);
    }
    if (outcome.failure) {
      bad++;
      console.log(outcome.failure);
    }
  }
  console.log(bad === 0 ? `seed ${seedText(seed)}: ${count} sequences agree` : `seed ${seedText(seed)}: ${bad} problem(s)`);
  return bad === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      index: { type: 'string' },
      count: { type: 'string' },
      full: { type: 'boolean', default: false },
      alone: { type: 'boolean', default: false },
      elf: { type: 'string' },
      first: { type: 'string' },
      budget: { type: 'string' },
      minimize: { type: 'boolean', default: false },
      faults: { type: 'boolean', default: false },
    },
  });
  if (values.seed === undefined) {
    console.error('usage: diff-cli.ts --seed S [--index I [--full] [--alone] [--elf PATH] [--first F]] [--count N] [--budget B]');
    return 2;
  }
  const seed = Number(values.seed) >>> 0;
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (values.index !== undefined) {
    const custom: ChunkPlan | undefined = values.first === undefined ? undefined
      : { seed, firstIndex: Number(values.first), count: Number(values.count ?? CHUNK), ...(budget ? { budget } : {}),
        ...(values.faults ? { faults: true } : {}) };
    return one(seed, Number(values.index), values.full, values.alone, values.elf, custom, values.minimize);
  }
  return all(seed, Number(values.count ?? 10 * CHUNK), budget, values.faults);
}


main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(2);
});
