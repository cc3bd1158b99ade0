/**
 * Kill campaign: `xrr record` and `xrr fork`, with commands typed through a pipe or running a
 * program without input, killed by SIGKILL, SIGTERM or SIGHUP after a random delay. Afterwards
 * the recording opens, verifies and replays its branch with no divergence, and holds every byte
 * the console had shown more than one second of host time before the kill (all of them after a
 * signal that can be caught, which closes the journal cleanly), every command whose output had
 * been shown by then, and nothing the console did not show. A recording killed before it showed
 * anything may instead hold nothing, as long as it does not block `record --out` on its path.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { committedBytes, exited } from '../test/support/xrr-cli.js';
import { between, pick, type Campaign, type CampaignContext } from './campaign.js';
import { positions, lastBranch } from './recording-content.js';
import { TimedOutput } from './timed-output.js';
import { notWhole, run, tail, unclean } from './verdicts.js';

/** The most host time a SIGKILL may lose (docs/reliability.md: "SIGKILL loses at most the last second"). */
const KILL_LOSS_MS = 1000;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGHUP'];

/** Commands typed at the shell; each is followed by `; echo @K`, whose line marks its end. */
const COMMANDS: readonly ((k: number) => string)[] = [
  (k) => `echo typed-${k}`,
  () => 'ls /bin',
  () => 'cat /etc/motd',
  (k) => `echo line-${k} > /tmp/f${k}`,
  (k) => `cat /tmp/f${k - 1}`,
  () => 'ps',
  () => 'uname -a',
  () => 'hello',
  () => 'vfsstress 2 60',
];

/**
 * A program without input that shows its progress: the one-second check is made on what the
 * console showed, so a run must show something as it goes (vfsstress alone prints at its end).
 */
const STEPS = ['/bin/sh', '-c', Array.from({ length: 12 }, (_, i) => `vfsstress 3 250; echo step-${i + 1}`).join('; ')];

/** Programs recorded without input; most run long enough for the kill to land while they run. */
const PROGRAMS: readonly string[][] = [STEPS, STEPS, ['/bin/posixtest'], ['/bin/vfsstress', '8', '4000'], ['/bin/cpubench']];

type Kind = 'record-typed' | 'record-program' | 'fork-typed' | 'fork-program';

/** A recording a fork starts from, and the range of icounts it is forked at. */
interface Base {
  readonly file: string;
  readonly from: readonly [number, number];
}

/** The bases forks start from, each recorded the first time a case needs it. */
class Bases {
  private typedBase: Base | undefined;
  private programBase: Base | undefined;

  constructor(private readonly dir: string) {}

  /** A recorded shell session, forked after its boot snapshot and before its last command (so the shell takes one typed at the fork). */
  typed(): Base {
    if (this.typedBase !== undefined) return this.typedBase;
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'typed.db');
    const input = join(this.dir, 'typed-input.txt');
    writeFileSync(input, 'echo base-1\nls /bin\ncat /etc/motd\necho base-2 > /tmp/b\ncat /tmp/b\n');
    const r = run('record', '--seed', 'soak-kill-typed', '--input', input, '--out', file);
    if (r.status !== 0) throw new Error(`cannot record the typed base: ${tail(r.stderr)}`);
    const p = positions(file);
    return (this.typedBase = { file, from: [p.snapshots[0] ?? 0, p.inputs[p.inputs.length - 1] ?? p.end] });
  }

  /** A recorded program run, forked in its first half (so there is a run left to kill). */
  program(): Base {
    if (this.programBase !== undefined) return this.programBase;
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'program.db');
    const r = run('record', '--seed', 'soak-kill-program', '--out', file, ...STEPS);
    if (r.status !== 0) throw new Error(`cannot record the program base: ${tail(r.stderr)}`);
    const p = positions(file);
    return (this.programBase = { file, from: [p.snapshots[0] ?? 0, Math.floor(p.end / 2)] });
  }
}

interface Plan {
  readonly kind: Kind;
  readonly signal: NodeJS.Signals;
  readonly delayMs: number;
  readonly args: string[];
  readonly file: string;
  /** The branch whose events the run writes. */
  readonly branch: number;
}

