/**
 * Tiny guest programs for tests and benchmarks: 32-bit instructions with labels, linked into a
 * static ELF (text at 0x10000, data at 0x20000) that makes XINIM system calls directly.
 */
import { writeElf } from './elf-writer.js';
import { assemble, branch, jal, li, opImm, ecall, type BranchOp, type Insn } from './rv-encode.js';

export const DATA_BASE = 0x20000;

/** A line of a program: an instruction, several, a label, or a branch/jump to a label. */
export type AsmLine =
  | Insn
  | Insn[]
  | { readonly label: string }
  | { readonly branch: BranchOp; readonly rs1: number; readonly rs2: number; readonly to: string }
  | { readonly jal: number; readonly to: string };

export const A0 = 10, A1 = 11, A2 = 12, A3 = 13, A7 = 17, S0 = 8, S1 = 9;

/** `li a7, nr; ecall` */
export function sys(nr: number): Insn[] {
  return [...li(A7, nr), ecall()];
}

export function linkProgram(lines: readonly AsmLine[], data: Uint8Array = new Uint8Array(16)): Uint8Array {
  // Every line has a fixed size (li is expanded before), so label addresses are known in one pass.
  const flat: ({ insn: Insn } | { label: string } | { fix: Exclude<AsmLine, Insn | Insn[] | { label: string }> })[] = [];
  for (const l of lines) {
    if (Array.isArray(l)) l.forEach((insn) => flat.push({ insn }));
    else if ('bits' in l) flat.push({ insn: l });
    else if ('label' in l) flat.push({ label: l.label });
    else flat.push({ fix: l });
  }
  const labels = new Map<string, number>();
  let at = 0;
  for (const f of flat) {
    if ('label' in f) labels.set(f.label, at);
    else at += 4;
  }
  const insns: Insn[] = [];
  at = 0;
  for (const f of flat) {
    if ('label' in f) continue;
    if ('insn' in f) {
      if (f.insn.size !== 4) throw new Error('guest-asm: use 32-bit instructions only');
      insns.push(f.insn);
    } else {
      const target = labels.get(f.fix.to);
      if (target === undefined) throw new Error(`guest-asm: no label ${f.fix.to}`);
      insns.push('branch' in f.fix ? branch(f.fix.branch, f.fix.rs1, f.fix.rs2, target - at) : jal(f.fix.jal, target - at));
    }
    at += 4;
  }
  return writeElf({ text: assemble(insns), data, dataBase: DATA_BASE });
}

export const exitWith = (code: number): Insn[] => [...li(A0, code), ...sys(25)];
export const addi = (rd: number, rs: number, imm: number): Insn => opImm('addi', rd, rs, imm);
