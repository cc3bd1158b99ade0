// The differential check shared by test/cpu-differential.test.ts and diff-cli.ts: build a chunk of
// random sequences into one ELF, run it under qemu-riscv32 and under our CPU, and compare the
// per-sequence records (x0..x31 then the scratch bytes) byte for byte.

import { buildProgram, generateSequence, addresses, RECORD_BYTES, DUMP_BYTES, SCRATCH, DATA_BASE, type PlacedSequence } from './rv-random.js';
import { hex as insnHex, assemble, cNop, csr, ebreak, ecall, jal, li, load, opImm, store, CSR, type Insn } from './rv-encode.js';
import { TrapCause, type Cpu } from '../../src/core/cpu.js';
import type { AddressSpace } from '../../src/core/memory.js';
import { writeElf, TEXT_BASE } from './elf-writer.js';
import { runElfOnCpu, runElfWithTraps, type ExpectedTrap } from './cpu-harness.js';
import { runQemu } from './qemu.js';

/** Sequences per ELF: the index -> address mapping depends on it, so the CLI uses the same value. */
export const CHUNK = 500;

export const ABI = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

export const h32 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
export const seedText = (s: number): string => h32(s);

export interface Mismatch {
  readonly seed: number;
  readonly index: number;
  readonly plan: ChunkPlan;
  /** Human-readable: the differing registers, then the first differing scratch byte. */
  readonly detail: string;
}

export interface ChunkPlan {
  readonly seed: number;
  readonly firstIndex: number;
  readonly count: number;
  /**
   * Instruction budget of each `cpu.run` call (default 1e6). A small one cuts translated blocks
   * short so they are finished one instruction at a time; the output must not change.
   */
  readonly budget?: number;
  /**
   * Our CPU runs a variant where each sequence ends in a faulting instruction instead of the
   * dump (same size, same addresses); the state the trap leaves must equal qemu's dump.
   */
  readonly faults?: boolean;
}

export function planChunks(seed: number, total: number, chunk = CHUNK): ChunkPlan[] {
  const out: ChunkPlan[] = [];
  for (let first = 0; first < total; first += chunk) out.push({ seed, firstIndex: first, count: Math.min(chunk, total - first) });
  return out;
}

/** The chunk that holds sequence `index` in the differential test (same addresses). */
export function chunkOf(seed: number, index: number): ChunkPlan {
  const first = Math.floor(index / CHUNK) * CHUNK;
  return { seed, firstIndex: first, count: CHUNK };
}

function word(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** What differs between two records of one sequence ('' when they agree). */
export function describeRecordDiff(qemu: Uint8Array, ours: Uint8Array): string {
  const parts: string[] = [];
  for (let r = 0; r < 32; r++) {
    const q = word(qemu, r * 4);
    const o = word(ours, r * 4);
    if (q !== o) parts.push(`x${r} (${ABI[r]}): qemu ${h32(q)}, ours ${h32(o)}`);
  }
  let first = -1;
  let count = 0;
  for (let i = DUMP_BYTES; i < RECORD_BYTES; i++) {
    if (qemu[i] !== ours[i]) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first >= 0) {
    const off = first - DUMP_BYTES;
    const w = off & ~3;
    parts.push(
      `scratch+${off} (${h32(SCRATCH + off)}): qemu 0x${qemu[first]!.toString(16).padStart(2, '0')}, ours ` +
        `0x${ours[first]!.toString(16).padStart(2, '0')} (word at +${w}: qemu ${h32(word(qemu, DUMP_BYTES + w))}, ` +
        `ours ${h32(word(ours, DUMP_BYTES + w))}); ${count} byte(s) differ`,
    );
  }
  return parts.join('; ');
}

export interface ChunkOutcome {
  readonly mismatches: Mismatch[];
  /** A run that did not produce every record (a trap, a crash): what happened. */
  readonly failure?: string;
}

/** Compare the two stdouts of one chunk. `starts` are the sequences' addresses (for traps). */
export function compareChunk(plan: ChunkPlan, qemuOut: Uint8Array, ours: { stdout: Uint8Array; error?: string }, starts: readonly number[], trapPc?: number): ChunkOutcome {
  const mismatches: Mismatch[] = [];
  const records = Math.min(qemuOut.length, ours.stdout.length) / RECORD_BYTES;
  for (let i = 0; i < Math.floor(records); i++) {
    const q = qemuOut.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES);
    const o = ours.stdout.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES);
    if (!equalBytes(q, o)) mismatches.push({ seed: plan.seed, index: plan.firstIndex + i, plan, detail: describeRecordDiff(q, o) });
  }
  const expected = plan.count * RECORD_BYTES;
  if (qemuOut.length !== expected) {
    return { mismatches, failure: `qemu produced ${qemuOut.length} bytes, expected ${expected} (a generator bug)` };
  }
  if (ours.stdout.length !== expected || ours.error) {
    let at = '';
    if (trapPc !== undefined) {
      let k = 0;
      while (k + 1 < starts.length && starts[k + 1]! <= trapPc) k++;
      at = ` in sequence ${plan.firstIndex + k}`;
    }
    return {
      mismatches,
      failure: `our CPU produced ${ours.stdout.length} of ${expected} bytes${at} (seed ${seedText(plan.seed)}): ${ours.error ?? 'no error'}`,
    };
  }
  return { mismatches };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface BuiltChunk {
  readonly plan: ChunkPlan;
  readonly elf: Uint8Array;
  readonly starts: readonly number[];
}

