/**
 * `xrr fork FILE --at T`: a new branch from the machine at icount T of a branch, run live with a
 * console (as `xrr run`) and recorded onto the branch by the timeline's Recorder; a chaos seed
 * and faults can go in first.
 */
import { isJournalError } from '../../journal/index.js';
import { forkAt } from '../../timeline/fork.js';
import { faultsOf } from '../../timeline/fault-spec.js';
import { StoreTarget } from '../../timeline/record-target.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { driveConsole, signalStatus } from '../console-driver.js';
import { seekProgress } from '../progress.js';
import { branchOf, openExisting } from '../recording-file.js';
import { applyStartInputs, chaosOption, KEY_SEED_OPTION, parseKeySeed, resolveRunSetup, RUN_OPTIONS } from '../run-setup.js';

const OPTIONS: Record<string, OptionSpec> = {
  at: { kind: 'int', help: 'fork from this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'parent branch (default 1)', valueName: 'B' },
  input: { kind: 'string', help: 'console input for the new branch, from FILE or - (default: the terminal)', valueName: 'FILE|-' },
  label: { kind: 'string', help: 'a name for the branch', valueName: 'NAME' },
  inject: { kind: 'list', help: 'inject a fault at the fork point, e.g. crash:vfs:3; repeatable', valueName: 'SPEC' },
  chaos: RUN_OPTIONS['chaos']!,
  'key-seed': { ...KEY_SEED_OPTION, help: 'the IPC key seed of a copy shared without it (xrr share); must be the recording\'s own if it holds one' },
  'max-instructions': { kind: 'int', help: 'stop the new branch after N more instructions', valueName: 'N' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = 'FILE --at T [--branch B] [--input FILE|-] [--label NAME] [--inject SPEC] [--chaos N] [--key-seed HEX64]';

export const forkCommand: Command = {
  name: 'fork',
  synopsis: SYNOPSIS,
  help: 'start a new branch from a point and continue it live',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('fork', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const faults = faultsOf(options.get('inject'));
    const chaos = chaosOption(options.get('chaos'));
    const keySeed = parseKeySeed(options.get('key-seed') as string | undefined);
    const file = one(positional, 'FILE');
    const at = options.get('at') as number | undefined;
    if (at === undefined) throw new UsageError('--at T is required');
    const input = options.get('input') as string | undefined;
    const setup = resolveRunSetup(input !== undefined ? ['--input', input] : []);
    const store = await openExisting(file, false);
    try {
      const parent = branchOf(store, options.get('branch'));
      const label = (options.get('label') as string | undefined) ?? '';
      const fork = forkAt(store, parent, at, label, { progress: seekProgress(store, parent, at), keySeed, debugFiles: setup.image.debugFiles });
      const target = fork.recorder.target;
      if (!(target instanceof StoreTarget)) throw new Error('a fork records onto its branch of the store');
      // The fork point's snapshot is committed before the branch runs.
      target.commit();
      process.stderr.write(`xrr: branch ${fork.branch} forked at icount ${fork.machine.icount}; the console is live\n`);
      applyStartInputs(fork.machine, { faults, chaos });
      const max = options.get('max-instructions') as number | undefined;
      const stop = await driveConsole(
        fork.recorder,
        { input: setup.input, maxInstructions: max === undefined ? undefined : fork.machine.icount + max },
        { commit: () => target.commit(), failure: () => target.failure },
      );
      fork.recorder.finish(); // a snapshot at the end: `xrr tui` opens there without replaying
      target.commit();
      if (stop.kind === 'journal-failed' || target.failure !== undefined) {
        throw new Error(`cannot write ${file}: ${target.failure ?? (stop.kind === 'journal-failed' ? stop.message : '')}; branch ${fork.branch} holds everything up to its last commit`);
      }
      const summary = `branch ${fork.branch}: ${store.branchLength(fork.branch)} events to icount ${fork.machine.icount}`;
      if (stop.kind === 'signal') {
        process.stderr.write(`xrr: ${stop.signal}: ${summary} (closed cleanly)\n`);
        return signalStatus(stop.signal);
      }
      process.stderr.write(`xrr: ${summary}\n`);
      return stop.kind === 'halted' ? stop.status : 0;
    } finally {
      try {
        store.close();
      } catch (e) {
        // A disk that filled fails the last commit as well: the failure was reported above.
        if (!isJournalError(e, 'IO')) throw e;
      }
    }
  },
};
