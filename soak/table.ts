/** The soak's report: one row per campaign (tried, survived, lost, seconds), then each lost case. */
import type { Tally } from './tally.js';

export function formatTable(tallies: readonly Tally[]): string {
  const head = ['campaign', 'tried', 'survived', 'lost', 'seconds'];
  const rows = tallies.map((t) => [t.campaign, String(t.tried), String(t.survived), String(t.lost.length), t.seconds.toFixed(0)]);
  const total = ['total', ...[1, 2, 3].map((i) => String(rows.reduce((s, r) => s + Number(r[i]), 0))), tallies.reduce((s, t) => s + t.seconds, 0).toFixed(0)];
  const all = [...rows, total];
  const widths = head.map((h, i) => Math.max(h.length, ...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const notes = tallies.filter((t) => t.note !== '').map((t) => `${t.campaign}: ${t.note}`);
  return [line(head), rule, ...rows.map(line), rule, line(total), ...notes].join('\n');
}

export function formatLost(tallies: readonly Tally[]): string {
  const out: string[] = [];
  for (const t of tallies)
    for (const l of t.lost) out.push(`LOST ${l.campaign}/${l.name}: ${l.why}\n  how: ${l.repro.split('\n').join('\n       ')}\n  files: ${l.kept}`);
  return out.join('\n');
}
