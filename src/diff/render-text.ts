/**
 * A diff report for people: what differs first, then the detail, in the order of the questions
 * one asks (do they differ? why? where first? what else? what did the console show? what did the
 * machines hold?). Color marks the sides as `diff` does (removed red, added green) when asked.
 */
import type { AlignedView, DiffReport, EventView } from './diff-timelines.js';
import type { InputDifference } from './inputs.js';
import type { Tally } from './align.js';
import type { StateDifference } from './machine-facts.js';

export interface RenderOptions {
  readonly color: boolean;
  /** Only the summary: counts, no event or state listings. */
  readonly stat: boolean;
  /** Aligned differences listed (default 40). */
  readonly maxListed?: number;
  /** State differences listed per section (default 16). */
  readonly maxPerSection?: number;
}

const ESC = '\u001b[';

function painter(color: boolean) {
  const wrap = (code: string) => (s: string) => (color ? `${ESC}${code}m${s}${ESC}0m` : s);
  return { bold: wrap('1'), red: wrap('31'), green: wrap('32'), yellow: wrap('33'), cyan: wrap('36'), dim: wrap('2') };
}

const num = (n: number) => n.toLocaleString('en-US');

function inputLine(d: InputDifference): string {
  const at = (i: number | undefined) => (i === undefined ? '' : ` at icount ${num(i)}`);
  const side = (v: string | null, i: number | undefined) => (v === null ? '(none)' : `${v}${at(i)}`);
  const more = d.more ? ` (and ${d.more} more difference${d.more === 1 ? '' : 's'})` : '';
  const note = d.changesBehaviour ? '' : ' (seals the messages; does not change what runs)';
  return `  ${d.input.padEnd(15)} A ${side(d.a, d.icountA)}\n  ${''.padEnd(15)} B ${side(d.b, d.icountB)}${more}${note}`;
}

function eventLine(side: 'A' | 'B', e: EventView | null): string {
  if (e === null) return `  ${side}  (ended: no more events)`;
  return `  ${side}  seq ${num(e.seq).padStart(9)}  icount ${num(e.icount).padStart(12)}  ${e.track.padEnd(10)} ${e.summary}`;
}

function tallyRows(title: string, rows: readonly Tally[], p: ReturnType<typeof painter>, max = 12): string[] {
  const shown = rows.filter((t) => t.onlyA + t.onlyB + t.changed > 0).slice(0, max);
  if (shown.length === 0) return [];
  const out = [`  by ${title}:`];
  for (const t of shown) {
    out.push(
      `    ${t.key.padEnd(14)} ${p.yellow(`${String(t.changed).padStart(6)} changed`)}  ${p.red(`${String(t.onlyA).padStart(6)} only in A`)}  ${p.green(`${String(t.onlyB).padStart(6)} only in B`)}  ${String(t.shifted).padStart(6)} shifted`,
    );
  }
  return out;
}

function alignedSection(al: AlignedView, o: RenderOptions, p: ReturnType<typeof painter>): string[] {
  const out = [
    p.bold('after the divergence') +
      ` (aligned per process: ${num(al.eventsA)} events of A, ${num(al.eventsB)} of B${al.limited ? ', stopped at the limit' : ''})`,
    `  ${num(al.matched)} matched (${num(al.shifted)} of them at another icount), ${p.yellow(`${num(al.changed)} changed`)}, ${p.red(`${num(al.onlyA)} only in A`)}, ${p.green(`${num(al.onlyB)} only in B`)}; the two agreed again ${num(al.resyncs)} time${al.resyncs === 1 ? '' : 's'}`,
    ...tallyRows('process', al.byProcess, p),
    ...tallyRows('kind', al.byKind, p),
    ...tallyRows('server', al.byServer, p),
  ];
  if (o.stat) return out;
  const max = o.maxListed ?? 40;
  const list = al.differences.slice(0, max);
  if (list.length > 0) out.push('  differences, by icount:');
  for (const d of list) {
    const fmt = (e: EventView) => `${num(e.icount).padStart(12)}  ${e.summary}`;
    if (d.change === 'changed') {
      out.push(p.yellow(`  ~ ${d.track.padEnd(11)} A ${fmt(d.a!)}`), p.yellow(`    ${''.padEnd(11)} B ${fmt(d.b!)}`));
    } else if (d.change === 'only-a') out.push(p.red(`  - ${d.track.padEnd(11)} A ${fmt(d.a!)}`));
    else out.push(p.green(`  + ${d.track.padEnd(11)} B ${fmt(d.b!)}`));
  }
  const left = al.differences.length - list.length + al.omitted;
  if (left > 0) out.push(p.dim(`  ... and ${num(left)} more (--json lists ${num(al.differences.length)})`));
  return out;
}

