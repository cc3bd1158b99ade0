/**
 * The inputs of two runs, compared once: what the recording says of itself (seed, key seed, boot
 * epoch, image, machine version) and the input events of each timeline (typed bytes, host waits,
 * injected faults, chaos seeds). A difference here explains the event differences that follow;
 * it is not itself an event difference.
 */
import { createHash } from 'node:crypto';
import type { MachineEvent } from '../core/events.js';
import type { JournalStore } from '../journal/store.js';
import { consoleText } from '../export/decode-event.js';
import type { DiffSide } from './side.js';

export type InputName = 'machine version' | 'seed' | 'key seed' | 'boot epoch' | 'image' | 'typed input' | 'host wait' | 'fault' | 'chaos seed';

export interface InputDifference {
  readonly input: InputName;
  /** The value on each side, as text; null where the side has none. */
  readonly a: string | null;
  readonly b: string | null;
  /** For an input event: where it arrived on each side. */
  readonly icountA?: number;
  readonly icountB?: number;
  /** More differences of the same input after this one (reported once, with a count). */
  readonly more?: number;
  /** False for the key seed: it changes the keys that seal messages, not what the machine does. */
  readonly changesBehaviour: boolean;
}

/** The key seed named without revealing it (it is kept apart from the recording for a reason). */
function keySeedName(store: JournalStore): string {
  const k = store.keySeed();
  if (k === null) return 'none (keys from the seed)';
  if (k === 'withheld') return 'withheld (a shared copy)';
  return `sha256 ${createHash('sha256').update(k).digest('hex').slice(0, 16)}`;
}

function epochText(ns: string): string {
  try {
    return `${new Date(Number(BigInt(ns) / 1_000_000n)).toISOString()} (${ns} ns)`;
  } catch {
    return ns;
  }
}

const TIMELINE_INPUTS: Readonly<Record<'console-input' | 'idle' | 'inject' | 'chaos', InputName>> = {
  'console-input': 'typed input',
  idle: 'host wait',
  inject: 'fault',
  chaos: 'chaos seed',
};

function inputValue(e: MachineEvent): string {
  switch (e.kind) {
    case 'console-input': return consoleText(e.data);
    case 'idle': return `${e.skippedNs} ns`;
    case 'inject': return JSON.stringify(e.fault);
    case 'chaos': return String(e.seed);
    default: return e.kind;
  }
}

function inputEvents(side: DiffSide, kind: keyof typeof TIMELINE_INPUTS): MachineEvent[] {
  return side.store.events(side.branch, { kinds: [kind] }).map((s) => s.event);
}

export function compareInputs(a: DiffSide, b: DiffSide): InputDifference[] {
  const out: InputDifference[] = [];
  const meta = (input: InputName, x: string, y: string, changesBehaviour = true) => {
    if (x !== y) out.push({ input, a: x, b: y, changesBehaviour });
  };
  meta('machine version', a.meta.machineVersion, b.meta.machineVersion);
  meta('seed', a.meta.seedHex, b.meta.seedHex);
  if (a.store !== b.store) meta('key seed', keySeedName(a.store), keySeedName(b.store), false);
  meta('boot epoch', epochText(a.meta.bootEpochNs), epochText(b.meta.bootEpochNs));
  meta('image', a.meta.imageHash, b.meta.imageHash);
  for (const kind of Object.keys(TIMELINE_INPUTS) as (keyof typeof TIMELINE_INPUTS)[]) {
    const xs = inputEvents(a, kind);
    const ys = inputEvents(b, kind);
    let first: InputDifference | undefined;
    let more = 0;
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const x = xs[i];
      const y = ys[i];
      const vx = x ? inputValue(x) : null;
      const vy = y ? inputValue(y) : null;
      if (vx === vy && x?.icount === y?.icount) continue;
      if (first) more++;
      else first = { input: TIMELINE_INPUTS[kind], a: vx, b: vy, icountA: x?.icount, icountB: y?.icount, changesBehaviour: true };
    }
    if (first) out.push(more > 0 ? { ...first, more } : first);
  }
  return out;
}
