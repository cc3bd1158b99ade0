/**
 * Bytes on disk, side by side with the previous encoding in one run: each workload is recorded
 * with `xrr record` (the same seeds, epoch and key seed, so the same machine run) by this tree and,
 * when XRR_BENCH_BASELINE names a checkout of an earlier commit (with its node_modules), by that
 * tree, alternating; and the files are measured: the whole file per event, the event rows (the
 * event table, its index and hash chain, from dbstat), the snapshots and the pages, and the floor:
 * the sealed messages' ciphertext, which the journal keeps as it crossed the wire (DESIGN.md 6).
 *
 * Workloads: posixtest (event-dense), vfsstress, the record benchmark's workload (vfsstress 4 1500
 * then cpubench 16), and a guest writing FILL_MIB MiB of files (journal bytes per byte written).
 * Sizes are a function of the run, so one recording per workload and tree is the figure.
 *
 *   XRR_BENCH_BASELINE=/tmp/previous npm run bench -- size --json
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Benchmark, Figure } from './figure.js';

const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BASELINE = process.env.XRR_BENCH_BASELINE;
const FILL_MIB = Number(process.env.XRR_BENCH_FILL_MIB ?? 128);
const KEY_SEED = '1'.repeat(64);

const WORKLOADS: readonly { readonly name: string; readonly argv: readonly string[]; readonly perMiB?: number }[] = [
  { name: 'posixtest', argv: ['/bin/posixtest'] },
  { name: 'vfsstress', argv: ['/bin/vfsstress'] },
  { name: 'record_workload', argv: ['/bin/sh', '-c', 'vfsstress 4 1500; cpubench 16'] },
  { name: 'guest_files', argv: ['/bin/fillfs', String(FILL_MIB)], perMiB: FILL_MIB },
];

interface Measured {
  readonly file: number;
  readonly events: number;
  readonly eventRows: number;
  readonly snapshots: number;
  readonly pages: number;
  /** The sealed messages' ciphertext and tags: what DESIGN.md section 6 keeps as it crossed the wire (random bytes), the floor of an encoding. */
  readonly ciphertext: number;
  /** Bytes of the event table's pages (rows and their b-tree), of event_data's (segments of byte data, schema 9), and unused in both. */
  readonly eventTable: number;
  readonly eventData: number;
  readonly eventUnused: number;
}

/** Records `argv` with the xrr of `tree` into `out` and measures the file. */
function recordWith(tree: string, argv: readonly string[], out: string): Measured {
  execFileSync(process.execPath, [join(tree, 'bin/xrr.mjs'), 'record', '--seed', 'size-bench', '--key-seed', KEY_SEED, '--epoch', '2026-01-01T00:00:00Z', '--out', out, ...argv], {
    cwd: tree,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const file = statSync(out).size;
  const db = new Database(out, { readonly: true });
  try {
    const sum = (sql: string): number => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
    return {
      file,
      // Schema 9 keeps a syscall and the return right after it in one row of kind 0 (none before it).
      events: sum('SELECT count(*) + coalesce(sum(kind = 0), 0) AS n FROM event'),
      eventRows: sum("SELECT sum(pgsize) AS n FROM dbstat WHERE name = 'event' OR name LIKE 'event\\_%' ESCAPE '\\'"),
      snapshots: sum("SELECT sum(pgsize) AS n FROM dbstat WHERE name = 'snapshot' OR name = 'snapshot_at'"),
      // The page table's index: the unique hash index of older schemas, the hash-prefix index since page_index_and_packs.
      pages: sum("SELECT sum(pgsize) AS n FROM dbstat WHERE name IN ('page', 'page_dictionary', 'page_hash_prefix') OR name LIKE 'sqlite_autoindex_page%'"),
      // A sealed wire's data is its ciphertext (form 3), with its nonce in front (form 1), or the whole wire (form 2);
      // schema 9 may hold it in a segment (an integer: offset << 24 | length).
      ciphertext: sum(
        `SELECT sum(CASE typeof(data) WHEN 'integer' THEN data & 16777215 ELSE length(data) END - CASE a1 WHEN 1 THEN 24 WHEN 2 THEN 52 ELSE 0 END) AS n
           FROM event WHERE kind IN (3, 11) AND a1 IN (1, 2, 3)`,
      ),
      eventTable: sum("SELECT sum(pgsize) AS n FROM dbstat WHERE name = 'event'"),
      eventData: sum("SELECT sum(pgsize) AS n FROM dbstat WHERE name = 'event_data'"),
      eventUnused: sum("SELECT sum(unused) AS n FROM dbstat WHERE name IN ('event', 'event_data')"),
    };
  } finally {
    db.close();
  }
}

const sizeBench: Benchmark = {
  name: 'size',
  description: `journal bytes per event: this tree${BASELINE ? ` against ${BASELINE}` : ''} (set XRR_BENCH_BASELINE to compare), fillfs ${FILL_MIB} MiB`,
  run(log) {
    if (BASELINE !== undefined && !existsSync(join(BASELINE, 'bin/xrr.mjs'))) throw new Error(`XRR_BENCH_BASELINE=${BASELINE} has no bin/xrr.mjs`);
    const dir = mkdtempSync(join(tmpdir(), 'xrr-size-'));
    const trees: readonly (readonly [string, string])[] = BASELINE ? [['previous', BASELINE], ['current', HERE]] : [['current', HERE]];
    const out: Figure[] = [];
    try {
      for (const w of WORKLOADS) {
        for (const [label, tree] of trees) {
          const m = recordWith(tree, w.argv, join(dir, `${w.name}-${label}.db`));
          const f = (metric: string, value: number, unit: string): Figure => ({ bench: 'size', metric: `${w.name}_${metric}_${label}`, median: value, unit, runs: 1 });
          log(
            `${w.name} (${label}): ${m.events} events, ${m.file} bytes: event rows ${m.eventRows} (event table ${m.eventTable}, event_data ${m.eventData}, ${m.eventUnused} of them unused), snapshots ${m.snapshots}, pages ${m.pages}, the rest ${m.file - m.eventRows - m.snapshots - m.pages}; sealed ciphertext ${m.ciphertext}`,
          );
          if (w.perMiB !== undefined) {
            out.push(f('journal_per_data', m.file / (w.perMiB * 1024 * 1024), 'x'));
          } else {
            out.push(f('bytes_per_event', m.file / m.events, 'B'));
            out.push(f('event_rows_bytes_per_event', m.eventRows / m.events, 'B'));
          }
          // The floor no encoding goes under while it keeps the ciphertext (per event, or per byte the guest wrote).
          out.push(w.perMiB !== undefined ? f('ciphertext_floor_per_data', m.ciphertext / (w.perMiB * 1024 * 1024), 'x') : f('ciphertext_floor_bytes_per_event', m.ciphertext / m.events, 'B'));
          // The event rows' layout: the table's pages, the segments' (schema 9), and what neither fills.
          out.push(f('event_table_bytes', m.eventTable, 'B'));
          out.push(f('event_data_bytes', m.eventData, 'B'));
          out.push(f('event_unused_bytes', m.eventUnused, 'B'));
          out.push(f('snapshot_bytes', m.snapshots, 'B'));
          out.push(f('page_bytes', m.pages, 'B'));
        }
      }
      return out;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default sizeBench;
