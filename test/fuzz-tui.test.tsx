/**
 * Random key sequences into the real TUI (the App rendered with ink-testing-library) on a real
 * recording (`xrr record` of a boot running `echo hello` and `forkrace`).
 *
 * Keys: every key the keymap table names (src/tui/keymap.ts) except `q`, random printable
 * characters, arrows, Esc, Enter, Backspace, Ctrl-]. Seeks, searches, prompts, forks into a live
 * run (whose keys go to the guest's shell), the diff view and the help overlay are all reached.
 * Properties, for each sequence on a fresh App of a random terminal size (80x24 to 200x60):
 *   - nothing throws and nothing is logged as an error; after every key the frame renders (the
 *     header with the cursor's icount, or the help overlay);
 *   - after the sequence the app still answers: once back in browse mode (Esc, Ctrl-], any key
 *     to close the help), `?` opens the help, a key closes it, and the header shows a position
 *     inside the recording's branch.
 * (`q` quits by design; the keymap test checks it.)
 */
import fc from 'fast-check';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import { App } from '../src/tui/app.js';
import { ANY_KEY, KEYMAP, TEXT } from '../src/tui/keymap.js';
import { TuiSession } from '../src/tui/session.js';
import { announceSeed, checkAsync } from './support/fuzz.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

announceSeed('fuzz-tui');

/** What a terminal sends for the keys the table names by name. */
const BYTES: Record<string, string> = {
  Up: '\x1b[A', Down: '\x1b[B', Left: '\x1b[D', Right: '\x1b[C', PgUp: '\x1b[5~', PgDn: '\x1b[6~',
  Enter: '\r', Tab: '\t', 'Shift-Tab': '\x1b[Z', Esc: '\x1b', Backspace: '\x7f', Space: ' ', 'Ctrl-]': '\x1d',
};
const bytesOf = (k: string) => BYTES[k] ?? k;

const TABLE_KEYS = [...new Set(KEYMAP.flatMap((b) => b.keys.map(([k]) => k)))].filter((k) => k !== 'q' && k !== TEXT && k !== ANY_KEY);
const printable = fc.integer({ min: 0x20, max: 0x7e }).filter((c) => c !== 0x71 /* q */).map((c) => String.fromCharCode(c));
const key: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TABLE_KEYS).map(bytesOf), weight: 6 },
  { arbitrary: printable, weight: 2 },
  { arbitrary: fc.constantFrom('Up', 'Down', 'Left', 'Right', 'Esc', 'Enter', 'Backspace', 'Ctrl-]').map(bytesOf), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 9 }).map(String), weight: 1 },
);

const icountShown = (f: string): { at: number; of: number } | undefined => {
  const m = /icount ([\d,]+)\/([\d,]+)/.exec(f);
  return m ? { at: Number(m[1]!.replace(/,/g, '')), of: Number(m[2]!.replace(/,/g, '')) } : undefined;
};
// The help's title: one page (a tall terminal) or several.
const helpOpen = (f: string) => f.includes('Keys, page') || f.includes('Keys (any key closes this help)');
const isLive = (f: string) => f.includes('LIVE (');
/** The status line at a prompt starts with its label (src/tui/panes/status-line.tsx); a long one is cut at the edge. */
const PROMPT_LABELS = ['go to icount: ', 'go to event seq: ', 'filter (kind:K ', 'memory address (hex): ', 'fork here with (chaos:N'];
const atPrompt = (f: string) => {
  const status = (f.trimEnd().split('\n').at(-1) ?? '').trim();
  return PROMPT_LABELS.some((l) => status.startsWith(l));
};
const inDiff = (f: string) => /difference \d+\/\d+/.test(f) && f.includes('machine at icount');
/** Browse mode: paused, and no prompt, help, live run or diff view on the screen. */
const browsing = (f: string) => settled(f) && !helpOpen(f) && !isLive(f) && !atPrompt(f) && !inDiff(f);

/** Let Ink and the App's hooks run what the key started (no timer: a turn of the event loop). */
const turn = () => new Promise<void>((r) => setImmediate(r));

let store: JournalStore;
let end: number;
const errors: unknown[][] = [];
const consoleError = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args));

beforeAll(async () => {
  ({ store, end } = await recordBoot());
}, 120_000);

afterAll(() => {
  consoleError.mockRestore();
  store.close();
});

type Ui = ReturnType<typeof render>;

/**
 * The frame once it has stopped changing: keys wait in the App's queue while a move runs and run
 * one render apart after it (hooks/use-keys.ts), so a paused frame alone does not say that every
 * key typed has run; the same frame over many turns of the event loop does.
 */
