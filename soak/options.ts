/**
 * The command line of `npm run soak`: how many cases each campaign tries (bounded by counts, never
 * by time), which campaigns run, the seed that makes a run repeatable, and where lost cases go.
 */
import { randomInt } from 'node:crypto';

export interface Scale {
  /** Kill points (record and fork, typed and not). */
  readonly kills: number;
  /** Disk-full runs, each at a file size limit of its own. */
  readonly diskFull: number;
  /** One-byte flips of a database or a WAL. */
  readonly flips: number;
  /** SQL edits of events, snapshots, pages, indexes, blocks and branch heads. */
  readonly edits: number;
  /** Seeds per shipped program (record, then replay). */
  readonly seeds: number;
  /** Only a few of the shipped programs in the seeds campaign (the quick slice). */
  readonly fewPrograms: boolean;
}

export interface SoakOptions {
  readonly seed: number;
  readonly scale: Scale;
  /** Campaign names to run; empty: all. */
  readonly only: readonly string[];
  /** Where lost cases are kept (and scratch files live while the run lasts). */
  readonly out: string | undefined;
  readonly help: boolean;
}

export const FULL: Scale = { kills: 60, diskFull: 6, flips: 60, edits: 120, seeds: 3, fewPrograms: false };
export const QUICK: Scale = { kills: 3, diskFull: 1, flips: 3, edits: 8, seeds: 1, fewPrograms: true };

export const USAGE = `usage: npm run soak -- [--quick] [--seed S] [--only CAMPAIGN[,CAMPAIGN]] [--kills N] [--disk-full N] [--flips N] [--edits N] [--seeds N] [--out DIR]

  --quick        a few cases per campaign (the CI slice); counts given with it still apply
  --seed S       the run's random seed (printed by every run; repeats the same cases)
  --only C,...   run only these campaigns: kill, disk-full, flip, edit, seeds
  --kills N      kill points (default ${FULL.kills})
  --disk-full N  disk-full runs (default ${FULL.diskFull})
  --flips N      one-byte flips (default ${FULL.flips})
  --edits N      SQL edits (default ${FULL.edits})
  --seeds N      seeds per shipped program (default ${FULL.seeds}; --quick: one seed of two programs)
  --out DIR      where lost cases are kept (default: a new directory in the system's temp dir)`;

function count(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new Error(`${flag} needs a whole number, not ${text ?? 'nothing'}`);
  return n;
}

/** Parses argv; throws an Error with a message for the user on anything it does not know. */
export function parseOptions(argv: readonly string[], campaigns: readonly string[]): SoakOptions {
  let scale: Scale = argv.includes('--quick') ? QUICK : FULL;
  let seed = randomInt(1, 2 ** 31);
  let only: string[] = [];
  let out: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '--quick':
        break;
      case '--help':
        help = true;
        break;
      case '--seed':
        seed = count(a, value());
        break;
      case '--only':
        only = (value() ?? '').split(',').filter((s) => s !== '');
        for (const name of only) if (!campaigns.includes(name)) throw new Error(`--only: no campaign ${name}; the campaigns are ${campaigns.join(', ')}`);
        if (only.length === 0) throw new Error('--only needs a campaign name');
        break;
      case '--kills':
        scale = { ...scale, kills: count(a, value()) };
        break;
      case '--disk-full':
        scale = { ...scale, diskFull: count(a, value()) };
        break;
      case '--flips':
        scale = { ...scale, flips: count(a, value()) };
        break;
      case '--edits':
        scale = { ...scale, edits: count(a, value()) };
        break;
      case '--seeds':
        scale = { ...scale, seeds: count(a, value()) };
        break;
      case '--out':
        out = value();
        if (out === undefined) throw new Error('--out needs a directory');
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  return { seed, scale, only, out, help };
}
