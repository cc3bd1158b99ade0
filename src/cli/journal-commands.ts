/**
 * The journal commands: record, replay, info, events, state, fork, verify, ls. Thin: they parse
 * arguments, open the recording and call src/journal. Exit codes: 0 ok, 1 error, 2 usage,
 * 3 the recording does not replay or verify.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { MACHINE_VERSION, type Machine } from '../core/machine.js';
import type { MachineEvent, MachineEventKind } from '../core/events.js';
import { isJournalError } from '../journal/errors.js';
import { ROOT_BRANCH, branchId, type BranchId, type Icount } from '../journal/ids.js';
import { BackgroundRecorder } from '../journal/background-recorder.js';
import { Snapshotter } from '../journal/record.js';
import { DivergenceError, forkAt, replay, restoreMachine, seek } from '../journal/replay.js';
import { SqliteJournalStore } from '../journal/sqlite-store.js';
import { buildBranchTree, type BranchTreeNode, type JournalStore, type NewRecording } from '../journal/store.js';
import { verify } from '../journal/verify.js';
import { parseArgs, UsageError, usageOf, type OptionSpec } from './args.js';
import { REPO_ROOT } from './guest-image.js';
import { applyStartInputs, createMachine, driveConsole, resolveRunSetup, RUN_OPTIONS, type RunSetup } from './run.js';
import { describeState, hexDump, vfsTree } from './state-view.js';
import { chaosSeed, faultsOf } from './fault-spec.js';

export const RECORDINGS_DIR = join(REPO_ROOT, 'recordings');
const XRR_VERSION = '0.1.0';

function progressLine(label: string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (!process.stderr.isTTY) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
    process.stderr.write(`\r${label} [${bar}] ${pct}%`);
    if (done >= total) process.stderr.write('\n');
  };
}

async function openExisting(file: string, readonly = true): Promise<SqliteJournalStore> {
  if (!existsSync(file)) throw new UsageError(`no such recording: ${file}`);
  try {
    return await SqliteJournalStore.open(file, { readonly, create: false });
  } catch (e) {
    if (!isJournalError(e, 'OLD_SCHEMA_READONLY')) throw e;
    // A recording from an older xrr: bring its schema up to date once (a writable open migrates;
    // the events and their hash chain are untouched), then read it as asked.
    const writable = await SqliteJournalStore.open(file, { readonly: false, create: false });
    process.stderr.write(`xrr: ${file}: schema migrated to version ${writable.schemaVersion}\n`);
    writable.close();
    return SqliteJournalStore.open(file, { readonly, create: false });
  }
}

/** The --branch option, checked against the recording's branches. */
function branchOf(store: JournalStore, v: unknown): BranchId {
  if (v === undefined) return ROOT_BRANCH;
  const known = store.listBranches().map((b) => b.id as number);
  if (!known.includes(v as number)) throw new UsageError(`--branch ${String(v)}: the recording has branches ${known.join(', ')}`);
  return branchId(v as number);
}

/** A progress line for a seek to `at`: from the snapshot it starts at to the target. */
function seekProgress(store: JournalStore, branch: BranchId, at: number): (icount: number) => void {
  const from = store.nearestSnapshot(branch, at as Icount)?.icount ?? 0;
  const bar = progressLine(`seeking to ${at}`);
  return (icount) => bar(icount - from, at - from);
}

// ---- record ---------------------------------------------------------------------------------------

const RECORD_OPTIONS: Record<string, OptionSpec> = {
  ...RUN_OPTIONS,
  out: { kind: 'string', help: 'the recording file (default recordings/<date>.db)', valueName: 'FILE' },
  image: { kind: 'string', help: 'guest image: default (the only one so far)', valueName: 'NAME' },
};
const RECORD_SYNOPSIS = '[--image default] [--out FILE] [--seed S] [--input FILE|-] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';

export function defaultRecordingPath(): string {
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  return join(RECORDINGS_DIR, `${stamp}.db`);
}