async function quiet(ui: Ui): Promise<string> {
  const t0 = Date.now();
  let last = ui.lastFrame() ?? '';
  for (let same = 0; same < 50;) {
    if (Date.now() - t0 > 60_000) throw new Error(`the screen never settled:\n${last}`);
    await turn();
    const f = ui.lastFrame() ?? '';
    same = f === last ? same + 1 : 0;
    last = f;
  }
  return last;
}

/**
 * Back to browse mode from wherever the keys left the App: Ctrl-] leaves a live run (and closes
 * the help; a prompt and browse mode ignore it), Esc cancels a prompt or a move (with the keys
 * typed after it) and closes the diff view or the help (browse mode ignores it).
 */
async function backToBrowse(ui: Ui): Promise<string> {
  for (let round = 0; round < 10; round++) {
    const f = await quiet(ui);
    if (browsing(f)) return f;
    ui.stdin.write('\x1d');
    await turn();
    if (!isLive(ui.lastFrame() ?? '')) ui.stdin.write('\x1b');
  }
  throw new Error(`the App did not come back to browse mode:\n${ui.lastFrame() ?? ''}`);
}

describe('random key sequences into the TUI', () => {
  it('render every frame, throw nothing, and leave an App that still answers', async () => {
    // Terminal sizes from the smallest whose status line shows a prompt's label (the test reads it).
    const size = fc.record({ width: fc.integer({ min: 80, max: 200 }), height: fc.integer({ min: 24, max: 60 }) });
    await checkAsync('tui keys', 6, [fc.array(key, { minLength: 5, maxLength: 25 }), size], async (keys, { width, height }) => {
      const ui = render(<App session={new TuiSession(store, 'fuzz.db')} branch={ROOT_BRANCH} width={width} height={height} startIcount={Math.floor(end / 2)} noColor />);
      try {
        await waitFor(ui.lastFrame, settled, 'the first seek', 60_000);
        for (const k of keys) {
          ui.stdin.write(k);
          await turn();
          const f = ui.lastFrame() ?? '';
          expect(icountShown(f) !== undefined || helpOpen(f), `frame after ${JSON.stringify(k)}:\n${f}`).toBe(true);
        }
        const browse = await backToBrowse(ui);
        const pos = icountShown(browse);
        expect(pos, browse).toBeDefined();
        expect(pos!.at).toBeGreaterThanOrEqual(0);
        // Inside the branch: up to its last event, or (a paused live run, see the case below) up
        // to the snapshot its Recorder left where the run stopped.
        const branch = Number(/branch (\d+)/.exec(browse)?.[1] ?? NaN);
        const endSnapshot = store.listSnapshots(branch as never).at(-1)?.icount ?? 0;
        expect(pos!.at, browse).toBeLessThanOrEqual(Math.max(pos!.of, endSnapshot));
        ui.stdin.write('?');
        await waitFor(ui.lastFrame, helpOpen, 'the help after ?', 60_000);
        ui.stdin.write('z');
        await waitFor(ui.lastFrame, (f) => !helpOpen(f) && settled(f), 'the help to close', 60_000);
        expect(errors, 'console.error during the keys').toEqual([]);
      } finally {
        ui.unmount();
        ui.cleanup();
      }
    // A case costs seconds: report the first failing sequence as it is rather than shrink it.
    }, { endOnFailure: true });
  }, 300_000);
});

describe('a case the fuzzer found', () => {
  // Fork live and pause at once: the live machine has run past the fork's last event (no event
  // on the way). The header used to read e.g. "icount 3,600,000/3,000,188": the branch's end was
  // taken as its last event, while the Recorder's snapshot where the run stopped lies beyond it.
  // A branch now ends where its recording stopped (src/timeline/branch-end.ts).
  it('a paused live run shows a position inside its branch', async () => {
    const ui = render(<App session={new TuiSession(store, 'fuzz.db')} branch={ROOT_BRANCH} width={120} height={30} startIcount={Math.floor(end / 2)} noColor />);
    try {
      await backToBrowse(ui);
      ui.stdin.write('f');
      await waitFor(ui.lastFrame, isLive, 'the live run', 60_000);
      ui.stdin.write('\x1d');
      const paused = await backToBrowse(ui);
      const pos = icountShown(paused)!;
      expect(pos.at, paused).toBeLessThanOrEqual(pos.of);
    } finally {
      ui.unmount();
      ui.cleanup();
    }
  }, 120_000);
});
