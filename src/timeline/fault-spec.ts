/**
 * Machine inputs as people write them (`xrr record/run/fork`, the TUI's fork prompt): `--chaos N`,
 * and faults (`--inject SPEC`, repeatable) for reproducing server crashes:
 *   crash:SERVER[:TYPE]:N    server (vfs, pm, mm, or a pid) throws at its Nth message (of TYPE)
 *   hang:SERVER[:TYPE]:N     server stops answering at its Nth message (of TYPE)
 *   corrupt:SRC:DST:N        the Nth ciphertext on channel SRC -> DST gets a flipped byte
 *   drop:SRC:DST:N           the Nth message on SRC -> DST is lost
 *   delay:SRC:DST:N:NS       the Nth message on SRC -> DST waits NS of virtual time
 *   replay:SRC:DST:N         the Nth message on SRC -> DST arrives twice; the copy is refused
 *   alter:SRC:DST:N          the Nth message on SRC -> DST has its header rewritten; it is refused
 * TYPE is a message type number (e.g. 103 VFS_WRITE) or `any`. Channel ends are pids; a
 * delegated call travels on (0, server) and its reply on (server, 0).
 */
import type { Fault } from '../core/events.js';

/** A spec that does not parse: the message says what is wrong (the CLI shows it as a usage error). */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

const SERVERS: Record<string, number> = { vfs: 2, pm: 3, mm: 4 };

function int(s: string | undefined, what: string, spec: string): number {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new FaultSpecError(`--inject ${spec}: ${what} must be a number`);
  return Number(s);
}

function server(s: string | undefined, spec: string): number {
  if (s !== undefined && s in SERVERS) return SERVERS[s]!;
  return int(s, 'SERVER (vfs, pm, mm or a pid)', spec);
}

export function parseFault(spec: string): Fault {
  const [kind, ...p] = spec.split(':');
  switch (kind) {
    case 'crash': case 'hang': {
      if (p.length !== 2 && p.length !== 3) throw new FaultSpecError(`--inject ${spec}: expected ${kind}:SERVER[:TYPE]:N`);
      const mType = p.length === 3 ? (p[1] === 'any' ? -1 : int(p[1], 'TYPE', spec)) : -1;
      return { kind, server: server(p[0], spec), mType, nth: int(p[p.length - 1], 'N', spec) };
    }
    case 'corrupt': case 'drop': case 'replay': case 'alter':
      if (p.length !== 3) throw new FaultSpecError(`--inject ${spec}: expected ${kind}:SRC:DST:N`);
      return { kind, src: int(p[0], 'SRC', spec), dst: int(p[1], 'DST', spec), nth: int(p[2], 'N', spec) };
    case 'delay':
      if (p.length !== 4) throw new FaultSpecError(`--inject ${spec}: expected delay:SRC:DST:N:NS`);
      return { kind, src: int(p[0], 'SRC', spec), dst: int(p[1], 'DST', spec), nth: int(p[2], 'N', spec), ns: int(p[3], 'NS', spec) };
    default:
      throw new FaultSpecError(`--inject ${spec}: the fault is one of crash, hang, corrupt, drop, delay, replay, alter`);
  }
}

/** A --chaos value as the machine takes it (a u32; 0 is off). */
export function chaosSeed(v: number): number {
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffff_ffff) throw new FaultSpecError(`--chaos: the seed is an integer from 0 to 4294967295, got ${v}`);
  return v;
}

/** The faults of a repeatable `--inject` option. */
export function faultsOf(specs: unknown): Fault[] {
  return ((specs as string[] | undefined) ?? []).map(parseFault);
}