/** What a new recording says of itself: machine version, image, seed, epoch, command line. */
export function recordingMeta(setup: RunSetup, commandLine: readonly string[]): NewRecording {
  return {
    machineVersion: MACHINE_VERSION,
    imageHash: setup.image.hash,
    seedHex: Buffer.from(setup.seed).toString('hex'),
    bootEpochNs: setup.bootEpochNs.toString(),
    commandLine: [...commandLine],
    xrrVersion: XRR_VERSION,
  };
}

/** A path for a new recording: --out, else recordings/<date>.db; never an existing file. */
export function newRecordingPath(out: string | undefined): string {
  const file = resolve(out ?? defaultRecordingPath());
  if (existsSync(file)) throw new UsageError(`${file} exists; choose another --out`);
  mkdirSync(resolve(file, '..'), { recursive: true });
  return file;
}

/** Record a run of the machine into a new journal file; returns the exit status and the file. */
export async function recordRun(argv: readonly string[], out?: string): Promise<{ status: number; file: string; machine: Machine; setup: RunSetup }> {
  const { options } = parseArgs(argv, RECORD_OPTIONS);
  const image = (options.get('image') as string | undefined) ?? 'default';
  if (image !== 'default') throw new UsageError(`--image: unknown image ${image} (known: default)`);
  const runArgv = stripOptions(argv, ['out', 'image']);
  const setup = resolveRunSetup(runArgv);
  const file = newRecordingPath((options.get('out') as string | undefined) ?? out);
  const recorder = await BackgroundRecorder.start(file, recordingMeta(setup, ['xrr', 'record', ...argv]), setup.keySeed);
  let events = 0;
  try {
    const machine = createMachine(setup, recorder);
    machine.connect({ channelKeys: recorder.channelKeys });
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot(machine);
    applyStartInputs(machine, setup);
    const stop = await driveConsole(machine, setup, { nextStop: () => recorder.due, stopEarly: recorder.stopEarly, afterRun: () => recorder.maybeSnapshot(machine) });
    events = await recorder.close();
    process.stderr.write(`xrr: recorded ${events} events, ${recorder.snapshots} snapshots, ${machine.icount} instructions into ${file}\n`);
    return { status: stop.kind === 'halted' ? stop.status : 0, file, machine, setup };
  } finally {
    if (events === 0) await recorder.close().catch(() => 0);
  }
}

