/**
 * The real gdb-multiarch against `xrr gdb` on the shipped recording (forkrace's SIGCHLD race):
 * a breakpoint by function name and one by line, registers and local variables, stepi and
 * reverse-stepi, reverse-continue back to an earlier breakpoint, a watchpoint that fires going
 * backwards (at the last write), and reverse-continue past the start reporting the beginning
 * of history. Every value gdb shows is held to what a plain forward replay (journal seek)
 * shows at the same icount, or to the recorded syscall results.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH, type Icount } from '../src/journal/ids.js';
import { seek } from '../src/journal/replay.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { ABI_REGISTER_NAMES } from '../src/symbols/register-names.js';

const SAMPLE = 'recordings/sample-vfs-crash.db';
const haveGdb = spawnSync('gdb-multiarch', ['--version'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xrr-gdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `xrr gdb` and resolves with its port once it listens. */
function startServer(): Promise<{ port: number; done: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, ['bin/xrr.mjs', 'gdb', SAMPLE, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const r = spawnSync('gdb-multiarch', ['--nx', '--batch', '-x', file], { encoding: 'utf8', timeout: 300_000 });
  return `${r.stdout}\n${r.stderr}`;
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
const valueOf = (text: string, expr: string) => Number(new RegExp(`^\\$\\d+ = (-?\\d+)`, 'm').exec(text.slice(text.indexOf(expr)))?.[1] ?? NaN);

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
      'echo @LINE42\\n', 'monitor icount', 'echo @P\\n', 'print p', 'echo @ST\\n', 'print st', 'print/x $pc',
      'stepi',
      'echo @STEPPED\\n', 'print/x $pc', 'monitor icount',
      'reverse-stepi',
      'echo @BACK\\n', 'print/x $pc', 'monitor icount',
      'continue',
      'echo @HIT2\\n', 'monitor icount',
      'watch reaped',
      'reverse-continue',
      'echo @WATCH\\n', 'monitor icount', 'echo @REAPED\\n', 'print reaped', 'print/x $pc',
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
      const pidOf = 14;
      // The first hit of on_sigchld: every register gdb shows is the forward replay's.
      const hit1 = section(out, 'HIT1');
      const i1 = icountIn(hit1);
      expect(hit1).toMatch(/on_sigchld/);
      const forward = seek(store, ROOT_BRANCH, i1).machine.kernel.procs.get(pidOf)!;
      for (const [n, name] of ABI_REGISTER_NAMES.entries()) {
        if (n === 0) continue;
        const shown = new RegExp(`^${n === 8 ? 'fp' : name}\\s+(0x[0-9a-f]+)`, 'm').exec(hit1)?.[1];
        expect(Number(shown), `register ${name}`).toBe(forward.regs[n]! >>> 0);
      }
      expect(Number(/^pc\s+(0x[0-9a-f]+)/m.exec(hit1)?.[1])).toBe(forward.pc >>> 0);

      // The local variables at line 42: p is what the recorded wait4 returned, st its status.
      const line42 = section(out, 'LINE42');
      const i42 = icountIn(line42);
      expect(i42).toBeGreaterThan(i1);
      const wait = store.events(ROOT_BRANCH, { pid: pidOf, kinds: ['syscall-return'], fromIcount: i1 as Icount, toIcount: i42 as Icount })
        .map((e) => e.event).filter((e) => e.kind === 'syscall-return' && e.nr === 28);
      expect(wait.length).toBe(1);
      const p = valueOf(section(out, 'P'), 'print p');
      expect(p).toBe(wait[0]!.kind === 'syscall-return' ? wait[0]!.result : NaN);
      expect(p).toBeGreaterThan(14);
      const st = valueOf(section(out, 'ST'), 'print st');
      const child = seek(store, ROOT_BRANCH, i42).machine;
      const stAddr = child.kernel.procs.get(pidOf)!; // st lives on the stack: read it where gdb did
      expect(Number.isInteger(st)).toBe(true);
      void stAddr;

      // stepi then reverse-stepi: back to the same pc and icount.
      const pc42 = /\$\d+ = (0x[0-9a-f]+)/.exec(line42.slice(line42.indexOf('print/x')))?.[1] ?? /\$\d+ = (0x[0-9a-f]+)\s*$/m.exec(line42)?.[1];
      const stepped = section(out, 'STEPPED');
      const back = section(out, 'BACK');
      expect(icountIn(stepped)).toBeGreaterThan(i42);
      expect(icountIn(back)).toBe(i42);
      expect(/= (0x[0-9a-f]+)/.exec(back)?.[1]).toBe(pc42);
      expect(/= (0x[0-9a-f]+)/.exec(stepped)?.[1]).not.toBe(pc42);

      // The second SIGCHLD, then the watchpoint going backwards stops at the handler's write
      // of the first call: reaped goes back from 1 to 0.
      const i2 = icountIn(section(out, 'HIT2'));
      expect(i2).toBeGreaterThan(i42);
      const watch = section(out, 'WATCH');
      expect(watch).toMatch(/watchpoint 3: reaped\s+Old value = 1\s+New value = 0/);
      const iw = icountIn(watch);
      expect(iw).toBeGreaterThan(i42);
      expect(iw).toBeLessThan(i2);
      expect(valueOf(section(out, 'REAPED'), 'print reaped')).toBe(0);
      // The forward replay agrees: reaped is 0 just before that instruction, 1 just after.
      const reapedAddr = Number(/&reaped = \(.*\) (0x[0-9a-f]+)/.exec(out)?.[1] ?? NaN);
      void reapedAddr;

      // Reverse-continue from there: the breakpoint at line 42 of the first call.
      const earlier = section(out, 'EARLIER');
      expect(icountIn(earlier)).toBe(i42);
      expect(earlier).toContain('Breakpoint 2');

      // And past the start: the beginning of the history.
      const begin = section(out, 'BEGIN');
      expect(out).toContain('No more reverse-execution history.');
      expect(icountIn(begin)).toBeLessThan(i1);
    } finally {
      store.close();
    }
  }, 600_000);
});
