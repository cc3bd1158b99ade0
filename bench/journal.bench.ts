/**
 * Journal storage: events per second written to SQLite (realistic syscall/IPC/scheduling mix,
 * committed in 4096-event transactions), bytes per event on disk, page put rate and compression
 * ratio for 4 KiB pages, and query latency on the large file: "events of pid P between t1 and t2",
 * "nearest snapshot at or before t", "previous syscall of pid P" (reverse-continue); verify speed.
 * The writing is measured twice: append() of event objects (a store on the caller's thread), and
 * the recorder's path: events packed into row batches, then appendRows() from them (row-batch.ts).
 * XRR_BENCH_JOURNAL_EVENTS sets the event count (default 1,000,000). Files live under
 * os.tmpdir() and are deleted afterwards.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStream, META, rng } from '../test/journal-fixtures.js';
import { icount, journalSeq, ROOT_BRANCH, SqliteJournalStore, verify, type PageHash } from '../src/journal/index.js';
import { RowBatchReader, RowBatchWriter } from '../src/journal/row-batch.js';
import { median, percentile, type Benchmark, type Figure } from './figure.js';

const EVENTS = Number(process.env.XRR_BENCH_JOURNAL_EVENTS ?? 1_000_000);
const CHUNK = 4096;
const PAGES = 20_000;
const SNAPSHOTS = 1000;
const QUERIES = 500;

/** 4 KiB pages as a guest's memory holds them: zeros, code-like, text-like, and random data. */
function makePage(r: () => number, i: number): Uint8Array {
  const p = new Uint8Array(4096);
  const kind = i % 4;
  if (kind === 0) {
    p[(r() * 4096) | 0] = 1; // nearly empty (bss, fresh stack), still unique
  } else if (kind === 1) {
    // RISC-V code: a small vocabulary of 32-bit words.
    const vocab = Array.from({ length: 64 }, () => (r() * 2 ** 32) >>> 0);
    const v = new DataView(p.buffer);
    for (let o = 0; o < 4096; o += 4) v.setUint32(o, vocab[(r() * r() * 64) | 0]!, true);
  } else if (kind === 2) {
    const words = ['the ', 'file ', 'pid ', '/bin/', 'error ', 'init ', 'sh ', '\n', 'exec ', 'ok '];
    let o = 0;
    while (o < 4096) for (const c of words[(r() * words.length) | 0]!) if (o < 4096) p[o++] = c.charCodeAt(0);
  } else {
    for (let o = 0; o < 4096; o++) p[o] = r() < 0.5 ? 0 : (r() * 256) | 0; // heap: half random
  }
  return p;
}

