/**
 * The racing pair of two runs of one program that are the same up to a divergence: the
 * operations, in two processes, whose order decides the outcome (after Hermit's `analyze`).
 */
import type { MachineEvent } from '../core/events.js';
import type { MessageReader } from './ipc-opener.js';
import { callText, operationsOf, type Operation } from './operations.js';

export interface NamedPair {
  /** The first (in the failing run) and second operation, and the same two in the passing run. */
  readonly pair?: { readonly first: Operation; readonly second: Operation; readonly passing: { readonly first: Operation; readonly second: Operation } };
  /** The failing run's operations of the two processes from the divergence to the later of the pair. */
  readonly window: Operation[];
  /** Why no pair was named, when none was. */
  readonly noPair?: string;
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
export function namePair(F: readonly MachineEvent[], P: readonly MachineEvent[], d: number, readF: MessageReader, readP: MessageReader): NamedPair {
  const afterF = operationsOf(F, readF).filter((o) => o.index >= d);
  const afterP = operationsOf(P, readP).filter((o) => o.index >= d);
  const position = new Map<Operation, number>();
  for (const list of byProcess(afterF).values()) list.forEach((o, i) => position.set(o, i));
  const pBy = byProcess(afterP);
  const counterpart = (o: Operation): Operation | undefined => pBy.get(o.pid)?.[position.get(o) ?? -1];
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
