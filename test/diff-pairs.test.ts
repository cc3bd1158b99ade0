/**
 * `xrr diff` on pairs of recordings made for the purpose, each pair differing in one input, with
 * the first divergence asserted exactly: the event on each side, found independently in the
 * journal. Programmatic recordings where the CLI cannot say the input (the key seed, the image,
 * forks at one point); the real `xrr record` for the rest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { diffTimelines, exitStatusOf, type DiffReport } from '../src/diff/diff-timelines.js';
import { openSides } from '../src/diff/side.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { ROOT_BRANCH, type BranchId } from '../src/journal/ids.js';
import type { MachineEvent } from '../src/core/events.js';
import { forkWithInput, recordRun, xrr } from './diff-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

async function diff(a: string, b: string): Promise<DiffReport> {
  const s = await openSides(a, b);
  try {
    return diffTimelines(s.a, s.b);
  } finally {
    s.close();
  }
}

/** The first event of the timeline matching `pred` (seq and event), read straight from the journal. */
async function firstEvent(file: string, pred: (e: MachineEvent) => boolean, branch: BranchId = ROOT_BRANCH): Promise<{ seq: number; event: MachineEvent }> {
  const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
  try {
    for (const s of store.iterateEvents(branch)) if (pred(s.event)) return { seq: s.seq, event: s.event };
    throw new Error(`no such event in ${file}`);
  } finally {
    store.close();
  }
}

const text = (e: MachineEvent) => (e.kind === 'console-output' ? Buffer.from(Uint8Array.from(e.data)).toString('latin1') : '');

