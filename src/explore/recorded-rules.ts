/**
 * The judging rules a recording was made under. An explore recording keeps the command line
 * that reproduces it (`xrr explore --seeds 17..17 ... --fail-on RE --timeout N PROGRAM`), so
 * explain judges its trials as explore judged the run, unless told otherwise.
 */
import type { TrialLimits } from './forked-trial.js';

export const DEFAULT_TIMEOUT = 200_000_000;

/** --fail-on and --timeout of a recorded explore command line; defaults for any other recording. */
export function recordedLimits(commandLine: readonly string[]): TrialLimits {
  let failOn: string | undefined;
  let timeout = DEFAULT_TIMEOUT;
  if (commandLine[1] === 'explore') {
    // Every option explore writes there takes a value; the program starts at the first non-option.
    for (let i = 2; i + 1 < commandLine.length; i += 2) {
      const name = commandLine[i]!;
      const value = commandLine[i + 1]!;
      if (!name.startsWith('--')) break;
      if (name === '--fail-on') failOn = value;
      if (name === '--timeout' && /^\d+$/.test(value)) timeout = Number(value);
    }
  }
  return { rules: failOn === undefined ? {} : { failOn }, timeout };
}
