// A tiny runner for hand-written instruction tests: assembles a list of instructions at CODE,
// appends an ebreak, maps a zeroed data page at DATA, and runs our CPU until the ebreak.

import { AddressSpace, PERM_R, PERM_W, PERM_X } from '../../src/core/memory.js';
import { Cpu, TrapCause, type StopReason } from '../../src/core/cpu.js';
import { assemble, ebreak, type Insn } from './rv-encode.js';

export const CODE = 0x0001_0000;
export const DATA = 0x0002_0000;
export const DATA_SIZE = 0x1000;

export interface RunOptions {
  /** Initial register values (x0 is ignored by the CPU). */
  readonly regs?: Readonly<Record<number, number>>;
  /** Bytes placed at DATA before running. */
  readonly data?: Uint8Array;
  /** Map the code page R+W+X (for self-modifying code). */
  readonly writableCode?: boolean;
  /** Instructions per `run` call (1 steps one instruction at a time). */
  readonly budget?: number;
  /** Initial instruction count (the machine clock). */
  readonly icount?: number;
}

export interface RunResult {
  readonly x: Int32Array;
  readonly cpu: Cpu;
  readonly mem: AddressSpace;
  /** Address of the ebreak the runner appended. */
  readonly end: number;
}

/** Assembles `insns` + ebreak at CODE and sets up a CPU there, without running it. */
export function load(insns: readonly Insn[], opts: RunOptions = {}): { cpu: Cpu; mem: AddressSpace; end: number } {
  const code = assemble([...insns, ebreak()]);
  const end = CODE + code.length - 4;
  const mem = new AddressSpace();
  mem.map(CODE, Math.ceil(code.length / 4096) * 4096, PERM_R | PERM_X | (opts.writableCode ? PERM_W : 0));
  mem.poke(CODE, code);
  mem.map(DATA, DATA_SIZE, PERM_R | PERM_W);
  if (opts.data) mem.poke(DATA, opts.data);
  const cpu = new Cpu(mem);
  cpu.pc = CODE;
  if (opts.icount !== undefined) cpu.icount = opts.icount;
  for (const [r, v] of Object.entries(opts.regs ?? {})) cpu.x[Number(r)] = v;
  return { cpu, mem, end };
}

/** Runs until the first trap (the appended ebreak, or an earlier one). */
export function runToStop(insns: readonly Insn[], opts: RunOptions = {}): RunResult & { readonly stop: StopReason } {
  const { cpu, mem, end } = load(insns, opts);
  let stop: StopReason = { kind: 'budget' };
  for (let guard = 0; guard < 1_000_000 && stop.kind === 'budget'; guard++) stop = cpu.run(opts.budget ?? 10_000);
  return { x: cpu.x, cpu, mem, end, stop };
}

export function runInsns(insns: readonly Insn[], opts: RunOptions = {}): RunResult {
  const r = runToStop(insns, opts);
  const stop = r.stop;
  if (stop.kind !== 'trap' || stop.cause !== TrapCause.Breakpoint || stop.pc !== r.end) {
    const what = stop.kind === 'trap' ? `trap cause ${stop.cause} at 0x${stop.pc.toString(16)} tval 0x${stop.tval.toString(16)}` : 'budget';
    throw new Error(`expected to stop at the final ebreak (0x${r.end.toString(16)}), got ${what}`);
  }
  return r;
}

/** Address of the instruction at position `i` of `insns` when assembled at CODE. */
export function addressOf(insns: readonly Insn[], i: number): number {
  return CODE + insns.slice(0, i).reduce((n, insn) => n + insn.size, 0);
}

/** Little-endian 32-bit words as bytes. */
export function words(...ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const v = new DataView(out.buffer);
  ws.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

export function readWord(mem: AddressSpace, addr: number): number {
  const b = mem.readUser(addr, 4);
  if (!b) throw new Error(`0x${addr.toString(16)} is not readable`);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) | 0;
}
