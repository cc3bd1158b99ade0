/**
 * Seeds campaign: every program shipped in guest/bin, with arguments that make it do its work
 * (and console input for those that read it), recorded under random seeds (`--seed`, and
 * `--chaos N` for one run in three), then replayed: no divergence, and neither command crashes.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { between, type Campaign, type CampaignContext } from './campaign.js';
import { run, tail, unclean } from './verdicts.js';

/** How each shipped program is run: its arguments, and console input if it reads some. */
const HOW: Record<string, { readonly args: readonly string[]; readonly input?: string }> = {
  bootcheck: { args: [] },
  cat: { args: [], input: 'typed into cat\nsecond line\n' },
  cp: { args: ['/etc/motd', '/tmp/motd'] },
  cpubench: { args: [] },
  echo: { args: ['soak', 'seeds'] },
  env: { args: [] },
  false: { args: [] },
  fillfs: { args: ['2', '2'] },
  forkrace: { args: ['sigchld', '12'] },
  hello: { args: [] },
  hostile: { args: ['write-partial'] },
  kill: { args: ['-0', '1'] },
  lockorder: { args: [] },
  ls: { args: ['-l', '/bin'] },
  mkdir: { args: ['/tmp/d'] },
  mv: { args: ['/etc/motd', '/tmp/motd'] },
  ordering2: { args: [] },
  posixtest: { args: [] },
  ps: { args: [] },
  rm: { args: ['/etc/motd'] },
  rmdir: { args: ['/home'] },
  sh: { args: ['-i'], input: 'echo from sh\nls /etc\necho x > /tmp/x; cat /tmp/x\nexit\n' },
  sleep: { args: ['1'] },
  true: { args: [] },
  uname: { args: ['-a'] },
  vfsstress: { args: ['4', '400'] },
};

/** The hostile cases cycle with the seeds: each is a program of its own. */
const HOSTILE = ['write-partial', 'path', 'sigframe', 'memory', 'fsfull'];

async function seedCase(ctx: CampaignContext, program: string, round: number, chaosRuns: { n: number }): Promise<void> {
  const how = HOW[program] ?? { args: [] };
  const name = `${program}-${round}`;
  const caseDir = join(ctx.dir, name);
  mkdirSync(caseDir, { recursive: true });
  const file = join(caseDir, 'rec.db');
  const seed = between(ctx.random, 1, 2 ** 31 - 1);
  const chaos = ctx.random() < 1 / 3 ? ['--chaos', String(between(ctx.random, 1, 2 ** 31 - 1))] : [];
  if (chaos.length > 0) chaosRuns.n++;
  const args = program === 'hostile' ? [HOSTILE[round % HOSTILE.length]!] : how.args;
  const input: string[] = [];
  if (how.input !== undefined) {
    writeFileSync(join(caseDir, 'input.txt'), how.input);
    input.push('--input', join(caseDir, 'input.txt'));
  }
  const recordArgs = ['record', '--seed', String(seed), ...chaos, ...input, '--out', file, `/bin/${program}`, ...args];
  const repro = `node bin/xrr.mjs ${recordArgs.join(' ')}; node bin/xrr.mjs replay ${file}`;
  const lose = (why: string) => ctx.tally.lose(name, caseDir, why, repro);
  const rec = run(...recordArgs);
  // A program may fail (false, a race found, a deadlock): the recording of it must still replay.
  const bad = unclean('record', { ...rec, stderr: rec.status === 0 ? rec.stderr : rec.stderr || 'exit status' });
  if (bad !== undefined) return lose(bad);
  if (!/recorded \d+ events?/.test(rec.stderr)) return lose(`record did not record: ${tail(rec.stderr)}`);
  const rep = run('replay', file);
  if (rep.status !== 0 || !rep.stdout.includes('no divergence')) return lose(unclean('replay', rep) ?? `replay: ${tail(rep.stdout + rep.stderr)}`);
  ctx.tally.survive(caseDir);
}

/** In a quick run, a few programs that cover the shell, the servers and scheduling. */
const QUICK_PROGRAMS = ['sh', 'forkrace'];

export const seedsCampaign: Campaign = {
  name: 'seeds',
  what: 'record then replay every program in guest/bin under random --seed (and --chaos for a third): no divergence',
  async run(ctx) {
    const shipped = readdirSync('guest/bin').sort();
    const programs = ctx.scale.fewPrograms ? QUICK_PROGRAMS : shipped;
    for (const p of shipped) if (HOW[p] === undefined) ctx.log(`${p}: no arguments known, run without any`);
    const chaosRuns = { n: 0 };
    for (let round = 1; round <= ctx.scale.seeds; round++)
      for (const p of programs) {
        await seedCase(ctx, p, round, chaosRuns);
        ctx.log(`seeds ${p} round ${round}: ${ctx.tally.lost.length} lost`);
      }
    ctx.tally.note = `${programs.length} programs x ${ctx.scale.seeds} seeds, ${chaosRuns.n} of the runs with --chaos`;
  },
};
