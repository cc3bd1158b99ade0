/**
 * The real gdb-multiarch against `xrr gdb` on the shipped recording (forkrace's SIGCHLD race):
 * a breakpoint by function name and one by line, registers and local variables, stepi and
 * reverse-stepi, reverse-continue back to an earlier breakpoint, a watchpoint that fires going
 * backwards (at the last write), and reverse-continue past the start reporting the beginning
 * of history. Every value gdb shows is held to what a plain forward replay (journal seek)
 * shows at the same icount, or to the recorded syscall results.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH, type Icount } from '../src/journal/ids.js';
import type { BranchId } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import type { Positioned } from '../src/timeline/machines.js';
import { Replayer } from '../src/timeline/replayer.js';
import { seek } from '../src/timeline/replay.js';

/** The machine at `target`, run on from `from` with every event held to the journal. */
function runForward(store: JournalStore, branch: BranchId, from: Positioned, target: number): Positioned {
  const r = Replayer.fromMachine(store, branch, from);
  const out = r.runUntil({ kind: 'icount', icount: target });
  if (out.kind === 'divergence') throw new Error(`diverged at event ${out.divergence.seq}`);
  return r.position();
}
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { ABI_REGISTER_NAMES } from '../src/symbols/register-names.js';

const SAMPLE = 'recordings/sample-vfs-crash.db';
const haveGdb = spawnSync('gdb-multiarch', ['--version'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xrr-gdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `xrr gdb` on `file` and resolves with its port once it listens. */
function startServer(file = SAMPLE): Promise<{ port: number; done: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, ['bin/xrr.mjs', 'gdb', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), done, stderr: () => err });
    });
    void done.then((code) => reject(new Error(`xrr gdb exited (${code}) before listening: ${err}`)));
  });
}

function runGdb(port: number, script: string): string {
  const file = join(dir, 'script.gdb');
  writeFileSync(file, `set pagination off\nset confirm off\nset width 0\ntarget remote 127.0.0.1:${port}\n${script}\ndetach\n`);
  // One file for both streams, so gdb's messages and the monitor's replies stay in order.
  const log = join(dir, 'gdb.out');
  const fd = openSync(log, 'w');
  try {
    spawnSync('gdb-multiarch', ['--nx', '--batch', '-x', file], { stdio: ['ignore', fd, fd], timeout: 300_000 });
  } finally {
    closeSync(fd);
  }
  return readFileSync(log, 'utf8');
}

/** The text between `@name` and the next `@` marker. */
function section(out: string, name: string): string {
  const start = out.indexOf(`@${name}\n`);
  expect(start, `marker @${name} in gdb's output:\n${out}`).toBeGreaterThanOrEqual(0);
  const rest = out.slice(start + name.length + 2);
  const end = rest.indexOf('\n@');
  return end < 0 ? rest : rest.slice(0, end);
}

const icountIn = (text: string) => Number(/^(\d+)$/m.exec(text)?.[1] ?? NaN);
const valueOf = (text: string) => Number(/^\$\d+ = (-?\d+)/m.exec(text)?.[1] ?? NaN);

