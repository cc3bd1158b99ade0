/**
 * The `xrr` command: a table of subcommands, one file each in commands/ (a new command is a file
 * and a row here). Exit codes: 0 success, 1 failure, 2 usage error, 3 a recording that does not
 * replay or verify; `run` and `record` with a PROGRAM exit with its status.
 */
import { isJournalError } from '../journal/errors.js';
import { FaultSpecError } from '../timeline/fault-spec.js';
import { UsageError, usageOf } from './args.js';
import type { Command } from './command.js';
import { diffCommand } from './commands/diff.js';
import { eventsCommand } from './commands/events.js';
import { explainCommand } from './commands/explain.js';
import { exploreCommand } from './commands/explore.js';
import { exportCommand } from './commands/export.js';
import { forkCommand } from './commands/fork.js';
import { gdbCommand } from './commands/gdb.js';
import { infoCommand } from './commands/info.js';
import { lsCommand } from './commands/ls.js';
import { pruneCommand } from './commands/prune.js';
import { recordCommand } from './commands/record.js';
import { replayCommand } from './commands/replay.js';
import { rmCommand } from './commands/rm.js';
import { runCommand } from './commands/run.js';
import { shareCommand } from './commands/share.js';
import { stateCommand } from './commands/state.js';
import { tuiCommand } from './commands/tui.js';
import { verifyCommand } from './commands/verify.js';

/** Every command, in the order `xrr help` lists them. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  recordCommand,
  replayCommand,
  infoCommand,
  eventsCommand,
  stateCommand,
  forkCommand,
  verifyCommand,
  lsCommand,
  rmCommand,
  pruneCommand,
  shareCommand,
  tuiCommand,
  diffCommand,
  exportCommand,
  gdbCommand,
  exploreCommand,
  explainCommand,
];

function usage(): string {
  const lines = ['usage: xrr COMMAND [OPTIONS]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(8)} ${c.help}`);
  lines.push('', 'xrr COMMAND --help shows the options of a command.');
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`xrr: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (isJournalError(e)) {
      console.error(`xrr ${name}: ${e.message}`);
      return 1;
    }
    if (e instanceof UsageError || e instanceof FaultSpecError) {
      // The whole usage, as --help shows it: a synopsis alone leaves the reader guessing.
      const usage = command.options ? usageOf(name, command.synopsis, command.options) : `usage: xrr ${name} ${command.synopsis}`;
      console.error(`xrr ${name}: ${e.message}\n${usage}`);
      return 2;
    }
    console.error(`xrr ${name}: ${(e as Error).message}`);
    return 1;
  }
}
