/**
 * Shared by the journal tests, the crash child and the benchmark: a seeded generator of
 * realistic machine events (syscalls with their returns, IPC with ciphertext-sized payloads,
 * scheduling, interrupts, console traffic, the odd fault) in (icount, seq) order.
 */
import type { MachineEvent } from '../src/core/events.js';
import type { NewRecording } from '../src/journal/index.js';

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const META: NewRecording = {
  machineVersion: 'xinim-rv32-1',
  imageHash: 'c0ffee'.padEnd(64, '0'),
  seedHex: '00112233445566778899aabbccddeeff',
  bootEpochNs: '1767225600000000000',
  commandLine: ['xrr', 'record', '--image', 'default'],
  xrrVersion: '0.1.0',
  createdAt: '2026-01-01T00:00:00.000Z',
};

const SYSCALLS: readonly [number, string][] = [
  [3, 'open'],
  [5, 'read'],
  [6, 'write'],
  [4, 'close'],
  [26, 'fork'],
  [28, 'wait4'],
  [34, 'brk'],
  [29, 'getpid'],
];

/** Random bytes as hex text. */
function hex(r: () => number, bytes: number): string {
  const b = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (r() * 256) | 0;
  return b.toString('hex');
}

function u32(v: number): string {
  return Buffer.from(Uint32Array.of(v).buffer).toString('hex');
}

/**
 * A sealed wire as the kernel journals it (src/core/ipc/wire.ts): format, header (channel ends,
 * type, sequence number), a random nonce, the length, and `bytes` of ciphertext and tag.
 */
function wire(r: () => number, src: number, dst: number, mType: number, seq: number, bytes: number): Uint8Array {
  return new Uint8Array(Buffer.from('01000000' + u32(src) + u32(dst) + u32(mType) + u32(seq) + u32(0) + hex(r, 24) + u32(bytes) + hex(r, bytes), 'hex'));
}

export interface EventStream {
  /** The next n events, continuing where the last call stopped. */
  next(n: number): MachineEvent[];
  readonly icount: number;
}

/**
 * opts.ipcBytes: size of the sealed IPC payloads (ciphertext and tag; the wire adds its 52-byte
 * prefix); opts.pids: how many user processes take turns; opts.quickCalls: half the syscalls
 * return at once (the return right after the call, at its icount), as most of a program's do.
 */
export function eventStream(seed: number, opts: { startIcount?: number; ipcBytes?: number; pids?: number; quickCalls?: boolean } = {}): EventStream {
  const r = rng(seed);
  let icount = opts.startIcount ?? 0;
  let seq = 0;
  const pids = opts.pids ?? 6;
  const ipcBytes = opts.ipcBytes ?? 96;
  let pid = 8;
  let wireSeq = 0;
  const at = (): { icount: number; seq: number } => {
    // Several events often share an icount (a syscall round trip); otherwise time moves on.
    if (r() < 0.6) {
      icount += 1 + ((r() * 2000) | 0);
      seq = 0;
    } else seq++;
    return { icount, seq };
  };
  const one = (): MachineEvent[] => {
    const x = r();
    if (opts.quickCalls === true && x < 0.2) {
      // A call the kernel answers at once: its return right after it, at the same icount (the
      // SQLite store keeps the two in one row).
      const [nr, name] = SYSCALLS[(r() * SYSCALLS.length) | 0]!;
      const call = at();
      seq = call.seq + 1;
      const result = r() < 0.1 ? -2 : (r() * 100) | 0;
      return [
        { kind: 'syscall', pid, nr, name, args: [(r() * 16) | 0, 0, 0, 0, 0, 0], ...call },
        { kind: 'syscall-return', pid, nr, result, icount: call.icount, seq: call.seq + 1 },
      ];
    }
    if (x < 0.4) {
      const [nr, name] = SYSCALLS[(r() * SYSCALLS.length) | 0]!;
      // Six registers, as the kernel reports them: a descriptor, a pointer, a length, and zeros.
      const args = [(r() * 16) | 0, 0x10000 + ((r() * 0x10000) | 0), (r() * 4096) | 0, 0, 0, 0];
      const server = nr === 26 || nr === 28 ? 3 : nr === 34 ? 4 : 2;
      wireSeq++;
      return [
        { kind: 'syscall', pid, nr, name, args, ...at() },
        { kind: 'ipc', src: pid, dst: server, mType: 100 + nr, wire: wire(r, 0, server, 100 + nr, wireSeq, ipcBytes), ...at() },
        { kind: 'ipc', src: server, dst: 0, mType: 150, wire: wire(r, server, 0, 150, wireSeq, ipcBytes), ...at() },
        { kind: 'syscall-return', pid, nr, result: r() < 0.1 ? -2 : (r() * 100) | 0, ...at() },
      ];
    }
    if (x < 0.6) {
      const to = 8 + ((r() * pids) | 0);
      const ev: MachineEvent = { kind: 'sched', from: pid, to, reason: r() < 0.5 ? 'timeslice' : 'blocked', ...at() };
      pid = to;
      return [ev];
    }
    if (x < 0.75) return [{ kind: 'irq', line: (r() * 4) | 0, ...at() }];
    if (x < 0.9) return [{ kind: 'console-output', data: Uint8Array.from({ length: 1 + ((r() * 40) | 0) }, () => 32 + ((r() * 90) | 0)), ...at() }];
    if (x < 0.94) return [{ kind: 'console-input', data: Uint8Array.of(97 + ((r() * 26) | 0), 10), ...at() }];
    if (x < 0.97) return [{ kind: 'idle', skippedNs: (r() * 1e6) | 0, ...at() }];
    if (x < 0.985) return [{ kind: 'signal', pid, signo: 17, action: 'deliver', ...at() }];
    if (x < 0.993) return [{ kind: 'fork', parent: pid, child: 8 + pids + ((r() * 100) | 0), ...at() }];
    if (x < 0.997) return [{ kind: 'exec', pid, path: '/bin/sh', ...at() }];
    return [{ kind: 'trap', pid, cause: 13, pc: 0x10000 + ((r() * 0x1000) | 0), tval: 0, ...at() }];
  };
  const buffered: MachineEvent[] = [];
  return {
    next(n) {
      while (buffered.length < n) buffered.push(...one());
      return buffered.splice(0, n);
    },
    get icount() {
      return icount;
    },
  };
}