describe.skipIf(!haveGdb)('gdb-multiarch against xrr gdb', () => {
  it('breaks, steps and continues both ways, and its values match a forward replay', async () => {
    const server = await startServer();
    const out = runGdb(server.port, [
      'info threads',
      'break on_sigchld',
      'continue',
      'echo @HIT1\\n', 'monitor icount', 'info registers',
      'break forkrace.c:42',
      'continue',
      'echo @LINE42\\n', 'monitor icount', 'echo @P\\n', 'print p', 'echo @ST\\n', 'print st', 'echo @STADDR\\n', 'print/x &st', 'echo @PC42\\n', 'print/x $pc',
      'stepi',
      'echo @STEPPED\\n', 'print/x $pc', 'monitor icount',
      'reverse-stepi',
      'echo @BACK\\n', 'print/x $pc', 'monitor icount',
      'continue',
      'echo @HIT2\\n', 'monitor icount',
      'watch reaped',
      'reverse-continue',
      'echo @WATCH\\n', 'monitor icount', 'echo @REAPED\\n', 'print reaped', 'echo @RADDR\\n', 'print/x &reaped',
      'delete 3',
      'reverse-continue',
      'echo @EARLIER\\n', 'monitor icount', 'print/x $pc',
      'delete',
      'reverse-continue',
      'echo @BEGIN\\n', 'monitor icount',
      'echo @END\\n',
    ].join('\n'));
    expect(await server.done, server.stderr()).toBe(0);

    expect(out).toContain('Reading symbols from target:/bin/forkrace');
    const store = await SqliteJournalStore.open(SAMPLE, { readonly: true, create: false });
    try {
      const pid = Number(/Thread (\d+) \(forkrace/.exec(out)?.[1]);
      const hex = (name: string) => Number(/= (0x[0-9a-f]+)/.exec(section(out, name))?.[1] ?? NaN);
      const i1 = icountIn(section(out, 'HIT1'));
      const i42 = icountIn(section(out, 'LINE42'));
      const stepped = section(out, 'STEPPED');
      const back = section(out, 'BACK');
      const i2 = icountIn(section(out, 'HIT2'));
      const watch = section(out, 'WATCH');
      const iw = icountIn(watch);
      const earlier = section(out, 'EARLIER');
      const begin = section(out, 'BEGIN');

      // The order of the stops: forward to the first SIGCHLD and line 42, a step and back,
      // forward to the second SIGCHLD, back to the handler's write of the first, back to line 42.
      expect(i1).toBeLessThan(i42);
      expect(icountIn(stepped)).toBeGreaterThan(i42);
      expect(icountIn(back)).toBe(i42);
      expect(/= (0x[0-9a-f]+)/.exec(back)?.[1]).toBe(/= (0x[0-9a-f]+)/.exec(section(out, 'PC42'))?.[1]);
      expect(/= (0x[0-9a-f]+)/.exec(stepped)?.[1]).not.toBe(/= (0x[0-9a-f]+)/.exec(back)?.[1]);
      expect(i2).toBeGreaterThan(i42);
      // gdb's report of the reverse-continue comes before the next marker.
      expect(section(out, 'HIT2')).toMatch(/Hardware watchpoint 3: reaped\s+Old value = 1\s+New value = 0/);
      expect(iw).toBeGreaterThan(i42);
      expect(iw).toBeLessThan(i2);
      expect(valueOf(section(out, 'REAPED'))).toBe(0);
      expect(icountIn(earlier)).toBe(i42);
      expect(section(out, 'RADDR')).toContain('Breakpoint 2, on_sigchld');
      expect(out).toContain('No more reverse-execution history.');
      expect(icountIn(begin)).toBeLessThan(i1);

      // The values gdb showed, against a plain forward replay (journal seek, then run on) at the
      // same icounts and the recorded syscall results.
      const at1 = seek(store, ROOT_BRANCH, i1);
      const p1 = at1.machine.kernel.procs.get(pid)!;
      const hit1 = section(out, 'HIT1');
      for (const [n, name] of ABI_REGISTER_NAMES.entries()) {
        if (n === 0) continue;
        const shown = new RegExp(`^${n === 8 ? 'fp' : name}\\s+(0x[0-9a-f]+)`, 'm').exec(hit1)?.[1];
        expect(Number(shown), `register ${name}`).toBe(p1.regs[n]! >>> 0);
      }
      expect(Number(/^pc\s+(0x[0-9a-f]+)/m.exec(hit1)?.[1])).toBe(p1.pc >>> 0);

      // The local variable p is what the recorded wait4 returned; st is in memory where gdb read it.
      const waits = store.events(ROOT_BRANCH, { pid, kinds: ['syscall-return'], fromIcount: i1 as Icount, toIcount: i42 as Icount })
        .map((e) => e.event).filter((e) => e.kind === 'syscall-return' && e.nr === 28);
      expect(waits).toHaveLength(1);
      const p = valueOf(section(out, 'P'));
      expect(p).toBe(waits[0]!.kind === 'syscall-return' ? waits[0]!.result : NaN);
      expect(p).toBeGreaterThan(pid);
      const pos42 = runForward(store, ROOT_BRANCH, at1, i42);
      const at42 = pos42.machine;
      const le32 = (b: Uint8Array) => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24));
      expect(valueOf(section(out, 'ST'))).toBe(le32(at42.kernel.procs.get(pid)!.mem.peek(hex('STADDR'), 4)!));
      expect(at42.kernel.procs.get(pid)!.pc >>> 0).toBe(hex('PC42'));

      // Going forward from line 42, reaped changes from 0 to 1 exactly at the instruction the
      // reverse watchpoint stopped at.
      const reaped = hex('RADDR');
      const posW = runForward(store, ROOT_BRANCH, pos42, iw);
      expect(le32(posW.machine.kernel.procs.get(pid)!.mem.peek(reaped, 4)!)).toBe(0);
      const afterW = runForward(store, ROOT_BRANCH, posW, iw + 1).machine;
      expect(le32(afterW.kernel.procs.get(pid)!.mem.peek(reaped, 4)!)).toBe(1);
    } finally {
      store.close();
    }
  }, 600_000);

  it('a new recording (a stripped forkrace in its file system): gdb reads the stored debug file, with source lines and locals', async () => {
    const file = join(dir, 'forkrace.db');
    const rec = spawnSync(process.execPath, ['bin/xrr.mjs', 'record', '--seed', '3', '--epoch', '2026-01-01T00:00:00Z', '--out', file, '/bin/forkrace', 'sigchld', '3'], { encoding: 'utf8', timeout: 300_000 });
    expect(rec.stderr).toMatch(/xrr: recorded \d+ events/);
    const server = await startServer(file);
    const out = runGdb(server.port, ['break forkrace.c:42', 'continue', 'echo @P\\n', 'print p', 'echo @WHERE\\n', 'info line *$pc', 'echo @END\\n'].join('\n'));
    expect(await server.done, server.stderr()).toBe(0);
    expect(out).toContain('Reading symbols from target:/bin/forkrace');
    expect(out).not.toMatch(/No debugging symbols found/);
    expect(out).toMatch(/Breakpoint 1 at 0x[0-9a-f]+: file src\/forkrace\.c, line 42\./);
    expect(section(out, 'P')).toMatch(/^\$1 = \d+$/m);
    expect(section(out, 'WHERE')).toMatch(/Line 42 of "src\/forkrace\.c"/);
  }, 600_000);
});
