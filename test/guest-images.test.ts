/**
 * The committed guest images: every manifest entry exists, every program is a static
 * RV32 little-endian executable laid out as guest/ABI.md says, with the symbols it is
 * meant to contain; the machine's own ELF loader accepts them; and, when the RISC-V cross
 * compiler is installed (CI installs it), rebuilding from source gives the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../src/core/elf.js';

const repo = fileURLToPath(new URL('..', import.meta.url));

interface ManifestEntry {
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'chardev';
  readonly mode: string;
  readonly source?: string;
  /** A program's full ELF (its stripped `source` is what the guest holds). */
  readonly debug?: string;
  readonly device?: string;
}

const manifest = JSON.parse(readFileSync(join(repo, 'guest/manifest.json'), 'utf8')) as {
  version: number;
  entries: ManifestEntry[];
};
const files = manifest.entries.filter((e) => e.kind === 'file');
const programs = files.filter((e) => e.path.startsWith('/bin/') || e.path.startsWith('/sbin/'));
const benchImages = ['bench/workloads/cpubench-linux.elf', 'bench/workloads/hello-linux.elf'];

// ---- a small ELF32 reader: just what the checks below need ----

interface Segment { type: number; offset: number; vaddr: number; filesz: number; memsz: number; flags: number }
interface Elf32 {
  cls: number; data: number; type: number; machine: number; entry: number;
  segments: Segment[]; symbols: Map<string, number>;
}

function readElf(bytes: Uint8Array): Elf32 {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF file');
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  const phoff = u32(28), shoff = u32(32), phentsize = u16(42), phnum = u16(44), shentsize = u16(46), shnum = u16(48);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    segments.push({ type: u32(p), offset: u32(p + 4), vaddr: u32(p + 8), filesz: u32(p + 16), memsz: u32(p + 20), flags: u32(p + 24) });
  }
  const symbols = new Map<string, number>();
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    if (u32(s + 4) !== 2 /* SHT_SYMTAB */) continue;
    const off = u32(s + 16), size = u32(s + 20), link = u32(s + 24), entsize = u32(s + 36);
    const strOff = u32(shoff + link * shentsize + 16);
    for (let k = 0; k < size / entsize; k++) {
      const e = off + k * entsize;
      const nameAt = strOff + u32(e);
      let end = nameAt;
      while (bytes[end] !== 0) end++;
      const name = new TextDecoder().decode(bytes.subarray(nameAt, end));
      if (name) symbols.set(name, u32(e + 4));
    }
  }
  return { cls: bytes[4]!, data: bytes[5]!, type: u16(16), machine: u16(18), entry: u32(24), segments, symbols };
}

const PT_LOAD = 1, PF_X = 1;
const EM_RISCV = 243, ET_EXEC = 2;

/** Symbols each program must contain beyond crt0's (which every XINIM program has). */
const expectedSymbols: Record<string, string[]> = {
  '/sbin/init': ['fork', 'execve', 'wait4', 'dup2', 'tcsetpgrp'],
  '/bin/sh': ['fork', 'execve', 'pipe', 'dup2', 'wait4', 'setpgid', 'tcsetpgrp', 'sigaction', '__xinim_sigreturn'],
  '/bin/cpubench': ['bench_crc', 'bench_sort', 'bench_matmul', 'bench_interp', 'write'],
  '/bin/posixtest': ['mmap', 'munmap', 'mprotect', 'shmget', 'shmat', 'sigaction', 'sigprocmask', 'pipe', 'sbrk'],
  '/bin/forkrace': ['fork', 'sigaction', 'on_sigchld', 'wait4'],
  '/bin/vfsstress': ['fork', 'rename', 'unlink', 'xinim_getdents'],
  '/bin/bootcheck': ['xinim_sysinfo', 'xinim_ps_list', 'uname'],
  '/bin/ps': ['xinim_ps_list'],
  '/bin/ls': ['opendir', 'readdir', 'stat'],
  '/bin/kill': ['kill'],
};

describe('guest image manifest', () => {
  it('is version 1 with unique absolute paths whose parents are directories in the manifest', () => {
    expect(manifest.version).toBe(1);
    const paths = manifest.entries.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    const dirs = new Set(manifest.entries.filter((e) => e.kind === 'dir').map((e) => e.path));
    for (const p of paths) {
      expect(p.startsWith('/')).toBe(true);
      const parent = p.slice(0, p.lastIndexOf('/')) || '/';
      if (parent !== '/') expect(dirs.has(parent), `${p}: parent ${parent}`).toBe(true);
    }
  });

  it('has the programs and files the issue asks for', () => {
    const paths = new Set(manifest.entries.map((e) => e.path));
    const wanted = ['/sbin/init', '/etc/rc', '/etc/motd', '/etc/passwd', '/dev/console',
      ...['sh', 'ls', 'cat', 'echo', 'mkdir', 'rmdir', 'rm', 'mv', 'cp', 'ps', 'kill', 'sleep', 'true', 'false',
        'hello', 'uname', 'env', 'posixtest', 'forkrace', 'vfsstress', 'bootcheck', 'cpubench'].map((p) => `/bin/${p}`)];
    for (const w of wanted) expect(paths.has(w), w).toBe(true);
  });

  it('names an existing repository file for every file entry, with an octal mode', () => {
    for (const e of manifest.entries) {
      expect(e.mode, e.path).toMatch(/^[0-7]{4}$/);
      if (e.kind === 'file') expect(existsSync(join(repo, e.source!)), e.source).toBe(true);
      if (e.debug !== undefined) expect(existsSync(join(repo, e.debug)), e.debug).toBe(true);
      if (e.kind === 'chardev') expect(e.device).toBeTruthy();
    }
  });
});

