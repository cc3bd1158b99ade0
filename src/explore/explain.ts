/**
 * `xrr explain`: why did this run fail? After Hermit's `analyze`: find a passing run as close to
 * the failing one as possible, then name the two operations, in two processes, whose order
 * decides the outcome.
 *
 * Finding the passing run. A failing explore run is chaos-scheduled from boot. A trial replays
 * the recording to icount T and turns chaos off there (round robin from T on): at T = the start
 * of chaos it is the plain schedule, at T = the end it is the failing run. Bisecting T finds
 * the latest T that still passes and the earliest that fails, one instruction apart: the chaos
 * decision taken at that icount (a preemption, a pick) decides the outcome, and the passing
 * trial differs from the failing run only from there on. (Dropping single preemptions instead
 * needs a kernel input listing them; see the report of this phase.)
 *
 * Naming the pair (racing-pair.ts). The two timelines are the same up to the decision. After it,
 * the first call whose result differs between them observed the race; the nearest call of another
 * process whose order with it is reversed is the one it raced with.
 */
import type { MachineEvent } from '../core/events.js';
import { closestPassing, sameRunBeforeChaos } from './closest-passing.js';
import { openRecording, type RecordingHandle } from './engine.js';
import { forkTrial, inputsAt, type TrialLimits } from './forked-trial.js';
import { messageReader, type MessageReader } from './ipc-opener.js';
import { locate, type LocatedOperation } from './locate-operation.js';
import { callText, type Operation } from './operations.js';
import { classOf, describeOutcome, messageName, type Outcome } from './outcome.js';
import { faultText } from './random-faults.js';
import { namePair } from './racing-pair.js';
import { judgeRecording } from './run-once.js';
import { firstDifference } from './timeline-compare.js';

export interface RacingPair {
  /** What ran first in the failing run (B's operation that saw the race). */
  readonly first: LocatedOperation;
  /** What ran after it in the failing run, and before it in the passing one. */
  readonly second: LocatedOperation;
  /** The same two operations in the passing run (their results there). */
  readonly passing: { readonly first: Operation; readonly second: Operation };
}

/** What explain found: a racing pair of a schedule-dependent failure, or the injected fault a failure follows from. */
export type Explanation = ScheduleExplanation | FaultExplanation;

/** A failure that follows from an injected fault, whatever the schedule. */
export interface FaultExplanation {
  readonly kind: 'fault';
  readonly failing: { readonly outcome: Outcome; readonly cls: string };
  /** The recording's faults, as --inject spells them. */
  readonly faults: readonly string[];
  /** How the same run ends without them. */
  readonly without: { readonly outcome: Outcome; readonly cls: string };
}

export interface ScheduleExplanation {
  readonly kind: 'schedule';
  readonly failing: { readonly outcome: Outcome; readonly cls: string };
  readonly passing: { readonly outcome: Outcome; readonly cls: string; readonly how: string };
  /** Set when the passing run was found by turning chaos off. */
  readonly bisection?: { readonly trials: number; readonly passesUntil: number; readonly failsFrom: number };
  /** The icount where the runs part, and each run's first events from there. */
  readonly divergence: { readonly icount: number; readonly failing: readonly string[]; readonly passing: readonly string[] };
  /** The failing run's operations of the two processes from the divergence to the second of the pair. */
  readonly window: readonly Operation[];
  readonly pair: RacingPair | undefined;
  /** Why no pair was named, when none was. */
  readonly noPair?: string;
}

export interface ExplainRequest {
  readonly failing: string;
  readonly passing?: string;
  readonly limits: TrialLimits;
  readonly progress?: (line: string) => void;
}

/** One line for an event at the divergence. */
function eventLine(e: MachineEvent): string {
  switch (e.kind) {
    case 'sched': return `sched ${e.reason}: ${e.from} -> ${e.to < 0 ? 'queue' : e.to}`;
    case 'syscall': return `pid ${e.pid} ${e.name}`;
    case 'syscall-return': return `pid ${e.pid} returns ${e.result}`;
    case 'ipc': return `ipc ${e.src} -> ${e.dst} (${messageName(e.mType)})`;
    default: return e.kind;
  }
}

