/**
 * The TUI's diff view on the shipped pair (one `ls /bin` session recorded twice, the second with
 * a VFS crash injected): it opens at the first divergence the diff engine names (A printed
 * `bootcheck`, B's VFS crashed on that write), both timelines' events around it, both machines
 * at the point with the differing register (the write's result in a0: 10 against -EIO) marked
 * `*`; n / N step through the differences and stop at the ends; Esc goes back to A's timeline
 * at the point last shown. Then from the branches: two branches of one recording picked with d.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTimelines } from '../src/diff/diff-timelines.js';
import { openSides, type DiffSide } from '../src/diff/side.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { App } from '../src/tui/app.js';
import { diffPoints, pidOfTrack } from '../src/tui/diff-points.js';
import { TuiSession } from '../src/tui/session.js';
import { fmt } from '../src/tui/text.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

const SAMPLES = resolve(import.meta.dirname, '../recordings');
const dir = mkdtempSync(join(tmpdir(), 'xrr-tui-diff-'));
const A = join(dir, 'ls.db');
const B = join(dir, 'ls-vfs-crash.db');

let sides: { a: DiffSide; b: DiffSide; close: () => void };

beforeAll(async () => {
  copyFileSync(join(SAMPLES, 'sample-diff-ls.db'), A);
  copyFileSync(join(SAMPLES, 'sample-diff-ls-vfs-crash.db'), B);
  sides = await openSides(A, B);
});

afterAll(() => sides?.close());

const statusLine = (f: string) => (f.trimEnd().split('\n').at(-1) ?? '').trim();
/** The diff view once both machines are shown (not while a move restores them). */
const shown = (k: number) => (f: string) => f.includes(`difference ${k}/`) && f.includes('machine at icount') && !f.includes('restoring both machines');

describe('diff points', () => {
  it('start at the first divergence, then the aligned differences without repeating its events', () => {
    const report = diffTimelines(sides.a, sides.b, { state: false });
    const points = diffPoints(report);
    expect(points[0]!.what).toBe('first divergence');
    expect(points[0]!.a?.seq).toBe(report.firstDivergence!.a!.seq);
    expect(points[0]!.b?.seq).toBe(report.firstDivergence!.b!.seq);
    const own = new Set([`a${report.firstDivergence!.a!.seq}`, `b${report.firstDivergence!.b!.seq}`]);
    for (const p of points.slice(1)) {
      // Every later point has an event of its own, not only the divergence's.
      expect([p.a ? `a${p.a.seq}` : null, p.b ? `b${p.b.seq}` : null].some((k) => k !== null && !own.has(k))).toBe(true);
      // A side without an event stands at the other's instruction count.
      if (p.a === null) expect(p.icountA).toBe(Math.min(report.a.lastIcount, p.b!.icount + 1));
      if (p.b === null) expect(p.icountB).toBe(Math.min(report.b.lastIcount, p.a!.icount + 1));
    }
    expect(points.length).toBeGreaterThan(2);
    expect(points.length).toBeLessThanOrEqual(1 + report.aligned!.differences.length);
    expect(pidOfTrack('pid 12')).toBe(12);
    expect(pidOfTrack('server vfs')).toBeNull();
  });
});

describe('xrr tui --diff A B', () => {
  it('opens at the first divergence with both machines side by side, differing registers marked; n / N step; Esc goes back to A', async () => {
    const report = diffTimelines(sides.a, sides.b, { state: false });
    const first = report.firstDivergence!;
    const total = diffPoints(report).length;
    const ui = render(<App session={new TuiSession(sides.a.store, A)} branch={sides.a.branch} diff={{ a: sides.a, b: sides.b }} width={120} height={40} noColor />);
    let f = await waitFor(ui.lastFrame, shown(1), 'the first divergence', 60_000);
    expect(f).toContain(`difference 1/${total}: first divergence`);
    expect(f).toContain(`A  seq ${fmt(first.a!.seq)}  icount ${fmt(first.a!.icount)}  output "bootcheck\\n"`);
    expect(f).toMatch(new RegExp(`B  seq ${fmt(first.b!.seq)}  icount ${fmt(first.b!.icount)}  SERVER CRASH vfs`));
    expect(f).toContain('inputs differ: fault');
    // Both event lists, each with its side's divergent event selected.
    expect(f).toMatch(new RegExp(`^> ?${first.a!.seq} +${first.a!.icount} output "bootcheck`, 'm'));
    expect(f).toMatch(new RegExp(`> ?${first.b!.seq} +${first.b!.icount} SERVER CRASH vfs`));
    // ls's write returned 10 bytes in A and -EIO in B: a0 differs, and only it is marked.
    expect(f).toContain('a0 0000000a*');
    expect(f).toContain('a0 fffffffb*');
    expect(f).toMatch(/\* registers: a0 differ/);
    expect(f).not.toMatch(/ ra [0-9a-f]{8}\*/);
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(120);

    ui.stdin.write('N');
    f = await waitFor(ui.lastFrame, (s) => statusLine(s).startsWith('no previous difference'), 'no difference before the first');
    ui.stdin.write('n');
    f = await waitFor(ui.lastFrame, shown(2), 'the second difference', 60_000);
    const second = diffPoints(report)[1]!;
    expect(f).toContain(`difference 2/${total}: ${second.what}, ${second.track}`);
    ui.stdin.write('N');
    await waitFor(ui.lastFrame, shown(1), 'back to the first', 60_000);
    for (let k = 2; k <= total; k++) ui.stdin.write('n');
    f = await waitFor(ui.lastFrame, shown(total), 'the last difference', 120_000);
    ui.stdin.write('n');
    await waitFor(ui.lastFrame, (s) => statusLine(s).startsWith('no next difference'), 'no difference after the last');

    ui.stdin.write('\x1b');
    f = await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('back on the timeline of A'), 'the timeline of A');
    const last = diffPoints(report)[total - 1]!;
    expect(f).toContain(`icount ${fmt(last.icountA)}/`);
    ui.unmount();
  }, 240_000);
});

describe('the diff view from the branches', () => {
  it('d picks a branch, b goes to another, d opens the diff of the two', async () => {
    const { store, file } = await recordBoot({ input: 'echo hello\n' });
    const session = new TuiSession(store, file);
    const ui = render(<App session={session} branch={ROOT_BRANCH} width={120} height={40} noColor />);
    await waitFor(ui.lastFrame, settled, 'the end of the recording');
    // A second timeline: forked at the end, a different command typed.
    ui.stdin.write('f');
    await waitFor(ui.lastFrame, (s) => s.includes('LIVE (waiting-input)'), 'live');
    for (const k of 'echo other\r') ui.stdin.write(k);
    await waitFor(ui.lastFrame, (s) => /^other\s*$/m.test(s), 'the guest answers');
    ui.stdin.write('\x1d');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('paused branch 2'), 'paused');
    ui.stdin.write('d');
    await waitFor(ui.lastFrame, (s) => s.includes('branch 2 picked as A') && s.includes('[branches]'), 'branch 2 picked');
    ui.stdin.write('b');
    await waitFor(ui.lastFrame, (s) => settled(s) && s.includes('branch 1 (main)'), 'on branch 1');
    ui.stdin.write('d');
    const f = await waitFor(ui.lastFrame, shown(1), 'the diff view', 60_000);
    expect(f).toContain(`A ${file}#2`);
    expect(f).toContain(`B ${file}#1`);
    expect(f).toContain('first divergence');
    // Branch 1 ended where branch 2 went on: B has no more events there.
    expect(f).toContain('B  (ended: no more events)');
    ui.unmount();
  }, 180_000);
});
