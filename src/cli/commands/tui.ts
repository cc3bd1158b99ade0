/**
 * `xrr tui FILE [--branch B] [--at T]`: the time-travel terminal UI over a recording. Thin:
 * opens the journal (writable when it can, for bookmarks and forks), checks it can be replayed,
 * and renders src/tui's App on the alternate screen.
 * `xrr tui --diff A B` opens the diff view of two timelines (A and B as `xrr diff` takes them:
 * FILE, FILE#BRANCH, #BRANCH); Esc leaves it for A's timeline.
 * `xrr tui --new [...] [PROGRAM [ARGS...]]` (what `npm start` runs) boots XINIM, records it into
 * a new file and opens the UI live on it, the console attached: Ctrl-] pauses to rewind and
 * inspect, `l` resumes recording. Exit codes: 0 quit, 1 the recording cannot be opened or
 * replayed, 2 usage.
 */
import { existsSync } from 'node:fs';
import { MACHINE_VERSION } from '../../core/machine.js';
import { isJournalError } from '../../journal/errors.js';
import { CannotCompare, openSides } from '../../diff/side.js';
import { ROOT_BRANCH, branchId, type BranchId, type Icount } from '../../journal/ids.js';
import { SqliteJournalStore } from '../../journal/sqlite-store.js';
import { restoreMachine } from '../../timeline/machines.js';
import { StoreTarget } from '../../timeline/record-target.js';
import { Recorder } from '../../timeline/recorder.js';
import type { AppProps } from '../../tui/app.js';
import { TuiSession } from '../../tui/session.js';
import type { DebugFiles } from '../../symbols/debug-files.js';
import { parseArgs, UsageError, usageOf, type OptionSpec } from '../args.js';
import { loadGuestImage } from '../guest-image.js';
import type { Command } from '../command.js';
import { recordedNote } from '../recorded-note.js';
import { newRecordingPath, recordingMeta } from '../recording-file.js';
import { applyStartInputs, createMachine, resolveRunSetup, RUN_OPTIONS, stripOptions } from '../run-setup.js';

export const TUI_SYNOPSIS = 'FILE [--branch B] [--at T]  |  --diff A B  |  --new [--out FILE] [--seed S] [--key-seed HEX64] [--epoch T] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';

const TUI_OPTIONS: Record<string, OptionSpec> = {
  branch: { kind: 'int', help: 'branch to open (default 1, the recording itself)', valueName: 'B' },
  at: { kind: 'int', help: 'start at this icount (default: the end)', valueName: 'T' },
  new: { kind: 'flag', help: 'boot XINIM, record into a new file and open it live' },
  diff: { kind: 'flag', help: 'the diff view of two timelines A and B (FILE, FILE#BRANCH or #BRANCH), from their first divergence' },
  help: { kind: 'flag', help: 'show this help' },
};

/** The options of `--new`: those of `xrr record` that make sense with the UI as the console. */
const NEW_OPTIONS: Record<string, OptionSpec> = {
  new: TUI_OPTIONS['new']!,
  out: { kind: 'string', help: 'the recording file (default recordings/<date>.db)', valueName: 'FILE' },
  seed: RUN_OPTIONS['seed']!,
  'key-seed': RUN_OPTIONS['key-seed']!,
  epoch: RUN_OPTIONS['epoch']!,
  inject: RUN_OPTIONS['inject']!,
  chaos: RUN_OPTIONS['chaos']!,
  help: TUI_OPTIONS['help']!,
};

