/**
 * Where a recording's CPU time goes, by stage, on the machine's thread and on the journal writer
 * thread: `npx tsx bench/profile-record.ts [mixed|posix] [--top=N]` (mixed: the record benchmark's workload;
 * posix: /bin/posixtest, event-dense). It runs itself again under `node --cpu-prof` (every thread
 * profiled), runs the workload once unrecorded to warm the machine up, records it the way
 * `xrr record` does with the main thread's profile limited to the recording, and prints each
 * stage's share of the samples of each thread (idle excluded; shares, not times: on a busy
 * machine a sample's time includes waiting for a CPU).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, MACHINE_VERSION } from '../src/core/machine.js';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { createServers } from '../src/servers/create-servers.js';
import { BackgroundJournal } from '../src/timeline/background-journal.js';
import { Recorder } from '../src/timeline/recorder.js';

const WORKLOADS: Record<string, string[]> = {
  mixed: ['/bin/sh', '-c', 'vfsstress 4 1500; cpubench 16'],
  posix: ['/bin/posixtest'],
};

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds before each sample (the first since the profile's start). */
  readonly timeDeltas: readonly number[];
}

/** Stages in order: a sample goes to the first whose pattern a frame of its stack matches. */
const MACHINE_STAGES: readonly (readonly [string, RegExp])[] = [
  ['GC', /^\(garbage collector\)/],
  ['snapshots (getState with page hashing, encoding, hand-over)', /^snapshot .*background-journal/],
  ['events handed over (rows packed, batches posted)', /^emit .*background-journal/],
  ['the machine itself', /^run .*core\/machine/],
];
const WRITER_STAGES: readonly (readonly [string, RegExp])[] = [
  ['GC', /^\(garbage collector\)/],
  ['start-up (thread, modules, SQLite and zstd, schema)', /makeSyncRequest|waitForWorker|compileSourceTextModule|wrapSafe|compileForInternalLoader|runCallSync|writerBundle|parseCJS|parseSource|^createRecording |^migrate |^loadZstd |^open /],
  ['snapshots and pages (zstd, digests, inserts)', /^(putSnapshot|putPages) /],
  ['hash chain (row bytes, sha256)', /^add .*(block-chain|writer-worker)/],
  ['seal (an HMAC a block, one a commit)', /^(tagged|headTag) /],
  ['SQLite inserts and commits', /^commitRows /],
  ['rows out of batches (batch reader)', /^(rows|rowOf|columnsOf) |^\(program\)/],
];

interface StageTimes {
  /** Stage -> [milliseconds, share of the thread's busy time in %]. */
  readonly stages: Map<string, [number, number]>;
  /** The functions with the most self time: "name file" -> milliseconds. */
  readonly top: [string, number][];
  readonly busyMs: number;
}

/**
 * Each stage's time on a thread: a sample counts for the interval up to the next one (so a
 * sample's time on a busy machine includes waiting for a CPU: compare shares, and times only
 * between runs at the same load), and goes to the first stage whose pattern a frame of its stack
 * matches.
 */
function stageTimes(p: Profile, stages: readonly (readonly [string, RegExp])[], rest: string, topN: number): StageTimes {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const us = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const next = p.timeDeltas[i + 1] ?? 0;
    us.set(p.samples[i]!, (us.get(p.samples[i]!) ?? 0) + next);
  }
  const tally = new Map<string, number>([...stages.map(([s]) => [s, 0] as [string, number]), [rest, 0]]);
  const self = new Map<string, number>();
  let busy = 0;
  for (const [id, t] of us) {
    const frames: string[] = [];
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      frames.push(`${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}`);
    }
    if (frames[0]!.startsWith('(idle)')) continue;
    busy += t;
    const stage = stages.find(([, re]) => frames.some((f) => re.test(f)))?.[0] ?? rest;
    tally.set(stage, tally.get(stage)! + t);
    self.set(frames[0]!, (self.get(frames[0]!) ?? 0) + t);
  }
  const stagesOut = new Map<string, [number, number]>();
  for (const [s, v] of tally) stagesOut.set(s, [v / 1000, busy === 0 ? 0 : (100 * v) / busy]);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([f, v]): [string, number] => [f, v / 1000]);
  return { stages: stagesOut, top, busyMs: busy / 1000 };
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
}

/** In the child: warm up, record with the main thread profiled, write its profile to `out`. */
async function child(argv: string[], out: string, dir: string): Promise<void> {
  const image = loadGuestImage();
  const epoch = 1_750_000_000_000_000_000n;
  const seed = new Uint8Array(32).fill(7);
  const machine = () => new Machine({ seed, bootEpochNs: epoch, servers: createServers(image.entries, epoch), initArgv: ['/sbin/init', ...argv] });
  const warm = machine();
  warm.boot();
  warm.run(1e10);
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 250 });
  await post(session, 'Profiler.start');
  const journal = await BackgroundJournal.start(join(dir, 'r.db'), {
    machineVersion: MACHINE_VERSION, imageHash: image.hash, seedHex: Buffer.from(seed).toString('hex'), bootEpochNs: epoch.toString(), commandLine: argv, xrrVersion: 'profile',
  });
  const recorder = new Recorder(machine(), journal, { snapshotNow: false, debugFiles: image.debugFiles });
  const err = recorder.machine.boot();
  if (err) throw new Error(err);
  recorder.snapshot();
  recorder.run();
  const events = await journal.close();
  const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
  process.stderr.write(`recorded ${events} events of ${argv.join(' ')}\n`);
}

async function main(): Promise<void> {
  const topArg = process.argv.find((a) => a.startsWith('--top='));
  const topN = topArg === undefined ? 0 : Number(topArg.slice('--top='.length));
  const [workload = 'mixed', childOut, childDir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const argv = WORKLOADS[workload];
  if (!argv) throw new Error(`unknown workload ${workload} (known: ${Object.keys(WORKLOADS).join(', ')})`);
  if (childOut !== undefined && childDir !== undefined) return child(argv, childOut, childDir);
  const dir = mkdtempSync(join(tmpdir(), 'xrr-profile-'));
  try {
    const mainOut = join(dir, 'main.json');
    const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${join(dir, 'threads')}`, '--import', 'tsx', fileURLToPath(import.meta.url), workload, mainOut, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`the profiled run failed (status ${String(run.status)})`);
    const writer = readdirSync(join(dir, 'threads'))
      .map((f) => JSON.parse(readFileSync(join(dir, 'threads', f), 'utf8')) as Profile)
      .find((p) => p.nodes.some((n) => n.callFrame.functionName === 'commitRows'));
    const threads: [string, StageTimes][] = [['machine thread', stageTimes(JSON.parse(readFileSync(mainOut, 'utf8')) as Profile, MACHINE_STAGES, 'the rest (tsx, the harness)', topN)]];
    if (writer) threads.push(['writer thread', stageTimes(writer, WRITER_STAGES, 'the rest (checks, bookkeeping)', topN)]);
    console.log(`| thread | stage | ms | share of its busy time (${workload}) |\n|---|---|---|---|`);
    for (const [thread, t] of threads) {
      for (const [stage, [ms, share]] of t.stages) console.log(`| ${thread} | ${stage} | ${ms.toFixed(0)} | ${share.toFixed(1)}% |`);
      console.log(`| ${thread} | busy in all | ${t.busyMs.toFixed(0)} | 100% |`);
    }
    for (const [thread, t] of threads) {
      if (t.top.length === 0) continue;
      console.log(`\n${thread}: the ${t.top.length} functions with the most self time\n`);
      for (const [f, ms] of t.top) console.log(`${ms.toFixed(1).padStart(8)} ms  ${f}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
