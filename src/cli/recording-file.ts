/**
 * Recording files as the commands meet them: opening an existing one (an old schema read
 * through an upgraded copy in memory), the --branch option, and where a new recording goes and what it says of itself.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { MACHINE_VERSION } from '../core/machine.js';
import { branchId, ROOT_BRANCH, type BranchId } from '../journal/ids.js';
import { APPLICATION_ID, SqliteJournalStore } from '../journal/index.js';
import type { JournalStore, NewRecording } from '../journal/store.js';
import { UsageError } from './args.js';
import { REPO_ROOT } from './guest-image.js';
import type { RunSetup } from './run-setup.js';

export const RECORDINGS_DIR = join(REPO_ROOT, 'recordings');
export const XRR_VERSION = '0.1.0';

/**
 * Opens a recording. Read-only opens never write to the file: one made by an older xrr is read
 * through a copy upgraded in memory (the store does it), and a command that writes (fork, the
 * TUI, `xrr verify --upgrade`) upgrades it in place.
 */
export async function openExisting(file: string, readonly = true): Promise<SqliteJournalStore> {
  if (!existsSync(file)) throw new UsageError(`no such recording: ${file}`);
  const store = await SqliteJournalStore.open(file, { readonly, create: false });
  if (store.upgradedFrom !== null) {
    process.stderr.write(`xrr: ${file} has schema version ${store.upgradedFrom} (an older xrr's): read through a copy upgraded in memory; the file is unchanged (xrr verify --upgrade upgrades it in place)\n`);
  }
  return store;
}

/** The --branch option, checked against the recording's branches. */
export function branchOf(store: JournalStore, v: unknown): BranchId {
  if (v === undefined) return ROOT_BRANCH;
  const known = store.listBranches().map((b) => b.id as number);
  if (typeof v !== 'number' || !known.includes(v)) throw new UsageError(`--branch ${String(v)}: the recording has branches ${known.join(', ')}`);
  return branchId(v);
}

export function defaultRecordingPath(): string {
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  return join(RECORDINGS_DIR, `${stamp}.db`);
}

/**
 * A path for a new recording: --out, else recordings/<date>.db; never an existing recording.
 * A file left by a `record` that ended before its boot snapshot was committed (empty, or a
 * journal with no snapshot: nothing in it replays) is replaced.
 */
export function newRecordingPath(out: string | undefined): string {
  const file = resolve(out ?? defaultRecordingPath());
  if (existsSync(file)) {
    if (!holdsNothing(file)) throw new UsageError(`${file} exists; choose another --out (or delete it)`);
    process.stderr.write(`xrr: ${file} holds no replayable recording (a record that ended before its boot snapshot): replacing it\n`);
    removeRecording(file);
  }
  mkdirSync(resolve(file, '..'), { recursive: true });
  return file;
}

/** An empty file, or an xrr journal without a single snapshot; anything else (another application's file included) is not nothing. */
function holdsNothing(file: string): boolean {
  if (statSync(file).size === 0) return !existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    if ((db.pragma('application_id', { simple: true }) as number) !== APPLICATION_ID) return false;
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'snapshot'").all();
    if (tables.length === 0) return true;
    return (db.prepare('SELECT count(*) AS n FROM snapshot').get() as { n: number }).n === 0;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/** Deletes a recording file and its WAL and shared-memory files. */
export function removeRecording(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

/** What a new recording says of itself: machine version, image, seed, epoch, command line. */
export function recordingMeta(setup: RunSetup, commandLine: readonly string[]): NewRecording {
  return {
    machineVersion: MACHINE_VERSION,
    imageHash: setup.image.hash,
    seedHex: Buffer.from(setup.seed).toString('hex'),
    bootEpochNs: setup.bootEpochNs.toString(),
    commandLine: [...commandLine],
    xrrVersion: XRR_VERSION,
  };
}