/** Opens FILE for the TUI, or returns why it cannot (a message, never an exception). */
export async function openRecording(file: string): Promise<{ ok: true; store: SqliteJournalStore; writable: boolean } | { ok: false; error: string }> {
  if (!existsSync(file)) return { ok: false, error: `no such recording: ${file}` };
  let store: SqliteJournalStore;
  let writable = true;
  try {
    store = await SqliteJournalStore.open(file, { readonly: false, create: false });
  } catch (e) {
    if (isJournalError(e, 'NOT_A_DATABASE') || isJournalError(e, 'NOT_A_JOURNAL') || isJournalError(e, 'NEWER_SCHEMA') || isJournalError(e, 'TRUNCATED') || isJournalError(e, 'CORRUPT')) {
      return { ok: false, error: `${file} is not a recording xrr can open: ${(e as Error).message}` };
    }
    try {
      store = await SqliteJournalStore.open(file, { readonly: true, create: false });
      writable = false;
    } catch (e2) {
      return { ok: false, error: `cannot open ${file}: ${(e2 as Error).message}` };
    }
  }
  try {
    const meta = store.getRecording();
    if (!meta) throw new Error(`${file} holds no recording`);
    const snaps = store.listSnapshots(ROOT_BRANCH);
    if (snaps.length === 0) throw new Error(`${file} has no snapshot to replay from (was the recording cut off?)`);
    const state = store.loadSnapshotState(snaps[0]!.id);
    if (state.length === 0) throw new Error(`${file}: the boot snapshot is empty`);
    if (meta.machineVersion !== MACHINE_VERSION && meta.machineVersion !== 'test') {
      throw new Error(`${file} was recorded by machine ${meta.machineVersion}; this xrr runs ${MACHINE_VERSION}`);
    }
    // Every view needs a machine: a recording whose boot snapshot does not restore is refused here,
    // with the reason, rather than on the first seek.
    try {
      restoreMachine(store, snaps[0]!);
    } catch (e) {
      throw new Error(`${file}: its boot snapshot does not restore in this xrr: ${(e as Error).message}`);
    }
  } catch (e) {
    store.close();
    return { ok: false, error: (e as Error).message };
  }
  return { ok: true, store, writable };
}

async function tuiMain(argv: string[]): Promise<number> {
  const fresh = argv[0] === '--new' || argv.length === 0;
  if (argv.includes('--help')) {
    const newOptions = usageOf('tui', TUI_SYNOPSIS, NEW_OPTIONS).split('\n').slice(2).filter((l) => !/--(new|help)\b/.test(l));
    console.log(`${usageOf('tui', TUI_SYNOPSIS, TUI_OPTIONS)}\n\nwith --new (what npm start runs):\n${newOptions.join('\n')}`);
    return 0;
  }
  if (fresh) return liveTui(argv);
  const { options, positional } = parseArgs(argv, TUI_OPTIONS, true);
  if (options.get('new')) throw new UsageError('--new comes first: xrr tui --new [OPTIONS] [PROGRAM [ARGS...]]');
  if (options.get('diff')) return diffTui(positional);
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'FILE is required' : `unexpected argument ${positional[1]}`);
  const file = positional[0]!;
  const opened = await openRecording(file);
  if (!opened.ok) {
    console.error(`xrr tui: ${opened.error}`);
    return 1;
  }
  const { store } = opened;
  try {
    const branch: BranchId = options.get('branch') === undefined ? ROOT_BRANCH : branchId(options.get('branch') as number);
    if (!store.getBranch(branch)) {
      console.error(`xrr tui: ${file} has no branch ${branch}`);
      return 1;
    }
    if (!hasTerminal()) return 1;
    await show({ session: new TuiSession(store, file, undefined, imageDebugFiles()), branch, startIcount: options.get('at') as number | undefined });
    return 0;
  } finally {
    store.close();
  }
}

/** `--diff A B`: both timelines opened read-only (as `xrr diff` opens them); the UI's own timeline is A. */
async function diffTui(positional: readonly string[]): Promise<number> {
  if (positional.length !== 2) throw new UsageError('--diff takes two timelines: xrr tui --diff A B (FILE, FILE#BRANCH or #BRANCH)');
  let sides: Awaited<ReturnType<typeof openSides>>;
  try {
    sides = await openSides(positional[0]!, positional[1]!);
  } catch (e) {
    if (!(e instanceof CannotCompare)) throw e;
    console.error(`xrr tui: ${e.message}`);
    return 1;
  }
  try {
    if (!hasTerminal()) return 1;
    const { a, b } = sides;
    await show({ session: new TuiSession(a.store, a.label, undefined, imageDebugFiles()), branch: a.branch, diff: { a, b } });
    return 0;
  } finally {
    sides.close();
  }
}

/** An operation of a racing pair: the syscall `pid` entered at `icount`. */
export interface PairOperation {
  readonly pid: number;
  readonly icount: number;
}

/**
 * Opens the UI on FILE's main timeline with the cursor on the syscall event of `first` and that
 * of `second` bookmarked (named `bookmark`, its note `note`): `xrr explain --open` shows a racing
 * pair so. The bookmark is written into the file when it is writable; a read-only file still
 * opens, and the status line says the bookmark could not be kept. Returns the exit status.
 */
