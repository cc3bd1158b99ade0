/**
 * Live mode's edges: a forked branch whose machine halts gives the keys back to the UI at once
 * (no more `LIVE (halted)` with keys going to a console nobody reads).
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { App } from '../src/tui/app.js';
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
});
