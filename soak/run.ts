/**
 * `npm run soak`: the fault-injection campaigns against the real CLI (bin/xrr.mjs, real SQLite
 * files, real signals): kills, full disks, flipped bytes, SQL edits, and record/replay of every
 * shipped program under many seeds. Prints one table (campaign, tried, survived, lost, seconds)
 * and the seed that repeats the run, lists every lost case with how to make it again and where
 * its files were kept, and exits 1 on any loss (2 on bad options). Scratch files live in a temp
 * directory; those of surviving cases are removed as they finish, those of lost ones kept.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from '../test/journal-fixtures.js';
import type { Campaign } from './campaign.js';
import { diskFullCampaign } from './disk-full.js';
import { editCampaign } from './edit.js';
import { flipCampaign } from './flip.js';
import { killCampaign } from './kill.js';
import { parseOptions, USAGE } from './options.js';
import { seedsCampaign } from './seeds.js';
import { formatLost, formatTable } from './table.js';
import { Tally } from './tally.js';

const CAMPAIGNS: readonly Campaign[] = [killCampaign, diskFullCampaign, flipCampaign, editCampaign, seedsCampaign];

/** A seed per campaign from the run's seed and the campaign's name, so --only repeats the same cases. */
function campaignSeed(seed: number, name: string): number {
  let h = seed >>> 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0;
  return h;
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2), CAMPAIGNS.map((c) => c.name));
  } catch (e) {
    console.error(`soak: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(`${USAGE}\n\ncampaigns:\n${CAMPAIGNS.map((c) => `  ${c.name.padEnd(10)} ${c.what}`).join('\n')}`);
    return 0;
  }
  const out = opts.out ?? mkdtempSync(join(tmpdir(), 'xrr-soak-'));
  mkdirSync(out, { recursive: true });
  const lostDir = join(out, 'lost');
  const chosen = opts.only.length === 0 ? CAMPAIGNS : CAMPAIGNS.filter((c) => opts.only.includes(c.name));
  console.error(`soak: seed ${opts.seed}; scratch and lost cases in ${out}`);
  const tallies: Tally[] = [];
  for (const c of chosen) {
    const tally = new Tally(c.name, lostDir);
    tallies.push(tally);
    const dir = join(out, c.name);
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    const log = (line: string) => process.stderr.write(`[${c.name}] ${line}\n`);
    log(c.what);
    try {
      await c.run({ random: rng(campaignSeed(opts.seed, c.name)), scale: opts.scale, dir, tally, log });
    } catch (e) {
      // A campaign that cannot go on (its base recording failed) loses the run, with its reason.
      mkdirSync(join(dir, 'setup'), { recursive: true });
      tally.lose('setup', join(dir, 'setup'), `the campaign stopped: ${(e as Error).stack ?? String(e)}`, `npm run soak -- --seed ${opts.seed} --only ${c.name}`);
    }
    tally.seconds = (performance.now() - started) / 1000;
    rmSync(dir, { recursive: true, force: true });
    // Its row at once, so a long run that is stopped still shows what its finished campaigns found.
    log(`done: ${tally.tried} tried, ${tally.survived} survived, ${tally.lost.length} lost, ${tally.seconds.toFixed(0)} s${tally.note === '' ? '' : `; ${tally.note}`}`);
  }
  console.log(formatTable(tallies));
  const lost = tallies.reduce((s, t) => s + t.lost.length, 0);
  console.log(`seed ${opts.seed} (npm run soak -- --seed ${opts.seed}${process.argv.slice(2).filter((a, i, all) => !['--seed', '--out'].includes(a) && !['--seed', '--out'].includes(all[i - 1] ?? '')).map((a) => ` ${a}`).join('')} repeats these cases)`);
  if (lost > 0) {
    console.log(formatLost(tallies));
    return 1;
  }
  if (opts.out === undefined && readdirSync(out).length === 0) rmSync(out, { recursive: true, force: true });
  return 0;
}

process.exitCode = await main();