export async function openTuiOnPair(
  file: string,
  pair: { readonly first: PairOperation; readonly second: PairOperation; readonly bookmark: string; readonly note: string },
): Promise<number> {
  const opened = await openRecording(file);
  if (!opened.ok) {
    console.error(`xrr tui: ${opened.error}`);
    return 1;
  }
  const { store } = opened;
  try {
    const syscallOf = (op: PairOperation) =>
      store.events(ROOT_BRANCH, { kinds: ['syscall'], pid: op.pid, fromIcount: op.icount as Icount, toIcount: op.icount as Icount, limit: 1 })[0];
    const first = syscallOf(pair.first);
    const second = syscallOf(pair.second);
    if (!first || !second) {
      const op = first ? pair.second : pair.first;
      console.error(`xrr tui: ${file} has no syscall of pid ${op.pid} at icount ${op.icount} on its main branch`);
      return 1;
    }
    let kept = true;
    try {
      if (!store.bookmarks(ROOT_BRANCH).some((m) => m.name === pair.bookmark && m.icount === second.icount)) {
        store.putBookmark({ branch: ROOT_BRANCH, icount: second.icount as Icount, name: pair.bookmark, note: pair.note });
      }
    } catch {
      kept = false;
    }
    if (!hasTerminal()) return 1;
    const message = `event ${first.seq} selected; the second, event ${second.seq} at icount ${second.icount}, ${kept ? `is bookmark ${pair.bookmark} (' goes there)` : 'could not be bookmarked (read-only file)'}`;
    await show({ session: new TuiSession(store, file, undefined, imageDebugFiles()), branch: ROOT_BRANCH, startEvent: first.seq, startMessage: message });
    return 0;
  } finally {
    store.close();
  }
}

/** `--new`: boot, record into a new journal written from this thread, and open the UI live on it. */
async function liveTui(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, NEW_OPTIONS); // refuses what `record` takes but the UI cannot (--input)
  if (!hasTerminal()) return 1;
  const setup = resolveRunSetup(stripOptions(argv.slice(1), ['out']));
  const file = newRecordingPath(options.get('out') as string | undefined);
  const store = await SqliteJournalStore.open(file);
  try {
    store.createRecording(recordingMeta(setup, ['xrr', 'tui', ...argv]));
    store.putKeySeed(setup.keySeed);
    const machine = createMachine(setup);
    // Connected before boot, so the boot is recorded; the UI's live run goes on with this recorder.
    const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { snapshotNow: false, debugFiles: setup.image.debugFiles });
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    applyStartInputs(machine, setup);
    await show({ session: new TuiSession(store, file, undefined, setup.image.debugFiles), branch: ROOT_BRANCH, live: machine });
    recorder.finish(); // the live run's stop took it unless it never ran: the recording opens at its end
    store.flush();
    process.stderr.write(recordedNote(file, store.branchLength(ROOT_BRANCH), machine.icount));
    return 0;
  } finally {
    store.close();
  }
}

/**
 * The guest image's debug files, for the UI's forks and live runs (stored for the programs they
 * exec) and for a program the recording holds none for. Without a readable image (a copy of xrr
 * without guest/), none: a recording still opens and symbolizes from what it holds.
 */
function imageDebugFiles(): DebugFiles | undefined {
  try {
    return loadGuestImage().debugFiles;
  } catch {
    return undefined;
  }
}

function hasTerminal(): boolean {
  if (process.stdin.isTTY && process.stdout.isTTY) return true;
  console.error('xrr tui: needs a terminal (stdin and stdout must be a TTY)');
  return false;
}

/**
 * Renders the UI. Ink draws only the last frame when it believes it runs under CI (it reads
 * CI and CONTINUOUS_INTEGRATION when it is first imported), which leaves a person at a real
 * terminal - a CI job's tmux, a dev container that sets CI - looking at a blank screen; we
 * have checked that both ends are a terminal, so those variables are cleared before Ink loads.
 */
async function show(props: Omit<AppProps, 'noColor'>): Promise<void> {
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  const { renderTui } = await import('../../tui/render.js');
  const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  await renderTui({ ...props, noColor });
}

export const tuiCommand: Command = {
  name: 'tui',
  synopsis: TUI_SYNOPSIS,
  help: 'the time-travel UI over a recording (--new: boot, record and open it live)',
  run: tuiMain,
};
