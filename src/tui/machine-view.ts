/**
 * Text for the state panes, derived from the machine at the cursor: the process tree, CPU
 * registers and disassembly of one process, a hex dump of its memory, and the servers' tables
 * (VFS fds, PM process control blocks, MM regions). Pure functions of the machine, so the
 * panes are plain lists of lines and a test can check them without a terminal.
 */
import type { Machine } from '../core/machine.js';
import { serverViews } from '../servers/server-views.js';
import { inspectVfs } from '../servers/vfs/vfs-inspect.js';
import type { StackFrame } from '../symbols/backtrace.js';
import type { SymbolTable } from '../symbols/elf-symbols.js';
import { disassembleAround, REG_NAMES } from './disasm.js';
import { SERVER_NAMES } from '../protocol/message-types.js';

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const perm = (p: number) => `${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}`;

export interface ProcRow {
  readonly pid: number;
  readonly ppid: number;
  readonly depth: number;
  readonly name: string;
  readonly state: string;
  readonly waiting: string;
}

function pmState(m: Machine) {
  return serverViews(m).pm();
}

/** Processes as a tree (children under their parent), with what each is blocked on. */
export function processRows(m: Machine): ProcRow[] {
  const k = m.kernel;
  const pm = pmState(m);
  const rows = new Map<number, { pid: number; ppid: number; name: string; state: string; waiting: string }>();
  for (const pcb of pm?.procs.values() ?? []) {
    const p = k.procs.get(pcb.pid);
    const state = pcb.state === 'zombie' ? 'zombie' : pcb.kind !== 'user' ? pcb.kind : (p?.state ?? '?');
    const w = p?.wait;
    const waiting = w
      ? w.kind === 'reply'
        ? `reply ${SERVER_NAMES[w.server] ?? w.server} (sys ${w.nr})`
        : w.kind === 'sleep'
          ? 'sleep'
          : w.kind === 'recv'
            ? `recv ${w.from}`
            : 'console read'
      : pcb.waiter
        ? pcb.waiter.kind
        : '';
    rows.set(pcb.pid, { pid: pcb.pid, ppid: pcb.ppid, name: pcb.name, state, waiting });
  }
  for (const p of k.procs.values()) {
    if (!rows.has(p.pid)) rows.set(p.pid, { pid: p.pid, ppid: 0, name: p.name, state: p.state, waiting: p.wait?.kind ?? '' });
  }
  const out: ProcRow[] = [];
  const children = (ppid: number) => [...rows.values()].filter((r) => r.ppid === ppid && r.pid !== ppid).sort((a, b) => a.pid - b.pid);
  const seen = new Set<number>();
  const walk = (r: { pid: number; ppid: number; name: string; state: string; waiting: string }, depth: number) => {
    if (seen.has(r.pid)) return;
    seen.add(r.pid);
    out.push({ ...r, depth });
    for (const c of children(r.pid)) walk(c, depth + 1);
  };
  for (const r of [...rows.values()].sort((a, b) => a.pid - b.pid)) if (r.pid === r.ppid || !rows.has(r.ppid) || r.pid === 0) walk(r, 0);
  for (const r of [...rows.values()].sort((a, b) => a.pid - b.pid)) walk(r, 0);
  return out;
}

export function processLines(m: Machine, selected: number | null): string[] {
  const lines = ['   PID  PPID STATE    WAITING FOR          NAME'];
  for (const r of processRows(m)) {
    const mark = r.pid === selected ? '>' : ' ';
    lines.push(`${mark}${String(r.pid).padStart(5)} ${String(r.ppid).padStart(5)} ${r.state.padEnd(8)} ${r.waiting.padEnd(20)} ${'  '.repeat(r.depth)}${r.name}`);
  }
  return lines;
}

/** User processes that have registers (what the CPU, memory and step-syscall keys act on). */
export function userPids(m: Machine): number[] {
  return [...m.kernel.procs.keys()].sort((a, b) => a - b);
}

/** The process a view should show by default: the one running, else init, else the first. */
export function defaultPid(m: Machine): number | null {
  for (const p of m.kernel.procs.values()) if (p.state === 'running') return p.pid;
  if (m.kernel.procs.has(1)) return 1;
  return userPids(m)[0] ?? null;
}

/** What the CPU pane shows under the registers: the code around pc, or the call stack. */
export type CpuView = 'disasm' | 'backtrace';

export interface CpuSymbols {
  /** The symbols of the image the process runs (empty when unknown). */
  readonly table: SymbolTable;
  /** The call stack, when the pane shows it. */
  readonly frames?: readonly StackFrame[];
}

/** objdump's ` <main+0x1c>` after a jump, call or branch target that a function holds. */
function withTarget(text: string, table: SymbolTable): string {
  const m = /^(c\.)?(j|jal|call|beq|bne|blt|bge|bltu|bgeu|beqz|bnez)\b.*\b0x([0-9a-f]+)$/.exec(text);
  if (!m) return text;
  const target = Number.parseInt(m[3]!, 16);
  return table.locate(target) ? `${text} <${table.describe(target)}>` : text;
}

