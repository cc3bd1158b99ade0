/**
 * `xrr record`: a run (as `xrr run`) recorded into a new journal file by the timeline's
 * Recorder, the journal written on its own thread.
 */
import { deadlockText } from '../../core/events.js';
import type { Machine } from '../../core/machine.js';
import { BackgroundJournal } from '../../timeline/background-journal.js';
import { Recorder } from '../../timeline/recorder.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { driveConsole } from '../console-driver.js';
import { newRecordingPath, recordingMeta } from '../recording-file.js';
import { applyStartInputs, createMachine, resolveRunSetup, RUN_OPTIONS, stripOptions, type RunSetup } from '../run-setup.js';

export const RECORD_OPTIONS: Record<string, OptionSpec> = {
  ...RUN_OPTIONS,
  out: { kind: 'string', help: 'the recording file (default recordings/<date>.db)', valueName: 'FILE' },
  image: { kind: 'string', help: 'guest image: default (the only one so far)', valueName: 'NAME' },
};
const SYNOPSIS = '[--image default] [--out FILE] [--seed S] [--key-seed HEX64] [--epoch T] [--input FILE|-] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';

/** Record a run of the machine into a new journal file; returns the exit status and the file. */
export async function recordRun(argv: readonly string[], out?: string): Promise<{ status: number; file: string; machine: Machine; setup: RunSetup }> {
  const { options } = parseArgs(argv, RECORD_OPTIONS);
  const image = (options.get('image') as string | undefined) ?? 'default';
  if (image !== 'default') throw new UsageError(`--image: unknown image ${image} (known: default)`);
  const setup = resolveRunSetup(stripOptions(argv, ['out', 'image']));
  const file = newRecordingPath((options.get('out') as string | undefined) ?? out);
  const journal = await BackgroundJournal.start(file, recordingMeta(setup, ['xrr', 'record', ...argv]), setup.keySeed);
  let closed = false;
  try {
    const machine = createMachine(setup);
    // Connected before boot, so the boot's events and channel keys are recorded; the first snapshot after it.
    const recorder = new Recorder(machine, journal, { snapshotNow: false });
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    applyStartInputs(machine, setup);
    const stop = await driveConsole(recorder, setup);
    const events = await journal.close();
    closed = true;
    process.stderr.write(`xrr: recorded ${events} events, ${journal.snapshots} snapshots, ${machine.icount} instructions into ${file}\n`);
    if (stop.kind === 'halted' && stop.reason === 'deadlock') process.stderr.write(`xrr: deadlock: every process waits and nothing can wake one (${deadlockText(machine.waiting())})\n`);
    return { status: stop.kind === 'halted' ? stop.status : 0, file, machine, setup };
  } finally {
    if (!closed) await journal.close().catch(() => 0);
  }
}

export const recordCommand: Command = {
  name: 'record',
  synopsis: SYNOPSIS,
  help: 'run the machine and record everything into a journal file',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('record', SYNOPSIS, RECORD_OPTIONS);
    return (await recordRun(argv)).status;
  },
};