export async function explain(req: ExplainRequest): Promise<Explanation> {
  const say = req.progress ?? (() => undefined);
  const handle = await openRecording(req.failing);
  try {
    // Judged from its events; every trial replays its prefix, so a recording that does not replay still shows.
    const outcome = judgeRecording(handle, req.limits.rules);
    if (outcome.kind === 'pass') throw new Error(`${req.failing} passes (${classOf(outcome)}): there is no failure to explain`);
    const failing = { outcome, cls: classOf(outcome) };
    say(`failing run: ${failing.cls}`);
    let F = handle.events();
    const readF = messageReader(handle.channelKeys());
    let P: readonly MachineEvent[];
    let readP: MessageReader;
    let passing: ScheduleExplanation['passing'];
    let bisection: ScheduleExplanation['bisection'];
    // The schedule the failing run is moved towards: round robin, or a given passing run's chaos seed.
    let towards = 0;
    let given: { outcome: Outcome; events: MachineEvent[]; reader: MessageReader } | undefined;
    if (req.passing !== undefined) {
      const ph = await openRecording(req.passing);
      try {
        const other = judgeRecording(ph, req.limits.rules);
        if (classOf(other) === failing.cls) throw new Error(`${req.passing} fails the same way (${failing.cls}): give a passing run`);
        given = { outcome: other, events: ph.events(), reader: messageReader(ph.channelKeys()) };
      } finally {
        ph.close();
      }
      const seed = sameRunBeforeChaos(F, given.events);
      if (seed !== undefined) towards = seed;
    }
    if (given && towards === 0 && given.events.some((e) => e.kind === 'chaos' && e.seed !== 0)) {
      // Another program, machine or fault set: the two can only be compared as they are.
      P = given.events;
      readP = given.reader;
      passing = { outcome: given.outcome, cls: classOf(given.outcome), how: `given: ${req.passing ?? ''} (not the same program and inputs before chaos: compared as recorded)` };
    } else {
      const found = closestPassing(handle, F, req.limits, say, towards);
      if (!found.ok) {
        const byFault = towards === 0 ? faultCause(handle, F, failing, req.limits) : undefined;
        if (byFault) return byFault;
        throw new Error(
          towards === 0
            ? `the failure does not depend on the schedule: it happens with chaos scheduling off too${F.some((e) => e.kind === 'inject') ? ', and without the injected faults' : ''} (${failing.cls})`
            : `the passing run does not pass when re-run from the failing run's start with its seed ${towards}`,
        );
      }
      P = found.trial.events ?? [];
      readP = messageReader(handle.channelKeys(), [found.trial.machine.channelKeys()]);
      const how = towards === 0 ? 'chaos scheduling turned off' : `chaos seed ${towards} (the passing run's) taken`;
      passing = { outcome: found.trial.outcome, cls: found.trial.cls, how: `the failing run with ${how} at icount ${found.passesUntil}` };
      bisection = { trials: found.trials, passesUntil: found.passesUntil, failsFrom: found.failsFrom };
    }
    // Scheduling inputs differ by construction (the trial turned chaos off); what they changed is compared.
    F = F.filter((e) => e.kind !== 'chaos' && e.kind !== 'schedule');
    P = P.filter((e) => e.kind !== 'chaos' && e.kind !== 'schedule');
    const d = firstDifference(F, P);
    const at = Math.min(F[d]?.icount ?? Infinity, P[d]?.icount ?? Infinity);
    const here = (events: readonly MachineEvent[]) => events.slice(d, d + 4).map((e) => `${e.icount} ${eventLine(e)}`);
    const divergence = { icount: at, failing: here(F), passing: here(P) };
    const named = namePair(F, P, d, readF, readP);
    const pair = named.pair
      ? { first: locate(handle, F, named.pair.first), second: locate(handle, F, named.pair.second), passing: named.pair.passing }
      : undefined;
    return { kind: 'schedule', failing, passing, ...(bisection ? { bisection } : {}), divergence, window: named.window, pair, ...(named.noPair ? { noPair: named.noPair } : {}) };
  } finally {
    handle.close();
  }
}

/**
 * When the schedule does not decide a failure, an injected fault may: the run from the start of
 * chaos, with its chaos seed and without its faults. Undefined when it has none, or still fails.
 */
