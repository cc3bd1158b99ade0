/**
 * The keymap table is the TUI's only key handler: every binding in it, sent to the App in each
 * mode it lists, does what its command says (seen on the screen, or in the journal for console
 * input, or as the App quitting); a key the table does not bind changes nothing; and the table
 * binds no key twice in a mode.
 */
import { join, resolve } from 'node:path';
import { render } from 'ink-testing-library';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import { App } from '../src/tui/app.js';
import { ANY_KEY, dispatchOf, KEYMAP, keyName, MODES, TEXT, type Command, type KeyName, type Mode } from '../src/tui/keymap.js';
import { openSides } from '../src/diff/side.js';
import { TuiSession, type Cursor } from '../src/tui/session.js';
import { fmt } from '../src/tui/text.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

/** What a terminal sends for each key the table names. */
const BYTES: Record<string, string> = {
  Up: '\x1b[A',
  Down: '\x1b[B',
  PgUp: '\x1b[5~',
  PgDn: '\x1b[6~',
  Enter: '\r',
  Tab: '\t',
  'Shift-Tab': '\x1b[Z',
  Esc: '\x1b',
  Backspace: '\x7f',
  Space: ' ',
  'Ctrl-]': '\x1d',
  [TEXT]: '7',
  [ANY_KEY]: 'z',
};
const bytesOf = (k: KeyName) => BYTES[k] ?? k;

type Ui = ReturnType<typeof render>;

/** The App's frame and the store, before and after a key, for a command's check. */
interface Seen {
  readonly before: string;
  readonly after: string;
  readonly store: JournalStore;
  readonly ui: Ui;
  /** Where the cursor was (or was heading) when the key was sent. */
  readonly at: number;
}

