/**
 * The body of an explore worker thread: one machine at a time, for the jobs of an exploration
 * (run a seed, record a seed) and of a causality analysis (forked trials at one point).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RootFsEntry } from '../servers/vfs/root-fs.js';
import { HostDebugFiles } from '../symbols/debug-files.js';
import { runTrials, type TrialsJob } from './causality.js';
import type { JudgeRules } from './outcome.js';
import { recordPlan, runPlain, type RunResult } from './run-once.js';
import { planOf, type ExploreSettings } from './run-plan.js';
import type { PoolReply } from './worker-pool.js';

/** What every thread of an exploration is given once. */
export interface ExploreWorkerInit {
  readonly root: readonly RootFsEntry[];
  readonly settings: ExploreSettings;
  readonly imageHash: string;
  /** The image's debug companions by key (GuestImage.debugFiles.paths): what a kept run's recording stores. */
  readonly debugPaths?: ReadonlyMap<string, string>;
}

export type ExploreJob =
  | { readonly kind: 'run'; readonly seed: number }
  | { readonly kind: 'record'; readonly seed: number; readonly file: string; readonly commandLine: readonly string[] }
  | TrialsJob;

export type ExploreJobResult = RunResult | readonly string[];

const init = workerData as Partial<ExploreWorkerInit>;
const debugFiles = init.debugPaths instanceof Map ? new HostDebugFiles(init.debugPaths) : undefined;

function need(): ExploreWorkerInit {
  if (!init.root || !init.settings || init.imageHash === undefined) throw new Error('this worker was started without an exploration');
  return init as ExploreWorkerInit;
}

async function handle(job: ExploreJob): Promise<ExploreJobResult> {
  switch (job.kind) {
    case 'run': {
      const { root, settings } = need();
      return runPlain(planOf(settings, job.seed), root, rulesOf(settings));
    }
    case 'record': {
      const { root, settings, imageHash } = need();
      return recordPlan(planOf(settings, job.seed), root, rulesOf(settings), job.file, { imageHash, commandLine: job.commandLine }, debugFiles);
    }
    case 'trials':
      return runTrials(job);
    default: {
      const _exhaustive: never = job;
      return _exhaustive;
    }
  }
}

function rulesOf(settings: ExploreSettings): JudgeRules {
  return settings.failOn === undefined ? {} : { failOn: settings.failOn };
}

const port = parentPort;
if (!port) throw new Error('explore-worker.ts runs in a worker thread');
port.on('message', (m: { id: number; job: ExploreJob }) => {
  handle(m.job).then(
    (result) => port.postMessage({ id: m.id, ok: true, result } satisfies PoolReply<ExploreJobResult>),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies PoolReply<ExploreJobResult>),
  );
});
