/**
 * The events `x`/`X` and `t`/`T` jump between: crashes and deadlocks (a halt is one only when
 * its reason says the machine deadlocked; init exiting is a normal end) and traps, found from
 * either side of the cursor; and the App opened on an event with a message (what
 * `xrr explain --open` does: the cursor on the first of the racing pair).
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { readSymbolTable } from '../src/symbols/elf-symbols.js';
import { App } from '../src/tui/app.js';
import { isDeadlockHalt, LANDMARKS } from '../src/tui/landmarks.js';
import { TuiSession } from '../src/tui/session.js';
import { fmt } from '../src/tui/text.js';
import { settled, waitFor } from './support/tui-recording.js';

const halt = (icount: number, reason: string): MachineEvent => ({ kind: 'halt', reason, status: 1, icount, seq: 0 });

describe('landmarks', () => {
  it('a halt is a deadlock only when its reason says so', () => {
    expect(isDeadlockHalt(halt(1, 'deadlock: every process waits and nothing can wake one'))).toBe(true);
    expect(isDeadlockHalt(halt(1, 'every process is blocked'))).toBe(true);
    expect(isDeadlockHalt(halt(1, 'init exited'))).toBe(false);
    expect(isDeadlockHalt(halt(1, 'server vfs is down'))).toBe(false);
  });

  it('x stops at crashes and deadlocks (not at a normal halt or a trap), t at traps, both ways', async () => {
    const store = await MemoryJournalStore.create();
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '0', commandLine: [], xrrVersion: 'test' });
    const events: MachineEvent[] = [
      { kind: 'trap', pid: 8, cause: 7, pc: 0x10000, tval: 8, icount: 5, seq: 0 },
      halt(10, 'init exited'),
      { kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 103, source: 8, error: 'boom', icount: 20, seq: 0 },
      { kind: 'trap', pid: 9, cause: 5, pc: 0x10004, tval: 0, icount: 25, seq: 0 },
      halt(30, 'deadlock: every process waits and nothing can wake one'),
    ];
    store.append(ROOT_BRANCH, events);
    store.flush();
    const s = new TuiSession(store, 'mem');
    const crash = LANDMARKS.crash;
    const trap = LANDMARKS.trap;
    expect(s.findLandmark(ROOT_BRANCH, -1, 1, crash)?.icount).toBe(20);
    expect(s.findLandmark(ROOT_BRANCH, 2, 1, crash)?.icount).toBe(30);
    expect(s.findLandmark(ROOT_BRANCH, 4, 1, crash)).toBeNull();
    expect(s.findLandmark(ROOT_BRANCH, 4, -1, crash)?.icount).toBe(20);
    expect(s.findLandmark(ROOT_BRANCH, 2, -1, crash)).toBeNull();
    expect(s.findLandmark(ROOT_BRANCH, -1, 1, trap)?.icount).toBe(5);
    expect(s.findLandmark(ROOT_BRANCH, 0, 1, trap)?.icount).toBe(25);
    expect(s.findLandmark(ROOT_BRANCH, 3, -1, trap)?.icount).toBe(5);
  });
});

describe('a server crash in the TUI', () => {
  it("x goes to it; its detail lists the stack of the process whose request it was handling, named by that program's own symbols", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-tui-crash-'));
    const file = join(dir, 'ls-vfs-crash.db');
    copyFileSync(resolve(import.meta.dirname, '../recordings/sample-diff-ls-vfs-crash.db'), file);
    const ls = readSymbolTable(readFileSync(resolve(import.meta.dirname, '../guest/bin/ls')));
    if (!ls.ok) throw new Error(ls.error);
    const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
    try {
      const crash = store.events(ROOT_BRANCH, { kinds: ['server-crash'], limit: 1 })[0]!;
      if (crash.event.kind !== 'server-crash') throw new Error('not a crash');
      const ui = render(<App session={new TuiSession(store, file)} branch={ROOT_BRANCH} startIcount={0} width={120} height={40} noColor />);
      await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 0/'), 'the start');
      ui.stdin.write('x');
      const f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes(`crash/deadlock: event ${crash.seq}`), 'the crash');
      expect(f).toContain(`pid ${crash.event.source} request sent from:`);
      const frames = [...f.matchAll(/^ {4}#(\d+) (\S+)/gm)].map((m) => m[2]!);
      expect(frames.length).toBeGreaterThanOrEqual(2);
      for (const w of frames) expect(ls.table.lookup(w.replace(/\+0x[0-9a-f]+$/, ''))?.kind).toBe('function');
      ui.stdin.write('x');
      await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('no crash/deadlock in that direction'), 'no later crash');
      ui.unmount();
    } finally {
      store.close();
    }
  }, 60_000);
});

describe('opening on an event (xrr explain --open)', () => {
  it('selects the event, puts the cursor at its icount and says the message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-tui-open-'));
    const file = join(dir, 'crash.db');
    copyFileSync(resolve(import.meta.dirname, '../recordings/sample-vfs-crash.db'), file);
    const store = await SqliteJournalStore.open(file, { readonly: false, create: false });
    try {
      const crash = store.events(ROOT_BRANCH, { kinds: ['server-crash'], limit: 1 })[0]!;
      const ui = render(<App session={new TuiSession(store, file)} branch={ROOT_BRANCH} startEvent={crash.seq} startMessage="the first of the pair" width={100} height={30} noColor />);
      const f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('the first of the pair'), 'the start');
      expect(f).toContain(`icount ${fmt(crash.icount)}/`);
      expect(f).toMatch(new RegExp(`^> *${crash.seq} +${crash.icount} SERVER CRASH`, 'm'));
      ui.unmount();
    } finally {
      store.close();
    }
  }, 60_000);
});
