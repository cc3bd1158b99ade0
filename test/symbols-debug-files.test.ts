/**
 * Debug files (src/symbols/debug-files.ts): the guest image holds stripped programs, and a
 * recording stores the full ELF of exactly the programs that ran, keyed by the program's bytes
 * as the guest held them. Symbols, backtraces and gdb's file reads of a recording come from the
 * stored file (shown with a debug file whose symbols differ from the program's own); a recording
 * made before debug files (full programs in its file system, no debug_file rows) still symbolizes
 * and serves DWARF from its own file system; and the image's stripped copies are the full ones
 * without their debug sections, nothing else changed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGuestImage, type GuestImage } from '../src/cli/guest-image.js';
import { ArrayEventSink } from '../src/core/events.js';
import { Machine } from '../src/core/machine.js';
import { parseElf } from '../src/core/elf.js';
import { DebugSession } from '../src/gdb/debug-session.js';
import { ROOT_BRANCH, type Icount } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import type { JournalStore } from '../src/journal/store.js';
import { verify } from '../src/journal/verify.js';
import { createServers } from '../src/servers/create-servers.js';
import type { DebugFiles } from '../src/symbols/debug-files.js';
import { readSymbolTable } from '../src/symbols/elf-symbols.js';
import { readGuestElf, readGuestFile, SymbolCache } from '../src/symbols/guest-images.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { forkAt } from '../src/timeline/fork.js';
import { Recorder } from '../src/timeline/recorder.js';
import { recordingDebugFiles } from '../src/timeline/recording-debug-files.js';
import { replay, seek } from '../src/timeline/replay.js';
import { GuestSymbols } from '../src/tui/guest-symbols.js';
import { LiveRun } from '../src/tui/live-run.js';
import { TuiSession } from '../src/tui/session.js';
import { xrr } from './support/xrr-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-debug-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const read = (rel: string): Uint8Array => Uint8Array.from(readFileSync(rel));
/** The stripped copy a guest path holds, and its debug companion, as the manifest pairs them. */
const manifest = JSON.parse(readFileSync('guest/manifest.json', 'utf8')) as { entries: { path: string; source?: string; debug?: string }[] };
const pairOf = (guestPath: string): { stripped: Uint8Array; full: Uint8Array } => {
  const e = manifest.entries.find((x) => x.path === guestPath)!;
  return { stripped: read(e.source!), full: read(e.debug!) };
};

/** Section names of an ELF32 image. */
function sectionNames(elf: Uint8Array): string[] {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = dv.getUint32(32, true);
  const shnum = dv.getUint16(48, true);
  const strndx = dv.getUint16(50, true);
  const strOff = dv.getUint32(shoff + strndx * 40 + 16, true);
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = strOff + dv.getUint32(shoff + i * 40, true);
    let end = at;
    while (elf[end] !== 0) end++;
    names.push(Buffer.from(elf.subarray(at, end)).toString('latin1'));
  }
  return names;
}

/** Records `initArgv` on `image` into `store` with the timeline's Recorder, until it halts or waits for input. */
function recordInto(store: JournalStore, image: GuestImage, initArgv: string[], debugFiles: DebugFiles | undefined): Machine {
  store.createRecording({ machineVersion: 'test', imageHash: image.hash, seedHex: '05'.repeat(32), bootEpochNs: '0', commandLine: [], xrrVersion: 'test' });
  const machine = new Machine({ seed: new Uint8Array(32).fill(5), bootEpochNs: 0n, servers: createServers(image.entries, 0n), sink: new ArrayEventSink(), initArgv });
  const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { snapshotNow: false, debugFiles });
  expect(machine.boot()).toBeUndefined();
  recorder.snapshot();
  for (let i = 0; i < 200 && recorder.run(machine.icount + 5_000_000).kind === 'limit'; i++);
  recorder.finish();
  store.flush();
  return machine;
}