function consoleSection(r: DiffReport, o: RenderOptions, p: ReturnType<typeof painter>): string[] {
  if (r.console.equal) return [`${p.bold('console output')}: the same`];
  const added = r.console.unified.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const removed = r.console.unified.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  const head = `${p.bold('console output')}: ${p.red(`${removed} line${removed === 1 ? '' : 's'} only in A`)}, ${p.green(`${added} only in B`)}`;
  if (o.stat) return [head];
  const body = r.console.unified.map((l) =>
    l.startsWith('@@') ? p.cyan(l) : l.startsWith('-') && !l.startsWith('---') ? p.red(l) : l.startsWith('+') && !l.startsWith('+++') ? p.green(l) : l,
  );
  return [head, ...body];
}

function stateSection(r: DiffReport, o: RenderOptions, p: ReturnType<typeof painter>): string[] {
  const s = r.state;
  if (s === null) return [];
  if (!s.ok) return [`${p.bold('state just after the divergence')}: not available (${s.error})`];
  const head = `${p.bold('state just after the divergence')} (A at icount ${num(s.icountA)}, B at icount ${num(s.icountB)}): ${s.differences.length === 0 ? 'the same' : `${num(s.differences.length)} difference${s.differences.length === 1 ? '' : 's'}`}`;
  const bySection = new Map<string, StateDifference[]>();
  for (const d of s.differences) bySection.set(d.section, [...(bySection.get(d.section) ?? []), d]);
  if (o.stat) return [head, ...[...bySection].map(([sec, ds]) => `  ${sec.padEnd(10)} ${ds.length}`)];
  const out = [head];
  const max = o.maxPerSection ?? 16;
  for (const [sec, ds] of bySection) {
    const width = Math.min(48, Math.max(10, ...ds.slice(0, max).map((d) => (d.a ?? '(none)').length)));
    out.push(`  ${p.bold(sec)}`);
    for (const d of ds.slice(0, max)) {
      out.push(`    ${d.key.padEnd(24)} ${p.red(`A ${(d.a ?? '(none)').padEnd(width)}`)}  ${p.green(`B ${d.b ?? '(none)'}`)}`);
    }
    if (ds.length > max) out.push(p.dim(`    ... and ${ds.length - max} more`));
  }
  return out;
}

export function renderText(r: DiffReport, o: RenderOptions): string {
  const p = painter(o.color);
  const side = (name: 'A' | 'B', s: DiffReport['a']) =>
    `${name}  ${s.label}: ${num(s.events)} events to icount ${num(s.lastIcount)}${s.forkedFrom ? ` (forked from branch ${s.forkedFrom.branch} at icount ${num(s.forkedFrom.icount)})` : ''}`;
  const out = [side('A', r.a), side('B', r.b), ''];
  const verdict =
    r.verdict === 'identical'
      ? 'identical: the same events, row for row (equal hash chains)'
      : r.verdict === 'equal'
        ? 'equal by meaning: the same events once each side is opened with its own keys'
        : r.firstDivergence === null
          ? 'different inputs; the events are equal by meaning'
          : 'different';
  out.push(`${p.bold('verdict')}: ${r.verdict === 'different' ? p.red(verdict) : p.green(verdict)}`);
  if (r.inputs.length > 0) out.push('', p.bold('inputs that differ'), ...r.inputs.map(inputLine));
  const d = r.firstDivergence;
  if (d) {
    const how =
      d.foundBy === 'hash'
        ? `right after ${num(d.sharedPrefix)} shared events (hash chains bisected)`
        : `after ${num(d.sharedPrefix)} shared events (hash chains bisected) and ${num(d.equalByMeaning)} more equal by meaning`;
    out.push('', `${p.bold('first divergence')} ${how}`, eventLine('A', d.a), eventLine('B', d.b));
    const why = d.explainedBy.filter((i) => i.changesBehaviour);
    if (why.length > 0) out.push(`  explained by: ${why.map((i) => `${i.input}${i.icountA ?? i.icountB ? ` (icount ${num(Math.min(i.icountA ?? Infinity, i.icountB ?? Infinity))})` : ''}`).join(', ')}`);
    else out.push('  explained by: no input that differs (the same inputs went another way: a machine or guest difference)');
  }
  if (r.aligned) out.push('', ...alignedSection(r.aligned, o, p));
  out.push('', ...consoleSection(r, o, p));
  const st = stateSection(r, o, p);
  if (st.length > 0) out.push('', ...st);
  return out.join('\n') + '\n';
}