function plan(ctx: CampaignContext, bases: Bases, caseDir: string, n: number): Plan {
  const kind = pick<Kind>(ctx.random, ['record-typed', 'record-program', 'fork-typed', 'fork-program']);
  const signal = pick(ctx.random, SIGNALS);
  const file = join(caseDir, 'rec.db');
  const typed = kind.endsWith('typed');
  // Short delays are weighted in: the first second (boot, the first commit) is where most went wrong.
  const delayMs = ctx.random() < 0.25 ? between(ctx.random, 0, 1500) : between(ctx.random, 0, typed ? 9000 : 8000);
  switch (kind) {
    case 'record-typed':
      return { kind, signal, delayMs, file, branch: 1, args: ['record', '--seed', `soak-${n}`, '--input', '-', '--out', file] };
    case 'record-program':
      return { kind, signal, delayMs, file, branch: 1, args: ['record', '--seed', `soak-${n}`, '--out', file, ...pick(ctx.random, PROGRAMS)] };
    case 'fork-typed':
    case 'fork-program': {
      const base = kind === 'fork-typed' ? bases.typed() : bases.program();
      copyFileSync(base.file, file);
      const at = String(between(ctx.random, ...base.from));
      return { kind, signal, delayMs, file, branch: 2, args: ['fork', file, '--at', at, '--input', kind === 'fork-typed' ? '-' : '/dev/null'] };
    }
  }
}

/** Types commands one after another, each once the last one's end marker was shown, until the child ends. */
async function typeCommands(random: () => number, child: ReturnType<typeof spawn>, out: TimedOutput, typed: string[]): Promise<void> {
  for (let k = 1; ; k++) {
    const line = `${pick(random, COMMANDS)(k)}; echo @${k}\n`;
    typed.push(line);
    if (!child.stdin?.writable) return;
    child.stdin.write(line, () => undefined);
    // The marker alone on a line is the command's output (the echo of the typed line has text before it).
    if (!(await out.waitFor(new RegExp(`(^|\\n)@${k}\\r?\\n`)))) return;
  }
}

/** How the kills landed: by signal, on a running xrr; and how many runs ended before theirs. */
class Landings {
  readonly bySignal = new Map<string, number>();
  readonly byKind = new Map<string, number>();
  endedFirst = 0;

  text(): string {
    const landed = [...this.bySignal.values()].reduce((a, b) => a + b, 0);
    const list = (m: Map<string, number>) => [...m].map(([s, n]) => `${s} ${n}`).join(', ');
    return `${landed} kills landed on a running xrr (${list(this.bySignal)}; ${list(this.byKind)}); ${this.endedFirst} runs ended before their kill`;
  }
}

