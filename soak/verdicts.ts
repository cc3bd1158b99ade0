/**
 * What the soak asks of every xrr command it runs: an end within its time limit, an exit status
 * (not a death by signal or a status of 128 and up), and when it fails, a message and no stack
 * trace. And the three questions asked of every recording: does it open, verify, replay.
 */
import { xrrWithin, type XrrResult } from '../test/support/xrr-cli.js';

/** The longest any single read command may take on a soak recording before it counts as hung. */
const COMMAND_LIMIT_MS = 300_000;

export function run(...args: string[]): XrrResult {
  return xrrWithin(COMMAND_LIMIT_MS, args);
}

const STACK = /^\s+at .+[(:]\d+|Unhandled|node:internal|\bTypeError\b|\bRangeError\b|\bReferenceError\b/m;

/** Why `r` is not a clean end (a clear result or a clear error), or undefined when it is. */
export function unclean(what: string, r: XrrResult): string | undefined {
  if (r.hung) return `${what} hung (killed after ${COMMAND_LIMIT_MS / 1000} s)`;
  if (r.signal !== null) return `${what} died of ${r.signal}`;
  if (r.status < 0 || r.status >= 128) return `${what} exited ${r.status} (a crash)`;
  if (STACK.test(r.stderr) || STACK.test(r.stdout)) return `${what} printed a stack trace: ${tail(r.stderr || r.stdout)}`;
  if (r.status !== 0 && r.stderr.trim() === '' && r.stdout.trim() === '') return `${what} failed (exit ${r.status}) without a message`;
  return undefined;
}

/** The last lines of a command's output, for a report. */
export function tail(text: string, lines = 4): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/** Why the recording does not open, verify and replay `branch` with no divergence, or undefined when it does. */
export function notWhole(file: string, branch: number): string | undefined {
  const info = run('info', file);
  if (info.status !== 0) return unclean('info', info) ?? `info failed: ${tail(info.stderr)}`;
  const ver = run('verify', file);
  if (ver.status !== 0 || !/^ok:/m.test(ver.stdout)) return unclean('verify', ver) ?? `verify failed: ${tail(ver.stdout + ver.stderr)}`;
  const rep = run('replay', file, '--branch', String(branch));
  if (rep.status !== 0 || !rep.stdout.includes('no divergence')) return unclean('replay', rep) ?? `replay of branch ${branch} failed: ${tail(rep.stdout + rep.stderr)}`;
  return undefined;
}
