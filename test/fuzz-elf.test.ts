/**
 * Mutated, truncated and random bytes of the real guest executables (guest/bin/*) into the ELF
 * loader (src/core/elf.ts through the exec path's buildImage) and through the machine (a guest
 * execve()s the mutated file from the VFS).
 *
 * Mutations: byte flips (biased to the ELF header and the program headers), header and program
 * header fields set to boundary values, truncation, garbage appended, and random bytes with and
 * without the ELF magic. Properties:
 *   - the loader returns a clear error value (a non-empty message) or a consistent image (entry
 *     in an executable region, stack pointer aligned, every region inside user space); it never
 *     throws;
 *   - in the machine, execve of the file is ENOEXEC to the guest (which goes on and exits with
 *     it), or the image runs and ends like any program (an exit, a signal, or the instruction
 *     limit); the host never throws.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USER_LIMIT } from '../src/core/elf.js';
import { buildImage, STACK_TOP } from '../src/core/kernel/exec-image.js';
import { PERM_X } from '../src/core/memory.js';
import { ERRNO } from '../src/protocol/errno.js';
import { bootMachine } from './support/boot.js';
import { announceSeed, check, params, withSeed } from './support/fuzz.js';
import { A0, A1, A2, DATA_BASE, linkProgram, sys } from './support/guest-asm.js';
import { li, op } from './support/rv-encode.js';

announceSeed('fuzz-elf');

const BIN = resolve(import.meta.dirname, '../guest/bin');
const ELVES = readdirSync(BIN).sort().map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(BIN, name))) }));

/** Offsets and sizes of the ELF header's fields, and of one program header's (from its start). */
const EHDR_FIELDS: readonly [number, 1 | 2 | 4][] = [
  [4, 1], [5, 1], [6, 1], [7, 1], [16, 2], [18, 2], [20, 4], [24, 4], [28, 4], [32, 4], [36, 4], [40, 2], [42, 2], [44, 2], [46, 2], [48, 2], [50, 2],
];
const PHDR_FIELDS: readonly [number, 4][] = [[0, 4], [4, 4], [8, 4], [12, 4], [16, 4], [20, 4], [24, 4], [28, 4]];
const BOUNDARIES = [0, 1, 2, 3, 4, 7, 0x20, 0x34, 0xff, 0x1000, 0xffff, 0x1_0000, 0x7f00_0000, 0x7fff_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_f000, 0xffff_ffff];

type Mutation =
  | { readonly kind: 'flip'; readonly at: readonly (readonly [number, number, number])[] }
  | { readonly kind: 'field'; readonly phdr: number; readonly field: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly fraction: number }
  | { readonly kind: 'append'; readonly junk: Uint8Array }
  | { readonly kind: 'random'; readonly magic: boolean; readonly bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // [region (0 header, 1 program headers, 2 anywhere), position in it (a fraction), xor mask]
  fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((at) => ({ kind: 'flip' as const, at })),
  fc.record({
    kind: fc.constant('field' as const),
    phdr: fc.integer({ min: -1, max: 3 }), // -1: the ELF header
    field: fc.integer({ min: 0, max: EHDR_FIELDS.length - 1 }),
    value: fc.oneof(fc.constantFrom(...BOUNDARIES), fc.integer({ min: 0, max: 0xffff_ffff })),
  }),
  fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('append' as const), junk: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('random' as const), magic: fc.boolean(), bytes: fc.uint8Array({ minLength: 0, maxLength: 300 }) }),
);

