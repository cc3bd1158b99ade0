/**
 * The summary `xrr run`, `record` and `replay` print on stderr when their run ends: every server
 * crash (server, message type by name, sender, icount), every process killed by a signal, and a
 * deadlock with what each process waits for (src/explore/run-summary.ts), so that a crash in the
 * middle of a long console session does not scroll by unnoticed.
 *
 * Exit status: a server crash that no `--inject` asked for makes `run` and `record` exit 1 where
 * they would have exited 0 (the recording is complete and kept either way: the status says the run
 * was not clean). A crash in a run with injected faults is what was asked for: it is reported and
 * leaves the status alone.
 */
import type { EventSink } from '../core/events.js';
import type { Machine, RunStop } from '../core/machine.js';
import { EventTee } from '../explore/event-tee.js';
import { RunObserver } from '../explore/outcome.js';
import { endOf } from '../explore/run-plan.js';
import { summarizeRun } from '../explore/run-summary.js';

/** A console run that stopped because its input ran out, with a process reading the console, did not deadlock: it waits for a person. */
function waitsForConsole(machine: Machine): boolean {
  for (const p of machine.kernel.procs.values()) if (p.state === 'blocked' && p.wait?.kind === 'console-read') return true;
  return false;
}

/** The summary lines of a run that stopped at `stop` (empty when there is nothing to tell). */
export function runSummaryLines(seen: RunObserver, machine: Machine, stop: RunStop): string[] {
  const end = endOf(machine, stop);
  if (end.kind === 'deadlock' && waitsForConsole(machine)) {
    // Not a deadlock: its summary is that of a run that ended normally (crashes and kills only).
    return summarizeRun(seen, { kind: 'halted', status: 0, reason: 'init exited' });
  }
  // A console run stops at --max-instructions by the user's choice; the command says so itself.
  if (end.kind === 'timeout') return summarizeRun(seen, { kind: 'halted', status: 0, reason: 'init exited' });
  return summarizeRun(seen, end);
}

/** Prints the summary on stderr; returns the exit status adjusted for an unexpected server crash. */
export function reportRun(command: string, seen: RunObserver, machine: Machine, stop: RunStop, status: number, injected: boolean): number {
  const lines = runSummaryLines(seen, machine, stop);
  for (const l of lines) process.stderr.write(`xrr ${command}: ${l}\n`);
  const crashes = seen.crashes.length;
  if (crashes === 0) return status;
  const what = `${crashes} server crash${crashes === 1 ? '' : 'es'}`;
  if (injected) {
    process.stderr.write(`xrr ${command}: ${what} (faults were injected)\n`);
    return status;
  }
  process.stderr.write(`xrr ${command}: the run was not clean: ${what}${status === 0 ? '; exit status 1' : ''}\n`);
  return status === 0 ? 1 : status;
}

/** On a terminal, ends the guest's last line (a prompt, say) so that what xrr says next starts a line of its own. */
export function endConsoleLine(seen: RunObserver): void {
  const text = seen.console;
  if (process.stdout.isTTY && text.length > 0 && !text.endsWith('\n')) process.stdout.write('\n');
}

/** An observer of a machine's events, teed beside the sink already connected (`to`), or alone. */
export function observeRun(machine: Machine, to?: EventSink): RunObserver {
  const seen = new RunObserver();
  machine.connect({ events: to ? new EventTee([to, seen]) : seen });
  return seen;
}
