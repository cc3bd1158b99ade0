/**
 * The booted machine: real servers, the committed guest image. posixtest passes case by case;
 * the shell works on the console; two boots with the same seed and input give identical event
 * streams; bad guest behaviour gets the documented errno or signal and the machine goes on.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bootMachine, newMachine } from './support/boot.js';
import { A0, A1, A2, DATA_BASE, S0, linkProgram, sys } from './support/guest-asm.js';
import { li, op } from './support/rv-encode.js';

function eventHash(events: readonly object[]): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e));
  return h.digest('hex');
}

describe('the machine boots', () => {
  it('runs posixtest from the shell and every case passes', () => {
    const r = bootMachine({ input: ['posixtest; echo posixtest-status=$?\n'] });
    const lines = r.output.split(/\r?\n/);
    const failed = lines.filter((l) => l.startsWith('FAIL'));
    expect(failed).toEqual([]);
    expect(lines.filter((l) => l.startsWith('PASS')).length).toBeGreaterThanOrEqual(15);
    expect(r.output).toContain('posixtest-status=0');
  });

  it('boots /sbin/init to a shell prompt and runs commands typed at the console', () => {
    const r = bootMachine({ input: ['echo hello from xrr\n', 'ls /bin\n', 'cat /etc/motd\n', 'echo a b | cat\n'] });
    expect(r.stop.kind).toBe('idle');
    expect(r.output).toContain('hello from xrr');
    expect(r.output).toContain('posixtest');
    expect(r.output).toMatch(/\na b\r?\n/);
  });

  it('is deterministic: the same seed and input give the same events', () => {
    const run = () => bootMachine({ seed: 7, input: ['ls /bin\n', 'forkrace\n'] });
    const a = run();
    const b = run();
    expect(a.events.length).toBeGreaterThan(100);
    expect(eventHash(a.events)).toBe(eventHash(b.events));
    expect(a.output).toBe(b.output);
  });

  it('getrandom gives bytes of the machine DRBG: the same seed the same bytes, another seed others', () => {
    // getrandom(buf, 16, 0) then write(1, buf, 16); exit with getrandom's result.
    const program = linkProgram([
      li(A0, DATA_BASE), li(A1, 16), li(A2, 0), sys(66), op('add', S0, A0, 0),
      li(A0, 1), li(A1, DATA_BASE), li(A2, 16), sys(6), op('add', A0, S0, 0), sys(25),
    ]);
    const bytesOf = (seed: number) => {
      const r = bootMachine({ seed, initArgv: ['/tmp/rand'], files: { '/tmp/rand': program } });
      expect(r.stop).toMatchObject({ kind: 'halted', status: 16 });
      return r.output;
    };
    expect(bytesOf(1)).toHaveLength(16);
    expect(bytesOf(1)).toBe(bytesOf(1));
    expect(bytesOf(2)).not.toBe(bytesOf(1));
  });

  it('a run stopped early (stopEarly) and resumed gives the events of a straight run', () => {
    const input = ['ls /bin\n', 'forkrace\n'];
    const straight = bootMachine({ seed: 7, input });
    const { machine, sink } = newMachine({ seed: 7 });
    expect(machine.boot()).toBeUndefined();
    const left = [...input];
    let asked = 0;
    let stops = 0;
    for (;;) {
      // Stop at every third question: after syscalls, traps and ticks, wherever they fall.
      const stop = machine.run(2_000_000_000, () => ++asked % 3 === 0);
      if (stop.kind === 'limit') {
        stops++;
        continue;
      }
      if (stop.kind === 'idle' && left.length > 0) {
        machine.input(new TextEncoder().encode(left.shift()!));
        continue;
      }
      break;
    }
    expect(stops).toBeGreaterThan(20);
    expect(eventHash(sink.events)).toBe(eventHash(straight.events));
  });
});

describe('determinism across processes', () => {
  it('two host processes booting with the same seed and input produce the same event stream', () => {
    const run = (seed: string) =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', 'test/support/event-hash-cli.ts', seed, 'ls -l /bin', 'forkrace', 'vfsstress 3'], {
          encoding: 'utf8',
        }),
      ) as { hash: string; events: number; icount: number };
    const a = run('11');
    const b = run('11');
    expect(a.events).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(run('12').hash).not.toBe(a.hash); // the seed is an input: another seed, another boot
  }, 180_000); // three host processes, each started with tsx: 27 s together beside the suite under load
});

describe('machine state', () => {
  it('save -> restore into a fresh machine -> keep running matches a straight run', () => {
    const input = ['ls /bin\n', 'echo one two | cat\n'];
    const straight = bootMachine({ seed: 3, input, maxInstructions: 9_000_000 });

    const first = bootMachine({ seed: 3, input, maxInstructions: 4_000_000 });
    const pages = new Map<string, Uint8Array>();
    const saved = JSON.parse(JSON.stringify(first.machine.getState((h, b) => pages.set(h, b.slice()))));

    const second = newMachine({ seed: 3 });
    second.machine.setState(saved, (h) => pages.get(h));
    let stop = second.machine.run(9_000_000);
    const rest = input.slice(first.inputUsed);
    while (stop.kind === 'idle' && rest.length > 0) {
      second.machine.input(new TextEncoder().encode(rest.shift()!));
      stop = second.machine.run(9_000_000);
    }
    expect(second.machine.icount).toBe(straight.machine.icount);
    expect(second.machine.getState()).toEqual(straight.machine.getState());
    expect(first.output + second.output()).toBe(straight.output);
  });
});
