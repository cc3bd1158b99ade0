/**
 * `xrr explain`: the racing pair of a failing recording (against a passing one, given or found
 * by turning chaos off at the latest point that still passes), or with --causality, how likely
 * the failure is from points along the run. Exit status: 0 explained, 1 not, 2 usage.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { causality, plotCausality } from '../../explore/causality.js';
import { openRecording } from '../../explore/engine.js';
import { explain, formatExplanation } from '../../explore/explain.js';
import type { TrialLimits } from '../../explore/forked-trial.js';
import { recordedLimits } from '../../explore/recorded-rules.js';
import { parseArgs, UsageError, usageOf, type OptionSpec } from '../args.js';
import { failOnOption } from './explore.js';
import { openTuiOnPair } from './tui.js';
import type { Command } from '../command.js';

const EXPLAIN_SYNOPSIS = 'FAILING [PASSING] [--fail-on REGEX] [--timeout N] [--open] | --causality FAILING [--points K] [--schedules M] [--jobs N]';
const EXPLAIN_HELP = 'name the racing pair of a failing run, or plot how likely its failure is along the run';

const OPTIONS: Record<string, OptionSpec> = {
  causality: { kind: 'flag', help: 'fork at K points before the failure, run M schedules from each, plot the failure probability' },
  points: { kind: 'int', help: 'with --causality: points along the run (default 12)', valueName: 'K' },
  schedules: { kind: 'int', help: 'with --causality: chaos seeds run from each point (default 20)', valueName: 'M' },
  jobs: { kind: 'int', help: 'with --causality: worker threads (default: the number of cores)', valueName: 'N' },
  'fail-on': { kind: 'string', help: 'judge runs with this console pattern (default: as the recording was explored)', valueName: 'REGEX' },
  timeout: { kind: 'int', help: 'instruction limit of each trial (default: as explored, else 200M)', valueName: 'N' },
  open: { kind: 'flag', help: 'then open the TUI on the failing run: the cursor on the first of the pair, the second bookmarked' },
  help: { kind: 'flag', help: 'show this help' },
};

function existing(file: string | undefined, what: string): string {
  if (file === undefined) throw new UsageError(`${what} is required`);
  if (!existsSync(file)) throw new UsageError(`no such recording: ${file}`);
  return file;
}

async function runExplain(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS, true);
  if (options.get('help')) {
    console.log(usageOf('explain', EXPLAIN_SYNOPSIS, OPTIONS));
    return 0;
  }
  const failing = existing(positional[0], 'FAILING');
  if (positional.length > 2) throw new UsageError(`unexpected ${positional.slice(2).join(' ')}`);
  const handle = await openRecording(failing);
  let limits: TrialLimits;
  try {
    limits = recordedLimits(handle.meta.commandLine);
  } finally {
    handle.close();
  }
  const failOn = failOnOption(options.get('fail-on') as string | undefined);
  if (failOn !== undefined) limits = { ...limits, rules: { failOn } };
  const timeout = options.get('timeout') as number | undefined;
  if (timeout !== undefined) limits = { ...limits, timeout };
  const t0 = performance.now();
  const tty = process.stderr.isTTY === true;

  if (options.get('causality')) {
    if (positional.length > 1) throw new UsageError('--causality takes one recording');
    const points = (options.get('points') as number | undefined) ?? 12;
    const schedules = (options.get('schedules') as number | undefined) ?? 20;
    if (points < 1 || points > 1000 || schedules < 1 || schedules > 10_000) throw new UsageError('--points from 1 to 1000, --schedules from 1 to 10000');
    const report = await causality({
      file: failing,
      points,
      schedules,
      jobs: (options.get('jobs') as number | undefined) ?? availableParallelism(),
      limits,
      progress: (done, total) => {
        if (tty) process.stderr.write(`\rcausality: ${done}/${total} points${done === total ? '\n' : ''}`);
      },
    });
    console.log(plotCausality(report));
    console.log('');
    console.log(
      report.inevitableAt === undefined
        ? 'the failure never became certain: from every point some schedule passes'
        : `from icount ${report.inevitableAt} on, every schedule failed: the bug was inevitable there`,
    );
    console.error(`xrr explain: ${points * schedules} trials in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return 0;
  }

  const passing = positional[1] === undefined ? undefined : existing(positional[1], 'PASSING');
  const x = await explain({
    failing,
    ...(passing === undefined ? {} : { passing }),
    limits,
    progress: (line) => {
      if (tty) process.stderr.write(`\r${line.padEnd(78)}`);
    },
  });
  if (tty) process.stderr.write('\n');
  console.log(formatExplanation(x));
  console.error(`xrr explain: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (options.get('open') && x.kind === 'schedule' && x.pair) return openTuiOnPair(failing, { first: x.pair.first.op, second: x.pair.second.op, bookmark: 'race-second', note: `pid ${x.pair.second.op.pid} ${x.pair.second.op.name}` });
  return x.kind === 'fault' || x.pair ? 0 : 1;
}

export const explainCommand: Command = { name: 'explain', synopsis: EXPLAIN_SYNOPSIS, help: EXPLAIN_HELP, options: OPTIONS, run: runExplain };
