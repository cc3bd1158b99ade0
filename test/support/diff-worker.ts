// A second process for the differential test, so that both cores run our CPU: it runs the chunks
// given as JSON (argv[2]) under qemu-riscv32 and our CPU and writes the outcomes as JSON to
// argv[3]. Started by test/cpu-differential.test.ts through `node --import tsx`.

import { writeFileSync } from 'node:fs';
import { runChunkBoth, type ChunkOutcome, type ChunkPlan } from './differential.js';

export interface WorkerReport {
  readonly outcomes: ChunkOutcome[];
}

async function main(): Promise<void> {
  const plans = JSON.parse(process.argv[2] ?? '[]') as ChunkPlan[];
  const out = process.argv[3];
  if (!out) throw new Error('usage: diff-worker.ts PLANS_JSON OUTPUT_PATH');
  const outcomes: ChunkOutcome[] = [];
  for (const plan of plans) outcomes.push(await runChunkBoth(plan));
  const report: WorkerReport = { outcomes };
  writeFileSync(out, JSON.stringify(report));
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(2);
});
