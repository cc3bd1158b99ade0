/**
 * The console output of two timelines as a unified diff (`diff -u`), so a line one run printed
 * and the other did not stands out however much the two printed alike.
 */
import type { JournalSeq } from '../journal/ids.js';
import type { DiffSide } from './side.js';

/** Everything the timeline wrote to the console, as text (Latin-1: every byte one character). */
export function consoleOutput(side: DiffSide, fromSeq = 0): string {
  let out = '';
  for (const s of side.store.iterateEvents(side.branch, { kinds: ['console-output'], fromSeq: fromSeq as JournalSeq })) {
    if (s.event.kind === 'console-output') out += Buffer.from(s.event.data.buffer, s.event.data.byteOffset, s.event.data.byteLength).toString('latin1');
  }
  return out;
}

/** Lines without their terminators (a terminal's CR LF counts as one). */
export function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r*\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string };

/** Myers' O(ND) shortest edit script; D is capped, beyond which the rest is one replacement. */
export function editScript(a: readonly string[], b: readonly string[], maxD = 1000): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let reached = -1;
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        reached = d;
        break outer;
      }
    }
  }
  if (reached < 0) return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = reached; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ op: ' ', line: a[--x]! }), y--;
    if (x === prevX) edits.push({ op: '+', line: b[--y]! });
    else edits.push({ op: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) edits.push({ op: ' ', line: a[--x]! }), y--;
  return edits.reverse();
}

/** A unified diff of two texts; [] when they are equal. */
export function unifiedDiff(a: string, b: string, labelA: string, labelB: string, context = 3): string[] {
  const la = linesOf(a);
  const lb = linesOf(b);
  const edits = editScript(la, lb);
  if (edits.every((e) => e.op === ' ')) return [];
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  // Line numbers (1-based) of each edit on both sides.
  const pos: { ia: number; ib: number }[] = [];
  let ia = 1;
  let ib = 1;
  for (const e of edits) {
    pos.push({ ia, ib });
    if (e.op !== '+') ia++;
    if (e.op !== '-') ib++;
  }
  let i = 0;
  while (i < edits.length) {
    if (edits[i]!.op === ' ') {
      i++;
      continue;
    }
    const start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while the next change is within 2 * context unchanged lines.
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let gap = end;
      while (gap < edits.length && edits[gap]!.op === ' ' && gap - end < 2 * context) gap++;
      if (gap < edits.length && edits[gap]!.op !== ' ') end = gap;
      else {
        end = Math.min(edits.length, end + context);
        break;
      }
    }
    const hunk = edits.slice(start, end);
    const countA = hunk.filter((e) => e.op !== '+').length;
    const countB = hunk.filter((e) => e.op !== '-').length;
    const p = pos[start]!;
    out.push(`@@ -${countA === 0 ? p.ia - 1 : p.ia},${countA} +${countB === 0 ? p.ib - 1 : p.ib},${countB} @@`);
    for (const e of hunk) out.push(`${e.op}${e.line}`);
    i = end;
  }
  return out;
}
