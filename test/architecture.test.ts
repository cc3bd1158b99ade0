/**
 * The dependency rule of README's layout section, read off the import lines of src/: each layer
 * may import only the layers listed for it, so the machine never grows a dependency on storage,
 * the UI or the command line, and the journal stays storage only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Layer -> the layers it may import (itself always). */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  hw: ['protocol'],
  core: ['protocol', 'hw'],
  servers: ['protocol', 'hw', 'core'],
  journal: ['protocol', 'core'],
  symbols: ['protocol', 'hw', 'core', 'servers'],
  timeline: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols'],
  diff: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols', 'timeline', 'export'],
  export: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols', 'timeline'],
  explore: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols', 'timeline'],
  gdb: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols', 'timeline'],
  tui: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols', 'timeline', 'diff', 'export', 'explore', 'gdb'],
  cli: ['protocol', 'hw', 'core', 'servers', 'journal', 'symbols', 'timeline', 'diff', 'export', 'explore', 'gdb', 'tui'],
};

/**
 * The journal files the layers above the engine may import: the port, its two stores, verify, ids,
 * errors and the index. The rest (row and snapshot codecs, the writer thread, migrations) is the
 * store's inside, which only the timeline, the engine that replays rows, may use.
 */
const JOURNAL_PUBLIC = new Set(['index', 'store', 'sqlite-store', 'memory-store', 'verify', 'ids', 'errors']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mjs)$/.test(name) ? [path] : [];
  });
}

/** Relative specifiers of every import, export-from and dynamic import() in `text`. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)) out.push(m[1]!);
  return out.filter((s) => s.startsWith('.'));
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly fromLayer: string;
  readonly toLayer: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const fromLayer = relative(SRC, file).split(sep)[0]!;
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const rel = relative(SRC, target);
      if (rel.startsWith('..')) {
        // Data beside the code (the migrations' .sql files) is fine; code outside src/ is not.
        if (/\.(js|ts|tsx|mjs)$/.test(spec)) throw new Error(`${relative(SRC, file)} imports ${spec}, outside src/`);
        continue;
      }
      out.push({ from: relative(SRC, file), to: rel, fromLayer, toLayer: rel.split(sep)[0]! });
    }
  }
  return out;
}

describe('architecture: imports point one way', () => {
  const all = edges();

  it('reads the import lines of every layer', () => {
    expect(all.length).toBeGreaterThan(200);
    for (const layer of ['protocol', 'hw', 'core', 'servers', 'journal', 'timeline', 'tui', 'cli']) {
      expect(all.some((e) => e.fromLayer === layer), layer).toBe(true);
    }
    expect(importSpecifiers(`import { a } from './x.js';\nexport * from '../y.js';\nconst m = await import('../z.js');`)).toEqual(['./x.js', '../y.js', '../z.js']);
  });

  it('every file is in a known layer', () => {
    const unknown = [...new Set(all.map((e) => e.fromLayer))].filter((l) => !(l in ALLOWED));
    expect(unknown).toEqual([]);
  });

  it('no layer imports one above it (core -> servers, journal -> servers, anything -> cli ...)', () => {
    const wrong = all
      .filter((e) => e.fromLayer !== e.toLayer && !(ALLOWED[e.fromLayer] ?? []).includes(e.toLayer))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('nothing above the engine reaches into the journal\'s inside (tui, cli, diff, gdb ... use its port)', () => {
    const wrong = all
      .filter((e) => e.toLayer === 'journal' && e.fromLayer !== 'journal' && e.fromLayer !== 'timeline')
      .filter((e) => !JOURNAL_PUBLIC.has(e.to.split(sep)[1]!.replace(/\.(js|ts)$/, '')))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('the machine imports no storage, UI or host I/O library', () => {
    const machine = sourceFiles(SRC).filter((f) => /^(core|hw|servers|protocol)\//.test(relative(SRC, f).split(sep).join('/')));
    const banned = /from\s+['"](better-sqlite3|ink|react|rxjs|zstd-codec|node:fs|node:worker_threads|node:net|node:child_process)['"]/;
    const offenders = machine.filter((f) => banned.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