describe('the guest image', () => {
  it('holds each program stripped of its debug sections, the loaded bytes and the symbols unchanged; the full ELF is its debug companion', () => {
    const image = loadGuestImage();
    const programs = manifest.entries.filter((e) => e.debug !== undefined);
    expect(programs.map((e) => e.path)).toEqual(expect.arrayContaining(['/sbin/init', '/bin/sh', '/bin/forkrace', '/bin/posixtest']));
    for (const e of programs) {
      const { stripped, full } = pairOf(e.path);
      expect(sectionNames(stripped).filter((n) => n.startsWith('.debug')), e.path).toEqual([]);
      expect(sectionNames(full).filter((n) => n.startsWith('.debug')).length, e.path).toBeGreaterThan(3);
      expect(stripped.length, e.path).toBeLessThan(full.length / 2);
      // What exec maps is the same: every loaded segment's bytes, the entry point; except where
      // the first segment maps the ELF header, the fields that say where the section headers are
      // (e_shoff at 32, e_shnum and e_shstrndx at 48), which no program reads.
      const a = parseElf(stripped);
      const b = parseElf(full);
      if (!a.ok || !b.ok) throw new Error(`${e.path} does not parse`);
      expect(a.value.entry).toBe(b.value.entry);
      const loaded = (img: typeof a.value) =>
        img.segments.map((s) => {
          const data = Buffer.from(img.bytes.subarray(s.offset, s.offset + s.filesz));
          if (s.offset === 0) data.fill(0, 32, 36).fill(0, 48, 52);
          return { ...s, data };
        });
      expect(loaded(a.value)).toEqual(loaded(b.value));
      // .symtab survives stripping: function names need no debug file.
      const symbolsOf = (elf: Uint8Array) => {
        const r = readSymbolTable(elf);
        return r.ok ? r.table.symbols : [];
      };
      expect(symbolsOf(stripped).length).toBeGreaterThan(10);
      expect(symbolsOf(stripped)).toEqual(symbolsOf(full));
      // The image offers the companion by the stripped bytes' sha256.
      expect(Buffer.from(image.debugFiles.debugFile(sha(stripped))!).equals(Buffer.from(full)), e.path).toBe(true);
    }
    expect(image.debugFiles.debugFile(sha(read('guest/etc/motd')))).toBeUndefined();
  });
});

