/**
 * Machine inputs as people write them (`xrr record/run/fork`, the TUI's fork prompt): `--chaos N`,
 * and faults (`--inject SPEC`, repeatable) for reproducing server crashes. FAULT_SYNTAX is the
 * text `--help` prints; the README's "Fault injection" shows the same.
 */
import type { Fault } from '../core/events.js';
import { MSG, RS_MSG } from '../protocol/message-types.js';

/** The fault syntax, as `--inject` help lists it. */
export const FAULT_SYNTAX = [
  'crash:SERVER[:TYPE]:N    SERVER throws while handling its Nth message (of TYPE)',
  'hang:SERVER[:TYPE]:N     SERVER stops answering at its Nth message (of TYPE)',
  'corrupt:SRC:DST:N        the Nth ciphertext on channel SRC -> DST gets a flipped byte',
  'drop:SRC:DST:N           the Nth message on SRC -> DST is lost',
  'delay:SRC:DST:N:NS       the Nth message on SRC -> DST waits NS nanoseconds of virtual time',
  'replay:SRC:DST:N         the Nth message on SRC -> DST arrives twice; the copy is refused',
  'alter:SRC:DST:N          the Nth message on SRC -> DST has its header rewritten; it is refused',
  'SERVER, SRC, DST: kernel, init, vfs, pm, mm, rs, or a pid. TYPE: a message name (VFS_CLOSE,',
  'case does not matter), its number (137), or any. A delegated call travels on kernel -> SERVER',
  'and its reply on SERVER -> kernel. Example: --inject crash:vfs:VFS_CLOSE:3 (the VFS crashes',
  'on the third close it handles); --inject crash:vfs:200 (on its 200th message of any type).',
] as const;

/** A spec that does not parse: the message says what is wrong (the CLI shows it as a usage error). */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/** Well-known pids by name (DESIGN.md section 6); `proc` is the Process Manager's service name. */
const PIDS: Readonly<Record<string, number>> = { kernel: 0, init: 1, vfs: 2, pm: 3, proc: 3, mm: 4, rs: 7 };

const MESSAGE_TYPES: ReadonlyMap<string, number> = new Map(Object.entries({ ...MSG, ...RS_MSG }).map(([name, value]) => [name.toUpperCase(), value]));

function int(s: string | undefined, what: string, spec: string): number {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new FaultSpecError(`--inject ${spec}: ${what} must be a number`);
  return Number(s);
}

/** A process by name or pid. */
function pid(s: string | undefined, what: string, spec: string): number {
  const key = s?.toLowerCase();
  if (key !== undefined && Object.hasOwn(PIDS, key)) return PIDS[key]!;
  return int(s, `${what} (kernel, init, vfs, pm, mm, rs or a pid)`, spec);
}

/** A message type by name (VFS_CLOSE), number, or `any` (-1). */
function messageType(s: string | undefined, spec: string): number {
  if (s === undefined || s.toLowerCase() === 'any') return -1;
  const named = MESSAGE_TYPES.get(s.toUpperCase());
  if (named !== undefined) return named;
  if (/^\d+$/.test(s)) return Number(s);
  const near = [...MESSAGE_TYPES.keys()].filter((n) => n.includes(s.toUpperCase())).slice(0, 6);
  throw new FaultSpecError(`--inject ${spec}: no message type ${s}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ' (a name like VFS_CLOSE, a number, or any)'}`);
}

export function parseFault(spec: string): Fault {
  const [kind, ...p] = spec.split(':');
  switch (kind) {
    case 'crash': case 'hang': {
      if (p.length !== 2 && p.length !== 3) throw new FaultSpecError(`--inject ${spec}: expected ${kind}:SERVER[:TYPE]:N`);
      const mType = p.length === 3 ? messageType(p[1], spec) : -1;
      return { kind, server: pid(p[0], 'SERVER', spec), mType, nth: int(p[p.length - 1], 'N', spec) };
    }
    case 'corrupt': case 'drop': case 'replay': case 'alter':
      if (p.length !== 3) throw new FaultSpecError(`--inject ${spec}: expected ${kind}:SRC:DST:N`);
      return { kind, src: pid(p[0], 'SRC', spec), dst: pid(p[1], 'DST', spec), nth: int(p[2], 'N', spec) };
    case 'delay':
      if (p.length !== 4) throw new FaultSpecError(`--inject ${spec}: expected delay:SRC:DST:N:NS`);
      return { kind, src: pid(p[0], 'SRC', spec), dst: pid(p[1], 'DST', spec), nth: int(p[2], 'N', spec), ns: int(p[3], 'NS', spec) };
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
