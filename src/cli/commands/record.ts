/**
 * `xrr record`: a run (as `xrr run`) recorded into a new journal file by the timeline's
 * Recorder, the journal written on its own thread.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Machine } from '../../core/machine.js';
import { BackgroundJournal } from '../../timeline/background-journal.js';
import { Recorder } from '../../timeline/recorder.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { driveConsole } from '../console-driver.js';
import { counted } from '../counted.js';
import { newRecordingPath, recordingMeta } from '../recording-file.js';
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
  try {
    const machine = createMachine(setup);
    // Connected before boot, so the boot's events and channel keys are recorded; the first snapshot after it.
    const recorder = new Recorder(machine, journal, { snapshotNow: false });
    const seen = observeRun(machine, journal);
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    applyStartInputs(machine, setup);
    const stop = await driveConsole(recorder, setup);
    const events = await journal.close();
    closed = true;
    endConsoleLine(seen);
    process.stderr.write(`xrr: recorded ${counted(events, 'event')}, ${counted(journal.snapshots, 'snapshot')}, ${counted(machine.icount, 'instruction')} into ${file}\n`);
    const status = reportRun('record', seen, machine, stop, stop.kind === 'halted' ? stop.status : 0, setup.faults.length > 0);
    return { status, file, machine, setup };
  } finally {
    if (!closed) await journal.close().catch(() => 0);
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