/** The call stack as the pane lists it: `#1 000116f2 main+0x40`. */
export function backtraceLines(frames: readonly StackFrame[]): string[] {
  if (frames.length === 0) return ['no frames (no process, or no symbols for its image)'];
  return frames.map((f) => `#${String(f.level).padEnd(2)} ${hex8(f.pc)}  ${f.where}`);
}

export function cpuLines(m: Machine, pid: number | null, disasmRows: number, wide: boolean, symbols?: CpuSymbols, view: CpuView = 'disasm'): string[] {
  const p = pid === null ? undefined : m.kernel.procs.get(pid);
  if (!p) return [pid === null ? 'no process' : `process ${pid}: no registers (not running or gone)`];
  const table = symbols?.table;
  const fn = table?.locate(p.pc >>> 0) ? ` ${table.describe(p.pc >>> 0)}` : '';
  const lines = [`pid ${p.pid} (${p.name}) ${p.state}  pc ${hex8(p.pc)}${fn}  retired ${p.icount}`];
  // Four registers a line when there is room, three (with short names) in a compact pane.
  const perLine = wide ? 4 : 3;
  for (let i = 0; i < 32; i += perLine) {
    const cells: string[] = [];
    for (let j = i; j < Math.min(32, i + perLine); j++) {
      const name = wide ? REG_NAMES[j]!.padStart(4) : (j === 0 ? 'x0' : REG_NAMES[j]!).padStart(3);
      cells.push(`${name} ${hex8(p.regs[j]!)}`);
    }
    lines.push(cells.join(wide ? '  ' : ' '));
  }
  lines.push('');
  if (view === 'backtrace') {
    lines.push(`backtrace of pid ${p.pid} (k: disassembly)`);
    lines.push(...backtraceLines(symbols?.frames ?? []));
    return lines;
  }
  const before = Math.floor(disasmRows / 3);
  for (const l of disassembleAround(p.mem, p.pc, before, disasmRows - before - 1)) {
    // A function's first instruction is labelled, as objdump does.
    const start = table?.locate(l.pc);
    if (start && start.offset === 0) lines.push(`   <${start.symbol.name}>:`);
    const text = table ? withTarget(l.text, table) : l.text;
    lines.push(`${l.pc === p.pc >>> 0 ? '=>' : '  '} ${hex8(l.pc)}  ${l.bytes.padEnd(8)}  ${text}`);
  }
  return lines;
}

/** `rows` lines of 16 bytes (8 in narrow panes) from `addr`, with ASCII; `??` for unmapped. */
export function memoryLines(m: Machine, pid: number | null, addr: number, rows: number, bytesPerRow = 16): string[] {
  const p = pid === null ? undefined : m.kernel.procs.get(pid);
  if (!p) return ['no process selected (p cycles processes)'];
  const lines = [`pid ${p.pid} memory at ${hex8(addr)} (a: go to address, w / W: last / next write)`];
  for (let r = 0; r < rows; r++) {
    const a = (addr + r * bytesPerRow) >>> 0;
    const bytes = p.mem.peek(a, bytesPerRow);
    const perm8 = p.mem.permAt(a);
    if (!bytes) {
      lines.push(`${hex8(a)}  ${'?? '.repeat(bytesPerRow).trimEnd()}  unmapped`);
      continue;
    }
    const hexs = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${hex8(a)}  ${hexs}  ${ascii} ${perm(perm8)}`);
  }
  return lines;
}

export function serverLines(m: Machine, pid: number | null): string[] {
  const lines: string[] = [];
  const pm = pmState(m);
  const vfsState = serverViews(m).vfs();
  const mm = serverViews(m).mm();
  lines.push('PM process table');
  for (const pcb of [...(pm?.procs.values() ?? [])].sort((a, b) => a.pid - b.pid)) {
    lines.push(
      `  ${String(pcb.pid).padStart(4)} ppid ${String(pcb.ppid).padStart(3)} pgid ${String(pcb.pgid).padStart(3)} uid ${pcb.uid} ${pcb.state}${pcb.state === 'zombie' ? ` status ${pcb.status}` : ''}` +
        ` pend ${pcb.pending.toString(16)} blk ${pcb.blocked.toString(16)} ${pcb.name}`,
    );
  }
  if (vfsState) {
    const vfs = inspectVfs(vfsState);
    lines.push(`VFS: ${vfs.inodes} inodes, ${vfs.bytesStored} bytes, ${vfs.openFiles} open files`);
    for (const p of vfs.procs) {
      if (pid !== null && p.pid !== pid) continue;
      lines.push(`  pid ${p.pid} cwd ${p.cwd} uid ${p.uid}`);
      for (const f of p.fds) lines.push(`    fd ${String(f.fd).padStart(2)} ${f.access.padEnd(2)} ${f.target} @${f.offset}${f.flags.length ? ` (${f.flags.join(',')})` : ''}`);
    }
  }
  if (mm) {
    lines.push('MM regions');
    for (const p of [...mm.procs.values()].sort((a, b) => a.pid - b.pid)) {
      if (pid !== null && p.pid !== pid) continue;
      lines.push(`  pid ${p.pid} brk ${hex8(p.brk)}`);
      for (const r of p.regions) lines.push(`    ${hex8(r.start)}-${hex8(r.end)} ${perm(r.perm)} ${r.kind}`);
    }
  }
  return lines;
}
