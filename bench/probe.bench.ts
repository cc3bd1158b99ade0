/**
 * The execution probe under gdb's breakpoints, watchpoints and last-write: a forward run of 2
 * million instructions of the vfs-crash sample (forkrace's family) plain, with breakpoints in
 * hot and cold code (stdio's per-character put among them), and with a read+write watch on the
 * top 256 bytes of the stack (about a third of the instructions touch it). Each from the same
 * position, the median of RUNS.
 */
import { runProbed, type ProbeSpec } from '../src/gdb/execution-probe.js';
import { ProcessHistory } from '../src/gdb/process-history.js';
import { openReplayTarget } from '../src/gdb/replay-target.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { SymbolCache } from '../src/symbols/guest-images.js';
import { median, type Benchmark, type Figure } from './figure.js';

const RUNS = Number(process.env.XRR_BENCH_RUNS ?? 3);
const SPAN = 2_000_000;

const probeBench: Benchmark = {
  name: 'probe',
  description: `the gdb execution probe over ${SPAN / 1e6}M instructions of sample-vfs-crash: plain, hot breakpoints, a stack watch (${RUNS} runs)`,
  async run(log) {
    const store = await SqliteJournalStore.open('recordings/sample-vfs-crash.db', { readonly: true, create: false });
    try {
      const history = new ProcessHistory(store, ROOT_BRANCH);
      const pid = history.lastExeced();
      if (pid === undefined) throw new Error('the sample has no exec');
      const from = history.get(pid)!.execs.at(-1)!.icount;
      const target = openReplayTarget(store, ROOT_BRANCH);
      target.seek(from);
      const symbols = new SymbolCache().forPath(target.machine, '/bin/forkrace');
      const breakpoints = new Set(['__bufio_put', 'printf', 'write', 'main', 'fork'].map((n) => {
        const s = symbols.lookup(n);
        if (!s) throw new Error(`forkrace has no symbol ${n}`);
        return s.address;
      }));
      const family = history.family(pid);
      const sp = target.machine.kernel.procs.get(pid)!.regs[2]! >>> 0;
      const stackTop = { addr: sp - 256, len: 256 };
      const specs: [string, ProbeSpec][] = [
        ['plain', { watches: () => false, breakpoints: new Set(), writes: [] }],
        ['breakpoints', { watches: (p) => family.has(p), breakpoints, writes: [] }],
        ['watch', { watches: (p) => family.has(p), breakpoints: new Set(), writes: [stackTop], reads: [stackTop] }],
      ];
      const figures: Figure[] = [];
      for (const [name, spec] of specs) {
        const ms: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          target.seek(from);
          let hits = 0;
          const t0 = performance.now();
          runProbed(target, spec, from + SPAN, () => (hits++, 'continue'));
          ms.push(performance.now() - t0);
          log(`${name} ${i + 1}: ${target.icount - from} instructions, ${hits} hits, ${ms.at(-1)!.toFixed(0)} ms`);
        }
        figures.push({ bench: 'probe', metric: `${name}_ms`, median: median(ms), unit: 'ms', runs: RUNS });
      }
      return figures;
    } finally {
      store.close();
    }
  },
};

export default probeBench;
