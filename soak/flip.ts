/**
 * Flip campaign: one byte of a recording's database file or of its WAL changed at a random
 * offset. Every read command (verify, info, events, state, replay) either works or fails with a
 * clear error (no stack trace, no crash, no hang), none of them changes a byte of the database or
 * the WAL, and verify, with the keys in the file, never says ok when what SQLite reads from the
 * files differs from what the recorder committed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, until } from '../test/support/xrr-cli.js';
import { between, pick, type Campaign, type CampaignContext } from './campaign.js';
import { committedRows, contentDigest, positions } from './recording-content.js';
import { run, tail, unclean } from './verdicts.js';

interface Base {
  readonly name: string;
  readonly db: string;
  readonly wal: string | undefined;
  /** What SQLite reads from the untouched files. */
  readonly digest: string;
  readonly end: number;
}

/** A recording closed cleanly (no WAL), and one killed mid-run whose WAL holds MiBs of commits. */
async function makeBases(ctx: CampaignContext): Promise<{ closed: Base; killed: Base }> {
  const dir = join(ctx.dir, 'bases');
  mkdirSync(dir, { recursive: true });
  const closedDb = join(dir, 'closed.db');
  const input = join(dir, 'input.txt');
  writeFileSync(input, 'ls /bin\necho one > /tmp/a\ncat /tmp/a\nforkrace\n');
  const r = run('record', '--seed', 'soak-flip', '--input', input, '--out', closedDb);
  if (r.status !== 0) throw new Error(`cannot record the flip base: ${tail(r.stderr)}`);
  const killedDb = join(dir, 'killed.db');
  const wal = `${killedDb}-wal`;
  const child = spawn(process.execPath, ['bin/xrr.mjs', 'record', '--seed', 'soak-flip-wal', '--out', killedDb, '/bin/vfsstress', '8', '4000'], { stdio: 'ignore' });
  // Killed a few commits into its run (the boot snapshot and some thousands of events), all of it
  // still in the WAL; small enough that five read commands on each flipped copy stay quick.
  await until('the boot snapshot and 4000 events committed', () => committedRows(killedDb, 'snapshot') >= 1 && committedRows(killedDb, 'event') >= 4000, 6000);
  child.kill('SIGKILL');
  await exited(child);
  const base = (name: string, db: string, w: string | undefined): Base => ({ name, db, wal: w, digest: contentDigest(db, w, dir), end: positions(db).end });
  return { closed: base('closed', closedDb, undefined), killed: base('killed', killedDb, wal) };
}

function fileDigest(file: string | undefined): string {
  return file !== undefined && existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent';
}

async function flipCase(ctx: CampaignContext, bases: { closed: Base; killed: Base }, n: number): Promise<void> {
  const name = `flip-${n}`;
  const caseDir = join(ctx.dir, name);
  mkdirSync(caseDir, { recursive: true });
  const target = pick(ctx.random, ['closed db', 'killed db', 'killed wal', 'killed wal'] as const);
  const base = target === 'closed db' ? bases.closed : bases.killed;
  const db = join(caseDir, 'rec.db');
  copyFileSync(base.db, db);
  const wal = base.wal === undefined ? undefined : `${db}-wal`;
  if (base.wal !== undefined && wal !== undefined) copyFileSync(base.wal, wal);
  const victim = target.endsWith('wal') ? wal! : db;
  const bytes = readFileSync(victim);
  const offset = between(ctx.random, 0, bytes.length - 1);
  const mask = 1 << between(ctx.random, 0, 7);
  bytes[offset] = bytes[offset]! ^ mask;
  writeFileSync(victim, bytes);
  const at = between(ctx.random, 0, base.end);
  const repro = `a copy of the ${base.name} base (kept: rec.db${wal ? ', rec.db-wal' : ''} after the flip) with byte ${offset} of the ${target.endsWith('wal') ? 'WAL' : 'database'} xored with 0x${mask.toString(16)}`;
  const before = [fileDigest(db), fileDigest(wal)];
  const lose = (why: string) => ctx.tally.lose(name, caseDir, why, repro);
  let verifiedOk = false;
  for (const args of [['verify', db], ['info', db], ['events', db, '--limit', '20'], ['state', db, '--at', String(at)], ['replay', db]]) {
    const r = run(...args);
    const bad = unclean(`xrr ${args.join(' ')}`, r);
    if (bad !== undefined) return lose(bad);
    const after = [fileDigest(db), fileDigest(wal)];
    if (after[0] !== before[0] || after[1] !== before[1]) return lose(`xrr ${args[0]} changed the ${after[0] !== before[0] ? 'database' : 'WAL'}`);
    if (args[0] === 'verify') verifiedOk = r.status === 0 && /^ok:/m.test(r.stdout);
  }
  if (verifiedOk) {
    const now = contentDigest(db, wal, caseDir);
    if (now !== base.digest) return lose(`verify said ok, but SQLite reads other content from the flipped files than from the originals (${now.startsWith('unreadable') ? now : 'rows differ'})`);
  }
  ctx.tally.survive(caseDir);
}

export const flipCampaign: Campaign = {
  name: 'flip',
  what: 'one-byte flips of the database and the WAL: read commands work or fail clearly, change nothing; verify never ok on changed content',
  async run(ctx) {
    const bases = await makeBases(ctx);
    for (let n = 1; n <= ctx.scale.flips; n++) {
      await flipCase(ctx, bases, n);
      ctx.log(`flip ${n}/${ctx.scale.flips}: ${ctx.tally.lost.length} lost`);
    }
  },
};