/** The ELF `base` with `m` applied (a copy). */
function mutate(base: Uint8Array, m: Mutation): Uint8Array {
  const b = base.slice();
  const dv = new DataView(b.buffer);
  const phoff = dv.getUint32(28, true);
  const phnum = dv.getUint16(44, true);
  switch (m.kind) {
    case 'flip':
      for (const [region, pos, mask] of m.at) {
        const [start, len] = region === 0 ? [0, 52] : region === 1 ? [phoff, phnum * 32] : [0, b.length];
        const k = start + (pos % Math.max(1, len));
        if (k < b.length) b[k] = b[k]! ^ mask;
      }
      return b;
    case 'field': {
      const [off, size] = m.phdr < 0 ? EHDR_FIELDS[m.field]! : PHDR_FIELDS[m.field % PHDR_FIELDS.length]!;
      const at = m.phdr < 0 ? off : phoff + (m.phdr % Math.max(1, phnum)) * 32 + off;
      if (size === 1) dv.setUint8(at, m.value & 0xff);
      else if (size === 2) dv.setUint16(at, m.value & 0xffff, true);
      else dv.setUint32(at, m.value >>> 0, true);
      return b;
    }
    case 'truncate':
      return b.subarray(0, Math.floor(b.length * m.fraction));
    case 'append': {
      const out = new Uint8Array(b.length + m.junk.length);
      out.set(b);
      out.set(m.junk, b.length);
      return out;
    }
    case 'random': {
      const out = new Uint8Array(m.bytes.length + (m.magic ? 52 : 0));
      if (m.magic) out.set(b.subarray(0, 52)); // a genuine header in front of garbage
      out.set(m.bytes, m.magic ? 52 : 0);
      return out;
    }
  }
}

const mutatedElf = fc.tuple(fc.integer({ min: 0, max: ELVES.length - 1 }), mutation)
  .map(([i, m]) => ({ name: ELVES[i]!.name, m, bytes: mutate(ELVES[i]!.bytes, m) }));

describe('mutated guest executables into the loader', () => {
  it('the unmutated images load (the mutations start from valid files)', () => {
    for (const e of ELVES) expect(buildImage(e.bytes, [new TextEncoder().encode(e.name)], []).ok, e.name).toBe(true);
  });

  it('give a clear error or a consistent image, never a host exception', () => {
    check('elf loader', 1500, [mutatedElf], ({ bytes }) => {
      const r = buildImage(bytes, [new TextEncoder().encode('prog')], [new TextEncoder().encode('A=1')]);
      if (!r.ok) {
        expect(typeof r.error).toBe('string');
        expect(r.error.length).toBeGreaterThan(0);
        return;
      }
      const img = r.value;
      expect(img.sp % 16).toBe(0);
      expect(img.sp).toBeLessThan(STACK_TOP);
      expect(img.regions.some((g) => (g.perm & PERM_X) !== 0 && img.entry >= g.addr && img.entry < g.addr + g.length)).toBe(true);
      for (const g of img.regions) {
        expect(g.addr).toBeGreaterThan(0);
        expect(g.addr + g.length).toBeLessThanOrEqual(g.kind === 'stack' ? STACK_TOP : USER_LIMIT);
      }
      expect(img.mem.isMapped(img.entry)).toBe(true);
    });
  }, 120_000);
});

/** A guest that execve()s /tmp/m and, if that returns, exits with the errno. */
const execer = (() => {
  const data = new Uint8Array(64);
  data.set(new TextEncoder().encode('/tmp/m\0'));
  return linkProgram([li(A0, DATA_BASE), li(A1, 0), li(A2, 0), sys(27), op('sub', A0, 0, A0), sys(25)], data);
})();

describe('mutated guest executables through the machine', () => {
  it('execve of a mutated image is ENOEXEC to the guest, or the image runs and ends; the host never throws', () => {
    const cases = fc.sample(mutatedElf, params(40));
    let refused = 0;
    for (const [i, c] of cases.entries()) {
      try {
        const r = bootMachine({ initArgv: ['/tmp/exec'], files: { '/tmp/exec': execer, '/tmp/m': c.bytes }, maxInstructions: 3_000_000 });
        const execd = r.events.some((e) => e.kind === 'exec' && e.pid === 1 && e.path === '/tmp/m');
        if (!execd) {
          // The loader refused it: the guest got ENOEXEC and went on to exit with it.
          expect(r.stop).toMatchObject({ kind: 'halted', status: ERRNO.ENOEXEC });
          refused++;
        } else {
          expect(['halted', 'limit', 'idle']).toContain(r.stop.kind);
        }
      } catch (e) {
        throw withSeed(`mutated ${c.name} #${i} (${JSON.stringify(c.m).slice(0, 200)})`, e);
      }
    }
    // Most mutations break the image; a run where none did would not test the refusal path.
    expect(refused).toBeGreaterThan(0);
  }, 180_000);
});
