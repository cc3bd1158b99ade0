/**
 * A stand-alone entry for `xrr tui` (`npx tsx src/tui/tui-main.ts FILE`), for running the UI
 * before the command is wired into src/cli/main.ts, and for the end-to-end test.
 */
import { UsageError } from '../cli/args.js';
import { tuiCommand } from '../cli/tui-command.js';

try {
  process.exitCode = await tuiCommand(process.argv.slice(2));
} catch (e) {
  console.error(`xrr tui: ${(e as Error).message}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
