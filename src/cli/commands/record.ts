/**
 * `xrr record`: a run (as `xrr run`) recorded into a new journal file by the timeline's
 * Recorder, the journal written on its own thread.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { deadlockText } from '../../core/events.js';
import type { Machine } from '../../core/machine.js';
import { BackgroundJournal } from '../../timeline/background-journal.js';
import { Recorder } from '../../timeline/recorder.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { driveConsole, signalStatus } from '../console-driver.js';
import { counted } from '../counted.js';
import { newRecordingPath, recordingMeta, removeRecording } from '../recording-file.js';
import { applyStartInputs, createMachine, resolveRunSetup, RUN_OPTIONS, stripOptions, type RunSetup } from '../run-setup.js';
import { endConsoleLine, observeRun, reportRun } from '../run-summary.js';

export const RECORD_OPTIONS: Record<string, OptionSpec> = {
  ...RUN_OPTIONS,
  out: { kind: 'string', help: 'the recording file (default recordings/<date>.db)', valueName: 'FILE' },
  image: { kind: 'string', help: 'guest image: default (the only one so far)', valueName: 'NAME' },
};
const SYNOPSIS = '[--image default] [--out FILE] [--seed S] [--key-seed HEX64] [--epoch T] [--input FILE|-] [--max-instructions N] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';

/** --out names a file in a directory that exists: a typo must not make directories (the default, recordings/, is made). */
function checkOutDirectory(out: string | undefined): void {
  if (out !== undefined && !existsSync(dirname(resolve(out)))) throw new UsageError(`--out ${out}: no such directory ${dirname(resolve(out))}`);
}

/** Record a run of the machine into a new journal file; returns the exit status and the file. */
export async function recordRun(argv: readonly string[], out?: string): Promise<{ status: number; file: string; machine: Machine; setup: RunSetup }> {
  const { options } = parseArgs(argv, RECORD_OPTIONS);
  const image = (options.get('image') as string | undefined) ?? 'default';
  if (image !== 'default') throw new UsageError(`--image: unknown image ${image} (known: default)`);
  const setup = resolveRunSetup(stripOptions(argv, ['out', 'image']));
  checkOutDirectory((options.get('out') as string | undefined) ?? out);
  const file = newRecordingPath((options.get('out') as string | undefined) ?? out);
  const journal = await BackgroundJournal.start(file, recordingMeta(setup, ['xrr', 'record', ...argv]), setup.keySeed);
  let closed = false;
  let booted = false;
  try {
    const machine = createMachine(setup);
    // Connected before boot, so the boot's events and channel keys are recorded; the first snapshot after it.
    const recorder = new Recorder(machine, journal, { snapshotNow: false, debugFiles: setup.image.debugFiles });
    const seen = observeRun(machine, journal);
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    // The boot snapshot is committed before the machine goes on: a recording killed at any
    // moment after this replays.
    await journal.synced();
    if (journal.failure === undefined) booted = true;
    applyStartInputs(machine, setup);
    const stop = await driveConsole(recorder, setup, { commit: () => journal.commit(), failure: () => journal.failure });
    recorder.finish(); // a snapshot at the end: `xrr tui` opens there without replaying
    let events: number;
    try {
      events = await journal.close();
    } finally {
      closed = true;
    }
    endConsoleLine(seen);
    const summary = `${counted(events, 'event')}, ${counted(journal.snapshots, 'snapshot')}, ${counted(machine.icount, 'instruction')} into ${file}`;
    if (stop.kind === 'signal') {
      process.stderr.write(`xrr: ${stop.signal}: recorded ${summary} (closed cleanly)\n`);
      return { status: signalStatus(stop.signal), file, machine, setup };
    }
    process.stderr.write(`xrr: recorded ${summary}\n`);
    if (stop.kind === 'halted' && stop.reason === 'deadlock') process.stderr.write(`xrr: deadlock: every process waits and nothing can wake one (${deadlockText(machine.waiting())})\n`);
    const runStop = stop.kind === 'journal-failed' ? ({ kind: 'limit' } as const) : stop;
    const status = reportRun('record', seen, machine, runStop, stop.kind === 'halted' ? stop.status : 0, setup.faults.length > 0);
    return { status, file, machine, setup };
  } catch (e) {
    if (!closed) {
      closed = true;
      await journal.close().catch(() => 0);
    }
    // Before its boot snapshot a recording holds nothing to replay: leave no file to block --out.
    if (!booted) removeRecording(file);
    else if (journal.failure !== undefined) throw new Error(`cannot write the journal ${file}: ${journal.failure}; it holds everything up to its last commit (it verifies and replays to there)`);
    throw e;
  }
}

export const recordCommand: Command = {
  name: 'record',
  synopsis: SYNOPSIS,
  help: 'run the machine and record everything into a journal file',
  options: RECORD_OPTIONS,
  async run(argv) {
    // Options end at PROGRAM: a --help after it (or after --) is the guest program's.
    if (parseArgs(argv, RECORD_OPTIONS).options.get('help')) return printHelp('record', SYNOPSIS, RECORD_OPTIONS);
    return (await recordRun(argv)).status;
  },
};