describe('guest ELF images', () => {
  it('every program has a debug companion', () => {
    for (const e of programs) expect(e.debug, e.path).toBe(e.source!.replace(/^guest\/image\//, 'guest/'));
  });

  it.each(programs.flatMap((e) => [[e.path, e.source!], [e.path, e.debug!]] as const))('%s (%s) is a static RV32 executable at 0x10000', (guestPath, source) => {
    const elf = readElf(new Uint8Array(readFileSync(join(repo, source))));
    expect({ cls: elf.cls, data: elf.data, type: elf.type, machine: elf.machine })
      .toEqual({ cls: 1, data: 1, type: ET_EXEC, machine: EM_RISCV });
    const loads = elf.segments.filter((s) => s.type === PT_LOAD);
    expect(loads[0]!.vaddr).toBe(0x10000);
    expect(elf.segments.some((s) => s.type === 3 /* PT_INTERP */ || s.type === 2 /* PT_DYNAMIC */)).toBe(false);
    const text = loads.find((s) => elf.entry >= s.vaddr && elf.entry < s.vaddr + s.filesz);
    expect(text, 'entry inside a loaded segment').toBeDefined();
    expect(text!.flags & PF_X).toBe(PF_X);
    for (const s of loads) expect(s.vaddr + s.memsz).toBeLessThan(0x7f000000);
    expect(elf.symbols.get('_start')).toBe(elf.entry);
    // A local function the compiler specialised is named "f.constprop.0": count that as f.
    const names = [...elf.symbols.keys()].map((n) => n.split('.')[0]);
    for (const sym of ['main', '__xinim_start', '__tls_base', ...(expectedSymbols[guestPath] ?? [])])
      expect(names.includes(sym), `${guestPath}: ${sym}`).toBe(true);
  });

  it.each(benchImages)('%s is a static Linux-ABI RV32 executable', (rel) => {
    const elf = readElf(new Uint8Array(readFileSync(join(repo, rel))));
    expect([elf.cls, elf.data, elf.type, elf.machine]).toEqual([1, 1, ET_EXEC, EM_RISCV]);
    expect(elf.symbols.get('_start')).toBe(elf.entry);
    expect(elf.segments.filter((s) => s.type === PT_LOAD)[0]!.vaddr).toBe(0x10000);
  });

  it('are accepted by the machine\'s ELF loader', () => {
    for (const rel of [...programs.flatMap((e) => [e.source!, e.debug!]), ...benchImages]) {
      const r = parseElf(new Uint8Array(readFileSync(join(repo, rel))));
      expect(r.ok ? 'ok' : `${rel}: ${r.error}`).toBe('ok');
    }
  });
});

const toolchain = spawnSync('riscv64-unknown-elf-gcc', ['--version'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('make', ['--version'], { stdio: 'ignore' }).status === 0;

describe('guest build reproducibility', () => {
  it.skipIf(!toolchain)('rebuilds every image from source with identical bytes', () => {
    const out = mkdtempSync(join(tmpdir(), 'xrr-guest-'));
    try {
      const r = spawnSync('make', ['-s', '-C', join(repo, 'guest'), `OUT=${out}`, `BENCH_OUT=${out}/bench`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const mismatched: string[] = [];
      for (const rel of files.flatMap((e) => [e.source!, ...(e.debug === undefined ? [] : [e.debug])])) {
        const built = join(out, rel.replace(/^guest\//, ''));
        if (!readFileSync(built).equals(readFileSync(join(repo, rel)))) mismatched.push(rel);
      }
      for (const rel of benchImages) {
        const built = join(out, 'bench', rel.slice(rel.lastIndexOf('/') + 1));
        if (!readFileSync(built).equals(readFileSync(join(repo, rel)))) mismatched.push(rel);
      }
      if (!readFileSync(join(out, 'manifest.json')).equals(readFileSync(join(repo, 'guest/manifest.json'))))
        mismatched.push('guest/manifest.json');
      expect(mismatched, 'rebuilt images differ from the committed ones: run `npm run guest` and commit').toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
