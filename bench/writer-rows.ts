/**
 * The journal writer's row path alone, on one thread, against SQLite's floor for the same rows:
 * `npx tsx bench/writer-rows.ts [--rounds=N] [--from=recording.db]`.
 *
 * It records /bin/posixtest (event-dense; or reads the events of --from), packs its events into
 * batches of 4096 rows as the machine's thread does (row-batch.ts RowBatchWriter; each structured-cloned as
 * postMessage would), then in each
 * round writes them into a new file as the writer thread does (RowBatchReader, appendRows, flush
 * after each batch: the rows out of the batch, the hash chain, the seal, commitRows). The first
 * round runs on cold code, as every recording's writer does (its isolate is new); the later ones
 * on warm code. The floor: the rows the store wrote, read back as stored, inserted into a bare
 * table of the same columns, 64 rows a statement, one transaction a batch (SQLite and
 * better-sqlite3's binding only). CPU milliseconds of this thread (process.cpuUsage: the only
 * busy thread).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadGuestImage } from '../src/cli/guest-image.js';
import type { MachineEvent } from '../src/core/events.js';
import { Machine, MACHINE_VERSION } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { RowBatchReader, RowBatchWriter, type RowBatch } from '../src/journal/row-batch.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import type { NewRecording } from '../src/journal/store.js';
import { createServers } from '../src/servers/create-servers.js';
import { BackgroundJournal } from '../src/timeline/background-journal.js';
import { Recorder } from '../src/timeline/recorder.js';

const BATCH = 4096;
const BARE_ROWS_PER_INSERT = 64;
const COLUMNS = 'id, icount, seq_in_icount, kind, pid, nr, a0, a1, a2, a3, a4, a5, name, data';

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

async function recordPosixtest(file: string): Promise<void> {
  const image = loadGuestImage();
  const epoch = 1_750_000_000_000_000_000n;
  const seed = new Uint8Array(32).fill(7);
  const argv = ['/bin/posixtest'];
  const journal = await BackgroundJournal.start(file, {
    machineVersion: MACHINE_VERSION, imageHash: image.hash, seedHex: Buffer.from(seed).toString('hex'), bootEpochNs: epoch.toString(), commandLine: argv, xrrVersion: 'bench',
  });
  const recorder = new Recorder(new Machine({ seed, bootEpochNs: epoch, servers: createServers(image.entries, epoch), initArgv: ['/sbin/init', ...argv] }), journal, { snapshotNow: false });
  const err = recorder.machine.boot();
  if (err) throw new Error(err);
  recorder.run();
  await journal.close();
}

/** The bare floor: the stored rows of `file` into a bare table, one transaction per `commits` slice. */
function bareInsertMs(file: string, dir: string, commits: number): number {
  const src = new Database(file, { readonly: true });
  const rows = src.prepare(`SELECT ${COLUMNS} FROM event ORDER BY id`).raw().all() as unknown[][];
  src.close();
  const bare = join(dir, 'bare.db');
  for (const s of ['', '-wal', '-shm']) rmSync(bare + s, { force: true });
  const db = new Database(bare);
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE event (id INTEGER PRIMARY KEY, icount INTEGER NOT NULL, seq_in_icount INTEGER NOT NULL, kind INTEGER NOT NULL, pid INTEGER, nr INTEGER, a0 INTEGER, a1 INTEGER, a2 INTEGER, a3 INTEGER, a4 INTEGER, a5 INTEGER, name INTEGER, data)`);
  const values = `(${new Array<string>(14).fill('?').join(', ')})`;
  const many = db.prepare(`INSERT INTO event (${COLUMNS}) VALUES ${new Array<string>(BARE_ROWS_PER_INSERT).fill(values).join(', ')}`);
  const one = db.prepare(`INSERT INTO event (${COLUMNS}) VALUES ${values}`);
  const perCommit = Math.ceil(rows.length / commits);
  // The rows as the store binds them (data references as BigInt), so the loop below only copies.
  const bound = rows.map((row) => row.map((v, k) => (k === 13 && typeof v === 'number' ? BigInt(v) : v)));
  const params = new Array<unknown>(BARE_ROWS_PER_INSERT * 14);
  const t0 = process.cpuUsage();
  for (let c = 0; c < bound.length; c += perCommit) {
    db.transaction(() => {
      const end = Math.min(bound.length, c + perCommit);
      let i = c;
      for (; i + BARE_ROWS_PER_INSERT <= end; i += BARE_ROWS_PER_INSERT) {
        let p = 0;
        for (let j = i; j < i + BARE_ROWS_PER_INSERT; j++) {
          const row = bound[j]!;
          for (let k = 0; k < 14; k++) params[p++] = row[k];
        }
        many.run(params);
      }
      for (; i < end; i++) one.run(bound[i]!);
    })();
  }
  const ms = cpuMs(t0);
  db.close();
  return ms;
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const rounds = Number(arg('rounds') ?? 8);
  if (!Number.isSafeInteger(rounds) || rounds < 2) throw new Error('--rounds must be an integer of at least 2');
  const dir = mkdtempSync(join(tmpdir(), 'xrr-writer-rows-'));
  try {
    let from = arg('from');
    if (from === undefined) {
      from = join(dir, 'posixtest.db');
      await recordPosixtest(from);
    }
    const src = await SqliteJournalStore.open(from, { readonly: true });
    const meta: NewRecording | null = src.getRecording();
    if (meta === null) throw new Error(`${from} holds no recording`);
    let events: MachineEvent[] | null = src.events(ROOT_BRANCH, {}).map((x) => x.event);
    src.close();
    const count = events.length;
    const packer = new RowBatchWriter(BATCH);
    const batches: RowBatch[] = [];
    // Each batch as the writer receives it: through a structured clone (postMessage's).
    for (const e of events) {
      packer.add(e);
      if (packer.full) batches.push(structuredClone(packer.take()));
    }
    if (packer.count > 0) batches.push(structuredClone(packer.take()));
    events = null;
    const out = join(dir, 'out.db');
    const store: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const s of ['', '-wal', '-shm']) rmSync(out + s, { force: true });
      const s = await SqliteJournalStore.open(out);
      s.createRecording(meta);
      const reader = new RowBatchReader();
      const t0 = process.cpuUsage();
      for (const b of batches) {
        s.appendRows(ROOT_BRANCH, b.count, reader.rows(b));
        s.flush();
      }
      store.push(cpuMs(t0));
      s.close();
    }
    const bare: number[] = [];
    for (let r = 0; r < Math.max(3, rounds >> 1); r++) bare.push(bareInsertMs(out, dir, batches.length));
    const rowsStored = (new Database(out, { readonly: true }).prepare('SELECT count(*) AS n FROM event').get() as { n: number }).n;
    const warm = median(store.slice(1));
    const floor = median(bare);
    console.log(`${count} events (${rowsStored} rows stored: syscalls folded with their returns), ${batches.length} batches`);
    console.log(`| figure | ms (CPU) | us an event |\n|---|---|---|`);
    console.log(`| store, first round (cold code) | ${store[0]!.toFixed(0)} | ${((store[0]! * 1000) / count).toFixed(2)} |`);
    console.log(`| store, later rounds (median) | ${warm.toFixed(0)} | ${((warm * 1000) / count).toFixed(2)} |`);
    console.log(`| bare insert of the stored rows (median) | ${floor.toFixed(0)} | ${((floor * 1000) / count).toFixed(2)} |`);
    console.log(`| store / bare (warm) | ${(warm / floor).toFixed(2)}x | |`);
    console.log(JSON.stringify({ events: count, rows: rowsStored, storeMs: store.map((x) => Math.round(x)), bareMs: bare.map((x) => Math.round(x)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
