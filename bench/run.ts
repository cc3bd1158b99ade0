/**
 * `npm run bench -- [NAME...] [--json]`: runs all benchmarks (bench/*.bench.ts) or the named
 * ones, and prints a table of medians, or with --json one line per figure.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The benchmarks' names: NAME.bench.ts. */
const NAMES = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();

/**
 * Only the chosen benchmarks' modules are loaded: importing one can change how fast the machine
 * runs in this process for good (tui's, through ink, detaches an ArrayBuffer, which invalidates
 * V8's array-buffer-detaching protector: every typed-array access then checks; src/journal/README.md,
 * "Issue 16, sixth pass"). So `npm run bench -- record` measures the machine as `xrr` runs it.
 */
async function loadBenchmark(name: string): Promise<Benchmark> {
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { default: Benchmark };
  if (mod.default.name !== name) throw new Error(`bench/${name}.bench.ts names itself ${mod.default.name}`);
  return mod.default;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v.toString();
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknownFlags = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (unknownFlags.length > 0 || args.includes('--help')) {
    console.error(`usage: npm run bench -- [NAME...] [--json]\nbenchmarks: ${NAMES.join(', ')}`);
    return unknownFlags.length > 0 ? 2 : 0;
  }
  const unknown = names.filter((n) => !NAMES.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${NAMES.join(', ')}`);
    return 2;
  }
  const figures: Figure[] = [];
  for (const name of names.length > 0 ? NAMES.filter((n) => names.includes(n)) : NAMES) {
    const b = await loadBenchmark(name);
    const log = (line: string) => process.stderr.write(`[${b.name}] ${line}\n`);
    log(b.description);
    const got = await b.run(log);
    for (const f of got) {
      figures.push(f);
      if (json) console.log(JSON.stringify(f));
    }
  }
  if (!json) {
    const rows = figures.map((f) => [f.bench, f.metric, formatNumber(f.median), f.unit, String(f.runs)]);
    const head = ['bench', 'metric', 'median', 'unit', 'runs'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
    console.log(line(head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
  }
  return 0;
}

process.exitCode = await main();