async function killCase(ctx: CampaignContext, bases: Bases, n: number, landings: Landings): Promise<void> {
  const name = `kill-${n}`;
  const caseDir = join(ctx.dir, name);
  mkdirSync(caseDir, { recursive: true });
  const p = plan(ctx, bases, caseDir, n);
  const repro = `${p.kind}, ${p.signal} after ${p.delayMs} ms: node bin/xrr.mjs ${p.args.join(' ')}${p.kind.startsWith('fork') ? ' (on a copy of the base kept as rec.db.base)' : ''}`;
  if (p.kind.startsWith('fork')) copyFileSync(p.file, `${p.file}.base`);
  const child = spawn(process.execPath, ['bin/xrr.mjs', ...p.args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new TimedOutput(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined);
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  let killedAt: number | undefined;
  const timer = setTimeout(() => {
    killedAt = performance.now();
    child.kill(p.signal);
  }, p.delayMs);
  const typed: string[] = [];
  if (p.kind.endsWith('typed')) await typeCommands(ctx.random, child, out, typed);
  else if (p.kind === 'fork-program') child.stdin.end();
  const end = await exited(child);
  clearTimeout(timer);
  await closed;
  const shown = out.all();
  const lose = (why: string) => {
    writeFileSync(join(caseDir, 'shown.txt'), shown);
    writeFileSync(join(caseDir, 'stderr.txt'), stderr);
    ctx.tally.lose(name, caseDir, why, repro);
  };
  if (killedAt === undefined || end.code === 0) landings.endedFirst++;
  else {
    landings.bySignal.set(p.signal, (landings.bySignal.get(p.signal) ?? 0) + 1);
    landings.byKind.set(p.kind, (landings.byKind.get(p.kind) ?? 0) + 1);
  }
  if (killedAt === undefined || end.code === 0) {
    // It ended on its own (the signal, if any, came as it was closing): all it showed is in the file.
    const bad = unclean(p.args[0]!, { status: end.code ?? -1, signal: end.signal, stdout: '', stderr, hung: false });
    if (bad !== undefined) return lose(bad);
    const committed = committedBytes(p.file, 'console-output', p.branch) ?? Buffer.alloc(0);
    if (!committed.equals(shown)) return lose(`ended on its own; the file holds ${committed.length} bytes of console output, ${shown.length} were shown`);
    const whole = notWhole(p.file, p.branch);
    return whole === undefined ? ctx.tally.survive(caseDir) : lose(`ended on its own; ${whole}`);
  }
  // A caught signal closes the journal: everything shown is in it. SIGKILL: all but the last second.
  const caught = p.signal !== 'SIGKILL';
  const startedRecording = shown.length > 0;
  if (caught && startedRecording && !(end.code === 128 + (p.signal === 'SIGTERM' ? 15 : 1) && stderr.includes('closed cleanly')))
    return lose(`${p.signal} did not close the journal cleanly: exit ${end.code ?? end.signal}, ${tail(stderr)}`);
  const required = caught ? shown : out.shownBy(killedAt - KILL_LOSS_MS);
  const branch = p.branch === 1 ? 1 : lastBranch(p.file) >= 2 ? 2 : 0;
  const committed = branch === 0 ? Buffer.alloc(0) : (committedBytes(p.file, 'console-output', branch) ?? Buffer.alloc(0));
  if (committed.length < required.length || !committed.subarray(0, required.length).equals(required))
    return lose(`the file holds ${committed.length} bytes of console output; ${required.length} had been shown ${caught ? 'before the signal' : `${KILL_LOSS_MS} ms before the kill`}`);
  if (!shown.subarray(0, committed.length).equals(committed)) return lose('the file holds console output that was never shown');
  const input = branch === 0 ? '' : (committedBytes(p.file, 'console-input', branch) ?? Buffer.alloc(0)).toString('latin1');
  const cutoff = caught ? Number.POSITIVE_INFINITY : killedAt - KILL_LOSS_MS;
  for (const [i, line] of typed.entries()) {
    const doneAt = out.timeOf(new RegExp(`(^|\\n)@${i + 1}\\r?\\n`));
    if (doneAt !== undefined && doneAt <= cutoff && !input.includes(line)) return lose(`typed command ${i + 1} (${JSON.stringify(line)}) was shown done but is not in the file`);
  }
  if (required.length === 0 && (branch === 0 || committed.length === 0)) {
    // Nothing had to be kept. A fork leaves its parent whole; a record leaves a file that replays or can be replaced.
    if (p.kind.startsWith('fork')) {
      const whole = notWhole(p.file, 1);
      return whole === undefined ? ctx.tally.survive(caseDir) : lose(`killed before any output, the parent recording is damaged: ${whole}`);
    }
    if (!existsSync(p.file) || notWhole(p.file, 1) === undefined) return ctx.tally.survive(caseDir);
    const again = run('record', '--seed', '1', '--out', p.file, '/bin/true');
    return again.status === 0 ? ctx.tally.survive(caseDir) : lose(`killed before any output, the file left behind blocks --out: ${tail(again.stderr)}`);
  }
  const whole = notWhole(p.file, branch);
  if (whole !== undefined) return lose(whole);
  ctx.tally.survive(caseDir);
}

export const killCampaign: Campaign = {
  name: 'kill',
  what: 'record/fork (typed and program) killed by SIGKILL/SIGTERM/SIGHUP at random moments: opens, verifies, replays, holds all shown up to 1 s before',
  async run(ctx) {
    const bases = new Bases(join(ctx.dir, 'bases'));
    const landings = new Landings();
    for (let n = 1; n <= ctx.scale.kills; n++) {
      await killCase(ctx, bases, n, landings);
      ctx.log(`kill ${n}/${ctx.scale.kills}: ${ctx.tally.lost.length} lost`);
      ctx.tally.note = landings.text();
    }
  },
};
