/**
 * `xrr explore`: many schedules (and fault mixes) of one program in parallel; a table of how
 * the runs ended, and the failing ones kept as recordings. Exit status: 0 when every run
 * passed, 1 when some failed, 2 usage (and a strategy this build cannot run).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, relative } from 'node:path';
import { calibrateTraffic, explore, withCalibratedStrategy, type ExploreProgress, type ExploreReport } from '../../explore/explore.js';
import { describeOutcome } from '../../explore/outcome.js';
import type { ExploreSettings } from '../../explore/run-plan.js';
import { parseStrategy, strategyName } from '../../explore/strategy.js';
import { parseArgs, UsageError, usageOf, type OptionSpec } from '../args.js';
import type { Command } from '../command.js';
import { loadGuestImage, REPO_ROOT, withHostFile } from '../guest-image.js';

const EXPLORE_SYNOPSIS =
  '[--jobs N] [--seeds A..B] [--strategy random|pct[:DEPTH]] [--faults none|random] [--fail-on REGEX] [--timeout INSTRUCTIONS] [--keep N] [--confirm all|kept] [--out DIR] PROGRAM [ARGS...]';

const EXPLORE_HELP = 'run a program under many schedules and fault mixes; keep and confirm the failing runs';

const OPTIONS: Record<string, OptionSpec> = {
  jobs: { kind: 'int', help: 'worker threads, one machine each (default: the number of cores)', valueName: 'N' },
  seeds: { kind: 'string', help: 'the seeds to run, from A to B (default 1..100); seed N is chaos seed N', valueName: 'A..B' },
  strategy: { kind: 'string', help: 'random (chaos scheduling) or pct[:DEPTH[:STEPS]] (PCT: random priorities, DEPTH-1 change points among STEPS system calls, measured when not given)', valueName: 'S' },
  faults: { kind: 'string', help: 'none, or random: one fault per run drawn from its seed (server, message, kind)', valueName: 'none|random' },
  'fail-on': { kind: 'string', help: 'a run whose console matches REGEX fails (besides a non-zero exit, a crash, a deadlock, the limit)', valueName: 'REGEX' },
  timeout: { kind: 'int', help: 'stop a run after N instructions and judge it a timeout (default 200M)', valueName: 'N' },
  keep: { kind: 'int', help: 'failing runs recorded per outcome class, smallest seeds first (default 5)', valueName: 'N' },
  confirm: { kind: 'string', help: 'run every failing seed again to confirm it (all, the default), or only the recorded ones (kept)', valueName: 'all|kept' },
  out: { kind: 'string', help: 'where the recordings go (default recordings/)', valueName: 'DIR' },
  help: { kind: 'flag', help: 'show this help' },
};

const DEFAULT_SEEDS = { from: 1, to: 100 };
const DEFAULT_TIMEOUT = 200_000_000;

function seedRange(text: string | undefined): { from: number; to: number } {
  if (text === undefined) return DEFAULT_SEEDS;
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && to >= from && to <= 0xffff_ffff)) {
    throw new UsageError(`--seeds ${text}: expected A..B with 1 <= A <= B <= 4294967295`);
  }
  return { from, to };
}

function progressPrinter(): (p: ExploreProgress) => void {
  let last = 0;
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const now = performance.now();
    const final = p.done === p.total;
    if (!final && now - last < (tty ? 200 : 2000)) return;
    last = now;
    const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 60_000 : 0;
    const line = `explore: ${p.done}/${p.total} runs, ${rate.toFixed(0)} runs/min, ${p.failures} failing`;
    process.stderr.write(tty ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  };
}

export function formatReport(report: ExploreReport, total: number): string {
  const lines: string[] = [];
  const failing = report.runs.filter((r) => r.outcome.kind !== 'pass').length;
  lines.push(`${total} runs in ${(report.elapsedMs / 1000).toFixed(1)} s (${((total / report.elapsedMs) * 60_000).toFixed(0)} runs/min): ${failing} failing, ${total - failing} passing`);
  lines.push('');
  const head = ['runs', 'share', 'seed', 'outcome'];
  const rows = report.rows.map((r) => [String(r.count), `${((r.count / total) * 100).toFixed(1)}%`, String(r.seed), `${r.failing ? 'FAIL' : 'ok  '} ${r.cls}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 3 ? c.padStart(widths[i]!) : c)).join('  ');
  lines.push(fmt(head));
  for (const r of rows) lines.push(fmt(r));
  if (report.confirmations.length > 0) {
    const reproduced = report.confirmations.filter((c) => c.reproduced).length;
    lines.push('');
    lines.push(`failing seeds run again: ${reproduced} of ${report.confirmations.length} reproduced${reproduced === report.confirmations.length ? '' : ' (a run that does not repeat itself is a determinism bug: please report it)'}`);
    for (const c of report.confirmations) {
      if (c.reproduced && c.file === undefined) continue;
      const first = report.runs.find((r) => r.seed === c.seed);
      const rel = c.file === undefined ? '' : relative(process.cwd(), c.file);
      const where = c.file === undefined ? '(not kept)' : rel.startsWith('..') ? c.file : rel;
      lines.push(`  seed ${String(c.seed).padStart(6)}  ${c.reproduced ? 'reproduced' : `DID NOT REPRODUCE (again: ${c.againClass})`}  ${where}`);
      if (first) lines.push(`                ${describeOutcome(first.outcome)}${first.faults.length > 0 ? ` [--inject ${first.faults.join(' ')}]` : ''}`);
    }
  }
  return lines.join('\n');
}

async function runExplore(argv: string[]): Promise<number> {
  // Options end at PROGRAM: a --help after it is the program's.
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (options.get('help')) {
    console.log(usageOf('explore', EXPLORE_SYNOPSIS, OPTIONS));
    return 0;
  }
  if (positional.length === 0) throw new UsageError('PROGRAM is required (a guest path like /bin/forkrace, or a host ELF)');
  const strategyText = (options.get('strategy') as string | undefined) ?? 'random';
  const strategy = parseStrategy(strategyText);
  if (!strategy) throw new UsageError(`--strategy ${strategyText}: expected random, pct or pct:DEPTH (1..64)`);
  const faultMode = (options.get('faults') as string | undefined) ?? 'none';
  if (faultMode !== 'none' && faultMode !== 'random') throw new UsageError(`--faults ${faultMode}: expected none or random`);
  const failOn = failOnOption(options.get('fail-on') as string | undefined);
  const jobs = (options.get('jobs') as number | undefined) ?? availableParallelism();
  if (jobs < 1 || jobs > 256) throw new UsageError(`--jobs ${jobs}: from 1 to 256`);
  const timeout = (options.get('timeout') as number | undefined) ?? DEFAULT_TIMEOUT;
  if (timeout < 1) throw new UsageError('--timeout: at least 1 instruction');
  const keep = (options.get('keep') as number | undefined) ?? 5;
  const confirm = (options.get('confirm') as string | undefined) ?? 'all';
  if (confirm !== 'all' && confirm !== 'kept') throw new UsageError(`--confirm ${confirm}: expected all or kept`);
  const { from, to } = seedRange(options.get('seeds') as string | undefined);

  let image = loadGuestImage();
  let program = positional[0]!;
  if (!image.entries.some((e) => e.path === program && e.kind === 'file')) {
    if (!existsSync(program)) throw new UsageError(`no such program: ${program} (a guest path like /bin/forkrace, or a host ELF file)`);
    const guestPath = `/tmp/${basename(program)}`;
    image = withHostFile(image, program, guestPath);
    program = guestPath;
  }
  const argvOfRun = [program, ...positional.slice(1)];
  // PCT's step horizon is measured once, from a round-robin run, before the header names it.
  const settings: ExploreSettings = withCalibratedStrategy({
    argv: argvOfRun,
    strategy,
    faults: faultMode === 'random' ? { kind: 'random', traffic: calibrateTraffic(argvOfRun, image.entries, timeout) } : { kind: 'none' },
    ...(failOn === undefined ? {} : { failOn }),
    timeout,
  }, image.entries);
  process.stderr.write(`explore: ${argvOfRun.join(' ')}, seeds ${from}..${to}, ${jobs} job${jobs === 1 ? '' : 's'}, strategy ${strategyName(settings.strategy)}, faults ${faultMode}\n`);
  const report = await explore(
    { settings, from, to, jobs, root: image.entries, imageHash: image.hash, debugPaths: image.debugFiles.paths, outDir: (options.get('out') as string | undefined) ?? join(REPO_ROOT, 'recordings'), keepPerClass: keep, confirm },
    progressPrinter(),
  );
  console.log(formatReport(report, to - from + 1));
  return report.rows.some((r) => r.failing) ? 1 : 0;
}

export const exploreCommand: Command = { name: 'explore', synopsis: EXPLORE_SYNOPSIS, help: EXPLORE_HELP, options: OPTIONS, run: runExplore };

/** --fail-on PATTERN (explore and explain): a regular expression over the console, checked here so a bad one is a usage error. */
export function failOnOption(pattern: string | undefined): string | undefined {
  if (pattern === undefined) return undefined;
  try {
    new RegExp(pattern, 'm');
  } catch (e) {
    throw new UsageError(`--fail-on: not a regular expression: ${(e as Error).message}`);
  }
  return pattern;
}
