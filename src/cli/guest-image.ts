/**
 * The guest image: the root filesystem described by guest/manifest.json, built from the
 * committed ELF files and text files of guest/. Reading it is host I/O, so it lives here in
 * the CLI layer; the machine receives plain entries.
 *
 * A program's entry names its debug companion ("debug": the full ELF, DWARF and all) beside its
 * "source" (the stripped copy the guest's file system holds). The image offers the companions by
 * the sha256 of the stripped bytes (src/symbols/debug-files.ts): a Recorder given them stores the
 * companion of each program that runs, and a machine that runs without a recording is symbolized
 * from them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RootFsEntry } from '../servers/vfs/root-fs.js';
import { guestFileSha256, HostDebugFiles } from '../symbols/debug-files.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MANIFEST = join(REPO_ROOT, 'guest/manifest.json');

const KINDS = new Set(['dir', 'file', 'chardev']);
const DEVICES = new Set(['console', 'null']);

interface ManifestEntry {
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'chardev';
  readonly mode: string;
  readonly source?: string;
  /** The full ELF of a program whose `source` is stripped (a repository path, as `source`). */
  readonly debug?: string;
  readonly text?: string;
  readonly device?: 'console' | 'null';
  readonly uid?: number;
  readonly gid?: number;
}

export interface GuestImage {
  readonly entries: RootFsEntry[];
  /** SHA-256 over every entry: two recordings of the same image have the same hash. */
  readonly hash: string;
  /** The debug companions of the image's programs, by the sha256 of the bytes the guest holds. */
  readonly debugFiles: HostDebugFiles;
}

/** What is wrong with a manifest entry, or undefined: a hand-edited manifest gets a clear error, not a machine built from a guess. */
function entryProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'not an object';
  const r = e as Record<string, unknown>;
  if (typeof r['path'] !== 'string' || !r['path'].startsWith('/')) return 'path is not an absolute path';
  if (typeof r['kind'] !== 'string' || !KINDS.has(r['kind'])) return `kind is not one of ${[...KINDS].join(', ')}`;
  if (typeof r['mode'] !== 'string' || !/^[0-7]{3,4}$/.test(r['mode'])) return 'mode is not an octal string';
  for (const k of ['source', 'debug', 'text']) if (r[k] !== undefined && typeof r[k] !== 'string') return `${k} is not a string`;
  if (r['debug'] !== undefined && (r['kind'] !== 'file' || r['source'] === undefined)) return 'debug is only for a file with a source';
  if (r['kind'] === 'chardev' && (typeof r['device'] !== 'string' || !DEVICES.has(r['device']))) return `device is not one of ${[...DEVICES].join(', ')}`;
  for (const k of ['uid', 'gid']) if (r[k] !== undefined && !Number.isSafeInteger(r[k])) return `${k} is not an integer`;
  return undefined;
}

export function loadGuestImage(manifestPath = DEFAULT_MANIFEST): GuestImage {
  let manifest: { version?: unknown; entries?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch (e) {
    throw new Error(`cannot read the guest image manifest ${manifestPath}: ${(e as Error).message}`);
  }
  if (typeof manifest !== 'object' || manifest === null || manifest.version !== 1 || !Array.isArray(manifest.entries)) {
    throw new Error(`${manifestPath}: not a version 1 guest image manifest`);
  }
  const list: unknown[] = manifest.entries;
  list.forEach((e, i) => {
    const problem = entryProblem(e);
    if (problem !== undefined) throw new Error(`${manifestPath}: entry ${i}: ${problem}`);
  });
  const base = resolve(dirname(manifestPath), '..');
  const h = createHash('sha256');
  const debugPaths = new Map<string, string>();
  const entries = (list as ManifestEntry[]).map((e): RootFsEntry => {
    const mode = parseInt(e.mode, 8);
    let data: Uint8Array | undefined;
    if (e.kind === 'file') data = e.source ? readFileSync(join(base, e.source)) : new TextEncoder().encode(e.text ?? '');
    h.update(`${e.path}\0${e.kind}\0${e.mode}\0`);
    if (data) h.update(data);
    if (data && e.debug !== undefined) debugPaths.set(guestFileSha256(data), join(base, e.debug));
    return { path: e.path, kind: e.kind, mode, data, device: e.device, uid: e.uid, gid: e.gid };
  });
  return { entries, hash: h.digest('hex'), debugFiles: new HostDebugFiles(debugPaths) };
}

/** Add a host file to an image at `guestPath` (xrr run PROGRAM with a host ELF): it is its own debug file. */
export function withHostFile(image: GuestImage, hostPath: string, guestPath: string): GuestImage {
  const data = readFileSync(hostPath);
  return { entries: [...image.entries, { path: guestPath, kind: 'file', mode: 0o755, data }], hash: image.hash, debugFiles: image.debugFiles };
}