describe('xrr diff: pairs of recordings', () => {
  beforeAll(async () => {
    await recordRun(at('base.db'), { input: 'ls /bin\n' });
    await recordRun(at('same.db'), { input: 'ls /bin\n' });
    await recordRun(at('keys.db'), { input: 'ls /bin\n', keySeed: 'another key seed' });
  }, 120_000);

  it('same everything: identical journals (apart from creation time), verdict identical, exit 0', async () => {
    const r = await diff(at('base.db'), at('same.db'));
    expect(r.verdict).toBe('identical');
    expect(r.inputs).toEqual([]);
    expect(r.firstDivergence).toBeNull();
    expect(exitStatusOf(r)).toBe(0);
    // Row for row: the hash chain heads, the keys, the snapshots' states are the same bytes.
    const [x, y] = await Promise.all([at('base.db'), at('same.db')].map((f) => SqliteJournalStore.open(f, { readonly: true, create: false })));
    try {
      expect(Buffer.from(x!.recordedHead(ROOT_BRANCH).hash!).toString('hex')).toBe(Buffer.from(y!.recordedHead(ROOT_BRANCH).hash!).toString('hex'));
      const { createdAt: _ca, ...metaX } = x!.getRecording()!;
      const { createdAt: _cb, ...metaY } = y!.getRecording()!;
      expect(metaX).toEqual(metaY);
      expect(x!.channelKeys()).toEqual(y!.channelKeys());
      const sx = x!.listSnapshots(ROOT_BRANCH);
      const sy = y!.listSnapshots(ROOT_BRANCH);
      expect(sx.map((s) => [s.icount, s.seq])).toEqual(sy.map((s) => [s.icount, s.seq]));
      for (let i = 0; i < sx.length; i++) expect(Buffer.from(x!.loadSnapshotState(sx[i]!.id)).equals(Buffer.from(y!.loadSnapshotState(sy[i]!.id)))).toBe(true);
    } finally {
      x!.close();
      y!.close();
    }
    const cli = xrr('diff', at('base.db'), at('same.db'));
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('identical');
  }, 60_000);

  it('a different key seed only: every wire differs, yet the runs are equal by meaning (exit 0)', async () => {
    const r = await diff(at('base.db'), at('keys.db'));
    expect(r.verdict).toBe('equal');
    expect(r.firstDivergence).toBeNull();
    expect(r.inputs.map((i) => [i.input, i.changesBehaviour])).toEqual([['key seed', false]]);
    expect(exitStatusOf(r)).toBe(0);
    // The journals really do differ from the first sealed message on.
    const firstIpc = await firstEvent(at('base.db'), (e) => e.kind === 'ipc');
    const other = await firstEvent(at('keys.db'), (e) => e.kind === 'ipc');
    expect(firstIpc.seq).toBe(other.seq);
    expect(firstIpc.event).not.toEqual(other.event);
    expect(xrr('diff', at('base.db'), at('keys.db')).status).toBe(0);
  }, 60_000);

  it('a different seed (bootcheck prints its id): the first divergence is the write of that line', async () => {
    await recordRun(at('seed-a.db'), { seed: 'one', program: ['/bin/bootcheck'] });
    await recordRun(at('seed-b.db'), { seed: 'two', program: ['/bin/bootcheck'] });
    const r = await diff(at('seed-a.db'), at('seed-b.db'));
    const isSeedLine = (e: MachineEvent) => e.kind === 'ipc' && e.mType === 103 && e.src !== 2; // VFS_WRITE
    // The first write whose line holds the seed id, on each side.
    const expectA = await firstEvent(at('seed-a.db'), (e) => text(e).startsWith('seed id:'));
    const writeA = await firstEvent(at('seed-a.db'), (e) => isSeedLine(e) && e.icount === expectA.event.icount);
    const writeB = await firstEvent(at('seed-b.db'), (e) => isSeedLine(e) && e.icount === expectA.event.icount);
    expect(r.verdict).toBe('different');
    expect(r.inputs.map((i) => i.input)).toEqual(['seed']);
    const d = r.firstDivergence!;
    expect([d.a!.seq, d.b!.seq]).toEqual([writeA.seq, writeB.seq]);
    expect(d.a!.summary).toMatch(/^ipc \d+->2 VFS_WRITE: fd=1 data="seed id: +[0-9a-f]{16}\\n"/);
    expect(d.a!.summary).not.toBe(d.b!.summary);
    expect(d.explainedBy.map((i) => i.input)).toEqual(['seed']);
    expect(r.console.unified.filter((l) => /^[-+]seed id:/.test(l))).toHaveLength(2);
  }, 90_000);

  it('different guest images: named as an input, and the first divergence is where the changed file is read', async () => {
    const image = loadGuestImage();
    const motd = new TextEncoder().encode('A different message of the day.\n');
    const changed = { ...image, entries: image.entries.map((e) => (e.path === '/etc/motd' ? { ...e, data: motd } : e)), hash: 'f'.repeat(64) };
    await recordRun(at('image-a.db'), { input: 'true\n' });
    await recordRun(at('image-b.db'), { input: 'true\n', image: changed });
    const r = await diff(at('image-a.db'), at('image-b.db'));
    expect(r.inputs.map((i) => i.input)).toEqual(['image']);
    const d = r.firstDivergence!;
    // The reply to the read of /etc/motd carries the other text.
    expect(d.b!.summary).toMatch(/^ipc 2->\d+ VFS_REPLY\(VFS_READ\): result=32 data="A different message of the day.\\n"/);
    const reply = await firstEvent(at('image-b.db'), (e) => e.kind === 'ipc' && e.src === 2 && e.icount === d.b!.icount && e.mType === 150);
    expect(d.b!.seq).toBe(reply.seq);
    expect(d.a!.kind).toBe('ipc');
    expect(d.a!.icount).toBe(d.b!.icount);
    expect(r.console.unified).toContain('+A different message of the day.');
  }, 90_000);

  it('two branches of one file forked at one point with different typed input: found past the shared hash chain', async () => {
    const file = at('forks.db');
    await recordRun(file, { input: '' });
    const one = await forkWithInput(file, Number.MAX_SAFE_INTEGER, 'echo one\n');
    const two = await forkWithInput(file, Number.MAX_SAFE_INTEGER, 'echo two\n');
    const r = await diff(`${file}#${one}`, `#${two}`);
    const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
    const forkSeq = store.getBranch(one)!.forkSeq;
    store.close();
    const d = r.firstDivergence!;
    expect(d.sharedPrefix).toBe(forkSeq);
    expect(r.inputs.map((i) => [i.input, i.a, i.b])).toEqual([['typed input', '"echo one\\n"', '"echo two\\n"']]);
    // The echo of the first typed byte that differs: 'o' of "one" against 't' of "two", at the
    // same position of both timelines (everything before it is alike).
    const echoB = await firstEvent(file, (e) => text(e) === 't', two);
    expect([d.a!.seq, d.b!.seq]).toEqual([echoB.seq, echoB.seq]);
    expect([d.a!.summary, d.b!.summary]).toEqual(['output "o"', 'output "t"']);
    expect(r.console.unified).toEqual(expect.arrayContaining(['-/ # echo one', '-one', '+/ # echo two', '+two']));
    expect(r.state?.ok).toBe(true);
  }, 120_000);
});