export function buildChunk(plan: ChunkPlan): BuiltChunk {
  const p = buildProgram(plan.seed, plan.firstIndex, plan.count);
  return { plan, elf: p.elf, starts: p.sequences.map((s) => s.address) };
}

/** Faulting instructions of 4 bytes (the size of the `sw x1` they replace) and their traps. */
const FAULTS: ReadonlyArray<{ insn: Insn; cause: number; tval?: number }> = [
  { insn: load('lw', 5, 0, 0), cause: TrapCause.LoadAccessFault, tval: 0 },
  { insn: store('sw', 5, 0, 16), cause: TrapCause.StoreAccessFault, tval: 16 },
  { insn: csr('csrrw', 0, CSR.cycle, 0), cause: TrapCause.IllegalInstruction, tval: csr('csrrw', 0, CSR.cycle, 0).bits },
  { insn: ebreak(), cause: TrapCause.Breakpoint }, // tval: the pc or 0, the spec allows both
];

/** Our CPU on the faulting variant of a chunk: one snapshot record per sequence. */
function runFaultingVariant(plan: ChunkPlan): { stdout: Uint8Array; error?: string; trapPc?: number } {
  const chosen: Array<(typeof FAULTS)[number]> = [];
  const p = buildProgram(plan.seed, plan.firstIndex, plan.count, (seq) => {
    const fault = FAULTS[seq.index % FAULTS.length]!;
    chosen.push(fault);
    const insns = [...seq.insns];
    if (insns[seq.dumpStart]!.size !== 4) throw new Error('internal: the dump must start with a 4-byte store');
    insns[seq.dumpStart] = fault.insn;
    return { ...seq, insns };
  });
  const expected: ExpectedTrap[] = p.sequences.map((seq, k) => {
    const end = seq.address + seq.insns.reduce((n, i) => n + i.size, 0);
    const pc = addresses(seq)[seq.dumpStart]!;
    const f = chosen[k]!;
    return { pc, cause: f.cause, ...(f.tval === undefined ? {} : { tval: f.tval }), resume: p.sequences[k + 1]?.address ?? end };
  });
  const snapshot = (cpu: Cpu, mem: AddressSpace): Uint8Array => {
    const rec = new Uint8Array(RECORD_BYTES);
    // x0 too: qemu's slot 0 is always 0, so a CPU that ever let x0 change shows up here.
    for (let r = 0; r < 32; r++) new DataView(rec.buffer).setInt32(r * 4, cpu.x[r]!, true);
    rec.set(mem.readUser(SCRATCH, RECORD_BYTES - DUMP_BYTES) ?? new Uint8Array(0), DUMP_BYTES);
    return rec;
  };
  const r = runElfWithTraps(p.elf, expected, snapshot, plan.budget);
  if (r.ok) return r.exitCode === 0 ? { stdout: r.stdout } : { stdout: r.stdout, error: `exit status ${r.exitCode}` };
  const m = /pc=(0x[0-9a-f]+)/.exec(r.error);
  return m ? { stdout: r.stdout, error: r.error, trapPc: Number(m[1]) } : { stdout: r.stdout, error: r.error };
}

export function runOursOnChunk(chunk: BuiltChunk): { stdout: Uint8Array; error?: string; trapPc?: number } {
  if (chunk.plan.faults) return runFaultingVariant(chunk.plan);
  const r = runElfOnCpu(chunk.elf, chunk.plan.budget);
  if (r.ok) return r.exitCode === 0 ? { stdout: r.stdout } : { stdout: r.stdout, error: `exit status ${r.exitCode}` };
  const m = /pc=(0x[0-9a-f]+)/.exec(r.error);
  return m ? { stdout: r.stdout, error: r.error, trapPc: Number(m[1]) } : { stdout: r.stdout, error: r.error };
}

export async function runChunkBoth(plan: ChunkPlan): Promise<ChunkOutcome> {
  const chunk = buildChunk(plan);
  const q = await runQemu(chunk.elf);
  if (q.status !== 0) return { mismatches: [], failure: `qemu-riscv32 exited with ${q.status ?? q.signal}: ${q.stderr}` };
  const ours = runOursOnChunk(chunk);
  return compareChunk(plan, q.stdout, ours, chunk.starts, ours.trapPc);
}

