/**
 * The time-travel UI against a real recording (booted, recorded into a MemoryJournalStore):
 * what the screen shows at start, that keys step, seek, filter, bookmark and switch panes, that
 * a fork goes live and takes console input into a new branch, and that a bad file is a message.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { beforeAll, describe, expect, it } from 'vitest';

import { openRecording } from '../src/cli/commands/tui.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import type { JournalStore } from '../src/journal/store.js';
import { App } from '../src/tui/app.js';
import { helpRows } from '../src/tui/keymap.js';
import { KEY_COLUMN } from '../src/tui/panes/help-overlay.js';
import { disassembleAround, formatInst } from '../src/tui/disasm.js';
import { describeFilter, eventText, parseFilter, TuiSession } from '../src/tui/session.js';
import { decode } from '../src/core/decode.js';
import { newMachine } from './support/boot.js';
import { createHash } from 'node:crypto';
import type { Machine } from '../src/core/machine.js';
import { replay, seek } from '../src/timeline/replay.js';
import { Replayer } from '../src/timeline/replayer.js';

const INPUT = ['echo hello\n', 'forkrace\n'];

async function record(): Promise<{ store: JournalStore; end: number }> {
  const store = await MemoryJournalStore.create();
  store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
  const { machine } = newMachine({ seed: 0 });
  const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { interval: 1_000_000, snapshotNow: false });
  expect(machine.boot()).toBeUndefined();
  recorder.snapshot();
  const input = [...INPUT];
  for (;;) {
    const stop = recorder.run();
    if (stop.kind === 'idle') {
      if (input.length === 0) break;
      machine.input(new TextEncoder().encode(input.shift()!));
    }
    if (stop.kind === 'halted') break;
  }
  store.flush();
  return { store, end: machine.icount };
}

async function waitFor(frame: () => string | undefined, pred: (f: string) => boolean, what: string, ms = 60_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const f = frame() ?? '';
    if (pred(f)) return f;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; screen:\n${f}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settled = (f: string) => f.includes('[PAUSED]');
const type = async (stdin: { write(s: string): void }, keys: string) => {
  for (const k of keys) {
    stdin.write(k);
    await new Promise((r) => setTimeout(r, 40));
  }
};

let store: JournalStore;
let end: number;

beforeAll(async () => {
  ({ store, end } = await record());
});

describe('the TUI over a recording', () => {
  it('shows header, timeline, the event list at the cursor and the detail of the last event (80x24)', async () => {
    const session = new TuiSession(store, 'test.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={80} height={24} noColor />);
    // The first frame is drawn before the seek: it says so.
    expect(ui.lastFrame()).toContain('[SEEKING]');
    const f = await waitFor(ui.lastFrame, settled, 'the first seek');
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toContain('branch 1 (main)');
    expect(f).toContain(`icount ${end.toLocaleString('en-US')}`);
    expect(lines[3]).toMatch(/S.*\^/); // a snapshot mark and the cursor at the end
    expect(f).toContain('events');
    expect(f).toContain('[detail]');
    expect(f).toMatch(/>\s*\d+ +\d+ /); // the selected event
    ui.unmount();
  });

  it('steps by event, seeks to an icount, and switches panes', async () => {
    const session = new TuiSession(store, 'test.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, settled, 'the first seek');
    await type(ui.stdin, 'g1000000\r');
    let f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 1,000,000/'), 'seek to 1,000,000');
    expect(f).toContain('at icount 1,000,000');
    const seqBefore = /seq ([\d,]+)\//.exec(f)![1];
    await type(ui.stdin, 'n');
    f = await waitFor(ui.lastFrame, (s) => settled(s) && /next event: event \d+/.test(s), 'next event');
    await type(ui.stdin, 'NN');
    f = await waitFor(ui.lastFrame, (s) => settled(s) && /previous event: event \d+/.test(s), 'previous event');
    expect(seqBefore).toBeDefined();

    await type(ui.stdin, '\t');
    f = await waitFor(ui.lastFrame, (s) => s.includes('[procs]'), 'procs pane');
    expect(f).toMatch(/PID +PPID STATE/);
    expect(f).toContain('init');
    await type(ui.stdin, '\t');
    f = await waitFor(ui.lastFrame, (s) => s.includes('[cpu]'), 'cpu pane');
    expect(f).toMatch(/=> [0-9a-f]{8} /); // disassembly at pc
    expect(f).toMatch(/sp [0-9a-f]{8}/);
    await type(ui.stdin, '\t');
    f = await waitFor(ui.lastFrame, (s) => s.includes('[memory]'), 'memory pane');
    await type(ui.stdin, 'a10000\r');
    f = await waitFor(ui.lastFrame, (s) => s.includes('memory at 00010000'), 'go to address');
    expect(f).toMatch(/00010000  [0-9a-f]{2} /);
    await type(ui.stdin, '\t');
    f = await waitFor(ui.lastFrame, (s) => s.includes('[servers]'), 'servers pane');
    expect(f).toContain('PM process table');
    await type(ui.stdin, '\t');
    f = await waitFor(ui.lastFrame, (s) => s.includes('[console]'), 'console pane');
    await type(ui.stdin, '?');
    f = await waitFor(ui.lastFrame, (s) => s.includes('Keys'), 'help');
    expect(f).toContain('fork here');
    expect(f).toContain('bookmark');
    ui.unmount();
  });

  it('jumps by instruction counts and continues to a filter match', async () => {
    const session = new TuiSession(store, 'test.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={120} height={40} startIcount={0} noColor />);
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 0/'), 'start at 0');
    await type(ui.stdin, '>');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 100,000/'), 'jump +100k');
    await type(ui.stdin, '}');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 110,000/'), 'jump +10k');
    await type(ui.stdin, '[');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 109,000/'), 'jump -1k');
    await type(ui.stdin, 's');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 109,001/'), 'step instruction');
    await type(ui.stdin, '/kind:exec forkrace\r');
    await waitFor(ui.lastFrame, (s) => s.includes('filter kind:exec "forkrace"'), 'filter set');
    await type(ui.stdin, 'c');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('no match of'), 'continue finds nothing after the exec');
    await type(ui.stdin, 'C');
    const f = await waitFor(ui.lastFrame, (s) => settled(s) && /match of .*: event \d+/.test(s), 'reverse-continue');
    expect(f).toContain('exec');
    expect(f).toContain('/bin/forkrace');
    // The console pane shows output up to the cursor only: the shell's prompt, not forkrace's report.
    await type(ui.stdin, '\t\t\t');
    const c = await waitFor(ui.lastFrame, (s) => s.includes('[console]'), 'console');
    expect(c).not.toContain('reaped');
    ui.unmount();
  });

  it('a long seek shows its progress and replay speed in the status line', async () => {
    const session = new TuiSession(store, 'test.db', 0); // a turn per machine slice: many progress frames
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, settled, 'the seek to the end');
    expect(ui.frames.some((f) => /SEEKING/.test(f) && /\d+% of [\d,]+ instructions at [\d.]+ MIPS \(Esc cancels\)/.test(f))).toBe(true);
    ui.unmount();
  });

  it('F forks with a chaos seed and a fault: both are inputs recorded on the new branch', async () => {
    const { store: own } = await record(); // its own recording: the other tests count branches
    const session = new TuiSession(own, 'own.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, settled, 'first seek');
    await type(ui.stdin, 'Fchaos:9 nonsense:1\r');
    await waitFor(ui.lastFrame, (s) => s.includes('the fault is one of'), 'a bad spec is refused with the reason');
    await type(ui.stdin, 'Fchaos:9 crash:vfs:1\r');
    const f = await waitFor(ui.lastFrame, (s) => s.includes('LIVE') && s.includes('(chaos 9, crash)'), 'live with the inputs');
    const branch = Number(/branch (\d+) \(tui\)/.exec(f)![1]);
    ui.stdin.write('\x1d');
    await waitFor(ui.lastFrame, settled, 'paused');
    const inputs = own.events(branch as never, { fromSeq: own.getBranch(branch as never)!.forkSeq }).filter((e) => e.kind === 'chaos' || e.kind === 'inject');
    expect(inputs.map((e) => e.event)).toEqual([expect.objectContaining({ kind: 'inject', fault: expect.objectContaining({ kind: 'crash', server: 2 }) }), expect.objectContaining({ kind: 'chaos', seed: 9 })]);
    ui.unmount();
  });

  it('help lists every binding, in pages when the screen is small', async () => {
    const ui = render(<App session={new TuiSession(store, 'test.db')} branch={ROOT_BRANCH} width={80} height={24} noColor />);
    await waitFor(ui.lastFrame, settled, 'first seek');
    const seen = new Set<string>();
    await type(ui.stdin, '?');
    let f = await waitFor(ui.lastFrame, (s) => s.includes('Keys, page 1/'), 'help page 1');
    const pages = Number(/page 1\/(\d+)/.exec(f)![1]);
    for (let p = 1; p <= pages; p++) {
      if (p > 1) {
        await type(ui.stdin, ' ');
        f = await waitFor(ui.lastFrame, (s) => s.includes(`Keys, page ${p}/`), `help page ${p}`);
      }
      for (const [k, help] of helpRows()) if (f.includes(`  ${k.padEnd(KEY_COLUMN)} ${help}`.slice(0, 79))) seen.add(`${k} ${help}`);
    }
    expect([...seen].sort()).toEqual(helpRows().map(([k, help]) => `${k} ${help}`).sort());
    await type(ui.stdin, 'x');
    await waitFor(ui.lastFrame, (s) => !s.includes('Keys, page'), 'closed');
    ui.unmount();
  });

  it('bookmarks the cursor and marks it on the timeline', async () => {
    const session = new TuiSession(store, 'test.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={80} height={24} startIcount={Math.floor(end / 2)} noColor />);
    await waitFor(ui.lastFrame, settled, 'first seek');
    await type(ui.stdin, 'm');
    const f = await waitFor(ui.lastFrame, (s) => s.includes('bookmark bm1'), 'bookmark');
    expect(f.split('\n')[3]).toMatch(/[B^]/);
    expect(store.bookmarks(ROOT_BRANCH).map((b) => b.name)).toContain('bm1');
    ui.unmount();
  });

  it('forks at the cursor, goes live, types into the console, pauses on a new branch', async () => {
    const session = new TuiSession(store, 'test.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, settled, 'first seek');
    await type(ui.stdin, '\t\t\t\t\t'); // console pane
    await waitFor(ui.lastFrame, (s) => s.includes('[console]'), 'console pane');
    await type(ui.stdin, 'f');
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE (waiting-input)'), 'live mode');
    await type(ui.stdin, 'echo forked\r');
    const f = await waitFor(ui.lastFrame, (s) => s.replace(/echo forked|forked from/g, '').includes('forked'), 'the guest answers');
    expect(f).toContain('branch 2');
    ui.stdin.write('\x1d'); // Ctrl-]
    const p = await waitFor(ui.lastFrame, (s) => s.includes('[PAUSED]') && s.includes('paused branch 2'), 'paused');
    expect(p).toContain('forked from 1@');
    const inputs = store.events(2 as never, { kinds: ['console-input'] }).map((e) => e.event);
    expect(inputs.length).toBeGreaterThan(0);
    // The fork copied the machine at the cursor instead of seeking: the branch must replay
    // from the boot snapshot through the fork point with every event equal.
    const r = replay(store, 2 as never, { from: 0 });
    expect(r.machine.icount).toBe(store.events(2 as never, { order: 'desc', limit: 1 })[0]!.icount);
    ui.unmount();
  });

  it('starts live on a new recording; Ctrl-] pauses, a rewind leaves it alone, l resumes the same branch', async () => {
    const fresh = await MemoryJournalStore.create();
    fresh.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine } = newMachine({ seed: 0 }); // the seed the recording's metadata names (keys are re-derived from it)
    machine.connect({ events: new StoreTarget(fresh, ROOT_BRANCH) });
    expect(machine.boot()).toBeUndefined();
    const ui = render(<App session={new TuiSession(fresh, 'new.db')} branch={ROOT_BRANCH} live={machine} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE (waiting-input)'), 'live at the prompt');
    expect(fresh.listSnapshots(ROOT_BRANCH)).toHaveLength(1); // the boot snapshot the recording replays from
    // What the guest printed so far: a command is done when its output and the next prompt are there.
    const printed = () => fresh.events(ROOT_BRANCH, { kinds: ['console-output'] }).map((e) => (e.event.kind === 'console-output' ? Buffer.from(e.event.data).toString('latin1') : '')).join('');
    await type(ui.stdin, 'echo one\r');
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE (waiting-input)') && /\none\r?\n[\s\S]*# $/.test(printed()), 'echo one done');
    ui.stdin.write('\x1d');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('l resumes'), 'paused');
    const pausedAt = machine.icount;
    await type(ui.stdin, 'g100\r');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 100/'), 'rewound');
    expect(machine.icount).toBe(pausedAt); // seeking replays copies; the live machine waits
    await type(ui.stdin, 'l');
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE again on branch 1'), 'resumed');
    await type(ui.stdin, 'echo two\r');
    await waitFor(ui.lastFrame, () => fresh.countEvents(ROOT_BRANCH, { kinds: ['console-input'] }) >= 2 && machine.icount > pausedAt, 'typed again');
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE (waiting-input)') && /\ntwo\r?\n[\s\S]*# $/.test(printed()), 'echo two done, at the prompt again');
    ui.stdin.write('\x1d');
    await waitFor(ui.lastFrame, settled, 'paused again');
    expect(fresh.listBranches()).toHaveLength(1);
    const out: string[] = [];
    const r = replay(fresh, ROOT_BRANCH, { consoleOut: (b) => out.push(Buffer.from(b).toString('latin1')) });
    expect(r.machine.icount).toBe(machine.icount);
    expect(out.join('')).toMatch(/echo one\r?\n+one[\s\S]*echo two\r?\n+two/);
    ui.unmount();
  });

  it('reports a divergence when the recording was changed, and marks it D on the timeline', async () => {
    // A copy of the recording whose stream claims a different syscall result at one point.
    const events = store.events(ROOT_BRANCH);
    const victim = events.find((e) => e.kind === 'syscall-return' && e.icount > end / 2)!; // far from icount 0 on the timeline
    const forged = await MemoryJournalStore.create();
    forged.createRecording(store.getRecording()!);
    forged.append(ROOT_BRANCH, events.map((e) => (e.seq === victim.seq ? { ...e.event, result: 12345 } : e.event)) as never);
    const snap = store.listSnapshots(ROOT_BRANCH)[0]!;
    for (const h of store.snapshotPages(snap.id)) forged.putPage(store.getPage(h)!);
    forged.putSnapshot({ branch: ROOT_BRANCH, icount: snap.icount, seq: snap.seq, state: store.loadSnapshotState(snap.id), pages: store.snapshotPages(snap.id) });
    forged.flush();
    const ui = render(<App session={new TuiSession(forged, 'forged.db')} branch={ROOT_BRANCH} width={100} height={30} startIcount={victim.icount + 10} noColor />);
    const f = await waitFor(ui.lastFrame, (s) => s.includes('DIVERGENCE'), 'the divergence');
    expect(f).toContain(`DIVERGENCE at event ${victim.seq}`);
    await type(ui.stdin, 'g0\r'); // away from it: the D is not under the cursor
    const g = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 0/'), 'go to 0');
    expect(g.split('\n')[3]).toMatch(/\^.*D/);
    ui.unmount();
  });

  it('parses filters', () => {
    expect(parseFilter('kind:syscall,ipc pid:8 open')).toEqual({ kinds: ['syscall', 'ipc'], pid: 8, channel: undefined, text: 'open' });
    expect(parseFilter('chan:0->2')).toMatchObject({ channel: { src: 0, dst: 2, bothWays: false } });
    expect(parseFilter('chan:11<->3 wait4')).toMatchObject({ channel: { src: 11, dst: 3, bothWays: true }, text: 'wait4' });
    expect(parseFilter('chan:nonsense')).toMatchObject({ channel: undefined, text: 'chan:nonsense' });
    expect(parseFilter('')).toEqual({ kinds: undefined, pid: undefined, channel: undefined, text: undefined });
  });

  it('finds the events a filter matches exactly as a scan of the whole branch does', () => {
    const session = new TuiSession(store, 'test.db');
    const all = store.events(ROOT_BRANCH);
    const filters = ['kind:syscall', 'kind:syscall,exec pid:11', 'pid:2', 'chan:0->2', 'chan:2<->11', 'kind:ipc chan:3->0', 'forkrace', 'kind:sched 11', 'chan:11<->3 wait4'].map(parseFilter);
    const matches = (e: (typeof all)[number], f: ReturnType<typeof parseFilter>) => {
      const ev = e.event as { src?: number; dst?: number };
      if (f.kinds && !f.kinds.includes(e.kind)) return false;
      if (f.pid !== undefined && e.pid !== f.pid) return false;
      if (f.channel && !((ev.src === f.channel.src && ev.dst === f.channel.dst) || (f.channel.bothWays && ev.src === f.channel.dst && ev.dst === f.channel.src))) return false;
      return !f.text || eventText(e.event).toLowerCase().includes(f.text.toLowerCase());
    };
    let x = 99;
    for (const f of filters) {
      const model = all.filter((e) => matches(e, f));
      expect(model.length, describeFilter(f)).toBeGreaterThan(0);
      for (let i = 0; i < 6; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        const at = x % all.length;
        const after = model.filter((e) => e.seq > at).slice(0, 5).map((e) => e.seq);
        const before = model.filter((e) => e.seq < at).slice(-5).reverse().map((e) => e.seq);
        expect(session.findEvents(ROOT_BRANCH, at, 1, f, 5).map((e) => e.seq), `${describeFilter(f)} after ${at}`).toEqual(after);
        expect(session.findEvents(ROOT_BRANCH, at, -1, f, 5).map((e) => e.seq), `${describeFilter(f)} before ${at}`).toEqual(before);
        const around = session.matchingWindow(ROOT_BRANCH, at, 8, f).map((e) => e.seq);
        expect(around.every((s, k) => k === 0 || s > around[k - 1]!)).toBe(true);
        expect(around.length).toBe(Math.min(8, model.length));
      }
    }
  });

  it('filters the event list: only matches are shown, Up/Down move among them, an empty filter shows all', async () => {
    const session = new TuiSession(store, 'test.db');
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={120} height={40} noColor />);
    await waitFor(ui.lastFrame, settled, 'first seek');
    await type(ui.stdin, '/chan:0<->3\r');
    let f = await waitFor(ui.lastFrame, (s) => s.includes('events matching chan:0<->3'), 'filtered list');
    // The list's rows: between its title and the detail pane's, left half.
    const rows = (frame: string) => {
      const lines = frame.split('\n');
      const top = lines.findIndex((l) => l.includes('-- events'));
      const bottom = lines.findIndex((l) => l.startsWith('-- detail'));
      return lines.slice(top + 1, bottom).map((l) => l.slice(0, 60)).filter((l) => l.trim() !== '');
    };
    expect(rows(f).length).toBeGreaterThan(5);
    for (const r of rows(f)) expect(r).toMatch(/ipc (0->3|3->0) /);
    const sel = () => /^> *(\d+) /m.exec(ui.lastFrame() ?? '')?.[1];
    ui.stdin.write('\x1b[A'); // Up: the previous match is selected
    f = await waitFor(ui.lastFrame, () => sel() !== undefined, 'a match selected');
    const first = Number(sel());
    ui.stdin.write('\x1b[A');
    await waitFor(ui.lastFrame, () => Number(sel()) < first, 'the match before it');
    expect(store.eventAt(ROOT_BRANCH, Number(sel()) as never)!.kind).toBe('ipc');
    await type(ui.stdin, '/\r');
    f = await waitFor(ui.lastFrame, (s) => s.includes('filter cleared'), 'cleared');
    expect(f).toMatch(/-- events [\d,]+-/);
    ui.unmount();
  });
});

describe('running forward from the machine at the cursor', () => {
  const stateHash = (m: Machine) => createHash('sha256').update(JSON.stringify(m.getState())).digest('hex');

  it('lands where a seek lands (same icount, timeline position and state), and leaves the start machine alone', () => {
    const points = [0, 1_000, 54_000, 700_000, 1_500_000, Math.floor(end * 0.7), end];
    for (let i = 0; i + 1 < points.length; i++) {
      const from = seek(store, ROOT_BRANCH, points[i]!);
      const before = stateHash(from.machine);
      const run = Replayer.fromMachine(store, ROOT_BRANCH, { machine: from.machine, seq: from.seq });
      expect(run.runUntil({ kind: 'icount', icount: points[i + 1]! }).kind).toMatch(/stopped|end/);
      const fwd = run.position();
      const direct = seek(store, ROOT_BRANCH, points[i + 1]!);
      expect(fwd.machine.icount, `${points[i]} -> ${points[i + 1]}`).toBe(direct.machine.icount);
      expect(fwd.seq, `${points[i]} -> ${points[i + 1]}`).toBe(direct.seq);
      expect(stateHash(fwd.machine)).toBe(stateHash(direct.machine));
      expect(stateHash(from.machine)).toBe(before);
    }
  });

  it('seeks from a snapshot in slices to the state a seek reaches, and reports progress', async () => {
    const session = new TuiSession(store, 'test.db', 0);
    const target = Math.floor(end * 0.6);
    const calls: number[] = [];
    const r = await session.machineAtAsync(ROOT_BRANCH, target, undefined, (done) => calls.push(done));
    const direct = seek(store, ROOT_BRANCH, target);
    expect(r.machine.icount).toBe(direct.machine.icount);
    expect(r.seq).toBe(direct.seq);
    expect(stateHash(r.machine)).toBe(stateHash(direct.machine));
    expect(calls.length).toBeGreaterThan(0);
  });

  it('stops a seek when it is cancelled', async () => {
    const session = new TuiSession(store, 'test.db', 0);
    const ctrl = new AbortController();
    // Just before the snapshot that ends the stretch with the most events: many slices (a slice ends at each syscall) from the one before it.
    const snaps = store.listSnapshots(ROOT_BRANCH);
    let widest = 1;
    for (let i = 1; i < snaps.length; i++) if (snaps[i]!.seq - snaps[i - 1]!.seq > snaps[widest]!.seq - snaps[widest - 1]!.seq) widest = i;
    expect(snaps[widest]!.seq - snaps[widest - 1]!.seq).toBeGreaterThan(50);
    const target = snaps[widest]!.icount - 1;
    const p = session.machineAtAsync(ROOT_BRANCH, target, ctrl.signal, () => ctrl.abort());
    await expect(p).rejects.toThrow('cancelled');
  });
});

describe('disassembler', () => {
  it('formats base and compressed instructions', () => {
    expect(formatInst(decode(0x0073, 0x0000), 0x1000)).toBe('ecall');
    expect(formatInst(decode(0x0513, 0x0050), 0x1000, false)).toBe('addi a0, zero, 5');
    expect(formatInst(decode(0x0513, 0x0050), 0x1000)).toBe('li a0, 5');
    expect(formatInst(decode(0x4505, 0), 0x1000)).toBe('c.li a0, 1'); // expands to addi a0, zero, 1
    expect(formatInst(decode(0x006f, 0x0100), 0x1000, false)).toBe('jal zero, 0x1010');
    expect(formatInst(decode(0x006f, 0x0100), 0x1000)).toBe('j 0x1010');
    expect(formatInst(decode(0x8082, 0), 0x1000)).toBe('c.ret'); // c.jr ra
    expect(formatInst(decode(0x0533, 0x00b5), 0x1000)).toBe('add a0, a0, a1');
  });

  it('lists instructions around pc from guest memory', async () => {
    const { machine } = newMachine({ seed: 0 });
    machine.boot();
    const p = machine.kernel.procs.get(1)!;
    const lines = disassembleAround(p.mem, p.pc, 3, 3);
    expect(lines.some((l) => l.pc === p.pc >>> 0)).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(4);
  });
});

describe('opening a recording', () => {
  it('says what is wrong with a missing or invalid file instead of crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-tui-'));
    expect(await openRecording(join(dir, 'none.db'))).toEqual({ ok: false, error: expect.stringContaining('no such recording') });
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database at all, just some text that is long enough'.repeat(20));
    const r = await openRecording(junk);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/not a recording|cannot open/);
  });
});
