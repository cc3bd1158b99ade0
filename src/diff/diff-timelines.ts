/**
 * `xrr diff`: two timelines compared. The report holds, in the order a person asks for them:
 * whether the runs differ, which inputs differ (once, as inputs), the first divergence (the first
 * derived event without an equal on the other side) and the inputs that explain it, the aligned
 * diff after it summarised by process, kind and server, the console output as a unified diff, and
 * both machines' state at the divergence side by side. Plain data, so `--json` prints it as is.
 */
import type { MachineEvent } from '../core/events.js';
import type { StoredEvent } from '../journal/store.js';
import { EventDecoder } from '../export/decode-event.js';
import { alignEvents, trackOf, type AlignedDiff, type Change } from './align.js';
import { consoleOutput, unifiedDiff } from './console-diff.js';
import { derivedEvents, firstDivergence } from './first-divergence.js';
import { compareInputs, type InputDifference } from './inputs.js';
import { diffFacts, machineFacts, type StateDifference } from './machine-facts.js';
import { machineAt } from './machine-at.js';
import { CannotCompare, type DiffSide } from './side.js';

export interface DiffOptions {
  /** Events per side aligned after the divergence (default 100,000). */
  readonly alignLimit?: number;
  /** Differences kept in the report (default 500; the counts cover them all). */
  readonly maxDifferences?: number;
  /** Restore both machines at the divergence and compare their state (default true). */
  readonly state?: boolean;
  /** Called as events are compared by meaning (a long scan when the key seeds differ). */
  readonly progress?: (comparedByMeaning: number) => void;
}

export interface EventView {
  readonly seq: number;
  readonly icount: number;
  readonly kind: MachineEvent['kind'];
  readonly track: string;
  /** One line, IPC decoded with the side's own keys. */
  readonly summary: string;
  readonly event: MachineEvent;
}

export interface SideSummary {
  readonly label: string;
  readonly file: string;
  readonly branch: number;
  readonly events: number;
  readonly lastIcount: number;
  readonly forkedFrom: { readonly branch: number; readonly icount: number } | null;
}

export interface DivergenceView {
  /** 'hash': the first rows past the shared hash chain differ; 'meaning': found comparing events past it. */
  readonly foundBy: 'hash' | 'meaning';
  /** Events shared row for row (equal hash chains). */
  readonly sharedPrefix: number;
  /** Derived events equal by meaning after that, before the divergence. */
  readonly equalByMeaning: number;
  /** The first derived event of each side without an equal; null where that side had ended. */
  readonly a: EventView | null;
  readonly b: EventView | null;
  /** The input differences that arrived before it (or are the run's own): what explains it. */
  readonly explainedBy: readonly InputDifference[];
}

/** The aligned diff as the report gives it: the aligner's counts, its differences as event views. */
export interface AlignedView extends Omit<AlignedDiff, 'differences'> {
  /** The window stopped at alignLimit events on a side. */
  readonly limited: boolean;
  readonly differences: readonly { readonly change: Change; readonly track: string; readonly a: EventView | null; readonly b: EventView | null }[];
  /** Differences left out of `differences` (maxDifferences). */
  readonly omitted: number;
}

export type StateView =
  | { readonly ok: true; readonly icountA: number; readonly icountB: number; readonly differences: readonly StateDifference[] }
  | { readonly ok: false; readonly error: string };

export interface DiffReport {
  readonly version: 1;
  readonly a: SideSummary;
  readonly b: SideSummary;
  /** identical: the same rows; equal: equal by meaning, no input that changes behaviour differs; else different. */
  readonly verdict: 'identical' | 'equal' | 'different';
  readonly inputs: readonly InputDifference[];
  readonly firstDivergence: DivergenceView | null;
  readonly aligned: AlignedView | null;
  readonly console: { readonly equal: boolean; readonly unified: readonly string[] };
  readonly state: StateView | null;
}

