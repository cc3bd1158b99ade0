/**
 * The header fits the screen: at 120 columns a long recording path gives way to the file's name
 * so that the branch, where it was forked from and the mode badge show whole.
 */
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { Header } from '../src/tui/panes/header.js';
import { TuiSession } from '../src/tui/session.js';
import { recordBoot } from './support/tui-recording.js';

it('fits 120 columns with a long path, a forked branch and a live badge', async () => {
  const { store, end } = await recordBoot();
  const fork = store.createBranch({ parent: ROOT_BRANCH, forkIcount: end as never, forkSeq: store.branchLength(ROOT_BRANCH) as never, label: 'tui' });
  const file = '/home/someone/projects/xinim-kernel-debugging/recordings/2026-12-07T08-05-12.db';
  const session = new TuiSession(store, file);
  const cursor = { branch: fork.id, icount: end, seq: store.branchLength(ROOT_BRANCH) };
  const mode = 'LIVE (running, 123.4 MIPS)';
  // In a box as wide as the screen, as the App draws it (the test terminal is narrower).
  const ui = render(
    <Box width={120} flexDirection="column">
      <Header session={session} cursor={cursor} mode={mode} live icount={end} machine={null} pid={11} filter={{}} width={120} color={false} />
    </Box>,
  );
  const [line1 = '', line2 = ''] = (ui.lastFrame() ?? '').split('\n');
  expect(line1.length).toBeLessThanOrEqual(120);
  expect(line1).toMatch(new RegExp(`^xrr 2026-12-07T08-05-12\\.db  branch ${fork.id} \\(tui\\) forked from 1@${end.toLocaleString('en-US')} +\\[LIVE \\(running, 123\\.4 MIPS\\)\\]$`));
  expect(line2).toContain(`icount ${end.toLocaleString('en-US')}/`);
  // A path that fits is shown whole.
  const short = render(
    <Box width={120} flexDirection="column">
      <Header session={new TuiSession(store, 'recordings/x.db')} cursor={cursor} mode={mode} live icount={end} machine={null} pid={11} filter={{}} width={120} color={false} />
    </Box>,
  );
  expect(short.lastFrame()?.split('\n')[0]).toMatch(/^xrr recordings\/x\.db  branch/);
  ui.unmount();
  short.unmount();
});
