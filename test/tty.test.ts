import { describe, expect, it } from 'vitest';
import { SIGINT, SIGQUIT, TTY_MAX_CANON, Tty, type TtyReadResult } from '../src/core/tty.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);
const readStr = (r: TtyReadResult): string => {
  if (r.kind !== 'data') throw new Error(`expected data, got ${r.kind}`);
  return str(r.bytes);
};

describe('Tty canonical mode', () => {
  it('echoes typed characters and makes a line readable only when Enter (CR) is typed', () => {
    const tty = new Tty();
    const typed = tty.input(enc('ls /bin'));
    expect(str(typed.echo)).toBe('ls /bin');
    expect(typed.readable).toBe(false);
    expect(tty.read(100)).toEqual({ kind: 'wouldBlock' });
    const enter = tty.input([0x0d]);
    expect(str(enter.echo)).toBe('\n');
    expect(enter.readable).toBe(true);
    expect(readStr(tty.read(100))).toBe('ls /bin\n');
    expect(tty.read(100)).toEqual({ kind: 'wouldBlock' });
  });

  it('returns at most one line per read and keeps the rest of a long line', () => {
    const tty = new Tty();
    tty.input(enc('hello\nworld\n'));
    expect(readStr(tty.read(3))).toBe('hel');
    expect(readStr(tty.read(100))).toBe('lo\n');
    expect(readStr(tty.read(100))).toBe('world\n');
  });

  it('erases one character with backspace or DEL, echoing "\\b \\b"', () => {
    const tty = new Tty();
    const r = tty.input(enc('catx\x7fz\x08\x08t\n'));
    expect(str(r.echo)).toBe('catx\b \bz\b \b\b \bt\n');
    expect(readStr(tty.read(100))).toBe('cat\n');
    // Erasing an empty line does nothing and echoes nothing.
    expect(tty.input([0x7f]).echo).toHaveLength(0);
  });

  it('erases a whole UTF-8 character and a ^X-echoed control character in two columns', () => {
    const tty = new Tty();
    const r = tty.input([...enc('aé'), 0x7f, 0x01, 0x7f, 0x0a]);
    expect(str(r.echo)).toBe('aé\b \b^A\b \b\b \b\n');
    expect(readStr(tty.read(100))).toBe('a\n');
  });

  it('kills the line with ^U and the last word with ^W', () => {
    const tty = new Tty();
    expect(str(tty.input(enc('abc\x15')).echo)).toBe('abc' + '\b \b'.repeat(3));
    tty.input(enc('echo foo  \x17bar\n'));
    expect(readStr(tty.read(100))).toBe('echo bar\n');
  });

  it('turns ^C into SIGINT for the foreground group and discards the line and pending input', () => {
    const tty = new Tty();
    tty.setForeground(12);
    tty.input(enc('queued\n'));
    const r = tty.input(enc('sleep 100\x03'));
    expect(r.signals).toEqual([{ signal: SIGINT, pgrp: 12 }]);
    expect(str(r.echo)).toBe('sleep 100^C\n');
    expect(r.readable).toBe(false);
    expect(tty.read(100)).toEqual({ kind: 'wouldBlock' });
    tty.input(enc('ok\n'));
    expect(readStr(tty.read(100))).toBe('ok\n');
    expect(tty.input([0x1c]).signals).toEqual([{ signal: SIGQUIT, pgrp: 12 }]);
  });

  it('passes ^C through as data when ISIG is off', () => {
    const tty = new Tty();
    tty.setMode({ isig: false });
    const r = tty.input([0x03, 0x0a]);
    expect(r.signals).toEqual([]);
    expect(str(r.echo)).toBe('^C\n');
    expect(tty.read(10)).toEqual({ kind: 'data', bytes: Uint8Array.from([0x03, 0x0a]) });
  });

  it('gives end-of-file for ^D at the start of a line, once', () => {
    const tty = new Tty();
    const r = tty.input([0x04]);
    expect(r.readable).toBe(true);
    expect(r.echo).toHaveLength(0);
    expect(tty.read(100)).toEqual({ kind: 'eof' });
    expect(tty.read(100)).toEqual({ kind: 'wouldBlock' });
  });

  it('flushes a partial line without a newline for ^D after text', () => {
    const tty = new Tty();
    tty.input(enc('abc\x04\x04'));
    expect(readStr(tty.read(100))).toBe('abc');
    expect(tty.read(100)).toEqual({ kind: 'eof' });
  });

  it('does not echo when ECHO is off but still edits', () => {
    const tty = new Tty();
    tty.setMode({ echo: false });
    const r = tty.input(enc('pw\x7fd\n'));
    expect(r.echo).toHaveLength(0);
    expect(readStr(tty.read(100))).toBe('pd\n');
  });

  it('applies ONLCR to echo and output when enabled', () => {
    const tty = new Tty();
    expect(str(tty.output(enc('a\nb')))).toBe('a\nb');
    tty.setMode({ onlcr: true });
    expect(str(tty.output(enc('a\nb')))).toBe('a\r\nb');
    expect(str(tty.input(enc('x\r')).echo)).toBe('x\r\n');
  });

  it('bounds a line and rings the bell when it is full, keeping room for the newline', () => {
    const tty = new Tty();
    tty.setMode({ echo: true });
    tty.input(new Uint8Array(TTY_MAX_CANON - 1).fill(0x61));
    expect([...tty.input([0x62]).echo]).toEqual([0x07]);
    tty.input([0x0a]);
    const r = tty.read(10_000);
    expect(r.kind === 'data' && r.bytes.length).toBe(TTY_MAX_CANON);
  });
});