/** A disassembly-ish listing of one placed sequence; the set-up is summarised unless `full`. */
export function listing(seq: PlacedSequence, full = false): string {
  const addrs = addresses(seq);
  const line = (i: number): string => {
    const insn = seq.insns[i]!;
    return `  ${h32(addrs[i]!)}  ${insnHex(insn).padEnd(8)}  ${insn.asm}`;
  };
  const out: string[] = [];
  if (full) {
    out.push('set-up:');
    for (let i = 0; i < seq.bodyStart; i++) out.push(line(i));
  } else {
    out.push(`set-up: ${seq.bodyStart} instructions at ${h32(seq.address)} (--full lists them)`);
  }
  out.push('body:');
  for (let i = seq.bodyStart; i < seq.dumpStart; i++) out.push(line(i));
  if (full) {
    out.push('dump:');
    for (let i = seq.dumpStart; i < seq.insns.length; i++) out.push(line(i));
  } else {
    out.push(`dump: ${seq.insns.length - seq.dumpStart} instructions (stores x1..x31, write(1, dump, ${RECORD_BYTES}))`);
  }
  return out.join('\n');
}

/** The body of a sequence as text, for an assertion message. */
export function bodyText(seed: number, index: number): string {
  const s = generateSequence(seed, index);
  return s.insns.slice(s.bodyStart, s.dumpStart).map((i) => i.asm).join('; ');
}

/** The diff-cli command that replays sequence `index` of `plan` at the same addresses and budget. */
export function rerunHint(plan: ChunkPlan, index: number): string {
  const base = `npx tsx test/support/diff-cli.ts --seed ${seedText(plan.seed)} --index ${index}`;
  const standard = plan.firstIndex % CHUNK === 0 && plan.count === CHUNK && plan.budget === undefined && !plan.faults;
  if (standard) return base;
  return `${base} --first ${plan.firstIndex} --count ${plan.count}` + (plan.budget ? ` --budget ${plan.budget}` : '') +
    (plan.faults ? ' --faults' : '');
}

// ---------------------------------------------------------------------------------------------
// Minimising a failing sequence

/**
 * An ELF holding one sequence at `address` (where it sat in its chunk, so pc-relative values and
 * page crossings are the same): a jump from the text start over zero padding, the sequence, exit.
 */
export function programWithSequenceAt(insns: readonly Insn[], address: number): Uint8Array {
  const exit = [...li(10, 0), ...li(17, 93), ecall()];
  const body = assemble([...insns, ...exit]);
  const text = new Uint8Array(address - TEXT_BASE + body.length);
  if (address !== TEXT_BASE) text.set(assemble([jal(0, address - TEXT_BASE)]), 0);
  text.set(body, address - TEXT_BASE);
  return writeElf({ text, data: new Uint8Array(RECORD_BYTES), dataBase: DATA_BASE });
}

/** Does this version of the sequence still make our CPU disagree with qemu? */
async function stillDiffers(insns: readonly Insn[], address: number, budget?: number): Promise<boolean> {
  const elf = programWithSequenceAt(insns, address);
  const q = await runQemu(elf, 3000);
  if (q.status !== 0) return false; // e.g. a loop whose counter update was removed: not a repro
  const r = runElfOnCpu(elf, budget, 5_000_000);
  if (!r.ok) return !r.error.startsWith('no exit');
  return !equalBytes(new Uint8Array(q.stdout), r.stdout);
}

/**
 * Replaces body instructions by nops of the same size (so every offset stays valid) for as long
 * as the disagreement persists; returns the smallest body found, nops included.
 */
export async function minimize(seq: PlacedSequence, budget?: number, log: (s: string) => void = () => {}): Promise<Insn[]> {
  const insns = [...seq.insns];
  const nop = (i: Insn): Insn => (i.size === 2 ? cNop() : opImm('addi', 0, 0, 0));
  const isNop = (i: Insn): boolean => i.asm === 'c.nop' || i.asm === 'addi x0, x0, 0';
  if (!(await stillDiffers(insns, seq.address, budget))) {
    log('does not reproduce on its own (at the same address)');
    return insns;
  }
  for (let size = Math.max(1, (seq.dumpStart - seq.bodyStart) >> 1); ; size = Math.max(1, size >> 1)) {
    let changed = false;
    for (let at = seq.bodyStart; at < seq.dumpStart; at += size) {
      const idx: number[] = [];
      for (let i = at; i < Math.min(at + size, seq.dumpStart); i++) if (!isNop(insns[i]!)) idx.push(i);
      if (idx.length === 0) continue;
      const trial = [...insns];
      for (const i of idx) trial[i] = nop(trial[i]!);
      if (await stillDiffers(trial, seq.address, budget)) {
        insns.splice(0, insns.length, ...trial);
        changed = true;
      }
    }
    log(`window ${size}: ${insns.slice(seq.bodyStart, seq.dumpStart).filter((i) => !isNop(i)).length} instructions left`);
    if (size === 1 && !changed) return insns;
  }
}
