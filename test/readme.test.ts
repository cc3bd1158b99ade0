/**
 * The README's commands run as written: every ```sh block of README.md (the quick start, the three
 * walkthroughs, the fault examples), in order, from a temporary directory that holds a copy of the
 * shipped sample recordings (as a fresh clone's root does), with the repository's bin/ on PATH.
 * Blocks whose first line says `# interactive` need a person at a terminal and are skipped. Each
 * block runs under `bash -e -o pipefail`: one failing command fails the test, with its output.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');

/** The ```sh blocks of a markdown text, in order. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const blocks = shellBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'));
const runnable = blocks.filter((b) => !/^#\s*interactive\b/.test(b.trimStart()));

const work = mkdtempSync(join(tmpdir(), 'xrr-readme-'));
mkdirSync(join(work, 'recordings'));
for (const f of readdirSync(join(REPO, 'recordings')).filter((name) => /^sample-.*\.db$/.test(name))) {
  copyFileSync(join(REPO, 'recordings', f), join(work, 'recordings', f));
}
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README.md', () => {
  it('has a quick start, three walkthroughs, and blocks to run', () => {
    const text = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const h of ['## Quick start', '## Walkthrough 1: reproduce a server crash', '## Walkthrough 2: find and explain a fork/wait race', '## Walkthrough 3: diff two boots']) {
      expect(text).toContain(h);
    }
    expect(runnable.length).toBeGreaterThanOrEqual(6);
    expect(blocks.length - runnable.length).toBeGreaterThanOrEqual(1);
  });

  it('names no recording that does not exist in a fresh clone (no recordings/boot.db)', () => {
    const text = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const m of text.matchAll(/recordings\/([\w.-]+\.db)/g)) {
      expect(readdirSync(join(REPO, 'recordings')), m[0]).toContain(m[1]);
    }
  });

  runnable.forEach((block, i) => {
    const first = block.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
    it(`block ${i + 1} runs: ${first.slice(0, 70)}`, () => {
      const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block], {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 300_000,
        env: { ...process.env, PATH: `${join(REPO, 'bin')}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1' },
      });
      const tail = (s: string) => s.split('\n').slice(-25).join('\n');
      expect(r.status, `block ${i + 1} failed:\n${block}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`).toBe(0);
    }, 320_000);
  });
});
