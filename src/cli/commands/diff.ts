/**
 * `xrr diff A B`: two recordings (or branches: FILE#B, #B for a branch of A's file) compared.
 * Exit status as diff(1) and Hermit's log-diff: 0 equal, 1 different, 2 cannot compare.
 */
import { spawn } from 'node:child_process';
import { isJournalError } from '../../journal/errors.js';
import { diffTimelines, exitStatusOf } from '../../diff/diff-timelines.js';
import { renderText } from '../../diff/render-text.js';
import { CannotCompare, openSides } from '../../diff/side.js';
import { parseArgs, usageOf, UsageError, type OptionSpec } from '../args.js';
import type { Command } from '../command.js';

const DIFF_SYNOPSIS = "A B (each FILE, FILE#BRANCH, or #BRANCH of A's file) [--stat] [--json] [--color auto|always|never] [--no-pager] [--limit N] [--max N] [--no-state]";
const DIFF_HELP = 'compare two recordings or branches: first divergence, aligned events, console, state';

const DIFF_OPTIONS: Record<string, OptionSpec> = {
  stat: { kind: 'flag', help: 'the summary only: counts by process, kind and server, no listings' },
  json: { kind: 'flag', help: 'the whole report as one JSON object (for programs)' },
  color: { kind: 'string', help: 'color the sides: auto (when a terminal), always, never', valueName: 'WHEN' },
  'no-pager': { kind: 'flag', help: 'do not page the output through $PAGER on a terminal' },
  limit: { kind: 'int', help: 'events per side aligned after the divergence (default 100k)', valueName: 'N' },
  max: { kind: 'int', help: 'aligned differences listed (default 40; --json keeps 500)', valueName: 'N' },
  'no-state': { kind: 'flag', help: 'do not restore the two machines at the divergence' },
  help: { kind: 'flag', help: 'show this help' },
};

/** Writes through $PAGER (less by default) when stdout is a terminal and the text is taller than it. */
async function page(text: string, enabled: boolean): Promise<void> {
  const rows = process.stdout.rows ?? 24;
  if (!enabled || !process.stdout.isTTY || text.split('\n').length < rows) {
    process.stdout.write(text);
    return;
  }
  const pager = process.env['PAGER'] || 'less';
  await new Promise<void>((resolve) => {
    // -R passes the colors, -F quits when the text fits, -X leaves it on the screen: as git does.
    const child = spawn(pager, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...process.env } });
    child.on('error', () => {
      process.stdout.write(text);
      resolve();
    });
    child.on('close', () => resolve());
    child.stdin.on('error', () => undefined); // the pager quit before reading everything
    child.stdin.end(text);
  });
}

async function runDiff(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usageOf('diff', DIFF_SYNOPSIS, DIFF_OPTIONS));
    return 0;
  }
  const { options, positional } = parseArgs(argv, DIFF_OPTIONS, true);
  if (positional.length !== 2) throw new UsageError(`two recordings to compare, got ${positional.length}`);
  const colorOpt = (options.get('color') as string | undefined) ?? 'auto';
  if (!['auto', 'always', 'never'].includes(colorOpt)) throw new UsageError(`--color is auto, always or never, got ${colorOpt}`);
  const json = options.get('json') === true;
  let sides: Awaited<ReturnType<typeof openSides>>;
  try {
    sides = await openSides(positional[0]!, positional[1]!);
  } catch (e) {
    if (e instanceof CannotCompare || isJournalError(e)) {
      console.error(`xrr diff: cannot compare: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  try {
    const tty = process.stderr.isTTY === true;
    const report = diffTimelines(sides.a, sides.b, {
      alignLimit: options.get('limit') as number | undefined,
      state: options.get('no-state') !== true,
      progress: tty ? (n) => process.stderr.write(`\rcomparing by meaning: ${n.toLocaleString('en-US')} events`) : undefined,
    });
    if (tty) process.stderr.write('\r\u001b[K');
    if (json) process.stdout.write(JSON.stringify(report) + '\n');
    else {
      const color = colorOpt === 'always' || (colorOpt === 'auto' && process.stdout.isTTY === true && !process.env['NO_COLOR']);
      await page(renderText(report, { color, stat: options.get('stat') === true, maxListed: options.get('max') as number | undefined }), options.get('no-pager') !== true);
    }
    return exitStatusOf(report);
  } catch (e) {
    // A recording that cannot be read through (damaged rows, an unknown machine) cannot be compared.
    if (e instanceof CannotCompare || isJournalError(e)) {
      console.error(`xrr diff: cannot compare: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  } finally {
    sides.close();
  }
}

export const diffCommand: Command = { name: 'diff', synopsis: DIFF_SYNOPSIS, help: DIFF_HELP, options: DIFF_OPTIONS, run: runDiff };
