/**
 * Live mode's edges: a forked branch whose machine halts gives the keys back to the UI at once
 * (no more `LIVE (halted)` with keys going to a console nobody reads); Ctrl-] read in one go
 * with the text typed before it (tmux, a busy machine) still pauses, and the keys read after it
 * are the UI's.
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { App } from '../src/tui/app.js';
import { splitLiveStrokes } from '../src/tui/hooks/use-keys.js';
import { TuiSession } from '../src/tui/session.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

describe('live mode', () => {
  it('ends by itself when the forked machine halts; the keys go back to the UI', async () => {
    // forkrace booted as init's program, recorded for its first 200k instructions: a fork at
    // the end runs it to its exit, which halts the machine.
    const { store } = await recordBoot({ args: ['--max-instructions', '200k', '/bin/forkrace'] });
    const ui = render(<App session={new TuiSession(store, 'race.db')} branch={ROOT_BRANCH} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, settled, 'the end of the recording');
    ui.stdin.write('f');
    const f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('halted (init exited, status 0)'), 'the fork halts and live mode ends');
    expect(ui.frames.some((s) => s.includes('[LIVE ('))).toBe(true);
    expect(f).toContain('branch 2 (tui)');
    expect(store.events(2 as never, { kinds: ['halt'] })).toHaveLength(1);
    // The keys are the UI's again: ? opens the help, and nothing went to the guest.
    ui.stdin.write('?');
    await waitFor(ui.lastFrame, (s) => s.includes('Keys'), 'help');
    expect(store.countEvents(2 as never, { kinds: ['console-input'] })).toBe(0);
    ui.unmount();
  });

  it('cuts Ctrl-] out of text read with it: the text goes to the guest, the keys after it to the UI', async () => {
    const none = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
    expect(splitLiveStrokes({ input: '\t\t\t\x1d', key: none }).map((s) => s.input)).toEqual(['\t\t\t', '\x1d']);
    expect(splitLiveStrokes({ input: 'echo hi\r', key: none }).map((s) => s.input)).toEqual(['echo hi\r']);

    const { store } = await recordBoot({ input: 'echo hello\n' });
    const ui = render(<App session={new TuiSession(store, 'split.db')} branch={ROOT_BRANCH} width={100} height={30} noColor />);
    await waitFor(ui.lastFrame, settled, 'the end of the recording');
    ui.stdin.write('f');
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE (waiting-input)'), 'live at the prompt');
    ui.stdin.write('echo split\r\x1dg100\r'); // one read
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('icount 100/'), 'paused, then g 100 Enter as keys');
    const forkSeq = store.getBranch(2 as never)!.forkSeq;
    const typed = store.events(2 as never, { kinds: ['console-input'], fromSeq: forkSeq }).map((e) => (e.event.kind === 'console-input' ? Buffer.from(e.event.data).toString('latin1') : ''));
    expect(typed.join('')).toBe('echo split\r');
    ui.unmount();
  });
});
