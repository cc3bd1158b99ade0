/**
 * Disk-full campaign: `xrr record` under a file size limit (`ulimit -f`, as a full disk but
 * unprivileged) of a random size, recording a program that writes well past it. It must exit
 * non-zero within seconds of its last write with a clear message (no hang, no stack trace), and
 * the file it leaves must verify and replay to its last commit; full before its boot snapshot,
 * it leaves no file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exited } from '../test/support/xrr-cli.js';
import { between, pick, type Campaign, type CampaignContext } from './campaign.js';
import { notWhole, tail, unclean } from './verdicts.js';

/** The most host time a full disk may take to end the run, counted from the journal's last growth. */
const STOP_WITHIN_MS = 15_000;

const PROGRAMS: readonly string[][] = [
  ['/bin/vfsstress', '8', '4000'],
  ['/bin/vfsstress', '6', '5000'],
];

function bytesOnDisk(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) n += statSync(f).size;
  return n;
}

/** How the runs ended: full with a file left, full before the boot snapshot (no file), or fitting under the limit. */
interface Endings {
  full: number;
  beforeBoot: number;
  fit: number;
}

async function diskFullCase(ctx: CampaignContext, n: number, endings: Endings): Promise<void> {
  const name = `full-${n}`;
  const caseDir = join(ctx.dir, name);
  mkdirSync(caseDir, { recursive: true });
  const file = join(caseDir, 'rec.db');
  // Mostly past what the boot needs (about 8 MB with its WAL), some below it.
  const kib = between(ctx.random, 5000, 30000);
  const program = pick(ctx.random, PROGRAMS);
  const repro = `bash -c 'ulimit -f ${kib}; node bin/xrr.mjs record --seed soak-full-${n} --out ${file} ${program.join(' ')}'`;
  const child = spawn('bash', ['-c', `ulimit -f ${kib}; exec "$0" bin/xrr.mjs record --seed soak-full-${n} --out "$1" ${program.join(' ')}`, process.execPath, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // Watch the journal grow: the run must end soon after it stops growing (a hang does not).
  let size = 0;
  let grewAt = performance.now();
  let ended = false;
  const watch = setInterval(() => {
    const now = bytesOnDisk(file);
    if (now !== size) {
      size = now;
      grewAt = performance.now();
    } else if (!ended && performance.now() - grewAt > STOP_WITHIN_MS * 4) child.kill('SIGKILL');
  }, 100);
  const end = await exited(child);
  ended = true;
  clearInterval(watch);
  const stalledMs = performance.now() - grewAt;
  const lose = (why: string) => ctx.tally.lose(name, caseDir, `${why} (limit ${kib} KiB)`, repro);
  if (end.signal === 'SIGKILL') return lose(`record hung: the journal had not grown for ${(stalledMs / 1000).toFixed(0)} s`);
  if (stalledMs > STOP_WITHIN_MS) return lose(`record took ${(stalledMs / 1000).toFixed(1)} s to stop after its journal stopped growing`);
  const bad = unclean('record', { status: end.code ?? -1, signal: end.signal, stdout: '', stderr, hung: false });
  if (bad !== undefined) return lose(bad);
  if (end.code === 0) {
    endings.fit++;
    // The limit was above what the run needed: not a disk-full case, but the file must still be whole.
    const whole = notWhole(file, 1);
    return whole === undefined ? ctx.tally.survive(caseDir) : lose(`the run fit; ${whole}`);
  }
  if (end.code !== 1 || !/disk is full or a file size limit was reached/.test(stderr)) return lose(`record exited ${end.code} without the disk-full message: ${tail(stderr)}`);
  if (!existsSync(file)) endings.beforeBoot++;
  else endings.full++;
  if (!existsSync(file)) return stderr.includes('holds everything') ? lose('the message says the file holds everything, but there is no file') : ctx.tally.survive(caseDir);
  if (!stderr.includes('holds everything up to its last commit')) return lose(`a file was left without saying what it holds: ${tail(stderr)}`);
  const whole = notWhole(file, 1);
  if (whole !== undefined) return lose(whole);
  ctx.tally.survive(caseDir);
}

export const diskFullCampaign: Campaign = {
  name: 'disk-full',
  what: 'record under file size limits of random sizes: exits 1 within seconds with a clear message; the file verifies and replays to its last commit',
  async run(ctx) {
    const endings: Endings = { full: 0, beforeBoot: 0, fit: 0 };
    for (let n = 1; n <= ctx.scale.diskFull; n++) {
      await diskFullCase(ctx, n, endings);
      ctx.log(`disk-full ${n}/${ctx.scale.diskFull}: ${ctx.tally.lost.length} lost`);
      ctx.tally.note = `${endings.full} stopped by the limit with a file left, ${endings.beforeBoot} before the boot snapshot (no file), ${endings.fit} fit under it`;
    }
  },
};
