/**
 * `xrr run`: boot the machine and give it a console, recording nothing. Interactive on a
 * terminal (raw mode, Ctrl-] leaves), scriptable otherwise: with --input the console reads a
 * file or a pipe, and the run ends when init exits, or when the input is exhausted and every
 * process waits.
 */
import type { Command } from '../command.js';
import { deadlockText } from '../../core/events.js';
import { printHelp } from '../command.js';
import { driveConsole, plainRunner } from '../console-driver.js';
import { applyStartInputs, createMachine, resolveRunSetup, RUN_OPTIONS, RUN_SYNOPSIS } from '../run-setup.js';

export const runCommand: Command = {
  name: 'run',
  synopsis: RUN_SYNOPSIS,
  help: 'boot XINIM and attach the console (or run PROGRAM and exit with its status)',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('run', RUN_SYNOPSIS, RUN_OPTIONS);
    const setup = resolveRunSetup(argv);
    const machine = createMachine(setup);
    const err = machine.boot();
    if (err) {
      console.error(`xrr: ${err}`);
      return 1;
    }
    applyStartInputs(machine, setup);
    const stop = await driveConsole(plainRunner(machine), setup);
    if (stop.kind === 'halted') {
      if (stop.reason === 'deadlock') console.error(`xrr: deadlock: every process waits and nothing can wake one (${deadlockText(machine.waiting())})`);
      return stop.status;
    }
    if (stop.kind === 'limit') {
      console.error(`xrr: stopped after ${machine.icount} instructions (--max-instructions)`);
      return 124;
    }
    return 0;
  },
};
