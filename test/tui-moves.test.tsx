/**
 * The key-to-seek pipeline (a newer move aborts a stale one) over a real recording and a real
 * TuiSession, alone and in the App; and the live run's redraws, throttled with the last change
 * of a burst always drawn.
 */
import { render } from 'ink-testing-library';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import { App } from '../src/tui/app.js';
import { latestMove, type Move, type MoveOutcome } from '../src/tui/latest-move.js';
import { throttledRedraws } from '../src/tui/redraws.js';
import { CancelledError, TuiSession, type Cursor } from '../src/tui/session.js';
import { fmt } from '../src/tui/text.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

let store: JournalStore;
let end: number;

beforeAll(async () => {
  ({ store, end } = await recordBoot());
});

/** Seeks through the pipeline, each recording how it ended. */
function seeker(session: TuiSession) {
  const requests = new Subject<Move | null>();
  const outcomes: MoveOutcome[] = [];
  const landed: Cursor[] = [];
  const ended: { target: number; how: 'landed' | 'cancelled' | 'failed' }[] = [];
  const started: number[] = [];
  const sub = latestMove(requests).subscribe((o) => outcomes.push(o));
  const seekMove = (target: number, progress?: () => void): Move => ({
    label: `to ${target}`,
    target: { branch: ROOT_BRANCH, icount: target },
    run: async (signal) => {
      started.push(target);
      try {
        landed.push(await session.cursorAtAsync(ROOT_BRANCH, target, signal, progress));
        ended.push({ target, how: 'landed' });
      } catch (e) {
        ended.push({ target, how: e instanceof CancelledError ? 'cancelled' : 'failed' });
        throw e;
      }
    },
  });
  return { requests, outcomes, landed, ended, started, seekMove, done: () => sub.unsubscribe() };
}

describe('the move pipeline', () => {
  it('a burst of seeks ends at the last one; the stale ones never start', async () => {
    const s = seeker(new TuiSession(store, 'moves.db', 0));
    const targets = [100_000, 200_000, 300_000, 400_000, 500_000];
    for (const t of targets) s.requests.next(s.seekMove(t));
    await waitFor(() => String(s.outcomes.length), () => s.outcomes.length > 0, 'the last seek');
    expect(s.outcomes).toEqual([{ kind: 'done', move: expect.objectContaining({ label: 'to 500000' }) }]);
    expect(s.started).toEqual([500_000]);
    expect(s.landed.map((c) => c.icount)).toEqual([500_000]);
    s.done();
  });

  it('a seek under way is aborted by a newer one and stops at its next slice', async () => {
    const s = seeker(new TuiSession(store, 'moves.db', 0)); // a turn of the event loop per machine slice
    const far = end - 1; // from the boot snapshot: many slices
    let slices = 0;
    s.requests.next(s.seekMove(far, () => slices++));
    await waitFor(() => '', () => slices > 0, 'the first seek running');
    s.requests.next(s.seekMove(1_000));
    await waitFor(() => '', () => s.outcomes.length > 0 && s.ended.length === 2, 'both seeks ended');
    expect(s.ended).toEqual([
      { target: far, how: 'cancelled' },
      { target: 1_000, how: 'landed' },
    ]);
    expect(s.outcomes).toEqual([{ kind: 'done', move: expect.objectContaining({ label: 'to 1000' }) }]);
    s.done();
  });

  it('null cancels the move under way', async () => {
    const s = seeker(new TuiSession(store, 'moves.db', 0));
    let slices = 0;
    s.requests.next(s.seekMove(end - 10, () => slices++));
    await waitFor(() => '', () => slices > 0, 'the seek running');
    s.requests.next(null);
    await waitFor(() => '', () => s.ended.length === 1, 'the seek stopped');
    expect(s.ended).toEqual([{ target: end - 10, how: 'cancelled' }]);
    expect(s.outcomes).toEqual([{ kind: 'cancelled' }]);
    s.done();
  });
});

describe('jump keys during a seek', () => {
  it('a burst of > lands 100k per key past the start, every stale seek aborted', async () => {
    const session = new TuiSession(store, 'moves.db', 0);
    const seeks: { icount: number; signal: AbortSignal | undefined }[] = [];
    const cursorAtAsync = session.cursorAtAsync.bind(session);
    session.cursorAtAsync = (branch, icount, signal, progress) => {
      seeks.push({ icount, signal });
      return cursorAtAsync(branch, icount, signal, progress);
    };
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={100} height={30} startIcount={0} noColor />);
    await waitFor(ui.lastFrame, (f) => settled(f) && f.includes('icount 0/'), 'the start');
    seeks.length = 0;
    ui.stdin.write('>>>>>'); // one read, as a paste or tmux send-keys delivers it
    const f = await waitFor(ui.lastFrame, (x) => settled(x) && x.includes(`icount ${fmt(500_000)}/`), 'the last jump');
    expect(f).toContain('at icount 500,000');
    // Each key replaced the seek before it: of the seeks that got to start, all but the last
    // (to where the last key points) were aborted.
    expect(seeks.at(-1)?.icount).toBe(500_000);
    expect(seeks.at(-1)?.signal?.aborted).toBe(false);
    for (const stale of seeks.slice(0, -1)) expect(stale.signal?.aborted, `the seek to ${stale.icount}`).toBe(true);
    ui.unmount();
  });
});

describe('a move', () => {
  it('starts after the frame that announces it is drawn', async () => {
    const session = new TuiSession(store, 'moves.db', 0);
    const atStart: string[] = [];
    let frame = (): string => '';
    const cursorAtAsync = session.cursorAtAsync.bind(session);
    session.cursorAtAsync = (branch, icount, signal, progress) => {
      atStart.push(frame());
      return cursorAtAsync(branch, icount, signal, progress);
    };
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={100} height={30} startIcount={0} noColor />);
    frame = () => ui.lastFrame() ?? '';
    await waitFor(ui.lastFrame, (f) => settled(f) && f.includes('icount 0/'), 'the start');
    expect(atStart[0]).toContain('[SEEKING]');
    ui.stdin.write('>');
    await waitFor(ui.lastFrame, (f) => settled(f) && f.includes('icount 100,000/'), 'the jump');
    expect(atStart[1]).toContain('[SEEKING]');
    expect(atStart[1]).toContain('seeking to icount 100,000...');
    ui.unmount();
  });
});

describe('live redraws', () => {
  it('at most one per interval, and always one after the last change of a burst', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      // Changes every frame for 9 frames, then quiet: drawn at the first, once per 5 frames, and after the last.
      const changes = cold('abcdefghi---------|');
      expectObservable(throttledRedraws(changes, 5, scheduler)).toBe('a----f----i-------|');
    });
  });
});
