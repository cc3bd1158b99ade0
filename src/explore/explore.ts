/**
 * `xrr explore`: run a program under many schedules (and, with random faults, many fault mixes),
 * one machine per worker thread, judge every run, and confirm and keep the failing ones: every
 * failing seed is run once more and counts as reproduced when it fails the same way at the same
 * icount; for the first seeds of each failing class that second run is recorded, into
 * recordings/explore-<program>-<seed>.db.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RootFsEntry } from '../servers/vfs/root-fs.js';
import type { ExploreJob, ExploreJobResult, ExploreWorkerInit } from './explore-worker.js';
import { EXPLORE_WORKER } from './explore-worker-url.js';
import { classOf, isFailure } from './outcome.js';
import { runPlain, type RunResult } from './run-once.js';
import type { ExploreSettings } from './run-plan.js';
import { strategyName } from './strategy.js';
import { WorkerPool } from './worker-pool.js';

export interface ExploreRequest {
  readonly settings: ExploreSettings;
  /** Seeds from..to, both included. */
  readonly from: number;
  readonly to: number;
  readonly jobs: number;
  readonly root: readonly RootFsEntry[];
  readonly imageHash: string;
  /** The image's debug companions by key (GuestImage.debugFiles.paths), stored in the recordings of kept runs. */
  readonly debugPaths?: ReadonlyMap<string, string>;
  /** Where the recordings of failing runs go. */
  readonly outDir: string;
  /** Failing runs recorded per outcome class, smallest seeds first. */
  readonly keepPerClass: number;
  /** Run every failing seed again ('all'), or only those recorded ('kept'). Default 'all'. */
  readonly confirm?: 'all' | 'kept';
}

export interface ExploreProgress {
  readonly done: number;
  readonly total: number;
  readonly failures: number;
  readonly elapsedMs: number;
}

/** A failing seed run again (under the recorder when it is kept). */
export interface Confirmation {
  readonly seed: number;
  /** The recording, when this seed is one of those kept. */
  readonly file: string | undefined;
  /** The second run failed in the same class, at the same icount, with as many events. */
  readonly reproduced: boolean;
  readonly againClass: string;
}

export interface OutcomeRow {
  readonly cls: string;
  readonly failing: boolean;
  readonly count: number;
  /** The smallest seed of the class. */
  readonly seed: number;
  readonly seeds: readonly number[];
}

export interface ExploreReport {
  readonly runs: readonly RunResult[];
  readonly rows: readonly OutcomeRow[];
  readonly confirmations: readonly Confirmation[];
  readonly elapsedMs: number;
}


/** The recording of a failing seed. */
export function recordingPathOf(outDir: string, program: string, seed: number): string {
  return join(outDir, `explore-${basename(program).replace(/[^A-Za-z0-9_.-]/g, '_')}-${seed}.db`);
}

/** The command line that reproduces run `seed` (kept in its recording; explain reads the rules back from it). */
export function commandLineOf(settings: ExploreSettings, seed: number): string[] {
  return [
    'xrr', 'explore', '--seeds', `${seed}..${seed}`, '--strategy', strategyName(settings.strategy),
    '--faults', settings.faults.kind, ...(settings.failOn === undefined ? [] : ['--fail-on', settings.failOn]),
    '--timeout', String(settings.timeout), ...settings.argv,
  ];
}

/**
 * Messages each server receives in a run of the program without chaos or faults: the range the
 * random fault mode draws message numbers from.
 */
export function calibrateTraffic(argv: readonly string[], root: readonly RootFsEntry[], timeout: number): Record<number, number> {
  const r = runPlain({ seed: 0, initArgv: ['/sbin/init', ...argv], chaos: 0, faults: [], timeout }, root, {});
  return { ...r.received };
}

/**
 * System calls in a run of the program without chaos or faults: the horizon PCT draws its
 * change points from (the step count of the paper's k).
 */
export function calibrateSteps(argv: readonly string[], root: readonly RootFsEntry[], timeout: number): number {
  const r = runPlain({ seed: 0, initArgv: ['/sbin/init', ...argv], chaos: 0, faults: [], timeout }, root, {});
  return Math.max(1, r.syscalls);
}

/** The settings with the pct strategy's step horizon measured, if it was not given. */
export function withCalibratedStrategy(settings: ExploreSettings, root: readonly RootFsEntry[]): ExploreSettings {
  const s = settings.strategy;
  if (s.kind !== 'pct' || s.steps !== undefined) return settings;
  return { ...settings, strategy: { ...s, steps: calibrateSteps(settings.argv, root, settings.timeout) } };
}

