/**
 * `xrr replay FILE`: re-execute a branch from its boot snapshot and hold every event to the
 * recording. Standard output holds what was asked for: with --console the replayed console alone
 * (xrr's verdict goes to stderr, so the guest's last line is not glued to it), else the verdict.
 * The run's summary (server crashes, processes killed by signals) follows on stderr.
 */
import { eventJsonText } from '../../core/event-json.js';
import { RunObserver } from '../../explore/outcome.js';
import { summarizeRun } from '../../explore/run-summary.js';
import { isJournalError } from '../../journal/errors.js';
import { DivergenceError } from '../../timeline/divergence.js';
import { replay } from '../../timeline/replay.js';
import { parseArgs, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { progressLine } from '../progress.js';
import { endIcount, withinRecording } from '../recording-end.js';
import { endConsoleLine } from '../run-summary.js';
import { branchOf, openExisting } from '../recording-file.js';

const OPTIONS: Record<string, OptionSpec> = {
  to: { kind: 'int', help: 'stop at this icount (at most the end of the recording)', valueName: 'T' },
  branch: { kind: 'int', help: 'branch to replay (default 1, the recording itself)', valueName: 'B' },
  console: { kind: 'flag', help: 'print the replayed console output (on stdout; xrr\'s own lines go to stderr)' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = 'FILE [--to T] [--branch B] [--console]';

export const replayCommand: Command = {
  name: 'replay',
  synopsis: SYNOPSIS,
  help: 'replay a recording exactly, checking every event',
  options: OPTIONS,
  async run(argv) {
    if (argv.includes('--help')) return printHelp('replay', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const store = await openExisting(one(positional, 'FILE'));
    try {
      const branch = branchOf(store, options.get('branch'));
      const toOption = options.get('to') as number | undefined;
      const to = toOption === undefined ? undefined : withinRecording(store, branch, '--to', toOption);
      const total = to ?? endIcount(store, branch);
      const seen = new RunObserver();
      const showConsole = options.get('console') === true;
      // With the console shown, its text is the progress: a bar on the same terminal would draw over it.
      const bar = showConsole ? () => undefined : progressLine('replaying');
      const say = (line: string) => (showConsole ? process.stderr.write(`xrr replay: ${line}\n`) : process.stdout.write(`${line}\n`));
      const t0 = performance.now();
      try {
        const r = replay(store, branch, {
          to,
          from: 0,
          onEvent: (e) => seen.emit(e),
          consoleOut: showConsole ? (b) => process.stdout.write(b) : undefined,
          progress: (i) => bar(i, total),
        });
        bar(total, total);
        if (showConsole) endConsoleLine(seen);
        const ms = performance.now() - t0;
        say(`replayed ${r.matched} events to icount ${r.machine.icount} in ${ms.toFixed(0)} ms: no divergence`);
        // The recording's own ending (halted, or stopped where recording stopped): only what went wrong on the way is told.
        const end = seen.halt ? { kind: 'halted' as const, ...seen.halt } : { kind: 'halted' as const, status: 0, reason: 'init exited' };
        for (const l of summarizeRun(seen, end)) process.stderr.write(`xrr replay: ${l}\n`);
        return 0;
      } catch (e) {
        if (isJournalError(e, 'CORRUPT')) {
          // An altered or forged recording does not replay: the same status as a divergence.
          say(`NOT REPLAYED: ${e.message}`);
          return 3;
        }
        if (!(e instanceof DivergenceError)) throw e;
        const d = e.divergence;
        say(`DIVERGENCE at event ${d.seq}`);
        say(`  expected (recorded): ${eventJsonText(d.expected)}`);
        say(`  actual   (replayed): ${d.actual ? eventJsonText(d.actual) : `nothing: the machine could not go on at icount ${d.icount}`}`);
        return 3;
      }
    } finally {
      store.close();
    }
  },
};
