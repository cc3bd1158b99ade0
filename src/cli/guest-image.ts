/**
 * The guest image: the root filesystem described by guest/manifest.json, built from the
 * committed ELF files and text files of guest/. Reading it is host I/O, so it lives here in
 * the CLI layer; the machine receives plain entries.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RootFsEntry } from '../servers/vfs/root-fs.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MANIFEST = join(REPO_ROOT, 'guest/manifest.json');

interface ManifestEntry {
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'chardev';
  readonly mode: string;
  readonly source?: string;
  readonly text?: string;
  readonly device?: 'console' | 'null';
  readonly uid?: number;
  readonly gid?: number;
}

export interface GuestImage {
  readonly entries: RootFsEntry[];
  /** SHA-256 over every entry: two recordings of the same image have the same hash. */
  readonly hash: string;
}

export function loadGuestImage(manifestPath = DEFAULT_MANIFEST): GuestImage {
  let manifest: { version: number; entries: ManifestEntry[] };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch (e) {
    throw new Error(`cannot read the guest image manifest ${manifestPath}: ${(e as Error).message}`);
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.entries)) {
    throw new Error(`${manifestPath}: not a version 1 guest image manifest`);
  }
  const base = resolve(dirname(manifestPath), '..');
  const h = createHash('sha256');
  const entries = manifest.entries.map((e): RootFsEntry => {
    const mode = parseInt(e.mode, 8);
    let data: Uint8Array | undefined;
    if (e.kind === 'file') data = e.source ? readFileSync(join(base, e.source)) : new TextEncoder().encode(e.text ?? '');
    h.update(`${e.path}\0${e.kind}\0${e.mode}\0`);
    if (data) h.update(data);
    return { path: e.path, kind: e.kind, mode, data, device: e.device, uid: e.uid, gid: e.gid };
  });
  return { entries, hash: h.digest('hex') };
}

/** Add a host file to an image at `guestPath` (xrr run PROGRAM with a host ELF). */
export function withHostFile(image: GuestImage, hostPath: string, guestPath: string): GuestImage {
  const data = readFileSync(hostPath);
  return { entries: [...image.entries, { path: guestPath, kind: 'file', mode: 0o755, data }], hash: image.hash };
}
