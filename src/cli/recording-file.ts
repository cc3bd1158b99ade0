/**
 * Recording files as the commands meet them: opening an existing one (migrating an old schema
 * once), the --branch option, and where a new recording goes and what it says of itself.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MACHINE_VERSION } from '../core/machine.js';
import { isJournalError } from '../journal/errors.js';
import { branchId, ROOT_BRANCH, type BranchId } from '../journal/ids.js';
import { SqliteJournalStore } from '../journal/sqlite-store.js';
import type { JournalStore, NewRecording } from '../journal/store.js';
import { UsageError } from './args.js';
import { REPO_ROOT } from './guest-image.js';
import type { RunSetup } from './run-setup.js';

export const RECORDINGS_DIR = join(REPO_ROOT, 'recordings');
export const XRR_VERSION = '0.1.0';

export async function openExisting(file: string, readonly = true): Promise<SqliteJournalStore> {
  if (!existsSync(file)) throw new UsageError(`no such recording: ${file}`);
  try {
    return await SqliteJournalStore.open(file, { readonly, create: false });
  } catch (e) {
    if (!isJournalError(e, 'OLD_SCHEMA_READONLY')) throw e;
    // A recording from an older xrr: bring its schema up to date once (a writable open migrates;
    // the events and their hash chain are untouched), then read it as asked.
    const writable = await SqliteJournalStore.open(file, { readonly: false, create: false });
    process.stderr.write(`xrr: ${file}: schema migrated to version ${writable.schemaVersion}\n`);
    writable.close();
    return SqliteJournalStore.open(file, { readonly, create: false });
  }
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

/** A path for a new recording: --out, else recordings/<date>.db; never an existing file. */
export function newRecordingPath(out: string | undefined): string {
  const file = resolve(out ?? defaultRecordingPath());
  if (existsSync(file)) throw new UsageError(`${file} exists; choose another --out`);
  mkdirSync(resolve(file, '..'), { recursive: true });
  return file;
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
