/**
 * Building a process image: the ELF segments, a stack, and the initial stack contents that
 * crt0 reads (argc, argv pointers, NULL, envp pointers, NULL, auxv, as on Linux).
 */
import { STACK_RESERVE_BYTES } from '../../protocol/mm-protocol.js';
import { loadElf, parseElf } from '../elf.js';
import { AddressSpace, PAGE_SIZE, PERM_R, PERM_W, PERM_X } from '../memory.js';

export const STACK_TOP = 0x7fff_0000;
/**
 * The part of the stack mapped at exec beside the pages of the arguments (Linux's initial stack:
 * the arguments plus 128 KiB). Below
 * it the stack grows on a fault, down to STACK_RESERVE_BYTES under STACK_TOP (stack-growth.ts);
 * only the mapped part counts against the machine's memory.
 */
export const STACK_INITIAL_BYTES = 128 * 1024;
/** Most bytes of argument and environment strings execve accepts (E2BIG beyond). */
export const ARG_MAX = 64 * 1024;

const AT_NULL = 0;
const AT_PAGESZ = 6;
const AT_ENTRY = 9;

/** A mapped range of a new image, as the Memory Manager records it. */
export interface ImageRegion {
  readonly addr: number;
  readonly length: number;
  readonly perm: number;
  readonly kind: 'text' | 'data' | 'stack';
}

export interface Image {
  readonly mem: AddressSpace;
  readonly entry: number;
  readonly sp: number;
  readonly brk: number;
  readonly regions: readonly ImageRegion[];
}

export type ImageResult = { ok: true; value: Image } | { ok: false; error: string };

/** Map the ELF and a stack holding argv/envp into a fresh address space. */
export function buildImage(elf: Uint8Array, argv: readonly Uint8Array[], envp: readonly Uint8Array[]): ImageResult {
  const parsed = parseElf(elf);
  if (!parsed.ok) return parsed;
  const mem = new AddressSpace();
  const { entry, brk } = loadElf(mem, parsed.value);
  if (brk > STACK_TOP - STACK_RESERVE_BYTES) return { ok: false, error: 'image overlaps the stack' };
  // The arguments and their vectors take at most half the stack reserve, as before stacks grew;
  // the stack starts as them plus STACK_INITIAL_BYTES, as Linux's does. Checked before anything
  // is written, since only that much is mapped.
  const stringBytes = [...argv, ...envp].reduce((n, s) => n + s.length + 1, 0);
  const argBytes = stringBytes + (argv.length + envp.length + 9) * 4 + 16;
  if (argBytes > STACK_RESERVE_BYTES / 2) return { ok: false, error: 'arguments do not fit the stack' };
  const stackBytes = STACK_INITIAL_BYTES + Math.ceil(argBytes / PAGE_SIZE) * PAGE_SIZE;
  mem.map(STACK_TOP - stackBytes, stackBytes, PERM_R | PERM_W);
  // Strings at the top, then the pointer vectors, 16-byte aligned as the psABI wants.
  let top = STACK_TOP;
  const place = (s: Uint8Array): number => {
    top -= s.length + 1;
    const z = new Uint8Array(s.length + 1);
    z.set(s);
    mem.poke(top, z);
    return top;
  };
  const envPtrs = envp.map(place);
  const argPtrs = argv.map(place);
  const words = [argv.length, ...argPtrs, 0, ...envPtrs, 0, AT_PAGESZ, PAGE_SIZE, AT_ENTRY, entry, AT_NULL, 0];
  let sp = (top - words.length * 4) & ~15;
  const vec = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((w, i) => vec.setUint32(i * 4, w >>> 0, true));
  mem.poke(sp, new Uint8Array(vec.buffer));
  sp >>>= 0;
  const regions: ImageRegion[] = parsed.value.segments.map((seg) => {
    const start = seg.vaddr & ~(PAGE_SIZE - 1);
    const end = (seg.vaddr + seg.memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    return { addr: start, length: end - start, perm: seg.perm, kind: seg.perm & PERM_X ? 'text' : 'data' };
  });
  regions.push({ addr: STACK_TOP - stackBytes, length: stackBytes, perm: PERM_R | PERM_W, kind: 'stack' });
  return { ok: true, value: { mem, entry, sp, brk, regions } };
}

/**
 * Read a NULL-terminated vector of string pointers from user memory (argv/envp of execve).
 * Returns undefined on a bad pointer, 'E2BIG' when the strings exceed ARG_MAX.
 */
export function readStringVector(mem: AddressSpace, ptr: number): Uint8Array[] | undefined | 'E2BIG' {
  const out: Uint8Array[] = [];
  if (ptr === 0) return out;
  let total = 0;
  for (let i = 0; ; i++) {
    const word = mem.readUser((ptr + i * 4) >>> 0, 4);
    if (!word) return undefined;
    const p = new DataView(word.buffer, word.byteOffset).getUint32(0, true);
    if (p === 0) return out;
    const s = mem.readCString(p, ARG_MAX);
    if (!s) return undefined;
    total += s.length + 1 + 4;
    if (total > ARG_MAX) return 'E2BIG';
    out.push(s);
  }
}
