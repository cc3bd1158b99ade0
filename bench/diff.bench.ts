/**
 * `xrr diff` on two long recordings that part near the end. Both record the same guest (delegated
 * getpid calls in a loop, four events each) with the same seed, epoch and key seed, so their
 * journals are byte-identical until B's Process Manager is made to crash (an injected fault) at
 * 90% of the run; each holds XRR_BENCH_DIFF_EVENTS events (default 1.2 million). Measured: the
 * first divergence (bisection over the two hash chains, then the events past it by meaning), and
 * the aligned diff of the first 100,000 events after it (read, opened, aligned per process). A
 * third recording is B sealed with another key seed: no hash is shared past the first message, so
 * its first divergence from A is found by comparing every event by meaning (opening both wires of
 * every message): the cost of diffing two recordings that did not share a key seed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine, MACHINE_VERSION } from '../src/core/machine.js';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { createServers } from '../src/servers/create-servers.js';
import { BackgroundJournal } from '../src/timeline/background-journal.js';
import { Recorder } from '../src/timeline/recorder.js';
import { alignEvents } from '../src/diff/align.js';
import { derivedEvents, firstDivergence } from '../src/diff/first-divergence.js';
import { openSides } from '../src/diff/side.js';
import { JournalWires } from '../src/export/journal-wires.js';
import { exitWith, linkProgram, S0, addi, sys } from '../test/support/guest-asm.js';
import { li } from '../test/support/rv-encode.js';
import { median, type Benchmark, type Figure } from './figure.js';

const EVENTS = Number(process.env.XRR_BENCH_DIFF_EVENTS ?? 1_200_000);
const ALIGNED = 100_000;
const RUNS = 5;
const image = loadGuestImage();
const EPOCH = 1_750_000_000_000_000_000n;
const SEED = new Uint8Array(32).fill(5);
const KEY_SEED = new Uint8Array(32).fill(6);
const OTHER_KEY_SEED = new Uint8Array(32).fill(7);

function getpidLoop(n: number): Uint8Array {
  return linkProgram([li(S0, n), { label: 'loop' }, { branch: 'beq', rs1: S0, rs2: 0, to: 'done' }, sys(29), addi(S0, S0, -1), { jal: 0, to: 'loop' }, { label: 'done' }, exitWith(0)]);
}

/** Records the loop; with `crashAt`, the Process Manager crashes at its next message once that many events were emitted. */
async function record(file: string, crashAt: number | null, keySeed = KEY_SEED): Promise<number> {
  const journal = await BackgroundJournal.start(
    file,
    { machineVersion: MACHINE_VERSION, imageHash: image.hash, seedHex: Buffer.from(SEED).toString('hex'), bootEpochNs: EPOCH.toString(), commandLine: ['bench', 'diff'], xrrVersion: 'bench' },
    keySeed,
  );
  const m = new Machine({
    seed: SEED, bootEpochNs: EPOCH, keySeed, initArgv: ['/tmp/getpid'],
    servers: createServers([...image.entries, { path: '/tmp/getpid', kind: 'file', mode: 0o755, data: getpidLoop(Math.ceil(EVENTS / 4)) }], EPOCH),
  });
  const recorder = new Recorder(m, journal, { snapshotNow: false });
  const err = m.boot();
  if (err) throw new Error(err);
  recorder.snapshot();
  let armed = crashAt !== null;
  for (;;) {
    const stop = recorder.run(Number.MAX_SAFE_INTEGER, () => armed && journal.events >= crashAt!);
    if (armed && m.kernel.emitted >= crashAt!) {
      m.inject({ kind: 'crash', server: 3, mType: -1, nth: 1 });
      armed = false;
    }
    if (stop.kind === 'halted') break;
  }
  return journal.close();
}

