/**
 * Recording files on disk, for `xrr ls`, `rm` and `prune`: which *.db files are recordings (xrr
 * opens them and finds a recording in them), how large they are with their WAL beside them, how
 * old, and removing one with its WAL and shared-memory files. Shipped samples (sample-*.db) are
 * never pruned, and removed only when named.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { SqliteJournalStore } from '../journal/index.js';
import type { RecordingMeta } from '../journal/store.js';
import { UsageError } from './args.js';

/** SQLite's companions of a database in WAL mode. */
const COMPANIONS = ['-wal', '-shm'] as const;

export function isSample(file: string): boolean {
  return /^sample-.*\.db$/.test(basename(file));
}

/** Bytes on disk: the database and its companions. */
export function sizeOnDisk(file: string): number {
  let bytes = 0;
  for (const f of [file, ...COMPANIONS.map((c) => file + c)]) if (existsSync(f)) bytes += statSync(f).size;
  return bytes;
}

export interface RecordingFacts {
  readonly meta: RecordingMeta;
  readonly events: number;
  readonly branches: number;
}

/** What the file holds if it is a recording xrr can open; the reason otherwise. */
export async function recordingFacts(file: string): Promise<{ ok: true; facts: RecordingFacts } | { ok: false; error: string }> {
  let store: SqliteJournalStore;
  try {
    store = await SqliteJournalStore.open(file, { readonly: true, create: false });
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  try {
    const meta = store.getRecording();
    if (!meta) return { ok: false, error: 'a journal database without a recording' };
    const stats = store.stats();
    return { ok: true, facts: { meta, events: stats.events, branches: stats.branches } };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    store.close();
  }
}

/** Removes a recording and its companions. */
export function removeRecording(file: string): void {
  for (const c of COMPANIONS) rmSync(file + c, { force: true });
  rmSync(file);
}

/** 1536 -> "1.5 KiB", 52428800 -> "50.0 MiB". */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** An age for a person: "45s", "12m", "3h", "5d", "7w". */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  if (s < 14 * 86_400) return `${Math.floor(s / 86_400)}d`;
  return `${Math.floor(s / 604_800)}w`;
}

/** A duration like 30s, 15m, 12h, 7d, 2w (or a sum: 1d12h), in milliseconds; a usage error otherwise. */
export function parseDuration(text: string, option: string): number {
  const parts = [...text.matchAll(/(\d+)([smhdw])/g)];
  if (parts.length === 0 || parts.map((m) => m[0]).join('') !== text) {
    throw new UsageError(`${option} ${JSON.stringify(text)}: a duration like 30s, 15m, 12h, 7d or 2w`);
  }
  return parts.reduce((sum, m) => sum + Number(m[1]) * UNIT_MS[m[2]!]!, 0);
}
