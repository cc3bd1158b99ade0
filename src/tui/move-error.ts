/**
 * What the status line says when a move fails. A divergence (replay found the recording and the
 * machine disagree) is recognised by its shape, checked field by field, rather than by the class
 * of whichever replay engine threw it, so the UI does not depend on where that engine lives.
 */
import { CancelledError } from './session.js';

export interface DivergenceAt {
  /** Position in the branch's timeline of the recorded event that did not match. */
  readonly seq: number;
  readonly icount: number;
  readonly recorded: string;
  readonly replayed: string;
}

function kindAndIcount(v: unknown): { kind: string; icount: number } | null {
  if (typeof v !== 'object' || v === null) return null;
  const { kind, icount } = v as { kind?: unknown; icount?: unknown };
  return typeof kind === 'string' && typeof icount === 'number' ? { kind, icount } : null;
}

/** The divergence an error reports, or null when it reports none. */
export function divergenceOf(e: unknown): DivergenceAt | null {
  if (!(e instanceof Error) || !('divergence' in e)) return null;
  const d = e.divergence;
  if (typeof d !== 'object' || d === null) return null;
  const { seq, expected, actual } = d as { seq?: unknown; expected?: unknown; actual?: unknown };
  if (typeof seq !== 'number') return null;
  const exp = kindAndIcount(expected);
  const act = kindAndIcount(actual);
  return { seq, icount: exp?.icount ?? act?.icount ?? 0, recorded: exp?.kind ?? 'nothing', replayed: act?.kind ?? 'nothing' };
}

export function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError;
}

export function errorMessage(e: unknown): string {
  return `error: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`;
}
