/** `xrr replay FILE`: re-execute a branch from its boot snapshot and hold every event to the recording. */
import { DivergenceError } from '../../timeline/divergence.js';
import { replay } from '../../timeline/replay.js';
import { parseArgs, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { progressLine } from '../progress.js';
import { branchOf, openExisting } from '../recording-file.js';

const OPTIONS: Record<string, OptionSpec> = {
  to: { kind: 'int', help: 'stop at this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'branch to replay (default 1, the recording itself)', valueName: 'B' },
  console: { kind: 'flag', help: 'print the replayed console output' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = 'FILE [--to T] [--branch B] [--console]';

export const replayCommand: Command = {
  name: 'replay',
  synopsis: SYNOPSIS,
  help: 'replay a recording exactly, checking every event',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('replay', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const store = await openExisting(one(positional, 'FILE'));
    try {
      const branch = branchOf(store, options.get('branch'));
      const to = options.get('to') as number | undefined;
      const total = to ?? store.events(branch, { order: 'desc', limit: 1 })[0]?.icount ?? 0;
      const bar = progressLine('replaying');
      const t0 = performance.now();
      try {
        const r = replay(store, branch, {
          to,
          from: 0,
          consoleOut: options.get('console') ? (b) => process.stdout.write(b) : undefined,
          progress: (i) => bar(i, total),
        });
        bar(total, total);
        const ms = performance.now() - t0;
        console.log(`replayed ${r.matched} events to icount ${r.machine.icount} in ${ms.toFixed(0)} ms: no divergence`);
        return 0;
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        const d = e.divergence;
        console.log(`DIVERGENCE at event ${d.seq}`);
        console.log(`  expected (recorded): ${JSON.stringify(d.expected)}`);
        console.log(`  actual   (replayed): ${d.actual ? JSON.stringify(d.actual) : `nothing: the machine could not go on at icount ${d.icount}`}`);
        return 3;
      }
    } finally {
      store.close();
    }
  },
};
