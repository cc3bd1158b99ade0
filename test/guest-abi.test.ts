/**
 * The guest's C library and the kernel number system calls from two copies of one table:
 * guest/include/xinim/syscalls.h (C) and src/core/syscall-numbers.ts (TypeScript). They must
 * agree exactly, or a guest program calls something other than it thinks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYSCALLS } from '../src/core/syscall-numbers.js';

const headerPath = new URL('../guest/include/xinim/syscalls.h', import.meta.url);

function parseHeader(text: string): Map<string, number> {
  const table = new Map<string, number>();
  for (const m of text.matchAll(/^#define\s+SYS_(\w+)\s+(\d+)\s*$/gm)) {
    const [, name, nr] = m;
    if (table.has(name!)) throw new Error(`SYS_${name} defined twice`);
    table.set(name!, Number(nr));
  }
  return table;
}

describe('guest syscall header', () => {
  const header = parseHeader(readFileSync(headerPath, 'utf8'));
  const ts = new Map<string, number>(Object.entries(SYSCALLS));

  it('defines exactly the calls of the TypeScript table, with the same numbers', () => {
    expect([...header.keys()].sort()).toEqual([...ts.keys()].sort());
    for (const [name, nr] of ts) expect({ name, nr: header.get(name) }).toEqual({ name, nr });
  });

  it('gives every number to one call only', () => {
    const numbers = [...header.values()];
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('keeps upstream XINIM numbers 1..51 and puts additions from 52 up', () => {
    expect(header.get('debug_write')).toBe(1);
    expect(header.get('setgid')).toBe(51);
    expect(header.get('sigreturn')).toBe(52);
    for (const nr of header.values()) expect(nr).toBeGreaterThanOrEqual(1);
  });
});