function faultCause(handle: RecordingHandle, F: readonly MachineEvent[], failing: FaultExplanation['failing'], limits: TrialLimits): FaultExplanation | undefined {
  const faults = F.flatMap((e) => (e.kind === 'inject' ? [e.fault] : []));
  const chaosOn = F.find((e) => e.kind === 'chaos' && e.seed !== 0);
  if (faults.length === 0) return undefined;
  const at = Math.min(chaosOn?.icount ?? Infinity, ...F.filter((e) => e.kind === 'inject').map((e) => e.icount));
  const inputs = inputsAt(F, at).filter((e) => e.kind !== 'inject');
  const without = forkTrial(handle, at, chaosOn?.kind === 'chaos' ? chaosOn.seed : 0, limits, { inputs });
  if (without.outcome.kind !== 'pass') return undefined;
  return { kind: 'fault', failing, faults: faults.map(faultText), without: { outcome: without.outcome, cls: without.cls } };
}

function hex(n: number | undefined): string {
  return n === undefined ? '?' : `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function located(l: LocatedOperation): string[] {
  const o = l.op;
  return [
    `pid ${o.pid} (${o.process}) at icount ${o.icount}, pc ${hex(l.pc)}${l.func ? ` in ${l.func}` : ''}${l.caller ? `, called from ${l.caller}` : ''}`,
    `  ${callText(o)}${o.file ? `  [${o.file}]` : ''}`,
    ...(o.message ? [`  message: ${o.message}`] : []),
  ];
}

/** Operations of the critical window printed at most (its start and its end). */
const WINDOW_LINES = 16;

/** The explanation as text. */
export function formatExplanation(x: Explanation): string {
  if (x.kind === 'fault') {
    return [
      `failing: ${x.failing.cls}`,
      `  ${describeOutcome(x.failing.outcome)}`,
      '',
      'the schedule does not decide it: it fails with chaos scheduling off too.',
      `the injected fault${x.faults.length === 1 ? '' : 's'} ${x.faults.map((f) => `--inject ${f}`).join(', ')} ${x.faults.length === 1 ? 'does' : 'do'}: without ${x.faults.length === 1 ? 'it' : 'them'} the same schedule ends ${x.without.cls === 'pass' ? 'passing' : `otherwise (${x.without.cls})`}.`,
    ].join('\n');
  }
  const lines: string[] = [];
  lines.push(`failing: ${x.failing.cls}`);
  lines.push(`passing: ${x.passing.cls} (${x.passing.how})`);
  if (x.bisection) {
    lines.push(`bisected in ${x.bisection.trials} trials: switching the schedule at icount ${x.bisection.passesUntil} passes, at ${x.bisection.failsFrom} fails:`);
    lines.push(`the scheduling decision at icount ${x.bisection.failsFrom} decides the outcome`);
  }
  lines.push('');
  lines.push(`the runs part at icount ${x.divergence.icount}:`);
  lines.push(`  failing: ${x.divergence.failing.join(', ') || '(nothing more)'}`);
  lines.push(`  passing: ${x.divergence.passing.join(', ') || '(nothing more)'}`);
  if (x.window.length > 0) {
    lines.push('');
    lines.push('critical window (the failing run, both processes):');
    const shown = x.window.length > WINDOW_LINES ? [...x.window.slice(0, WINDOW_LINES / 2), undefined, ...x.window.slice(-WINDOW_LINES / 2)] : x.window;
    for (const o of shown) {
      lines.push(o === undefined ? `  ... ${x.window.length - WINDOW_LINES} more ...` : `  ${String(o.icount).padStart(10)}  pid ${String(o.pid).padEnd(3)} ${o.process.padEnd(10)} ${callText(o)}${o.file ? `  [${o.file}]` : ''}`);
    }
  }
  lines.push('');
  if (!x.pair) {
    lines.push(`no racing pair named: ${x.noPair ?? 'unknown'}`);
    return lines.join('\n');
  }
  const p = x.pair;
  lines.push('racing pair: in the failing run');
  lines.push(...located(p.first).map((l) => `  ${l}`));
  lines.push('ran before');
  lines.push(...located(p.second).map((l) => `  ${l}`));
  lines.push('in the passing run the order is the other way round:');
  for (const [passing, failing] of [[p.passing.first, p.first.op], [p.passing.second, p.second.op]] as const) {
    if (passing.result !== failing.result) {
      lines.push(`  ${passing.name} in pid ${passing.pid} returned ${passing.result ?? '(nothing: it did not return)'} instead of ${failing.result ?? '(nothing: it did not return)'}`);
    }
  }
  return lines.join('\n');
}
