/**
 * The machine (src/core, src/hw, src/servers) must never read the host clock, host randomness
 * or timers: replay depends on it (DESIGN.md section 4). This test reads every source file of
 * those folders and fails on any use of the forbidden APIs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MACHINE_DIRS = ['src/core', 'src/hw', 'src/servers'];

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\b/, 'Date (host clock)'],
  [/\bMath\.random\b/, 'Math.random (host randomness)'],
  [/\bperformance\b/, 'performance (host clock)'],
  [/\bprocess\.hrtime\b/, 'process.hrtime (host clock)'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'timers'],
  [/\brandomBytes\b|\bgetRandomValues\b|\brandomUUID\b|\brandomInt\b|\brandomFill/, 'host randomness'],
  [/\bnew Promise\b|\basync\s+function\b|\bawait\b/, 'promises in the execution path'],
  [/from ['"](node:)?(fs|net|http|https|child_process|worker_threads)['"]/, 'host I/O'],
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Drop comments so that prose explaining the rule does not trip it. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('determinism guard', () => {
  const files = MACHINE_DIRS.flatMap((d) => sourceFiles(d));

  it('finds the machine sources', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it('no machine source uses the host clock, host randomness, timers or host I/O', () => {
    const violations: string[] = [];
    for (const f of files) {
      const lines = stripComments(readFileSync(f, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const [re, what] of FORBIDDEN) if (re.test(line)) violations.push(`${f}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    expect(violations).toEqual([]);
  });

  it('the guard itself catches a violation', () => {
    const bad = 'const t = Date.now(); const r = Math.random(); setTimeout(() => 0, 1);';
    const hits = FORBIDDEN.filter(([re]) => re.test(stripComments(bad))).map(([, w]) => w);
    expect(hits).toEqual(['Date (host clock)', 'Math.random (host randomness)', 'timers']);
  });
});
