/**
 * The `xrr` command: a thin dispatcher over the subcommands. Exit codes: 0 success, 1 failure,
 * 2 usage error; `run` exits with the guest program's status.
 */
import { isJournalError } from '../journal/errors.js';
import { UsageError } from './args.js';
import { JOURNAL_COMMANDS } from './journal-commands.js';
import { runCommand, RUN_SYNOPSIS } from './run.js';
import { TUI_HELP, TUI_SYNOPSIS } from './tui-synopsis.js';
import { exploreCommand, EXPLORE_HELP, EXPLORE_SYNOPSIS } from './explore-command.js';
import { explainCommand, EXPLAIN_HELP, EXPLAIN_SYNOPSIS } from './explain-command.js';

const COMMANDS: Record<string, { synopsis: string; help: string; run: (argv: string[]) => Promise<number> }> = {
  run: { synopsis: RUN_SYNOPSIS, help: 'boot XINIM and attach the console (or run PROGRAM and exit with its status)', run: runCommand },
  ...JOURNAL_COMMANDS,
  // Loaded on use: the UI brings React and Ink, which the other commands do not need.
  tui: { synopsis: TUI_SYNOPSIS, help: TUI_HELP, run: async (argv) => (await import('./tui-command.js')).tuiCommand(argv) },
  explore: { synopsis: EXPLORE_SYNOPSIS, help: EXPLORE_HELP, run: exploreCommand },
  explain: { synopsis: EXPLAIN_SYNOPSIS, help: EXPLAIN_HELP, run: explainCommand },
};

function usage(): string {
  const lines = ['usage: xrr COMMAND [OPTIONS]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.help}`);
  lines.push('', 'xrr COMMAND --help shows the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
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
    if (e instanceof UsageError) {
      console.error(`xrr ${name}: ${e.message}\nusage: xrr ${name} ${command.synopsis}`);
      return 2;
    }
    console.error(`xrr ${name}: ${(e as Error).message}`);
    return 1;
  }
}