const journal: Benchmark = {
  name: 'journal',
  description: `journal storage: ${EVENTS} events, ${PAGES} pages, ${SNAPSHOTS} snapshots, ${QUERIES} queries of each kind`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-bench-journal-'));
    const figures: Figure[] = [];
    const fig = (metric: string, value: number, unit: string, runs: number): void => {
      figures.push({ bench: 'journal', metric, median: value, unit, runs });
    };
    try {
      const path = join(dir, 'bench.db');
      const store = await SqliteJournalStore.open(path);
      store.createRecording(META);

      // --- writing events: only the store's time counts, not generating them ---
      const stream = eventStream(1, { startIcount: 1, ipcBytes: 96 });
      let writeMs = 0;
      let writeCpuMs = 0;
      const chunkRates: number[] = [];
      for (let done = 0; done < EVENTS; done += CHUNK) {
        const evs = stream.next(Math.min(CHUNK, EVENTS - done));
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        store.append(ROOT_BRANCH, evs);
        store.flush();
        const c = process.cpuUsage(c0);
        const ms = performance.now() - t0;
        writeMs += ms;
        writeCpuMs += (c.user + c.system) / 1000;
        chunkRates.push(evs.length / ms);
      }
      const lastIcount = store.eventAt(ROOT_BRANCH, journalSeq(EVENTS - 1))!.icount;
      log(`wrote ${EVENTS} events in ${writeMs.toFixed(0)} ms (${(EVENTS / writeMs).toFixed(0)}k/s), last icount ${lastIcount}`);
      fig('events_written_per_s', (EVENTS / writeMs) * 1000, 'events/s', 1);
      fig('events_written_per_s_by_batch', median(chunkRates) * 1000, 'events/s', chunkRates.length);
      // Per second of this process's CPU time (all its threads, GC helpers included): steadier
      // than wall time on a shared machine, and can be below the wall rate when threads overlap.
      fig('events_written_per_cpu_s', (EVENTS / writeCpuMs) * 1000, 'events/s', 1);

      // --- the same events as `xrr record` hands them over: packed into row batches (the
      // machine's thread), then appended from the batches (the writer thread), each timed ---
      {
        const rowsPath = join(dir, 'rows.db');
        const rs = await SqliteJournalStore.open(rowsPath);
        rs.createRecording(META);
        const again = eventStream(1, { startIcount: 1, ipcBytes: 96 });
        const writer = new RowBatchWriter(CHUNK);
        const reader = new RowBatchReader();
        let packCpuMs = 0;
        let appendMs = 0;
        let appendCpuMs = 0;
        for (let done = 0; done < EVENTS; done += CHUNK) {
          const evs = again.next(Math.min(CHUNK, EVENTS - done));
          let c0 = process.cpuUsage();
          for (const e of evs) writer.add(e);
          const batch = writer.take();
          let c = process.cpuUsage(c0);
          packCpuMs += (c.user + c.system) / 1000;
          const t0 = performance.now();
          c0 = process.cpuUsage();
          rs.appendRows(ROOT_BRANCH, batch.count, reader.rows(batch));
          rs.flush();
          c = process.cpuUsage(c0);
          appendMs += performance.now() - t0;
          appendCpuMs += (c.user + c.system) / 1000;
        }
        rs.close();
        log(`row batches: packed ${EVENTS} events in ${packCpuMs.toFixed(0)} ms CPU, appended in ${appendMs.toFixed(0)} ms (${appendCpuMs.toFixed(0)} ms CPU)`);
        fig('events_packed_per_cpu_s', (EVENTS / packCpuMs) * 1000, 'events/s', 1);
        fig('events_written_from_batches_per_s', (EVENTS / appendMs) * 1000, 'events/s', 1);
        fig('events_written_from_batches_per_cpu_s', (EVENTS / appendCpuMs) * 1000, 'events/s', 1);
      }

      // --- pages ---
      const r = rng(7);
      const pages = Array.from({ length: PAGES }, (_, i) => makePage(r, i));
      let t0 = performance.now();
      const hashes: PageHash[] = [];
      for (let i = 0; i < PAGES; i += 256) hashes.push(...store.putPages(pages.slice(i, i + 256)));
      const putMs = performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < PAGES; i += 256) store.putPages(pages.slice(i, i + 256));
      const dedupMs = performance.now() - t0;
      const st = store.stats();
      log(`put ${PAGES} new pages in ${putMs.toFixed(0)} ms, again (deduplicated) in ${dedupMs.toFixed(0)} ms; ${st.pageBytes} compressed bytes`);
      fig('pages_put_per_s', (PAGES / putMs) * 1000, 'pages/s', 1);
      fig('pages_dedup_put_per_s', (PAGES / dedupMs) * 1000, 'pages/s', 1);
      fig('page_compression_ratio', (PAGES * 4096) / st.pageBytes, 'x', 1);

      // --- snapshots spread over the timeline, each naming 256 pages ---
      const state = new Uint8Array(64 * 1024);
      for (let i = 0; i < state.length; i++) state[i] = (i * 13) & (i >> 4) & 0xff;
      const snapTimes: number[] = [];
      for (let k = 1; k <= SNAPSHOTS; k++) {
        const seq = Math.floor((k * EVENTS) / (SNAPSHOTS + 1));
        const at = store.eventAt(ROOT_BRANCH, journalSeq(seq - 1))!.icount;
        const ps = Array.from({ length: 256 }, (_, j) => hashes[(k * 7 + j) % PAGES]!);
        const t = performance.now();
        store.putSnapshot({ branch: ROOT_BRANCH, icount: icount(at), seq: journalSeq(seq), state, pages: ps });
        snapTimes.push(performance.now() - t);
      }
      fig('snapshot_put', median(snapTimes), 'ms', SNAPSHOTS);
      store.close();
      const bytes = statSync(path).size;
      log(`file: ${(bytes / 1e6).toFixed(1)} MB`);

      // bytes per event: a file with the events alone, so pages and snapshots do not count.
      const evPath = join(dir, 'events-only.db');
      {
        const s = await SqliteJournalStore.open(evPath);
        s.createRecording(META);
        const again = eventStream(1, { startIcount: 1, ipcBytes: 96 });
        const n = Math.min(EVENTS, 200_000);
        for (let done = 0; done < n; done += CHUNK) s.append(ROOT_BRANCH, again.next(Math.min(CHUNK, n - done)));
        s.close();
        const perEvent = statSync(evPath).size / n;
        log(`events-only file: ${perEvent.toFixed(1)} bytes per event over ${n} events`);
        fig('bytes_per_event', perEvent, 'bytes', 1);
      }

      // --- queries on the large file, reopened ---
      const q = await SqliteJournalStore.open(path, { readonly: true });
      const qr = rng(11);
      const time = (fn: () => number): { ms: number; n: number } => {
        const t = performance.now();
        const n = fn();
        return { ms: performance.now() - t, n };
      };
      const window = Math.max(1, Math.floor(lastIcount / 1000)); // 0.1% of the run
      const pidRuns = Array.from({ length: QUERIES }, () => {
        const pid = 8 + ((qr() * 6) | 0);
        const t1 = Math.floor(qr() * (lastIcount - window));
        return time(() => q.events(ROOT_BRANCH, { pid, fromIcount: icount(t1), toIcount: icount(t1 + window) }).length);
      });
      const pidMs = pidRuns.map((x) => x.ms);
      log(`pid-in-window: median ${median(pidMs).toFixed(3)} ms, p95 ${percentile(pidMs, 95).toFixed(3)} ms, median ${median(pidRuns.map((x) => x.n))} events returned (window ${window} instructions)`);
      fig('query_pid_window_median', median(pidMs), 'ms', QUERIES);
      fig('query_pid_window_p95', percentile(pidMs, 95), 'ms', QUERIES);

      const snapMs = Array.from({ length: QUERIES }, () => time(() => (q.nearestSnapshot(ROOT_BRANCH, icount(Math.floor(qr() * lastIcount))) ? 1 : 0)).ms);
      fig('query_nearest_snapshot_median', median(snapMs), 'ms', QUERIES);
      fig('query_nearest_snapshot_p95', percentile(snapMs, 95), 'ms', QUERIES);
      log(`nearest snapshot: median ${median(snapMs).toFixed(3)} ms, p95 ${percentile(snapMs, 95).toFixed(3)} ms`);

      const prevMs = Array.from({ length: QUERIES }, () =>
        time(() => (q.previousEvent(ROOT_BRANCH, journalSeq(Math.floor(qr() * EVENTS)), { pid: 8 + ((qr() * 6) | 0), kinds: ['syscall'] }) ? 1 : 0)).ms,
      );
      fig('query_previous_syscall_median', median(prevMs), 'ms', QUERIES);
      fig('query_previous_syscall_p95', percentile(prevMs, 95), 'ms', QUERIES);
      log(`previous syscall of a pid: median ${median(prevMs).toFixed(3)} ms, p95 ${percentile(prevMs, 95).toFixed(3)} ms`);

      t0 = performance.now();
      const report = verify(q);
      const verifyMs = performance.now() - t0;
      if (!report.ok) throw new Error(`the benchmark journal does not verify: ${JSON.stringify(report.problems.slice(0, 3))}`);
      log(`verify: ${report.events} events, ${report.snapshots} snapshots, ${report.pages} pages in ${verifyMs.toFixed(0)} ms`);
      fig('verify_events_per_s', (report.events / verifyMs) * 1000, 'events/s', 1);
      q.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};

export default journal;
