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
 * Naming the pair. The two timelines are the same up to the decision. After it, process A ran
 * on in the passing run while process B ran in the failing one. B's first operation whose result
 * differs between the runs is the one that observed the race; A's first operation that came
 * before it in the passing run and after it in the failing run is the one it raced with.
 */
import type { MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { VfsPort } from '../servers/vfs-port.js';
import { openRecording, type RecordingHandle } from './engine.js';
import { functionSymbols, symbolize } from './elf-symbols.js';
import { forkTrial, type TrialLimits, type TrialResult } from './forked-trial.js';
import { messageReader, type MessageReader } from './ipc-opener.js';
import { callText, operationsOf, type Operation } from './operations.js';
import { classOf, messageName, RunObserver, type Outcome } from './outcome.js';
import { judgeRecording } from './run-once.js';

/** An operation with where it was in the program. */
export interface LocatedOperation {
  readonly op: Operation;
  /** Address of the ecall. */
  readonly pc: number | undefined;
  /** The function around pc (the system call's wrapper) and the one it returns to. */
  readonly func: string | undefined;
  readonly caller: string | undefined;
}

export interface RacingPair {
  /** What ran first in the failing run (B's operation that saw the race). */
  readonly first: LocatedOperation;
  /** What ran after it in the failing run, and before it in the passing one. */
  readonly second: LocatedOperation;
  /** The same two operations in the passing run (their results there). */
  readonly passing: { readonly first: Operation; readonly second: Operation };
}

export interface Explanation {
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

/**
 * Events as comparable text: keys sorted at every depth (an event read back from the journal
 * and one just emitted list their fields in different orders). The seq is left out: a trial has
 * one more input (chaos off) than the run it was forked from, which shifts the seqs after it.
 */
function keyOf(e: MachineEvent): string {
  const { seq: _seq, ...rest } = e;
  return JSON.stringify(rest, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function firstDifference(a: readonly MachineEvent[], b: readonly MachineEvent[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (keyOf(a[i]!) !== keyOf(b[i]!)) return i;
  return n;
}

/** The bytes of a guest file in the machine's VFS (to read a program's symbols). */
function guestFile(machine: Machine, path: string): Uint8Array | undefined {
  const vfs = machine.kernel.servers.get(2) as VfsPort | undefined;
  const inodes = vfs?.server.state.inodes;
  if (!inodes) return undefined;
  let ino = 1;
  for (const part of path.split('/').filter(Boolean)) {
    const dir = inodes.get(ino);
    if (dir?.kind !== 'dir') return undefined;
    const next = dir.entries.get(part);
    if (next === undefined) return undefined;
    ino = next;
  }
  const file = inodes.get(ino);
  return file?.kind === 'file' ? file.data : undefined;
}

/** Where `op` was: seek to it and read the process's pc and return address. */
function locate(handle: RecordingHandle, events: readonly MachineEvent[], op: Operation): LocatedOperation {
  const machine = handle.machineAt(op.icount, new RunObserver());
  const p = machine.kernel.procs.get(op.pid);
  if (!p) return { op, pc: undefined, func: undefined, caller: undefined };
  // The call has been taken: the saved pc is past the 4-byte ecall.
  const pc = (p.pc - 4) >>> 0;
  const ra = p.regs[1]! >>> 0;
  let path: string | undefined;
  let pid = op.pid;
  for (let i = op.index; i >= 0 && path === undefined; i--) {
    const e = events[i]!;
    if (e.kind === 'exec' && e.pid === pid) path = e.path;
    else if (e.kind === 'fork' && e.child === pid) pid = e.parent;
  }
  const elf = path === undefined ? undefined : guestFile(machine, path);
  const symbols = elf ? functionSymbols(elf) : [];
  return { op, pc, func: symbolize(symbols, pc), caller: symbolize(symbols, ra) };
}

/** Each process's operations, in order, keyed by pid. */
function byProcess(ops: readonly Operation[]): Map<number, Operation[]> {
  const m = new Map<number, Operation[]>();
  for (const o of ops) {
    const list = m.get(o.pid);
    if (list) list.push(o);
    else m.set(o.pid, [o]);
  }
  return m;
}

/**
 * The pair after the divergence `d`. An operation's counterpart in the other run is the same
 * process's operation at the same position after d. X is the first operation (in the failing
 * run's order) whose counterpart returned something else, or nothing: the one that saw the race.
 * Its partner Y is the operation of another process whose order with X is not the same in the
 * two runs; of several, the nearest to X in the failing run.
 */
function namePair(F: readonly MachineEvent[], P: readonly MachineEvent[], d: number, readF: MessageReader, readP: MessageReader): { pair?: { first: Operation; second: Operation; passing: { first: Operation; second: Operation } }; window: Operation[]; noPair?: string } {
  const afterF = operationsOf(F, readF).filter((o) => o.index >= d);
  const afterP = operationsOf(P, readP).filter((o) => o.index >= d);
  const fBy = byProcess(afterF);
  const pBy = byProcess(afterP);
  const counterpart = (o: Operation): Operation | undefined => pBy.get(o.pid)?.[fBy.get(o.pid)!.indexOf(o)];
  const x = afterF.find((o) => {
    const c = counterpart(o);
    return c !== undefined && (c.name !== o.name || c.result !== o.result);
  });
  if (!x) return { window: afterF.slice(0, 12), noPair: 'every call after the divergence returned the same in both runs' };
  const xp = counterpart(x)!;
  let best: { y: Operation; yp: Operation } | undefined;
  for (const y of afterF) {
    if (y.pid === x.pid) continue;
    const yp = counterpart(y);
    if (!yp || y.index < x.index === yp.index < xp.index) continue;
    if (!best || Math.abs(y.index - x.index) < Math.abs(best.y.index - x.index)) best = { y, yp };
  }
  const upTo = best ? Math.max(x.index, best.y.index) : x.index;
  const window = afterF.filter((o) => o.index <= upTo && (o.pid === x.pid || o.pid === best?.y.pid));
  if (!best) return { window, noPair: `no operation of another process changed order with ${callText(x)}` };
  const xFirst = x.index < best.y.index;
  return {
    pair: { first: xFirst ? x : best.y, second: xFirst ? best.y : x, passing: { first: xFirst ? xp : best.yp, second: xFirst ? best.yp : xp } },
    window,
  };
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
    let passing: Explanation['passing'];
    let bisection: Explanation['bisection'];
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
      const found = closestPassing(handle, F, failing.cls, req.limits, say, towards);
      P = found.trial.events ?? [];
      readP = messageReader(handle.channelKeys(), [found.trial.machine.channelKeys()]);
      const how = towards === 0 ? 'chaos scheduling turned off' : `chaos seed ${towards} (the passing run's) taken`;
      passing = { outcome: found.trial.outcome, cls: found.trial.cls, how: `the failing run with ${how} at icount ${found.passesUntil}` };
      bisection = { trials: found.trials, passesUntil: found.passesUntil, failsFrom: found.failsFrom };
    }
    // Scheduling inputs differ by construction (the trial turned chaos off); what they changed is compared.
    F = F.filter((e) => e.kind !== 'chaos');
    P = P.filter((e) => e.kind !== 'chaos');
    const d = firstDifference(F, P);
    const at = Math.min(F[d]?.icount ?? Infinity, P[d]?.icount ?? Infinity);
    const here = (events: readonly MachineEvent[]) => events.slice(d, d + 4).map((e) => `${e.icount} ${eventLine(e)}`);
    const divergence = { icount: at, failing: here(F), passing: here(P) };
    const named = namePair(F, P, d, readF, readP);
    const pair = named.pair
      ? { first: locate(handle, F, named.pair.first), second: locate(handle, F, named.pair.second), passing: named.pair.passing }
      : undefined;
    return { failing, passing, ...(bisection ? { bisection } : {}), divergence, window: named.window, pair, ...(named.noPair ? { noPair: named.noPair } : {}) };
  } finally {
    handle.close();
  }
}

/** Recorded inputs at icount `at` other than chaos (faults armed with it), for a trial from there. */
function inputsAt(events: readonly MachineEvent[], at: number): MachineEvent[] {
  return events.filter((e) => e.icount === at && (e.kind === 'inject' || e.kind === 'console-input' || e.kind === 'idle'));
}

/**
 * The chaos seed of `passing` when it is the same run as `failing` up to their chaos inputs
 * (same machine, program and faults: only the schedule differs); undefined otherwise.
 */
function sameRunBeforeChaos(failing: readonly MachineEvent[], passing: readonly MachineEvent[]): number | undefined {
  const f = failing.findIndex((e) => e.kind === 'chaos');
  const p = passing.findIndex((e) => e.kind === 'chaos');
  const chaos = passing[p];
  if (f < 0 || p !== f || chaos?.kind !== 'chaos') return undefined;
  for (let i = 0; i < f; i++) if (keyOf(failing[i]!) !== keyOf(passing[i]!)) return undefined;
  return chaos.seed;
}

/**
 * Bisect the icount at which chaos is turned off (or switched to the passing run's seed): the latest that passes, the earliest that
 * fails. Chaos can only have changed the schedule where the failing run has a scheduling event
 * (a chaos preemption, or a pick other than the queue's head, is one), so the outcome of "off at
 * T" changes only at those icounts: the bisection runs over them, then checks its answer with
 * the trial one instruction before (and, should that not pass, bisects every icount between).
 */
function closestPassing(handle: RecordingHandle, F: readonly MachineEvent[], cls: string, limits: TrialLimits, say: (line: string) => void, towards: number): { trial: TrialResult; passesUntil: number; failsFrom: number; trials: number } {
  const chaosOn = F.find((e) => e.kind === 'chaos' && e.seed !== 0);
  if (!chaosOn) throw new Error('the failing run has no chaos scheduling to turn off: give a passing recording to compare it with (xrr explain FAILING PASSING)');
  let trials = 0;
  const trial = (t: number, keepEvents = false) => {
    trials++;
    return forkTrial(handle, t, towards, limits, { keepEvents, inputs: inputsAt(F, t) });
  };
  const fails = (t: number): boolean => trial(t).cls === cls;
  const start = chaosOn.icount;
  const end = F[F.length - 1]!.icount;
  if (fails(start)) {
    throw new Error(
      towards === 0
        ? `the failure does not depend on the schedule: it happens with chaos scheduling off too (${cls})`
        : `the passing run does not pass when re-run from the failing run's start with its seed ${towards}`,
    );
  }
  const points = [...new Set(F.filter((e) => e.kind === 'sched' && e.icount > start).map((e) => e.icount)), end];
  let lo = -1;
  let hi = points.length - 1;
  if (!fails(points[hi]!)) throw new Error('the failing run does not fail again when re-run from its end: the recording is incomplete');
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fails(points[mid]!)) hi = mid;
    else lo = mid;
    say(`bisecting the scheduling points: ${hi - lo} left (${trials} trials)`);
  }
  let failsFrom = points[hi]!;
  let passesUntil = failsFrom - 1;
  let passing = trial(passesUntil, true);
  if (passing.cls === cls) {
    // A decision away from the scheduling events: bisect every icount in between.
    let a = lo < 0 ? start : points[lo]!;
    let b = failsFrom;
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (fails(mid)) b = mid;
      else a = mid;
    }
    failsFrom = b;
    passesUntil = a;
    passing = trial(a, true);
  }
  return { trial: passing, passesUntil, failsFrom, trials };
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

/** The explanation as text. */
export function formatExplanation(x: Explanation): string {
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
    for (const o of x.window) lines.push(`  ${String(o.icount).padStart(10)}  pid ${String(o.pid).padEnd(3)} ${o.process.padEnd(10)} ${callText(o)}${o.file ? `  [${o.file}]` : ''}`);
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