/** `argv` without the named options (with their values). */
export function stripOptions(argv: readonly string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2).split('=')[0]! : '';
    if (names.includes(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

async function recordCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('record', RECORD_SYNOPSIS, RECORD_OPTIONS);
  return (await recordRun(argv)).status;
}

// ---- replay ---------------------------------------------------------------------------------------

const REPLAY_OPTIONS: Record<string, OptionSpec> = {
  to: { kind: 'int', help: 'stop at this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'branch to replay (default 1, the recording itself)', valueName: 'B' },
  console: { kind: 'flag', help: 'print the replayed console output' },
  help: { kind: 'flag', help: 'show this help' },
};

async function replayCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('replay', 'FILE [--to T] [--branch B] [--console]', REPLAY_OPTIONS);
  const { options, positional } = parseArgs(argv, REPLAY_OPTIONS, true);
  const file = one(positional, 'FILE');
  const store = await openExisting(file);
  try {
    const branch = branchOf(store, options.get('branch'));
    const last = store.events(branch, { order: 'desc', limit: 1 })[0];
    const total = (options.get('to') as number | undefined) ?? last?.icount ?? 0;
    const bar = progressLine('replaying');
    const t0 = performance.now();
    try {
      const r = replay(store, branch, {
        to: options.get('to') as number | undefined,
        from: 0,
        consoleOut: options.get('console') ? (b) => process.stdout.write(b) : undefined,
        progress: (i) => bar(i, total),
      });
      bar(total, total);
      const ms = performance.now() - t0;
      console.log(`replayed ${r.matched} events to icount ${r.machine.icount} in ${ms.toFixed(0)} ms: no divergence`);
      return 0;
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      const d = e.divergence;
      console.log(`DIVERGENCE at event ${d.seq}`);
      console.log(`  expected (recorded): ${JSON.stringify(d.expected)}`);
      console.log(`  actual   (replayed): ${d.actual ? JSON.stringify(d.actual) : 'nothing: the machine went another way'}`);
      return 3;
    }
  } finally {
    store.close();
  }
}

// ---- info, events, ls -------------------------------------------------------------------------------

async function infoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('info', 'FILE', {});
  const { positional } = parseArgs(argv, {}, true);
  const file = one(positional, 'FILE');
  const store = await openExisting(file);
  try {
    const meta = store.getRecording();
    if (!meta) throw new Error(`${file} has no recording`);
    const stats = store.stats();
    console.log(`recording   ${file} (${(statSync(file).size / 1024).toFixed(0)} KiB, schema ${store.schemaVersion})`);
    console.log(`machine     ${meta.machineVersion}${meta.machineVersion === MACHINE_VERSION ? '' : ` (this xrr runs ${MACHINE_VERSION}: cannot replay)`}`);
    console.log(`created     ${meta.createdAt} by xrr ${meta.xrrVersion}`);
    console.log(`command     ${meta.commandLine.join(' ')}`);
    console.log(`seed        ${meta.seedHex}`);
    console.log(`boot epoch  ${new Date(Number(BigInt(meta.bootEpochNs) / 1_000_000n)).toISOString()}`);
    console.log(`image       ${meta.imageHash.slice(0, 16)}`);
    console.log(`contents    ${stats.events} events, ${stats.snapshots} snapshots, ${stats.pages} pages (${(stats.pageBytes / 1024).toFixed(0)} KiB compressed)`);
    const seed = store.keySeed();
    const keys = store.channelKeys().length;
    console.log(
      `keys        ${
        seed === 'withheld'
          ? 'withheld: a shared copy (sealed messages stay sealed; it cannot be replayed)'
          : seed === null
            ? `${keys} channel keys (channel_key); recorded before keys were kept apart, so the seed derives them too`
            : `${keys} channel keys and the key seed, kept apart (xrr share writes a copy without them)`
      }`,
    );
    console.log('branches');
    const print = (n: BranchTreeNode, depth: number) => {
      const b = n.branch;
      const last = store.events(b.id, { order: 'desc', limit: 1 })[0];
      const halted = store.countEvents(b.id, { kinds: ['halt'] }) > 0;
      const crashes = store.countEvents(b.id, { kinds: ['server-crash'] });
      console.log(
        `  ${'  '.repeat(depth)}${b.id} ${b.label || '(unnamed)'}: ${store.branchLength(b.id)} events, to icount ${last?.icount ?? 0}` +
          (b.parent === null ? '' : `, forked from ${b.parent} at icount ${b.forkIcount}`) +
          (crashes ? `, ${crashes} server crash${crashes === 1 ? '' : 'es'}` : '') +
          (halted ? ', halted' : ''),
      );
      for (const c of n.children) print(c, depth + 1);
    };
    for (const root of buildBranchTree(store.listBranches())) print(root, 0);
    return 0;
  } finally {
    store.close();
  }
}

