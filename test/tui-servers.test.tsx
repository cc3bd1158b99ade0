/**
 * The servers pane says a server is down between its crash and its restart: from the
 * supervision events before the cursor, checked alone and on the screen at three points of a
 * recording with an injected VFS crash.
 */
import { render } from 'ink-testing-library';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore, StoredEvent } from '../src/journal/store.js';
import { App } from '../src/tui/app.js';
import { serverStatuses } from '../src/tui/server-status.js';
import { TuiSession } from '../src/tui/session.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

let store: JournalStore;
let crash: StoredEvent;
let restart: StoredEvent;

beforeAll(async () => {
  ({ store } = await recordBoot({ input: 'echo hi\nls /bin\n', args: ['--inject', 'crash:vfs:40'] }));
  crash = store.events(ROOT_BRANCH, { kinds: ['server-crash'] })[0]!;
  restart = store.events(ROOT_BRANCH, { kinds: ['server-restart'] })[0]!;
  expect(restart.seq).toBeGreaterThan(crash.seq);
});

const vfs = (seq: number) => serverStatuses(store, ROOT_BRANCH, seq).find((s) => s.name === 'vfs')!;

describe('server status', () => {
  it('is up before the crash, down from it to the restart, up again after', () => {
    expect(vfs(crash.seq)).toMatchObject({ up: true, line: 'vfs  up' });
    expect(vfs(crash.seq + 1)).toMatchObject({ up: false });
    expect(vfs(crash.seq + 1).line).toMatch(/^vfs {2}DOWN since icount [\d,]+ \(event \d+\): threw on VFS_\w+ from \d+ \(injected crash.*\); restart pending$/);
    expect(vfs(restart.seq).up).toBe(false);
    expect(vfs(restart.seq + 1)).toMatchObject({ up: true, line: expect.stringMatching(/^vfs {2}up, restarted 1 time /) });
    // The other servers stayed up throughout.
    for (const s of serverStatuses(store, ROOT_BRANCH, crash.seq + 1)) if (s.name !== 'vfs') expect(s.up, s.name).toBe(true);
  });

  it('shows on the servers pane at the cursor', async () => {
    const ui = render(<App session={new TuiSession(store, 'crash.db')} branch={ROOT_BRANCH} width={120} height={40} noColor />);
    await waitFor(ui.lastFrame, settled, 'the end');
    ui.stdin.write('\t');
    ui.stdin.write('\t');
    await waitFor(ui.lastFrame, (f) => f.includes('[servers]'), 'the servers pane');
    const at = async (icount: number, pred: (f: string) => boolean, what: string) => {
      ui.stdin.write(`g${icount}\r`);
      return waitFor(ui.lastFrame, (f) => settled(f) && f.includes(`icount ${icount.toLocaleString('en-US')}/`) && pred(f), what);
    };
    await at(crash.icount - 100, (f) => /vfs {2}up\s/.test(f), 'up before the crash');
    await at(Math.floor((crash.icount + restart.icount) / 2), (f) => /vfs {2}DOWN since icount/.test(f), 'down between crash and restart');
    await at(restart.icount + 100, (f) => /vfs {2}up, restarted 1 time/.test(f), 'up after the restart');
    ui.unmount();
  });
});