describe('xrr diff: recorded with the CLI', () => {
  const input = at('ls.txt');
  beforeAll(() => {
    writeFileSync(input, 'ls /bin\n');
    writeFileSync(at('ls-etc.txt'), 'ls /etc\n');
    const common = ['--seed', 'cli', '--epoch', '2026-01-01T00:00:00Z'];
    for (const [out, extra] of [
      ['cli-a.db', ['--input', input]],
      ['cli-crash.db', ['--input', input, '--inject', 'crash:vfs:103:3']],
      ['cli-etc.db', ['--input', at('ls-etc.txt')]],
    ] as const) {
      const r = xrr('record', ...common, ...extra, '--out', at(out));
      if (r.status !== 0) throw new Error(r.stderr);
    }
  }, 240_000);

  it('an injected VFS crash: the crash is the first divergence, and the console diff shows the missing bootcheck', () => {
    const r = xrr('diff', at('cli-a.db'), at('cli-crash.db'), '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as DiffReport;
    const d = report.firstDivergence!;
    expect(d.b!.kind).toBe('server-crash');
    expect(d.b!.summary).toMatch(/^SERVER CRASH vfs \(threw\) on VFS_WRITE/);
    expect(d.a!.summary).toBe('output "bootcheck\\n"');
    expect(d.a!.icount).toBe(d.b!.icount);
    expect(d.explainedBy.filter((i) => i.changesBehaviour).map((i) => i.input)).toEqual(['fault']);
    expect(report.console.unified).toContain('-bootcheck');
    expect(report.console.unified.filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-bootcheck']);
    // Aligned per process, the rest of ls's output pairs up: few differences, not a third of the run.
    expect(report.aligned!.onlyB + report.aligned!.onlyA + report.aligned!.changed).toBeLessThan(report.aligned!.matched / 5);
    expect(report.aligned!.byServer.some((t) => t.key === 'vfs')).toBe(true);
    expect(report.state?.ok).toBe(true);
    const text = xrr('diff', at('cli-a.db'), at('cli-crash.db'));
    expect(text.stdout).toContain('first divergence');
    expect(text.stdout).toContain('-bootcheck');
    expect(text.stdout).not.toContain('\u001b['); // no color when not a terminal
  }, 120_000);

  it('different typed input: explained by it, the first divergence where the shell echoes it', () => {
    const r = xrr('diff', at('cli-a.db'), at('cli-etc.db'), '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.inputs.filter((i) => i.changesBehaviour).map((i) => [i.input, i.a, i.b])).toEqual([['typed input', '"ls /bin\\n"', '"ls /etc\\n"']]);
    expect([report.firstDivergence!.a!.summary, report.firstDivergence!.b!.summary]).toEqual(['output "b"', 'output "e"']);
  }, 60_000);

  it('--stat summarises, --color always colors, and a bad pair exits 2', () => {
    const stat = xrr('diff', at('cli-a.db'), at('cli-crash.db'), '--stat');
    expect(stat.status).toBe(1);
    expect(stat.stdout).toContain('by process:');
    expect(stat.stdout).not.toContain('differences, by icount');
    expect(xrr('diff', at('cli-a.db'), at('cli-crash.db'), '--color', 'always', '--no-state').stdout).toContain('\u001b[31m');
    const missing = xrr('diff', at('cli-a.db'), at('nothing.db'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot compare');
    expect(xrr('diff', `${at('cli-a.db')}#9`, at('cli-crash.db')).status).toBe(2);
    writeFileSync(at('junk.db'), 'not a journal');
    expect(xrr('diff', at('cli-a.db'), at('junk.db')).status).toBe(2);
    // A copy shared without its keys: identical to its original, but not comparable by meaning with another run.
    expect(xrr('share', at('cli-a.db'), '--out', at('shared.db')).status).toBe(0);
    expect(xrr('diff', at('shared.db'), at('cli-a.db')).status).toBe(0);
    const sealed = xrr('diff', at('shared.db'), at('cli-crash.db'));
    expect(sealed.status).toBe(2);
    expect(sealed.stderr).toContain('shared without its keys');
  }, 180_000);
});

describe('the shipped pair (README, "Diff two boots")', () => {
  const sample = (name: string) => join('recordings', name);

  it('names the VFS crash as the first divergence and shows the missing bootcheck', async () => {
    const r = await diff(sample('sample-diff-ls.db'), sample('sample-diff-ls-vfs-crash.db'));
    expect(r.verdict).toBe('different');
    expect(r.inputs.map((i) => i.input)).toEqual(['key seed', 'fault']);
    const d = r.firstDivergence!;
    expect(d.a!.summary).toBe('output "bootcheck\\n"');
    expect(d.b!.kind).toBe('server-crash');
    expect(d.explainedBy.filter((i) => i.changesBehaviour).map((i) => i.input)).toEqual(['fault']);
    expect(r.console.unified.filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-bootcheck']);
    // What the README walks through: everything after pairs up but the crash and its consequences.
    expect(r.aligned).toMatchObject({ changed: 1, onlyA: 1 });
    expect(r.aligned!.matched).toBe(r.aligned!.shifted);
    expect(r.state?.ok && r.state.differences.find((s) => s.section === 'registers')).toMatchObject({ key: 'pid 12 a0', a: '0000000a', b: 'fffffffb' });
  }, 60_000);
});
