/**
 * What a child process showed on its stdout, each chunk with the host time it arrived, so that a
 * check can ask "what had the console shown by time T"; and a wait for a pattern in it that
 * resolves on the data event itself (or the child's end), not by polling.
 */
import type { ChildProcess } from 'node:child_process';

export class TimedOutput {
  private readonly chunks: { readonly at: number; readonly bytes: Buffer }[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;

  constructor(child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.chunks.push({ at: performance.now(), bytes: d });
      this.wakeAll();
    });
    child.once('close', () => {
      this.ended = true;
      this.wakeAll();
    });
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Everything shown so far. */
  all(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.bytes));
  }

  /** Everything shown by host time `t` (performance.now()). */
  shownBy(t: number): Buffer {
    return Buffer.concat(this.chunks.filter((c) => c.at <= t).map((c) => c.bytes));
  }

  /** The host time by which the output first held `pattern`, or undefined if it never did. */
  timeOf(pattern: RegExp): number | undefined {
    let text = '';
    for (const c of this.chunks) {
      text += c.bytes.toString('latin1');
      if (pattern.test(text)) return c.at;
    }
    return undefined;
  }

  /** Resolves true once the output holds `pattern`, false if the child ends first. */
  async waitFor(pattern: RegExp): Promise<boolean> {
    for (;;) {
      if (pattern.test(this.all().toString('latin1'))) return true;
      if (this.ended) return false;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}
