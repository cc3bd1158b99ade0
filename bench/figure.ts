/** A measured figure, as `npm run bench -- --json` prints it (one JSON object a line). */
export interface Figure {
  readonly bench: string;
  readonly metric: string;
  readonly median: number;
  readonly unit: string;
  readonly runs: number;
}

/** A benchmark: a named group of figures measured side by side in one process. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(log: (line: string) => void): Promise<Figure[]> | Figure[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
