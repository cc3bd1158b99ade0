/**
 * The end-of-run summary that names what must not go unnoticed: every server crash (server,
 * cause, the message it was handling by name, its sender, the icount), every process killed by a
 * signal, and a deadlock with what each process waits for. For `xrr record`, `run` and `replay`
 * to print after their run (feed the run's events to a RunObserver, then call this), and for
 * explore's kept runs.
 */
import type { EndOfRun, RunObserver } from './outcome.js';

export function summarizeRun(seen: RunObserver, end: EndOfRun): string[] {
  const lines: string[] = [];
  for (const c of seen.crashes) {
    lines.push(`server crash: ${c.server} (${c.cause}) handling ${c.message} from pid ${c.source} at icount ${c.icount}: ${c.error}`);
  }
  for (const k of seen.kills) lines.push(`killed: pid ${k.pid} by ${k.signal} at icount ${k.icount}`);
  switch (end.kind) {
    case 'deadlock':
      lines.push(`deadlock: every process waits and nothing can wake one`);
      for (const w of end.waiting) lines.push(`  ${w}`);
      break;
    case 'timeout':
      lines.push(`stopped at the instruction limit, icount ${end.icount}`);
      break;
    case 'halted':
      if (end.reason !== 'init exited') lines.push(`halted: ${end.reason} (status ${end.status})`);
      break;
    default: {
      const _exhaustive: never = end;
      return _exhaustive;
    }
  }
  return lines;
}