describe('a recording made with the debug files of its image', () => {
  const file = join(dir, 'session.db');
  beforeAll(() => {
    const input = join(dir, 'input.txt');
    writeFileSync(input, 'ls /bin\ncat /etc/motd\n');
    const r = xrr('record', '--seed', '3', '--epoch', '2026-01-01T00:00:00Z', '--input', input, '--out', file);
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it('stores exactly the debug files of the programs that ran, once each, keyed by the program as the guest holds it', async () => {
    const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
    try {
      const execs = new Set(store.events(ROOT_BRANCH, { kinds: ['exec'] }).map((e) => (e.event.kind === 'exec' ? e.event.path : '')));
      // /etc/rc runs mkdir and cat through sh; the console's sh runs ls and cat. init is loaded at boot.
      const ran = ['/sbin/init', ...execs].sort();
      expect(ran).toEqual(['/bin/cat', '/bin/ls', '/bin/mkdir', '/bin/sh', '/sbin/init']);
      expect(store.debugFileKeys()).toEqual(ran.map((p) => sha(pairOf(p).stripped)).sort());
      for (const p of ran) expect(Buffer.from(store.debugFile(sha(pairOf(p).stripped))!).equals(Buffer.from(pairOf(p).full)), p).toBe(true);
      // The boot snapshot holds the stripped programs: the DWARF of the image is not in it.
      const boot = seek(store, ROOT_BRANCH, 0).machine;
      expect(Buffer.from(readGuestFile(boot, '/bin/posixtest')!).equals(Buffer.from(pairOf('/bin/posixtest').stripped))).toBe(true);
      expect(store.debugFile(sha(pairOf('/bin/posixtest').stripped))).toBeNull();
      expect(verify(store)).toMatchObject({ ok: true, debugFiles: 5, seal: 'keyed' });
    } finally {
      store.close();
    }
  });

  it("gdb's file reads get the full ELF of a program that ran, its other files as they are", async () => {
    const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
    try {
      const session = new DebugSession(store, { branch: ROOT_BRANCH });
      expect(session.imagePath(session.pid)).toBe('/bin/cat');
      expect(Buffer.from(session.readGuestFile('/bin/cat')!).equals(Buffer.from(pairOf('/bin/cat').full))).toBe(true);
      expect(sectionNames(session.readGuestFile('/bin/cat')!)).toContain('.debug_line');
      // A program that never ran has no debug file here: gdb gets the stripped bytes the guest holds.
      expect(Buffer.from(session.readGuestFile('/bin/posixtest')!).equals(Buffer.from(pairOf('/bin/posixtest').stripped))).toBe(true);
      expect(Buffer.from(session.readGuestFile('/etc/motd')!).equals(Buffer.from(read('guest/etc/motd')))).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe('symbols of a recording come from its stored debug file', () => {
  it('SymbolCache, the TUI and gdb name what the stored ELF names, not what the program itself holds', async () => {
    // A debug file whose symbols differ from forkrace's own (hello's full ELF, stored under
    // forkrace's key): every reader that names forkrace's functions must go through it.
    const image = loadGuestImage();
    const forkrace = pairOf('/bin/forkrace');
    const hello = pairOf('/bin/hello').full;
    const marker: DebugFiles = { debugFile: (k) => (k === sha(forkrace.stripped) ? hello : undefined) };
    const store = await MemoryJournalStore.create();
    const machine = recordInto(store, image, ['/sbin/init', '/bin/forkrace'], marker);
    expect(store.debugFileKeys()).toEqual([sha(forkrace.stripped)]);
    const helloSymbols = (() => {
      const r = readSymbolTable(hello);
      return r.ok ? r.table.symbols : [];
    })();
    const own = readSymbolTable(forkrace.stripped);
    expect(own.ok && own.table.lookup('on_sigchld')).toBeTruthy();

    const cache = new SymbolCache(recordingDebugFiles(store));
    expect(cache.forPath(machine, '/bin/forkrace').symbols).toEqual(helloSymbols);
    expect(cache.forPath(machine, '/bin/forkrace').lookup('on_sigchld')).toBeUndefined();
    // Without the recording's files, the program's own symbols.
    expect(new SymbolCache().forPath(machine, '/bin/forkrace').lookup('on_sigchld')).toBeDefined();

    const pid = store.events(ROOT_BRANCH, { kinds: ['exec'] }).find((e) => e.event.kind === 'exec' && e.event.path === '/bin/forkrace')!.pid!;
    const exec = store.events(ROOT_BRANCH, { kinds: ['exec'], pid })[0]!;
    const at = seek(store, ROOT_BRANCH, exec.icount + 1);
    expect(new GuestSymbols(store).tableFor(ROOT_BRANCH, at.machine, pid, exec.icount + 1).symbols).toEqual(helloSymbols);
    expect(Buffer.from(readGuestElf(at.machine, '/bin/forkrace', recordingDebugFiles(store))!).equals(Buffer.from(hello))).toBe(true);
    const session = new DebugSession(store, { branch: ROOT_BRANCH, pid });
    expect(session.symbolsOf(pid).symbols).toEqual(helloSymbols);
    expect(Buffer.from(session.readGuestFile('/bin/forkrace')!).equals(Buffer.from(hello))).toBe(true);
  }, 300_000);

  it('a fork stores the debug file of a program only the branch ran', async () => {
    const image = loadGuestImage();
    const store = await MemoryJournalStore.create();
    // The main branch boots to the console's shell (rc runs mkdir and cat) and waits for input.
    const machine = recordInto(store, image, ['/sbin/init'], image.debugFiles);
    const keysOf = (paths: string[]) => paths.map((p) => sha(pairOf(p).stripped)).sort();
    expect(store.debugFileKeys()).toEqual(keysOf(['/sbin/init', '/bin/sh', '/bin/mkdir', '/bin/cat']));
    // A branch from there where the user types `ls /`: only the branch runs ls.
    const fork = forkAt(store, ROOT_BRANCH, machine.icount, 'ls', { debugFiles: image.debugFiles });
    fork.machine.input(new TextEncoder().encode('ls /\n'));
    for (let i = 0; i < 200 && fork.recorder.run(fork.machine.icount + 5_000_000).kind === 'limit'; i++);
    store.flush();
    expect(store.events(fork.branch, { kinds: ['exec'], fromIcount: machine.icount as Icount }).map((e) => (e.event.kind === 'exec' ? e.event.path : ''))).toEqual(['/bin/ls']);
    expect(store.debugFileKeys()).toEqual(keysOf(['/sbin/init', '/bin/sh', '/bin/mkdir', '/bin/cat', '/bin/ls']));
  }, 300_000);
  it("the TUI's forks and live runs store them too (the session's image debug files)", async () => {
    const image = loadGuestImage();
    const store = await MemoryJournalStore.create();
    const machine = recordInto(store, image, ['/sbin/init'], image.debugFiles);
    const session = new TuiSession(store, 'memory', 0, image.debugFiles);
    const fork = session.fork({ branch: ROOT_BRANCH, icount: machine.icount, seq: store.branchLength(ROOT_BRANCH) }, 'cat');
    // The live run goes on with the fork's recorder, which stores what the branch execs.
    const live = new LiveRun(store, fork.branch, fork.machine, () => undefined, image.debugFiles);
    const recorder = Recorder.of(fork.machine)!;
    expect(recorder.debugFiles).toBe(image.debugFiles);
    fork.machine.input(new TextEncoder().encode('uname\n'));
    for (let i = 0; i < 200 && recorder.run(fork.machine.icount + 5_000_000).kind === 'limit'; i++);
    live.stop();
    expect(store.debugFileKeys()).toContain(sha(pairOf('/bin/uname').stripped));
    // A session without the image's files names what init runs from the recording's own.
    const initPc = fork.machine.kernel.procs.get(1)!.pc;
    expect(new TuiSession(store, 'memory', 0).symbols.describe(fork.branch, fork.machine, 1, fork.machine.icount, initPc)).toMatch(/^[a-z_]\w*(\+0x[0-9a-f]+)?$/);
  }, 300_000);
});

describe('a recording made before debug files', () => {
  it('(full programs in its file system, no debug_file rows) symbolizes and serves DWARF from its own file system', async () => {
    // The image as it was: every program's full ELF in the guest's file system, no companions.
    const image = loadGuestImage();
    const full: GuestImage = {
      ...image,
      entries: image.entries.map((e) => {
        const m = manifest.entries.find((x) => x.path === e.path);
        return m?.debug === undefined ? e : { ...e, data: read(m.debug) };
      }),
    };
    const store = await MemoryJournalStore.create();
    const machine = recordInto(store, full, ['/sbin/init', '/bin/forkrace'], undefined);
    expect(store.debugFileKeys()).toEqual([]);
    const forkrace = pairOf('/bin/forkrace');
    expect(Buffer.from(readGuestFile(machine, '/bin/forkrace')!).equals(Buffer.from(forkrace.full))).toBe(true);
    expect(new SymbolCache(recordingDebugFiles(store)).forPath(machine, '/bin/forkrace').lookup('on_sigchld')).toBeDefined();
    const r = replay(store, ROOT_BRANCH, { from: 0 });
    expect(r.snapshot.seq + r.matched).toBe(store.branchLength(ROOT_BRANCH));
    const session = new DebugSession(store, { branch: ROOT_BRANCH });
    expect(session.imagePath(session.pid)).toBe('/bin/forkrace');
    expect(Buffer.from(session.readGuestFile('/bin/forkrace')!).equals(Buffer.from(forkrace.full))).toBe(true);
    expect(session.symbolsOf(session.pid).lookup('on_sigchld')).toBeDefined();
  }, 300_000);
});
