/**
 * `xrr run`: boot the machine and give it a console, recording nothing. Interactive on a
 * terminal (raw mode, Ctrl-] leaves), scriptable otherwise: with --input the console reads a
 * file or a pipe, and the run ends when init exits, or when the input is exhausted and every
 * process waits. Ends with the run's summary on stderr (run-summary.ts).
 */
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { deadlockText } from '../../core/events.js';
import { printHelp } from '../command.js';
import { driveConsole, plainRunner } from '../console-driver.js';
import { applyStartInputs, createMachine, resolveRunSetup, RUN_OPTIONS, RUN_SYNOPSIS } from '../run-setup.js';
import { endConsoleLine, observeRun, reportRun } from '../run-summary.js';

export const runCommand: Command = {
  name: 'run',
  synopsis: RUN_SYNOPSIS,
  help: 'boot XINIM and attach the console (or run PROGRAM and exit with its status)',
  options: RUN_OPTIONS,
  async run(argv) {
    // Options end at PROGRAM: a --help after it (or after --) is the guest program's.
    if (parseArgs(argv, RUN_OPTIONS).options.get('help')) return printHelp('run', RUN_SYNOPSIS, RUN_OPTIONS);
    const setup = resolveRunSetup(argv);
    const machine = createMachine(setup);
    const seen = observeRun(machine);
    const err = machine.boot();
    if (err) {
      console.error(`xrr: ${err}`);
      return 1;
    }
    applyStartInputs(machine, setup);
    const stop = await driveConsole(plainRunner(machine), setup);
    // Without a journal the drive ends only as the machine's run does (no signal handling, no writer).
    if (stop.kind === 'signal' || stop.kind === 'journal-failed') return 1;
    endConsoleLine(seen);
    if (stop.kind === 'halted' && stop.reason === 'deadlock') console.error(`xrr: deadlock: every process waits and nothing can wake one (${deadlockText(machine.waiting())})`);
    const status = stop.kind === 'halted' ? stop.status : 0;
    const reported = reportRun('run', seen, machine, stop, status, setup.faults.length > 0);
    if (stop.kind === 'limit') {
      console.error(`xrr: stopped after ${machine.icount} instructions (--max-instructions)`);
      return 124;
    }
    return reported;
  },
};
