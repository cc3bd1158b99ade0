/**
 * Both machines' state at a diff point, as text for two columns: the selected process's pc and
 * registers on each side, every value that differs from the other side's marked `*` (a character,
 * so it reads the same under NO_COLOR), and below them what else differs between the machines
 * (src/diff's facts: memory pages, processes, fds, the VFS tree, the servers' tables, devices).
 */
import type { Machine } from '../core/machine.js';
import { diffFacts, machineFacts, type StateDifference } from '../diff/machine-facts.js';
import { hexWord } from '../protocol/hex.js';
import { REG_NAMES } from './disasm.js';

export const DIFFERS = '*';

export interface SideBySide {
  readonly a: readonly string[];
  readonly b: readonly string[];
  /** Registers (pc included) that differ. */
  readonly differing: readonly string[];
}

/** pc and x1..x31 of `pid` on each side, marked where they differ; `perLine` registers a line. */
export function registersSideBySide(ma: Machine, mb: Machine, pid: number | null, perLine: number): SideBySide {
  const pa = pid === null ? undefined : ma.kernel.procs.get(pid);
  const pb = pid === null ? undefined : mb.kernel.procs.get(pid);
  const names = ['pc', ...REG_NAMES.slice(1)];
  const value = (p: typeof pa, i: number): number | undefined => (p === undefined ? undefined : i === 0 ? p.pc : p.regs[i]);
  const differing = names.filter((_, i) => value(pa, i) !== value(pb, i));
  const column = (p: typeof pa, side: string): string[] => {
    if (!p) return [pid === null ? 'no process selected (p)' : `${side}: pid ${pid} does not exist here`];
    const lines = [`pid ${p.pid} (${p.name}) ${p.state}  icount ${p.icount}`];
    for (let i = 0; i < names.length; i += perLine) {
      const cells: string[] = [];
      for (let j = i; j < Math.min(names.length, i + perLine); j++) {
        const v = value(p, j);
        const mark = differing.includes(names[j]!) ? DIFFERS : ' ';
        cells.push(`${names[j]!.padStart(4)} ${v === undefined ? '--------' : hexWord(v)}${mark}`);
      }
      lines.push(cells.join(' '));
    }
    return lines;
  };
  return { a: column(pa, 'A'), b: column(pb, 'B'), differing };
}

/** What else differs between the machines, one line a fact (`* section key: A | B`), at most `max`. */
export function otherDifferences(ma: Machine, mb: Machine, max: number): { lines: string[]; total: number; bySection: string } {
  const all: StateDifference[] = diffFacts(machineFacts(ma), machineFacts(mb)).filter((d) => d.section !== 'registers');
  const counts = new Map<string, number>();
  for (const d of all) counts.set(d.section, (counts.get(d.section) ?? 0) + 1);
  const bySection = [...counts].map(([s, n]) => `${s} ${n}`).join(', ') || 'nothing else';
  const lines = all.slice(0, max).map((d) => `${DIFFERS} ${d.section} ${d.key}: A ${d.a ?? '(none)'} | B ${d.b ?? '(none)'}`);
  return { lines, total: all.length, bySection };
}