describe('Tty raw mode', () => {
  it('makes every byte readable at once without editing', () => {
    const tty = new Tty();
    tty.setMode({ canonical: false, echo: false });
    const r = tty.input(enc('a\x7fb'));
    expect(r.readable).toBe(true);
    expect(r.echo).toHaveLength(0);
    expect(tty.read(2)).toEqual({ kind: 'data', bytes: enc('a\x7f') });
    expect(readStr(tty.read(10))).toBe('b');
    expect(tty.read(10)).toEqual({ kind: 'wouldBlock' });
  });

  it('makes the partial line readable when leaving canonical mode', () => {
    const tty = new Tty();
    tty.input(enc('one\ntw'));
    tty.setMode({ canonical: false });
    expect(readStr(tty.read(100))).toBe('one\ntw');
  });
});

describe('Tty state', () => {
  it('save -> restore -> keeps running identically', () => {
    const tty = new Tty();
    tty.setForeground(8);
    tty.input(enc('first\nsec'));
    const copy = new Tty();
    copy.setState(JSON.parse(JSON.stringify(tty.getState())));
    for (const t of [tty, copy]) expect(readStr(t.read(100))).toBe('first\n');
    const a = tty.input(enc('ond\x7fd\n\x04\x03'));
    const b = copy.input(enc('ond\x7fd\n\x04\x03'));
    expect(b).toEqual(a);
    expect(copy.getState()).toEqual(tty.getState());
    copy.input(enc('x\n'));
    expect(readStr(copy.read(100))).toBe('x\n');
  });

  it('rejects malformed or newer state and leaves the tty unchanged', () => {
    const tty = new Tty();
    tty.input(enc('abc'));
    const good = tty.getState();
    expect(() => tty.setState({ ...good, version: 2 })).toThrow(/newer/);
    expect(() => tty.setState({ ...good, mode: { ...good.mode, echo: 'yes' } })).toThrow(/echo/);
    expect(() => tty.setState({ ...good, queue: [{ kind: 'bogus' }] })).toThrow(/bogus/);
    expect(() => tty.setState({ ...good, foregroundPgrp: -3 })).toThrow(/foregroundPgrp/);
    expect(() => tty.setState({ ...good, mode: { ...good.mode, canonical: false } })).toThrow(/raw mode/);
    expect(tty.getState()).toEqual(good);
  });
});
