import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// DESIGN.md section 4: devices and the line discipline never read the host clock, host randomness,
// timers or promises; time and randomness are injected (icount, recorded seed).
const FORBIDDEN = [
  /\bDate\b/,
  /\bMath\.random\b/,
  /\bperformance\.now\b/,
  /\bprocess\.hrtime\b/,
  /\bsetTimeout\b/,
  /\bsetInterval\b/,
  /\bsetImmediate\b/,
  /\bqueueMicrotask\b/,
  /\brandomBytes\b/,
  /\bgetRandomValues\b/,
  /\bPromise\b/,
  /\basync\b/,
  /\bawait\b/,
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('hardware determinism', () => {
  const files = [...sources('src/hw'), 'src/core/tty.ts'];

  it('covers the device sources', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('%s uses no host clock, randomness, timers or promises', (file) => {
    const text = readFileSync(file, 'utf8');
    const hits = FORBIDDEN.filter((re) => re.test(text)).map(String);
    expect(hits).toEqual([]);
  });
});