const EVENTS_OPTIONS: Record<string, OptionSpec> = {
  pid: { kind: 'int', help: 'only events of this process', valueName: 'P' },
  kind: { kind: 'string', help: 'only these kinds (comma-separated), e.g. syscall,ipc', valueName: 'K' },
  from: { kind: 'int', help: 'from this icount', valueName: 'T' },
  to: { kind: 'int', help: 'to this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'branch (default 1)', valueName: 'B' },
  limit: { kind: 'int', help: 'at most N events', valueName: 'N' },
  json: { kind: 'flag', help: 'one JSON object per line' },
  help: { kind: 'flag', help: 'show this help' },
};

export function formatEvent(e: MachineEvent): string {
  const { kind, icount, seq, ...rest } = e as MachineEvent & Record<string, unknown>;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? (v.length > 24 ? `[${v.length} items]` : JSON.stringify(v)) : typeof v === 'string' && v.length > 48 ? `${v.slice(0, 48)}...` : JSON.stringify(v)}`)
    .join(' ');
  return `${String(icount).padStart(12)}:${String(seq).padEnd(3)} ${kind.padEnd(15)} ${fields}`;
}

async function eventsCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('events', 'FILE [--pid P] [--kind K] [--from T --to T] [--json]', EVENTS_OPTIONS);
  const { options, positional } = parseArgs(argv, EVENTS_OPTIONS, true);
  const file = one(positional, 'FILE');
  const store = await openExisting(file);
  try {
    const kinds = (options.get('kind') as string | undefined)?.split(',').filter(Boolean) as MachineEventKind[] | undefined;
    if (kinds?.some((k) => !/^[a-z][a-z-]*$/.test(k))) throw new UsageError(`--kind: event kinds look like syscall,ipc,console-output`);
    const it = store.iterateEvents(branchOf(store, options.get('branch')), {
      pid: options.get('pid') as number | undefined,
      kinds,
      fromIcount: options.get('from') as never,
      toIcount: options.get('to') as never,
      limit: options.get('limit') as number | undefined,
    });
    const json = options.get('json') === true;
    for (const e of it) console.log(json ? JSON.stringify({ ...e.event, journalSeq: e.seq }) : `${String(e.seq).padStart(8)} ${formatEvent(e.event)}`);
    return 0;
  } finally {
    store.close();
  }
}

async function lsCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('ls', '[DIR]', {});
  const { positional } = parseArgs(argv, {}, true);
  const dir = positional[0] ?? RECORDINGS_DIR;
  if (!existsSync(dir)) {
    console.log(`no recordings (${dir} does not exist)`);
    return 0;
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.db')).sort();
  if (files.length === 0) console.log(`no recordings in ${dir}`);
  for (const f of files) {
    const path = join(dir, f);
    try {
      const store = await SqliteJournalStore.open(path, { readonly: true, create: false });
      const meta = store.getRecording();
      const stats = store.stats();
      console.log(`${basename(f).padEnd(32)} ${(statSync(path).size / 1024).toFixed(0).padStart(7)} KiB  ${String(stats.events).padStart(9)} events  ${stats.branches} branch(es)  ${meta?.commandLine.slice(1).join(' ') ?? ''}`);
      store.close();
    } catch (e) {
      console.log(`${basename(f).padEnd(32)} unreadable: ${(e as Error).message}`);
    }
  }
  return 0;
}

// ---- state, fork, verify ------------------------------------------------------------------------------

const STATE_OPTIONS: Record<string, OptionSpec> = {
  at: { kind: 'int', help: 'the icount to inspect', valueName: 'T' },
  pid: { kind: 'int', help: 'show this process in detail (registers, memory map, fds)', valueName: 'P' },
  memory: { kind: 'string', help: 'with --pid: hex dump of LEN bytes at ADDR (hex or decimal)', valueName: 'ADDR[:LEN]' },
  vfs: { kind: 'flag', help: 'the VFS tree' },
  branch: { kind: 'int', help: 'branch (default 1)', valueName: 'B' },
  json: { kind: 'flag', help: 'the whole machine state as JSON' },
  help: { kind: 'flag', help: 'show this help' },
};

async function stateCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('state', 'FILE --at T [--pid P]', STATE_OPTIONS);
  const { options, positional } = parseArgs(argv, STATE_OPTIONS, true);
  const file = one(positional, 'FILE');
  const at = options.get('at') as number | undefined;
  if (at === undefined) throw new UsageError('--at T is required');
  const store = await openExisting(file);
  try {
    const branch = branchOf(store, options.get('branch'));
    const bar = seekProgress(store, branch, at);
    const r = seek(store, branch, at, { progress: bar });
    const pid = options.get('pid') as number | undefined;
    if (options.get('json')) {
      console.log(JSON.stringify(r.machine.getState(), null, 1));
      return 0;
    }
    console.log(describeState(r.machine, pid));
    const memory = options.get('memory') as string | undefined;
    if (memory !== undefined) {
      if (pid === undefined) throw new UsageError('--memory needs --pid');
      const [a, l] = memory.split(':');
      const addr = Number(a);
      const len = l === undefined ? 256 : Number(l);
      if (!Number.isInteger(addr) || !Number.isInteger(len) || len <= 0 || len > 1 << 20) throw new UsageError(`--memory: cannot read ${memory} as ADDR[:LEN]`);
      console.log(`\nmemory of ${pid} at 0x${(addr >>> 0).toString(16)}\n${hexDump(r.machine, pid, addr, len)}`);
    }
    if (options.get('vfs')) console.log(`\n${vfsTree(r.machine)}`);
    return 0;
  } finally {
    store.close();
  }
}

const FORK_OPTIONS: Record<string, OptionSpec> = {
  at: { kind: 'int', help: 'fork from this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'parent branch (default 1)', valueName: 'B' },
  input: { kind: 'string', help: 'console input for the new branch, from FILE or - (default: the terminal)', valueName: 'FILE|-' },
  label: { kind: 'string', help: 'a name for the branch', valueName: 'NAME' },
  inject: { kind: 'list', help: 'inject a fault at the fork point, e.g. crash:vfs:3; repeatable', valueName: 'SPEC' },
  chaos: RUN_OPTIONS['chaos']!,
  'max-instructions': { kind: 'int', help: 'stop the new branch after N more instructions', valueName: 'N' },
  help: { kind: 'flag', help: 'show this help' },
};

async function forkCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('fork', 'FILE --at T [--input FILE|-] [--label NAME] [--inject SPEC] [--chaos N]', FORK_OPTIONS);
  const { options, positional } = parseArgs(argv, FORK_OPTIONS, true);
  const faults = faultsOf(options.get('inject'));
  const chaos = options.get('chaos') === undefined ? undefined : chaosSeed(options.get('chaos') as number);
  const file = one(positional, 'FILE');
  const at = options.get('at') as number | undefined;
  if (at === undefined) throw new UsageError('--at T is required');
  const store = await openExisting(file, false);
  try {
    const parent = branchOf(store, options.get('branch'));
    const { branch, machine } = forkAt(store, parent, at, (options.get('label') as string | undefined) ?? '', seekProgress(store, parent, at));
    process.stderr.write(`xrr: branch ${branch} forked at icount ${machine.icount}; the console is live\n`);
    applyStartInputs(machine, { faults, chaos });
    const inputArgs = options.get('input') !== undefined ? ['--input', options.get('input') as string] : [];
    const setup = resolveRunSetup(inputArgs);
    const max = options.get('max-instructions') as number | undefined;
    const snaps = new Snapshotter(store, branch, machine);
    snaps.now();
    const stop = await driveConsole(machine, { ...setup, maxInstructions: max === undefined ? undefined : machine.icount + max }, {
      nextStop: () => snaps.due,
      stopEarly: snaps.stopEarly,
      afterRun: () => snaps.maybe(),
    });
    store.flush();
    process.stderr.write(`xrr: branch ${branch}: ${store.branchLength(branch)} events to icount ${machine.icount}\n`);
    return stop.kind === 'halted' ? stop.status : 0;
  } finally {
    store.close();
  }
}

async function verifyCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('verify', 'FILE', {});
  const { positional } = parseArgs(argv, {}, true);
  const file = one(positional, 'FILE');
  const store = await openExisting(file);
  try {
    const stats = store.stats();
    const total = { events: stats.events, snapshots: stats.snapshots, pages: stats.pages };
    const bars = { events: progressLine('verifying events'), snapshots: progressLine('restoring snapshots'), pages: progressLine('checking pages') };
    const report = verify(store, { progress: (phase, done) => bars[phase](done, total[phase]) });
    let ok = report.ok;
    for (const p of report.problems) console.log(`problem: ${JSON.stringify(p)}`);
    // Every snapshot must restore into a machine; a copy shared without its keys cannot restore
    // any (the IPC key pairs are re-derived from the key seed), and says so instead.
    const shared = store.keySeed() === 'withheld';
    if (shared) console.log('note: a copy shared without its keys: snapshots are checked for their pages, not restored');
    for (const s of shared ? [] : store.allSnapshots()) {
      try {
        restoreMachine(store, s);
      } catch (e) {
        ok = false;
        console.log(`problem: snapshot ${s.id} (branch ${s.branch}, icount ${s.icount}) does not restore: ${(e as Error).message}`);
      }
    }
    console.log(
      `${ok ? 'ok' : 'FAILED'}: ${report.branches} branches, ${report.events} events (hash chain ${report.firstBrokenEvent ? `broken at branch ${report.firstBrokenEvent.branch} seq ${report.firstBrokenEvent.seq}` : 'intact'}), ${report.snapshots} snapshots, ${report.pages} pages`,
    );
    return ok ? 0 : 3;
  } finally {
    store.close();
  }
}

// ---- helpers --------------------------------------------------------------------------------------------

function one(positional: string[], name: string): string {
  if (positional.length === 0) throw new UsageError(`${name} is required`);
  if (positional.length > 1) throw new UsageError(`unexpected argument ${positional[1]}`);
  return positional[0]!;
}

function help(command: string, synopsis: string, spec: Record<string, OptionSpec>): number {
  console.log(usageOf(command, synopsis, spec));
  return 0;
}

// ---- share ---------------------------------------------------------------------------------------

const SHARE_OPTIONS: Record<string, OptionSpec> = {
  out: { kind: 'string', help: 'the copy to write (must not exist)', valueName: 'COPY' },
  help: { kind: 'flag', help: 'show this help' },
};

/**
 * A compacted copy of a recording without its channel keys and key seed: its events, snapshots
 * and hash chain can be read and verified and its wires seen, but not opened, nor the run replayed
 * (re-sealing needs the keys). A recording made before keys were kept apart is refused: its keys
 * follow from the seed that every copy holds.
 */
async function shareCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) return help('share', 'FILE --out COPY', SHARE_OPTIONS);
  const { options, positional } = parseArgs(argv, SHARE_OPTIONS, true);
  const file = one(positional, 'FILE');
  const out = options.get('out') as string | undefined;
  if (out === undefined) throw new UsageError('--out COPY is required');
  if (existsSync(out)) throw new UsageError(`${out} exists; choose another --out`);
  const store = await openExisting(file);
  try {
    if (store.keySeed() === null) {
      console.error(`xrr share: ${file} was recorded before the key seed was kept apart: anyone with a copy can derive its keys from the recorded seed`);
      return 1;
    }
    store.exportTo(resolve(out), { withKeys: false });
    console.log(`wrote ${out}: events, snapshots and the hash chain; no channel keys, no key seed`);
    return 0;
  } finally {
    store.close();
  }
}

export const JOURNAL_COMMANDS = {
  record: { synopsis: RECORD_SYNOPSIS, help: 'run the machine and record everything into a journal file', run: recordCommand },
  replay: { synopsis: 'FILE [--to T] [--branch B]', help: 'replay a recording exactly, checking every event', run: replayCommand },
  info: { synopsis: 'FILE', help: 'what a recording holds: machine, seed, branches, sizes', run: infoCommand },
  events: { synopsis: 'FILE [--pid P] [--kind K] [--from T --to T] [--json]', help: 'list the events of a recording', run: eventsCommand },
  state: { synopsis: 'FILE --at T [--pid P [--memory ADDR[:LEN]]] [--vfs]', help: 'the machine state at an icount: processes, registers, files, memory', run: stateCommand },
  fork: { synopsis: 'FILE --at T [--input FILE|-]', help: 'start a new branch from a point and continue it live', run: forkCommand },
  verify: { synopsis: 'FILE', help: 'check the hash chain, the schema and that every snapshot restores', run: verifyCommand },
  ls: { synopsis: '[DIR]', help: 'list the recordings in recordings/', run: lsCommand },
  share: { synopsis: 'FILE --out COPY', help: 'a copy without the channel keys and key seed, to share', run: shareCommand },
} as const;

