/**
 * The random fault mode (`--faults random`), after FoundationDB's and TigerBeetle's seeded
 * simulations: every run draws its faults from its own seed (which server, which of its
 * messages, and what happens: a crash, a hang, a lost, held back or corrupted message), and they
 * enter the machine as Fault inputs at boot, so the recording of a run replays it exactly.
 *
 * Message numbers are drawn within what the program actually sends: a calibration run without
 * faults counts the messages each server receives, so a drawn fault lands inside the run rather
 * than after its end.
 */
import type { Fault } from '../core/events.js';
import { SERVER_NAMES, WELL_KNOWN_PID } from '../protocol/message-types.js';

/** The servers faults are aimed at. */
export const FAULT_SERVERS = [WELL_KNOWN_PID.VFS, WELL_KNOWN_PID.PROC, WELL_KNOWN_PID.MM] as const;

export const FAULT_KINDS = ['crash', 'hang', 'drop', 'delay', 'corrupt'] as const;
export type RandomFaultKind = (typeof FAULT_KINDS)[number];

/** Messages each server received in the calibration run (pid -> count). */
export type TrafficCounts = Readonly<Record<number, number>>;

/** Delegated calls travel on (kernel, server), their replies on (server, kernel). */
const KERNEL = WELL_KNOWN_PID.KERNEL;

/**
 * A small PRNG (mulberry32) for host-side choices that must follow from a seed alone. Not the
 * machine's DRBG: these choices are made before the run and enter it as inputs.
 */
export class SeededDraw {
  private s: number;

  constructor(seed: number, stream: number) {
    // Mixing in a stream number keeps fault draws apart from anything else drawn from the seed.
    this.s = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca6b)) >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.next() % items.length];
    if (item === undefined) throw new RangeError('pick from nothing');
    return item;
  }
}

const FAULT_STREAM = 0xfa017;

/** The faults of run `seed`: one, aimed within the traffic the calibration run saw. */
export function drawFaults(seed: number, traffic: TrafficCounts): Fault[] {
  const d = new SeededDraw(seed, FAULT_STREAM);
  const server = d.pick(FAULT_SERVERS);
  const kind = d.pick(FAULT_KINDS);
  const nth = d.between(1, Math.max(1, traffic[server] ?? 1));
  switch (kind) {
    case 'crash':
    case 'hang':
      return [{ kind, server, mType: -1, nth }];
    case 'drop':
    case 'corrupt': {
      const toServer = d.next() % 2 === 0;
      return [{ kind, src: toServer ? KERNEL : server, dst: toServer ? server : KERNEL, nth }];
    }
    case 'delay': {
      const toServer = d.next() % 2 === 0;
      // Up to 20 ms of virtual time: two timer ticks, enough to reorder what waits on it.
      return [{ kind, src: toServer ? KERNEL : server, dst: toServer ? server : KERNEL, nth, ns: d.between(1, 20) * 1_000_000 }];
    }
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
}

/** A fault as `--inject` spells it (src/cli/fault-spec.ts), to say which fault a run had. */
export function faultText(f: Fault): string {
  const server = (pid: number) => SERVER_NAMES[pid] ?? String(pid);
  switch (f.kind) {
    case 'crash':
    case 'hang':
      return `${f.kind}:${server(f.server)}:${f.mType < 0 ? 'any' : f.mType}:${f.nth}`;
    case 'delay':
      return `delay:${f.src}:${f.dst}:${f.nth}:${f.ns}`;
    case 'corrupt':
    case 'drop':
    case 'replay':
    case 'alter':
      return `${f.kind}:${f.src}:${f.dst}:${f.nth}`;
    default: {
      const _exhaustive: never = f;
      return _exhaustive;
    }
  }
}