const bench: Benchmark = {
  name: 'diff',
  description: `xrr diff on two recordings of ${EVENTS.toLocaleString('en-US')} events that part at 90%: first divergence, aligned diff of ${ALIGNED.toLocaleString('en-US')} events`,
  async run(log) {
    // XRR_BENCH_DIFF_DIR keeps the recordings there and reuses them (profiling the diff alone).
    const keep = process.env['XRR_BENCH_DIFF_DIR'];
    const dir = keep ?? mkdtempSync(join(tmpdir(), 'xrr-bench-diff-'));
    if (keep) mkdirSync(keep, { recursive: true });
    try {
      if (!existsSync(join(dir, 'b.db'))) {
        const t0 = performance.now();
        const [na, nb] = await Promise.all([record(join(dir, 'a.db'), null), record(join(dir, 'b.db'), Math.floor(EVENTS * 0.9))]);
        await record(join(dir, 'c.db'), Math.floor(EVENTS * 0.9), OTHER_KEY_SEED);
        log(`recorded ${na.toLocaleString('en-US')} and ${nb.toLocaleString('en-US')} events (and B with another key seed) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      const { a, b, close } = await openSides(join(dir, 'a.db'), join(dir, 'b.db'));
      try {
        const firstMs: number[] = [];
        let where = '';
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          const r = firstDivergence(a, new JournalWires(a.store, a.branch), b, new JournalWires(b.store, b.branch));
          firstMs.push(performance.now() - t);
          if (r.equal) throw new Error('the recordings do not differ');
          where = `seq ${r.a?.seq} (${r.sharedPrefix.toLocaleString('en-US')} events shared by hash, ${r.equalByMeaning} more by meaning): ${r.b?.kind}`;
        }
        log(`first divergence at ${where}`);
        const r = firstDivergence(a, new JournalWires(a.store, a.branch), b, new JournalWires(b.store, b.branch));
        if (r.equal || !r.a || !r.b) throw new Error('no divergence');
        const alignMs: number[] = [];
        const alignOnlyMs: number[] = [];
        let summary = '';
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          const wa = new JournalWires(a.store, a.branch);
          const wb = new JournalWires(b.store, b.branch);
          const ea: ReturnType<typeof derivedEvents> extends Generator<infer T> ? T[] : never = [];
          const eb: typeof ea = [];
          for (const e of derivedEvents(a, r.a.seq)) if (ea.push(e) >= ALIGNED) break;
          for (const e of derivedEvents(b, r.b.seq)) if (eb.push(e) >= ALIGNED) break;
          const t1 = performance.now();
          const al = alignEvents(ea, wa, eb, wb);
          const t2 = performance.now();
          alignMs.push(t2 - t);
          alignOnlyMs.push(t2 - t1);
          summary = `${al.eventsA} vs ${al.eventsB} events: ${al.matched} matched (${al.shifted} shifted), ${al.changed} changed, ${al.onlyA} only in A, ${al.onlyB} only in B`;
        }
        log(`aligned ${summary}`);
        // Another key seed: one run, it reads the whole prefix.
        const other = await openSides(join(dir, 'a.db'), join(dir, 'c.db'));
        const meaningMs: number[] = [];
        try {
          const t = performance.now();
          const m = firstDivergence(other.a, new JournalWires(other.a.store, other.a.branch), other.b, new JournalWires(other.b.store, other.b.branch));
          meaningMs.push(performance.now() - t);
          if (m.equal || m.a?.seq !== r.a.seq) throw new Error(`another key seed found another divergence: ${JSON.stringify(m.equal ? null : m.a?.seq)}`);
          log(`another key seed: ${m.sharedPrefix} events shared by hash, ${m.equalByMeaning.toLocaleString('en-US')} compared by meaning`);
        } finally {
          other.close();
        }
        const fig = (metric: string, values: number[]): Figure => ({ bench: 'diff', metric, median: median(values), unit: 'ms', runs: values.length });
        return [
          fig('first divergence by meaning (another key seed)', meaningMs),fig('first divergence', firstMs), fig(`aligned diff of ${ALIGNED / 1000}k events (read + align)`, alignMs), fig(`aligned diff of ${ALIGNED / 1000}k events (align only)`, alignOnlyMs)];
      } finally {
        close();
      }
    } finally {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