function summaryOf(side: DiffSide): SideSummary {
  const last = side.store.events(side.branch, { order: 'desc', limit: 1 })[0];
  return {
    label: side.label,
    file: side.file,
    branch: side.branch,
    events: side.length,
    lastIcount: last?.icount ?? 0,
    forkedFrom: side.info.parent === null ? null : { branch: side.info.parent, icount: side.info.forkIcount },
  };
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  while (out.length < n) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export function diffTimelines(a: DiffSide, b: DiffSide, options: DiffOptions = {}): DiffReport {
  const da = new EventDecoder(a.store, a.branch);
  const db = new EventDecoder(b.store, b.branch);
  const view = (s: StoredEvent | null, d: EventDecoder): EventView | null =>
    s === null ? null : { seq: s.seq, icount: s.icount, kind: s.kind, track: trackOf(s.event), summary: d.decode(s.event).summary, event: s.event };

  const inputs = compareInputs(a, b);
  const first = firstDivergence(a, da.wires, b, db.wires, options.progress);
  if (!first.equal) {
    // A copy shared without its keys keeps its messages sealed: past the shared hash chain two
    // wires that differ may still say the same, and nothing can tell.
    for (const [s, d, side] of [[first.a, da, a], [first.b, db, b]] as const) {
      const e = s?.event;
      if ((e?.kind === 'ipc' || e?.kind === 'ipc-reject') && e.wire !== undefined && d.wires.withheld) {
        throw new CannotCompare(
          `${side.label} was shared without its keys: its sealed messages cannot be compared by meaning past the ${first.sharedPrefix} events the two share row for row`,
        );
      }
    }
  }
  const behaviourInputs = inputs.filter((i) => i.changesBehaviour);
  const verdict: DiffReport['verdict'] = first.equal ? (first.identical ? 'identical' : behaviourInputs.length === 0 ? 'equal' : 'different') : 'different';

  const outA = consoleOutput(a);
  const outB = consoleOutput(b);
  const consoleDiff = unifiedDiff(outA, outB, a.label, b.label);
  const report = { version: 1 as const, a: summaryOf(a), b: summaryOf(b), verdict, inputs, console: { equal: outA === outB, unified: consoleDiff } };
  if (first.equal) return { ...report, firstDivergence: null, aligned: null, state: null };

  const at = Math.min(first.a?.icount ?? Infinity, first.b?.icount ?? Infinity);
  const divergence: DivergenceView = {
    foundBy: first.foundBy,
    sharedPrefix: first.sharedPrefix,
    equalByMeaning: first.equalByMeaning,
    a: view(first.a, da),
    b: view(first.b, db),
    explainedBy: inputs.filter((i) => (i.icountA === undefined && i.icountB === undefined) || Math.min(i.icountA ?? Infinity, i.icountB ?? Infinity) <= at),
  };

  const limit = options.alignLimit ?? 100_000;
  const maxDifferences = options.maxDifferences ?? 500;
  const evA = first.a ? take(derivedEvents(a, first.a.seq), limit) : [];
  const evB = first.b ? take(derivedEvents(b, first.b.seq), limit) : [];
  const al = alignEvents(evA, da.wires, evB, db.wires);
  const aligned: AlignedView = {
    ...al,
    limited: evA.length >= limit || evB.length >= limit,
    differences: al.differences.slice(0, maxDifferences).map((d) => ({ change: d.change, track: d.track, a: view(d.a, da), b: view(d.b, db) })),
    omitted: Math.max(0, al.differences.length - maxDifferences),
  };

  let state: StateView | null = null;
  if (options.state ?? true) {
    // Just past the divergent events' instruction, so what they did shows (a seek stops before
    // the inputs that arrive at its target, and typed input is often where two runs part).
    const icountA = Math.min(report.a.lastIcount, (first.a?.icount ?? report.a.lastIcount) + 1);
    const icountB = Math.min(report.b.lastIcount, (first.b?.icount ?? report.b.lastIcount) + 1);
    try {
      const ma = machineAt(a, icountA);
      const mb = machineAt(b, icountB);
      state = { ok: true, icountA: ma.icount, icountB: mb.icount, differences: diffFacts(machineFacts(ma), machineFacts(mb)) };
    } catch (e) {
      state = { ok: false, error: (e as Error).message };
    }
  }
  return { ...report, firstDivergence: divergence, aligned, state };
}

/** The exit status `diff` gives: 0 equal, 1 different (2, cannot compare, is an error before a report). */
export function exitStatusOf(report: DiffReport): 0 | 1 {
  return report.verdict === 'different' ? 1 : 0;
}
