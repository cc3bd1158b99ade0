/**
 * What a diff compares: two timelines, each a branch of a recording file. Named on the command
 * line as `FILE` (its main branch), `FILE#B` (branch B), or `#B` for a branch of the first file.
 */
import { existsSync } from 'node:fs';
import { isJournalError } from '../journal/errors.js';
import { branchId, ROOT_BRANCH, type BranchId } from '../journal/ids.js';
import { SqliteJournalStore } from '../journal/sqlite-store.js';
import type { BranchInfo, JournalStore, RecordingMeta } from '../journal/store.js';

export interface SideSpec {
  readonly file: string;
  readonly branch: BranchId;
  /** Whether the branch was named (a bare FILE means its main branch). */
  readonly branchNamed: boolean;
}

/** A timeline opened for comparison. */
export interface DiffSide {
  /** `FILE` or `FILE#B`, as the report names it. */
  readonly label: string;
  readonly file: string;
  readonly store: JournalStore;
  readonly branch: BranchId;
  readonly info: BranchInfo;
  readonly meta: RecordingMeta;
  /** Events in the timeline. */
  readonly length: number;
}

/** A diff that cannot be made (exit 2): a missing file or branch, a recording without events. */
export class CannotCompare extends Error {}

/** Parses `FILE`, `FILE#B` or (with `sameFileAs`) `#B`. */
export function parseSideSpec(spec: string, sameFileAs?: string): SideSpec {
  // A file whose name holds a '#' is still a file.
  const hash = existsSync(spec) ? -1 : spec.lastIndexOf('#');
  const file = hash < 0 ? spec : spec.slice(0, hash);
  const branchText = hash < 0 ? undefined : spec.slice(hash + 1);
  const resolvedFile = file === '' ? sameFileAs : file;
  if (resolvedFile === undefined) throw new CannotCompare(`${spec}: #B names a branch of the first recording; give the first as FILE or FILE#B`);
  if (branchText === undefined) return { file: resolvedFile, branch: ROOT_BRANCH, branchNamed: false };
  if (!/^[1-9]\d*$/.test(branchText)) throw new CannotCompare(`${spec}: the branch after # is a number (1 is the recording itself)`);
  return { file: resolvedFile, branch: branchId(Number(branchText)), branchNamed: true };
}

/** Opens a recording read-only; a file from an older schema is migrated once, as the other commands do. */
export async function openRecording(file: string): Promise<SqliteJournalStore> {
  if (!existsSync(file)) throw new CannotCompare(`no such recording: ${file}`);
  try {
    return await SqliteJournalStore.open(file, { readonly: true, create: false });
  } catch (e) {
    if (isJournalError(e, 'OLD_SCHEMA_READONLY')) {
      const writable = await SqliteJournalStore.open(file, { readonly: false, create: false });
      writable.close();
      return SqliteJournalStore.open(file, { readonly: true, create: false });
    }
    if (isJournalError(e)) throw new CannotCompare(`${file}: ${e.message}`);
    throw e;
  }
}

export function sideOf(store: JournalStore, spec: SideSpec): DiffSide {
  const meta = store.getRecording();
  if (!meta) throw new CannotCompare(`${spec.file} holds no recording`);
  const info = store.getBranch(spec.branch);
  if (!info) {
    const known = store.listBranches().map((b) => b.id).join(', ');
    throw new CannotCompare(`${spec.file} has no branch ${spec.branch} (it has ${known})`);
  }
  return {
    label: spec.branchNamed ? `${spec.file}#${spec.branch}` : spec.file,
    file: spec.file,
    store,
    branch: spec.branch,
    info,
    meta,
    length: store.branchLength(spec.branch),
  };
}

/**
 * Opens both sides; a file named twice is opened once. `close()` releases what was opened.
 */
export async function openSides(specA: string, specB: string): Promise<{ a: DiffSide; b: DiffSide; close: () => void }> {
  const a = parseSideSpec(specA);
  const b = parseSideSpec(specB, a.file);
  const storeA = await openRecording(a.file);
  let storeB: SqliteJournalStore;
  try {
    storeB = b.file === a.file ? storeA : await openRecording(b.file);
  } catch (e) {
    storeA.close();
    throw e;
  }
  const close = () => {
    storeA.close();
    if (storeB !== storeA) storeB.close();
  };
  try {
    return { a: sideOf(storeA, a), b: sideOf(storeB, b), close };
  } catch (e) {
    close();
    throw e;
  }
}
