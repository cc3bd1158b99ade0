/**
 * What every `xrr` command is: a name, a synopsis and a line of help for the command list, and
 * `run` (parse arguments, call the modules below the CLI, print, return the exit status).
 * Exit codes: 0 success, 1 error, 2 usage error, 3 a recording that does not replay or verify,
 * 124 `--max-instructions` reached; `run` and `record` with a PROGRAM exit with its status.
 */
import { usageOf, UsageError, type OptionSpec } from './args.js';

export interface Command {
  readonly name: string;
  readonly synopsis: string;
  readonly help: string;
  /** Its options: a usage error prints them, as --help does. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  run(argv: string[]): Promise<number>;
}

/** The one positional argument `name` (FILE...), or a usage error. */
export function one(positional: readonly string[], name: string): string {
  const [first, second] = positional;
  if (first === undefined) throw new UsageError(`${name} is required`);
  if (second !== undefined) throw new UsageError(`unexpected argument ${second}`);
  return first;
}

/** Print a command's usage and options; exit status 0. */
export function printHelp(command: string, synopsis: string, spec: Readonly<Record<string, OptionSpec>>): number {
  console.log(usageOf(command, synopsis, spec));
  return 0;
}
