/**
 * A single run of an exploration, three ways: plain (fast, nothing kept), recorded into a file
 * (the confirmation of a failing seed, which keeps it), and replayed from that file (the proof
 * that the recording reproduces the failure). All three are judged by the same rules.
 */
import type { DebugFiles } from '../symbols/debug-files.js';
import type { RootFsEntry } from '../servers/vfs/root-fs.js';
import { recordRun, replayRecording, type RecordingHandle, type RecordingIdentity } from './engine.js';
import { faultText } from './random-faults.js';
import { classOf, judge, RunObserver, type JudgeRules, type Outcome } from './outcome.js';
import { applyPlanInputs, endOf, EXPLORE_MACHINE, exploreMachine, type RunPlan } from './run-plan.js';

/** A judged run (plain data: it crosses from the worker threads). */
export interface RunResult {
  readonly seed: number;
  readonly outcome: Outcome;
  /** classOf(outcome). */
  readonly cls: string;
  readonly icount: number;
  readonly events: number;
  /** Messages each pid received (the calibration of the random fault mode). */
  readonly received: Readonly<Record<number, number>>;
  /** System calls made (the calibration of the pct strategy). */
  readonly syscalls: number;
  /** The faults the run was given, as --inject spells them. */
  readonly faults: readonly string[];
}

function resultOf(plan: RunPlan, observer: RunObserver, outcome: Outcome, icount: number): RunResult {
  return { seed: plan.seed, outcome, cls: classOf(outcome), icount, events: observer.events, received: Object.fromEntries(observer.received), syscalls: observer.syscalls, faults: plan.faults.map(faultText) };
}

/** Run `plan` on a fresh machine, keep nothing but the verdict. */
export function runPlain(plan: RunPlan, root: readonly RootFsEntry[], rules: JudgeRules): RunResult {
  const observer = new RunObserver();
  const machine = exploreMachine(root, plan.initArgv, observer);
  const err = machine.boot();
  if (err) throw new Error(err);
  applyPlanInputs(machine, plan);
  const stop = machine.run(plan.timeout);
  return resultOf(plan, observer, judge(observer, endOf(machine, stop), rules), machine.icount);
}

/** Run `plan` again, recorded into `file` (which must not exist). */
export async function recordPlan(
  plan: RunPlan,
  root: readonly RootFsEntry[],
  rules: JudgeRules,
  file: string,
  id: Pick<RecordingIdentity, 'imageHash' | 'commandLine'>,
  debugFiles?: DebugFiles,
): Promise<RunResult> {
  const observer = new RunObserver();
  const machine = exploreMachine(root, plan.initArgv);
  const stop = await recordRun(
    file,
    { ...id, seed: EXPLORE_MACHINE.entropySeed, bootEpochNs: EXPLORE_MACHINE.bootEpochNs, keySeed: EXPLORE_MACHINE.keySeed },
    machine,
    (m) => applyPlanInputs(m, plan),
    plan.timeout,
    observer,
    debugFiles,
  );
  return resultOf(plan, observer, judge(observer, endOf(machine, stop), rules), machine.icount);
}

/** Replay a recording to its end (every event compared) and judge how it ends. */
export async function replayJudged(file: string, rules: JudgeRules): Promise<{ ok: true; outcome: Outcome; icount: number } | { ok: false; divergence: string }> {
  const observer = new RunObserver();
  const r = await replayRecording(file, observer);
  if (!r.ok) return r;
  const m = r.machine;
  // The recording ends where the run stopped; asking the machine to go no further tells how:
  // halted, every process waiting (a deadlock), or still runnable (the instruction limit).
  const stop = m.run(m.icount);
  return { ok: true, outcome: judge(observer, endOf(m, stop), rules), icount: m.icount };
}

/**
 * Judge a recording from its events, without replaying it all: a halt event says how it ended;
 * otherwise the machine at its last event tells a deadlock (every process waits) from the
 * instruction limit, as replayJudged does.
 */
export function judgeRecording(handle: RecordingHandle, rules: JudgeRules): Outcome {
  const observer = new RunObserver();
  const events = handle.events();
  for (const e of events) observer.emit(e);
  if (observer.halt) return judge(observer, { kind: 'halted', ...observer.halt }, rules);
  const m = handle.machineAt(events[events.length - 1]?.icount ?? 0, new RunObserver());
  return judge(observer, endOf(m, m.run(m.icount)), rules);
}