function runResultOf(r: ExploreJobResult): RunResult {
  if (Array.isArray(r) || !('cls' in r)) throw new Error('a worker answered a run with something else');
  return r;
}

function tableOf(runs: readonly RunResult[]): OutcomeRow[] {
  const by = new Map<string, RunResult[]>();
  for (const r of runs) by.set(r.cls, [...(by.get(r.cls) ?? []), r]);
  return [...by.entries()]
    .map(([cls, rs]) => {
      const seeds = rs.map((r) => r.seed).sort((a, b) => a - b);
      return { cls, failing: isFailure(rs[0]!.outcome), count: rs.length, seed: seeds[0]!, seeds };
    })
    .sort((a, b) => Number(b.failing) - Number(a.failing) || b.count - a.count || a.seed - b.seed);
}

export async function explore(request: ExploreRequest, progress: (p: ExploreProgress) => void = () => undefined): Promise<ExploreReport> {
  const req = { ...request, settings: withCalibratedStrategy(request.settings, request.root) };
  if (!(Number.isSafeInteger(req.from) && Number.isSafeInteger(req.to) && 1 <= req.from && req.from <= req.to)) {
    throw new RangeError(`seeds ${req.from}..${req.to}: from 1 up, and from <= to`);
  }
  mkdirSync(req.outDir, { recursive: true });
  const init: ExploreWorkerInit = { root: req.root, settings: req.settings, imageHash: req.imageHash, ...(req.debugPaths ? { debugPaths: req.debugPaths } : {}) };
  const pool = new WorkerPool<ExploreJob, ExploreJobResult>(EXPLORE_WORKER, Math.min(req.jobs, req.to - req.from + 1), init);
  const t0 = performance.now();
  const total = req.to - req.from + 1;
  const runs: RunResult[] = [];
  let failures = 0;
  const program = req.settings.argv[0] ?? 'program';

  const confirm = async (first: RunResult, keep: boolean): Promise<Confirmation> => {
    const same = (again: RunResult) => again.cls === first.cls && again.icount === first.icount && again.events === first.events;
    if (!keep) {
      const again = runResultOf(await pool.run({ kind: 'run', seed: first.seed }));
      return { seed: first.seed, file: undefined, reproduced: same(again), againClass: again.cls };
    }
    const file = recordingPathOf(req.outDir, program, first.seed);
    // A recording of the same seed is the same run: an earlier exploration's copy is replaced.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
    const again = runResultOf(await pool.run({ kind: 'record', seed: first.seed, file, commandLine: commandLineOf(req.settings, first.seed) }));
    return { seed: first.seed, file, reproduced: same(again), againClass: again.cls };
  };

  const collect = (r: RunResult): void => {
    runs.push(r);
    if (isFailure(r.outcome)) failures++;
    progress({ done: runs.length, total, failures, elapsedMs: performance.now() - t0 });
  };

  try {
    const all: Promise<void>[] = [];
    for (let seed = req.from; seed <= req.to; seed++) {
      all.push(
        pool.run({ kind: 'run', seed }).then(
          (res) => collect(runResultOf(res)),
          (e: unknown) => {
            // A run xrr could not carry out is a result of its own; the others go on.
            const message = e instanceof Error ? e.message : String(e);
            const outcome = { kind: 'host-error', message } as const;
            collect({ seed, outcome, cls: classOf(outcome), icount: 0, events: 0, received: {}, syscalls: 0, faults: [] });
          },
        ),
      );
    }
    await Promise.all(all);
    runs.sort((a, b) => a.seed - b.seed);
    const rows = tableOf(runs);
    // The smallest seeds of each failing class, so the same exploration keeps the same files.
    const bySeed = new Map(runs.map((r) => [r.seed, r]));
    const failingRows = rows.filter((row) => row.failing && bySeed.get(row.seed)?.outcome.kind !== 'host-error');
    const kept = new Set(failingRows.flatMap((row) => row.seeds.slice(0, req.keepPerClass)));
    const again = (req.confirm ?? 'all') === 'all' ? failingRows.flatMap((row) => row.seeds) : [...kept];
    const confirmed = await Promise.all(again.sort((a, b) => a - b).map((seed) => confirm(bySeed.get(seed)!, kept.has(seed))));
    return { runs, rows, confirmations: confirmed, elapsedMs: performance.now() - t0 };
  } finally {
    await pool.close();
  }
}