const icountShown = (f: string) => Number(/icount ([\d,]+)\//.exec(f)?.[1]?.replace(/,/g, '') ?? NaN);
const selectedRow = (f: string) => /^>\s*(\d+) /m.exec(f)?.[1];
const tab = (f: string) => /\[(\w+)\] \d+\/\d+ Tab/.exec(f)?.[1];
// The prompt's text as the status line shows it (`label: TEXT_  (Enter...`, cut at the screen's edge).
const promptText = (f: string) => /: (\S*)_  \(/.exec(f)?.[1];
const consoleInputs = (store: JournalStore, branch: number) => store.countEvents(branch as never, { kinds: ['console-input'] });
const statusLine = (f: string) => (f.trimEnd().split('\n').at(-1) ?? '').trim();
const quitted = (ui: Ui) => ui.stdin.listenerCount('readable') === 0;

/** What each command does, as one can see it. A command added to the table without a check here does not compile. */
const DOES: { readonly [K in Command['kind']]: (s: Seen, c: Extract<Command, { kind: K }>) => boolean } = {
  'step-event': (s, c) => settled(s.after) && new RegExp(`${c.dir === 1 ? 'next' : 'previous'} event: event \\d+`).test(s.after),
  jump: (s, c) => settled(s.after) && icountShown(s.after) === s.at + c.by,
  'find-syscall': (s) => settled(s.after) && /(syscall of pid \d+: event \d+|no syscall of pid \d+ in that direction)/.test(s.after),
  'find-crash': (s) => settled(s.after) && /(crash\/deadlock: event \d+|no crash\/deadlock in that direction)/.test(s.after),
  'find-trap': (s) => settled(s.after) && /(trap: event \d+|no trap in that direction)/.test(s.after),
  'find-write': (s, c) => settled(s.after) && new RegExp(`^(${c.dir === 1 ? 'next' : 'last'} write: icount|no write to the 4 bytes at)`).test(statusLine(s.after)),
  'toggle-backtrace': (s) => /backtrace of pid \d+ \(k: disassembly\)/.test(s.after) && tab(s.after) === 'cpu',
  'diff-branch': (s) => /branch \d+ picked as A/.test(statusLine(s.after)) && tab(s.after) === 'branches',
  'diff-step': (s, c) => (c.dir === 1 ? /difference 2\/\d+: /.test(s.after) && s.after.includes('machine at icount') : statusLine(s.after).startsWith('no previous difference')),
  'close-diff': (s) => settled(s.after) && statusLine(s.after).startsWith('back on the timeline of A'),
  continue: (s) => settled(s.after) && /match of \(any event\): event \d+/.test(s.after),
  select: (s, c) => Number(selectedRow(s.after)) === Number(selectedRow(s.before)) + c.by,
  'seek-selected': (s) => settled(s.after) && /event \d+ at icount/.test(s.after),
  'open-prompt': (s, c) => promptText(s.after) === '' && s.after.includes({ icount: 'go to icount', seq: 'go to event seq', filter: 'filter (', addr: 'memory address', fork: 'fork here with' }[c.prompt]),
  bookmark: (s) => /bookmark bm\d+ at icount/.test(s.after) && s.store.bookmarks(ROOT_BRANCH).length > 0,
  'next-bookmark': (s) => settled(s.after) && /no bookmarks on this branch|bookmark bm\d+ at icount/.test(s.after),
  fork: (s) => /LIVE \(/.test(s.after) && /LIVE on branch \d+/.test(s.after),
  'resume-live': (s) => s.after.includes('nothing to resume'),
  'next-branch': (s) => settled(s.after) && /^(only one branch|branch \d+ )/.test(statusLine(s.after)),
  'next-process': (s) => /process \d+ selected/.test(s.after) && (!s.before.includes('xrr diff') || /state A, pid \d+/.test(s.after)),
  'cycle-pane': (s) => tab(s.after) !== undefined && tab(s.after) !== tab(s.before),
  'open-help': (s) => s.after.includes('Keys, page 1/'),
  quit: (s) => quitted(s.ui),
  'cancel-move': (s) => settled(s.after) && s.after.includes('cancelled: the cursor stays where it was'),
  'help-next-page': (s) => s.after.includes('Keys, page 2/'),
  'close-help': (s) => !s.after.includes('Keys, page'),
  'prompt-submit': (s) => settled(s.after) && promptText(s.after) === undefined && statusLine(s.after) === 'at icount 12',
  'prompt-cancel': (s) => promptText(s.after) === undefined && statusLine(s.after) === `at icount ${fmt(s.at)}`,
  'prompt-erase': (s) => promptText(s.after) === '1',
  'prompt-type': (s) => promptText(s.after) === '127',
  'leave-live': (s) => settled(s.after) && /paused branch \d+/.test(s.after),
  'console-input': (s) => consoleInputs(s.store, Number(/branch (\d+) \(tui\)/.exec(s.before)?.[1])) > 0,
};

let store: JournalStore;
let end: number;
/** The cursor of the App in browse mode: the middle of the recording (events on both sides). */
let mid: number;

beforeAll(async () => {
  ({ store, end } = await recordBoot());
  mid = Math.floor(end / 2);
});

/** Each (mode, key, command) the table lists. */
function cases(mode: Mode): { key: KeyName; command: Command }[] {
  return KEYMAP.filter((b) => b.modes.includes(mode)).flatMap((b) => b.keys.map(([key, command]) => ({ key, command })));
}

async function check(ui: Ui, key: KeyName, command: Command, at: number, before: string): Promise<void> {
  ui.stdin.write(bytesOf(key));
  const does = DOES[command.kind] as (s: Seen, c: Command) => boolean;
  await waitFor(ui.lastFrame, (after) => does({ before, after, store, ui, at }, command), `${key} (${command.kind})`);
}

describe('the keymap table', () => {
  it('binds no key twice in a mode, and every key it names is one a terminal can send', () => {
    for (const mode of MODES) {
      const names = cases(mode).map((c) => c.key);
      expect(new Set(names).size, mode).toBe(names.length);
    }
    for (const b of KEYMAP) for (const [k] of b.keys) if (k !== TEXT && k !== ANY_KEY) expect(bytesOf(k).length, k).toBeGreaterThan(0);
  });

  it('names keys as the help does', () => {
    const none = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
    expect(keyName({ input: '', key: { ...none, tab: true, shift: true } })).toBe('Shift-Tab');
    expect(keyName({ input: '\x1d', key: none })).toBe('Ctrl-]');
    expect(keyName({ input: ' ', key: none })).toBe('Space');
    expect(keyName({ input: 'ab', key: none })).toBeNull();
    expect(dispatchOf('help', { input: ' ', key: none })?.command).toEqual({ kind: 'help-next-page' });
    expect(dispatchOf('help', { input: 'q', key: none })?.command).toEqual({ kind: 'close-help' }); // `any key` below an exact name
    expect(dispatchOf('prompt', { input: 'q', key: none })?.command).toEqual({ kind: 'prompt-type' });
    expect(dispatchOf('browse', { input: 'z', key: none })).toBeNull();
  });
});

describe('a key the table does not bind', () => {
  it('changes nothing (browse mode: every unbound printable character, arrows and control keys)', async () => {
    const none = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i));
    const unbound = printable.filter((c) => dispatchOf('browse', { input: c, key: { ...none, shift: c !== c.toLowerCase() } }) === null);
    expect(unbound.length).toBeGreaterThan(40);
    const keys = [...unbound, '\x1b[D', '\x1b[C', '\x1b[H', '\x1b[F', '\x01', '\x02', '\x7f'];
    const ui = render(<App session={new TuiSession(store, 'keys.db')} branch={ROOT_BRANCH} width={80} height={24} startIcount={mid} noColor />);
    const start = await waitFor(ui.lastFrame, (f) => settled(f) && f.includes(`icount ${fmt(mid)}/`), 'the first seek');
    for (const k of keys) ui.stdin.write(k);
    // Keys run in order: once Tab and Shift-Tab have run, so have the keys before them.
    ui.stdin.write('\t');
    await waitFor(ui.lastFrame, (f) => tab(f) === 'procs', 'Tab');
    ui.stdin.write('\x1b[Z');
    await waitFor(ui.lastFrame, (f) => tab(f) === 'detail', 'Shift-Tab');
    expect(ui.lastFrame()).toBe(start);
    expect(store.bookmarks(ROOT_BRANCH)).toHaveLength(0);
    expect(store.listBranches()).toHaveLength(1);
    ui.unmount();
  });
});

describe('every binding, sent to the App, does what its command says', () => {
  const session = () => new TuiSession(store, 'keys.db');
  const open = async (s: TuiSession, at = mid) => {
    const ui = render(<App session={s} branch={ROOT_BRANCH} width={80} height={24} startIcount={at} noColor />);
    await waitFor(ui.lastFrame, (f) => settled(f) && f.includes(`icount ${fmt(at)}/`), 'the first seek');
    return ui;
  };

  it('in browse mode', async () => {
    const s = session();
    for (const { key, command } of cases('browse')) {
      const ui = await open(s);
      await check(ui, key, command, mid, ui.lastFrame() ?? '');
      ui.unmount();
    }
  }, 300_000);

  it('with the help open', async () => {
    for (const { key, command } of cases('help')) {
      const ui = await open(session());
      ui.stdin.write('?');
      const before = await waitFor(ui.lastFrame, (f) => f.includes('Keys, page 1/'), 'help');
      await check(ui, key, command, mid, before);
      ui.unmount();
    }
  }, 120_000);

  it('at a prompt', async () => {
    for (const { key, command } of cases('prompt')) {
      const ui = await open(session());
      ui.stdin.write('g');
      ui.stdin.write('1');
      ui.stdin.write('2');
      const before = await waitFor(ui.lastFrame, (f) => promptText(f) === '12', 'the prompt with 12 typed');
      await check(ui, key, command, mid, before);
      ui.unmount();
    }
  }, 120_000);

  it('live', async () => {
    for (const { key, command } of cases('live')) {
      const ui = await open(session());
      ui.stdin.write('f');
      const before = await waitFor(ui.lastFrame, (f) => f.includes('LIVE (waiting-input)'), 'live at the prompt');
      await check(ui, key, command, mid, before);
      ui.stdin.write('\x1d');
      ui.unmount();
    }
  }, 120_000);

  it('in the diff view (the shipped pair of recordings)', async () => {
    const samples = resolve(import.meta.dirname, '../recordings');
    const sides = await openSides(join(samples, 'sample-diff-ls.db'), join(samples, 'sample-diff-ls-vfs-crash.db'));
    try {
      for (const { key, command } of cases('diff')) {
        const ui = render(<App session={new TuiSession(sides.a.store, 'a.db')} branch={sides.a.branch} diff={{ a: sides.a, b: sides.b }} width={80} height={24} noColor />);
        const before = await waitFor(ui.lastFrame, (f) => f.includes('difference 1/') && f.includes('machine at icount'), 'the diff view', 60_000);
        await check(ui, key, command, 0, before);
        ui.unmount();
      }
    } finally {
      sides.close();
    }
  }, 240_000);

  it('while a seek runs (held at its start until the key is in)', async () => {
    for (const { key, command } of cases('seeking')) {
      const s = new GatedSession(store, 'keys.db');
      const ui = render(<App session={s} branch={ROOT_BRANCH} width={80} height={24} startIcount={mid} noColor />);
      const before = await waitFor(ui.lastFrame, (f) => f.includes('[SEEKING]') && s.seeks.length === 1, 'the first seek under way');
      await check(ui, key, command, mid, before);
      // A jump replaced the seek under way: that one was aborted, not run to its end.
      if (command.kind === 'jump') expect(s.seeks[0]?.aborted).toBe(true);
      s.release();
      ui.unmount();
    }
  }, 120_000);
});

/** A real session whose seeks wait at their start until release(): a key is then certain to arrive during one. */
class GatedSession extends TuiSession {
  readonly seeks: AbortSignal[] = [];
  private open!: () => void;
  private readonly gate = new Promise<void>((r) => (this.open = r));

  release(): void {
    this.open();
  }

  override async cursorAtAsync(branch: Cursor['branch'], icount: number, signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<Cursor> {
    if (signal) this.seeks.push(signal);
    // The jump and cancel keys act during the first seek; the seeks they start run freely.
    if (this.seeks.length === 1) await this.gate;
    return super.cursorAtAsync(branch, icount, signal, progress);
  }
}

