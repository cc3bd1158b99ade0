/**
 * The target description gdb reads with qXfer:features:read: a riscv32 CPU with the integer
 * registers x0..x31 under their ABI names and pc as register 32, the layout of the `g` packet.
 */
import { ABI_REGISTER_NAMES } from '../symbols/register-names.js';

export const PC_REGNUM = 32;
export const REGISTER_COUNT = 33;

function regLine(name: string, regnum: number): string {
  const type = name === 'pc' || name === 'ra' ? 'code_ptr' : name === 'sp' || name === 'gp' || name === 'tp' || name === 'fp' ? 'data_ptr' : 'int';
  return `    <reg name="${name}" bitsize="32" type="${type}" regnum="${regnum}"/>`;
}

export const TARGET_XML = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
  '<target version="1.0">',
  '  <architecture>riscv:rv32</architecture>',
  '  <osabi>none</osabi>',
  '  <feature name="org.gnu.gdb.riscv.cpu">',
  // x8 is "fp" in gdb's own riscv description (s0 is its alias).
  ...ABI_REGISTER_NAMES.map((n, i) => regLine(i === 8 ? 'fp' : n, i)),
  regLine('pc', PC_REGNUM),
  '  </feature>',
  '</target>',
  '',
].join('\n');
