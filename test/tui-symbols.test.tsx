/**
 * Symbols and provenance in the TUI, on a real recording (the shell running posixtest, whose
 * checks trap on purpose): the cpu pane names the function at pc and labels the disassembly with
 * the names the guest ELF's own symbol table gives (read here from guest/bin, independently of
 * the recording's filesystem the UI reads); `k` shows the backtrace; `t` goes to a trap whose
 * detail names its function; `w` / `W` go to the last / next write of the memory pane's word,
 * a store instruction (seen in the disassembly at the new cursor) or a `read` syscall.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { render } from 'ink-testing-library';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import { readSymbolTable, type SymbolTable } from '../src/symbols/elf-symbols.js';
import { App } from '../src/tui/app.js';
import { TuiSession } from '../src/tui/session.js';
import { fmt } from '../src/tui/text.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

const GUEST_BIN = resolve(import.meta.dirname, '../guest/bin');

function hostSymbols(program: string): SymbolTable {
  const r = readSymbolTable(readFileSync(resolve(GUEST_BIN, program)));
  if (!r.ok) throw new Error(r.error);
  return r.table;
}

let store: JournalStore;
let end: number;

beforeAll(async () => {
  ({ store, end } = await recordBoot({ input: 'echo hello\nposixtest\n' }));
}, 120_000);

const statusLine = (f: string) => (f.trimEnd().split('\n').at(-1) ?? '').trim();
const icountShown = (f: string) => Number(/icount ([\d,]+)\//.exec(f)?.[1]?.replace(/,/g, '') ?? NaN);
const type = async (stdin: { write(s: string): void }, keys: string) => {
  for (const k of keys) {
    stdin.write(k);
    await new Promise((r) => setTimeout(r, 30));
  }
};

describe('function names in the cpu pane', () => {
  it("names pc's function and labels the disassembly as guest/bin/sh's own symbols say", async () => {
    const sh = hostSymbols('sh');
    const ui = render(<App session={new TuiSession(store, 'sym.db')} branch={ROOT_BRANCH} width={120} height={40} noColor />);
    // A large screen shows the cpu pane first; the shell waits in read at the end.
    const f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('[cpu]') && /\(sh\) \w+ +pc [0-9a-f]{8}/.test(s), 'the cpu pane on the shell');
    const pc = Number.parseInt(/\(sh\) \w+ +pc ([0-9a-f]{8})/.exec(f)![1]!, 16);
    const fn = sh.locate(pc);
    expect(fn).toBeDefined();
    expect(f).toContain(`pc ${pc.toString(16).padStart(8, '0')} ${sh.describe(pc)}`);
    // The function holding pc starts a few instructions before it: its label is on screen.
    if (pc - fn!.symbol.address < 16) expect(f).toContain(`<${fn!.symbol.name}>:`);
    // The shell waits in a leaf syscall wrapper (no frame of its own): its caller is the one ra names.
    const ra = Number.parseInt(/ ra ([0-9a-f]{8})/.exec(f)![1]!, 16);
    ui.stdin.write('k');
    const bt = await waitFor(ui.lastFrame, (s) => s.includes('backtrace of pid'), 'the backtrace');
    expect(bt).toMatch(new RegExp(`#0 +${pc.toString(16).padStart(8, '0')}  ${sh.describe(pc).replace(/\+/g, '\\+')}`));
    expect(bt).toMatch(new RegExp(`#1 +${ra.toString(16).padStart(8, '0')}  ${sh.describe(ra).replace(/\+/g, '\\+')}`));
    ui.unmount();
  }, 60_000);
});

describe('traps and crashes', () => {
  it('t goes to the next trap: its detail and the cpu pane name the function, k lists the stack to main; x finds no crash here', async () => {
    const posixtest = hostSymbols('posixtest');
    const traps = store.events(ROOT_BRANCH, { kinds: ['trap'] });
    expect(traps.length).toBeGreaterThan(1);
    const [first, second] = traps;
    if (first?.event.kind !== 'trap' || second === undefined) throw new Error('not a trap');
    const pc = first.event.pc;
    const where = posixtest.describe(pc);
    const ui = render(<App session={new TuiSession(store, 'sym.db')} branch={ROOT_BRANCH} width={120} height={40} startIcount={0} noColor />);
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 0/'), 'the start');
    await type(ui.stdin, 'x');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('no crash/deadlock in that direction'), 'no crash');
    await type(ui.stdin, 't');
    const f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes(`trap: event ${first.seq}`), 'the first trap');
    expect(f).toContain(`icount ${fmt(first.icount)}/`);
    expect(f).toContain(`pc: 0x${pc.toString(16)} (${where})`);
    expect(f).toContain(`pid ${first.event.pid} trapped in:`);
    expect(f).toContain(`pc ${pc.toString(16).padStart(8, '0')} ${where}`); // the cpu pane

    await type(ui.stdin, 'k');
    const bt = await waitFor(ui.lastFrame, (s) => s.includes('backtrace of pid'), 'the backtrace');
    const frames = [...bt.matchAll(/#(\d+) +([0-9a-f]{8})  (\S+)/g)].map((m) => ({ pc: Number.parseInt(m[2]!, 16), where: m[3]! }));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toEqual({ pc, where });
    // Every frame is a function of the image as its own symbol table names it, main among the callers.
    for (const fr of frames) expect(fr.where).toBe(posixtest.describe(fr.pc));
    expect(frames.some((fr) => fr.where.startsWith('main+'))).toBe(true);
    await type(ui.stdin, 'k');
    await waitFor(ui.lastFrame, (s) => s.includes('disassembly around pc') && /=> [0-9a-f]{8} /.test(s), 'back to the disassembly');

    await type(ui.stdin, 't');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes(`trap: event ${second.seq}`), 'the second trap');
    await type(ui.stdin, 'T');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes(`trap: event ${first.seq}`), 'back to the first trap');
    ui.unmount();
  }, 60_000);
});

describe('last write of a memory word (w / W)', () => {
  it('w finds the read syscall that filled the shell line buffer, said as the kernel writing in read', async () => {
    // The shell's last read of console input that returned bytes: its buffer holds "posixtest\n".
    const reads = store.events(ROOT_BRANCH, { kinds: ['syscall'] }).filter((e) => e.event.kind === 'syscall' && e.event.name === 'read' && e.event.args[0] === 0);
    const result = (r: (typeof reads)[number]) => {
      const ret = store.events(ROOT_BRANCH, { kinds: ['syscall-return'], pid: r.pid ?? undefined, fromSeq: (r.seq + 1) as never, limit: 1 })[0]?.event;
      return ret?.kind === 'syscall-return' ? ret.result : 0;
    };
    const read = reads.filter((r) => result(r) > 0).at(-1);
    if (read?.event.kind !== 'syscall') throw new Error('no read of console input');
    const buffer = read.event.args[1]! >>> 0;
    const ui = render(<App session={new TuiSession(store, 'sym.db')} branch={ROOT_BRANCH} width={120} height={40} noColor />);
    await waitFor(ui.lastFrame, settled, 'the end');
    await type(ui.stdin, `a${buffer.toString(16)}\r`);
    await waitFor(ui.lastFrame, (s) => s.includes(`memory at ${buffer.toString(16).padStart(8, '0')}`), 'the memory pane at the buffer');
    await type(ui.stdin, 'w');
    const f = await waitFor(ui.lastFrame, (s) => settled(s) && statusLine(s).startsWith('last write:'), 'the last write', 120_000);
    expect(statusLine(f)).toMatch(new RegExp(`pid ${read.pid}, by the kernel in syscall read\\(0x0, 0x${buffer.toString(16)}`));
    expect(f).toContain(`entered at icount ${fmt(read.icount)}`);
    // At the write: the position before the ecall that entered read, or later if it blocked for input.
    expect(icountShown(f)).toBeGreaterThanOrEqual(read.icount - 1);
    expect(icountShown(f)).toBeLessThan(end);
    ui.unmount();
  }, 180_000);

  it("w from the shell's stack goes to a store instruction; W goes on to a later write", async () => {
    const ui = render(<App session={new TuiSession(store, 'sym.db')} branch={ROOT_BRANCH} width={120} height={40} noColor />);
    const start = await waitFor(ui.lastFrame, (s) => settled(s) && /sp [0-9a-f]{8}/.test(s), 'the end');
    const sp = Number.parseInt(/sp ([0-9a-f]{8})/.exec(start)![1]!, 16);
    // The word just below the caller's frame: a saved register, stored by a prologue.
    const addr = (sp + 12) >>> 0;
    await type(ui.stdin, `a${addr.toString(16)}\r`);
    await type(ui.stdin, '\t'); // from the memory pane to servers, then back round to cpu
    await type(ui.stdin, 'w');
    const f = await waitFor(ui.lastFrame, (s) => settled(s) && statusLine(s).startsWith('last write:'), 'the last write', 120_000);
    const m = /last write: icount ([\d,]+), pid (\d+), store at pc 0x([0-9a-f]+)/.exec(statusLine(f));
    expect(m, statusLine(f)).not.toBeNull();
    const at = Number(m![1]!.replace(/,/g, ''));
    expect(icountShown(f)).toBe(at);
    await type(ui.stdin, 'k'); // k shows the cpu pane (as disassembly after a second k)
    await type(ui.stdin, 'k');
    const cpu = await waitFor(ui.lastFrame, (s) => s.includes('disassembly around pc') && /=> [0-9a-f]{8} /.test(s), 'the cpu pane at the write');
    const line = /=> ([0-9a-f]{8})  \S+\s+(.*)/.exec(cpu)!;
    expect(Number.parseInt(line[1]!, 16)).toBe(Number.parseInt(m![3]!, 16));
    expect(line[2]).toMatch(/^(c\.)?(sw|sh|sb|swsp|amo\w+\.w|sc\.w)\b/);
    await type(ui.stdin, 'W');
    const n = await waitFor(ui.lastFrame, (s) => settled(s) && /^(next write:|no write to)/.test(statusLine(s)), 'the next write', 120_000);
    if (statusLine(n).startsWith('next write:')) expect(icountShown(n)).toBeGreaterThan(at);
    ui.unmount();
  }, 240_000);
});
