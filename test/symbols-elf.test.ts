/**
 * Guest ELF symbols: the table read from a committed image agrees with binutils' nm, pcs map
 * to function+offset, a broken image gives an error value, and a backtrace by frame pointers
 * through a recorded process names its callers.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArrayEventSink } from '../src/core/events.js';
import { Machine } from '../src/core/machine.js';
import { backtrace } from '../src/symbols/backtrace.js';
import { readSymbolTable, SymbolTable } from '../src/symbols/elf-symbols.js';
import { readGuestElf, readGuestFile, SymbolCache } from '../src/symbols/guest-images.js';
import { createServers } from '../src/servers/create-servers.js';
import { loadGuestImage } from '../src/cli/guest-image.js';

const NM = 'riscv64-unknown-elf-nm';
const haveNm = spawnSync(NM, ['--version']).status === 0;

function table(path: string): SymbolTable {
  const r = readSymbolTable(readFileSync(path));
  if (!r.ok) throw new Error(r.error);
  return r.table;
}

describe('ELF symbol tables', () => {
  it.skipIf(!haveNm)('lists the functions and objects nm lists, at the same addresses', () => {
    const t = table('guest/bin/forkrace');
    const nm = spawnSync(NM, ['--defined-only', 'guest/bin/forkrace'], { encoding: 'utf8' }).stdout;
    let checked = 0;
    for (const line of nm.split('\n')) {
      const m = /^([0-9a-f]{8}) ([TtDdBbRr]) (\S+)$/.exec(line);
      if (!m) continue;
      const s = t.lookup(m[3]!);
      if (!s) continue;
      expect(s.address, m[3]).toBe(parseInt(m[1]!, 16));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
    for (const name of ['main', 'on_sigchld', 'race_file', 'nanosleep', 'waitpid', 'printf']) expect(t.lookup(name)?.kind, name).toBe('function');
    expect(t.lookup('reaped')?.kind).toBe('object');
  });

  it('maps a pc to function+offset, and an address outside every function to hex', () => {
    const t = table('guest/bin/forkrace');
    const main = t.lookup('main')!;
    expect(t.describe(main.address)).toBe('main');
    expect(t.describe(main.address + 6)).toBe('main+0x6');
    expect(t.locate(main.address + main.size - 1)?.symbol.name).toBe('main');
    expect(t.describe(0x10)).toBe('0x10');
  });

  it('gives an error value for a broken image, never an exception', () => {
    const good = new Uint8Array(readFileSync('guest/bin/forkrace'));
    expect(readSymbolTable(new Uint8Array(10)).ok).toBe(false);
    expect(readSymbolTable(good.subarray(0, good.length / 2)).ok).toBe(false);
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(32, 0xfffffff0, true); // section headers far past the end
    expect(readSymbolTable(bad)).toEqual({ ok: false, error: 'section headers run past the end of the image' });
    for (let i = 0; i < 200; i++) {
      const fuzz = good.slice();
      for (let k = 0; k < 8; k++) fuzz[(i * 7919 + k * 104729) % fuzz.length] = (i * 31 + k) & 0xff;
      expect(() => readSymbolTable(fuzz)).not.toThrow();
    }
  });
});

describe('backtrace by frame pointers', () => {
  it('walks a running process from a nested call to main', () => {
    // A machine running forkrace (built with frame pointers), stopped inside a call.
    const sink = new ArrayEventSink();
    const image = loadGuestImage();
    const m = new Machine({ seed: new Uint8Array(32).fill(7), bootEpochNs: 0n, servers: createServers(image.entries, 0n), sink, initArgv: ['/sbin/init', '/bin/forkrace'] });
    expect(m.boot()).toBeUndefined();
    const execOf = () => sink.events.find((e) => e.kind === 'exec' && e.path === '/bin/forkrace');
    for (let i = 0; i < 1000 && !execOf(); i++) m.run(m.icount + 10_000);
    const exec = execOf();
    if (exec?.kind !== 'exec') throw new Error('forkrace did not start');
    // A machine without a recording: the image's debug files. The guest holds the stripped program;
    // its debug file is the full ELF, with the same function symbols.
    const symbols = new SymbolCache(image.debugFiles).forPath(m, '/bin/forkrace');
    expect(Buffer.from(readGuestFile(m, '/bin/forkrace')!).equals(readFileSync('guest/image/bin/forkrace'))).toBe(true);
    expect(Buffer.from(readGuestElf(m, '/bin/forkrace', image.debugFiles)!).equals(readFileSync('guest/bin/forkrace'))).toBe(true);
    expect(new SymbolCache().forPath(m, '/bin/forkrace').symbols).toEqual(symbols.symbols);
    // Step until forkrace is inside nanosleep (libxinim, called from main's sleep loop), past its prologue.
    let frames: ReturnType<typeof backtrace> = [];
    for (let i = 0; i < 2_000_000 && frames.length === 0; i++) {
      m.run(m.icount + 1);
      const p = m.kernel.procs.get(exec.pid);
      if (!p) break;
      const at = symbols.locate(p.pc >>> 0);
      if (m.kernel.current === p && at?.symbol.name === 'nanosleep' && at.offset >= 12) {
        const read = (a: number) => {
          const b = p.mem.peek(a, 4);
          return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined;
        };
        frames = backtrace(p.pc, p.regs, read, symbols);
      }
    }
    const names = frames.map((f) => f.where.replace(/\+0x[0-9a-f]+$/, ''));
    expect(names.slice(0, 2)).toEqual(['nanosleep', 'main']);
    expect(names).toContain('__xinim_start');
    // Each caller's frame is a frame pointer further up the stack.
    const fps = frames.map((f) => f.fp).filter((fp) => fp !== undefined);
    expect(fps.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < fps.length; i++) expect(fps[i]!).toBeGreaterThan(fps[i - 1]!);
  }, 300_000);
});
