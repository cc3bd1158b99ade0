/**
 * The console line discipline (a small N_TTY): typed bytes in, echo and signal requests out, lines
 * queued for `read`. Pure: it never touches the UART or a process; the kernel transmits the echo,
 * delivers the signals and wakes readers.
 *
 * Canonical mode (the default), with the Linux default control characters:
 *   CR (with ICRNL) / NL   end the line; it becomes readable, newline included
 *   ^H / DEL               erase one character (a whole UTF-8 sequence), echoed "\b \b"
 *   ^U                     erase the line;  ^W erase the previous word
 *   ^C / ^\                (ISIG) SIGINT / SIGQUIT to the foreground process group, discard all
 *                          pending input (no NOFLSH), echo "^C\n" / "^\\\n"
 *   ^D                     at the start of a line: end of file (one read returns 0);
 *                          otherwise: the partial line becomes readable without a newline
 * Other control characters are stored and echoed as "^X" (ECHOCTL); a tab is echoed as is and
 * erased as one column (column tracking is not modelled).
 * Non-canonical ("raw", VMIN=1 VTIME=0): every byte is readable at once, no editing; ISIG and echo
 * still apply if set.
 *
 * Echo bytes are returned output-processed (ONLCR), ready to transmit; guest writes to the console
 * go through `output` for the same processing.
 */
import { DeviceStateError, expectBool, expectBytes, expectState } from '../hw/state.js';

export const SIGINT = 2;
export const SIGQUIT = 3;

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BS = 0x08;
const TAB = 0x09;
const NL = 0x0a;
const CR = 0x0d;
const CTRL_U = 0x15;
const CTRL_W = 0x17;
const CTRL_BACKSLASH = 0x1c;
const DEL = 0x7f;
const BEL = 0x07;

/** Linux N_TTY_BUF_SIZE: a canonical line holds at most this many bytes, newline included. */
export const TTY_MAX_CANON = 4096;
/** Bytes that may wait unread before further input is dropped (with a bell). */
export const TTY_MAX_QUEUED = 65536;

export interface TtyMode {
  /** ICANON: line editing and line-at-a-time reads. */
  readonly canonical: boolean;
  /** ECHO: echo typed characters. */
  readonly echo: boolean;
  /** ISIG: ^C and ^\ raise signals. */
  readonly isig: boolean;
  /** ICRNL: typed CR becomes NL. */
  readonly icrnl: boolean;
  /** ONLCR: NL is transmitted as CR NL. Off by default: the host terminal (libuv raw mode) keeps its own ONLCR. */
  readonly onlcr: boolean;
}

export const DEFAULT_TTY_MODE: TtyMode = { canonical: true, echo: true, isig: true, icrnl: true, onlcr: false };

export interface TtySignalRequest {
  readonly signal: number;
  /** The foreground process group at the time, or null if none is set (the kernel picks). */
  readonly pgrp: number | null;
}

export interface TtyInputResult {
  /** Bytes to transmit to the terminal, already output-processed. */
  readonly echo: Uint8Array;
  readonly signals: readonly TtySignalRequest[];
  /** Whether a read would now return without blocking (wake blocked readers). */
  readonly readable: boolean;
}

export type TtyReadResult =
  | { readonly kind: 'data'; readonly bytes: Uint8Array }
  | { readonly kind: 'eof' }
  | { readonly kind: 'wouldBlock' };

type QueueEntry = { kind: 'data'; bytes: number[] } | { kind: 'eof' };

export interface TtyState {
  readonly version: 1;
  readonly mode: TtyMode;
  readonly foregroundPgrp: number | null;
  /** The line being edited (canonical mode). */
  readonly partial: readonly number[];
  /** Completed input waiting for read: lines (or raw chunks) and end-of-file markers. */
  readonly queue: readonly ({ readonly kind: 'data'; readonly bytes: readonly number[] } | { readonly kind: 'eof' })[];
}

const TTY_STATE_VERSION = 1;

export class Tty {
  private mode: TtyMode = { ...DEFAULT_TTY_MODE };
  private foregroundPgrp: number | null = null;
  private partial: number[] = [];
  private queue: QueueEntry[] = [];

  getMode(): TtyMode {
    return { ...this.mode };
  }

  /**
   * Changes the mode (tcsetattr). Leaving canonical mode makes the partial line readable; entering
   * it keeps queued bytes as one line; end-of-file markers only exist in canonical mode.
   */
  setMode(change: Partial<TtyMode>): void {
    const next = { ...this.mode, ...change };
    if (this.mode.canonical && !next.canonical) {
      if (this.partial.length > 0) this.queue.push({ kind: 'data', bytes: this.partial });
      this.partial = [];
      this.queue = this.queue.filter((e) => e.kind === 'data');
    }
    this.mode = next;
  }

  get foreground(): number | null {
    return this.foregroundPgrp;
  }

  /** Sets the foreground process group (tcsetpgrp), the target of ^C and ^\. */
  setForeground(pgrp: number | null): void {
    if (pgrp !== null && (!Number.isSafeInteger(pgrp) || pgrp < 0)) throw new RangeError(`bad process group ${pgrp}`);
    this.foregroundPgrp = pgrp;
  }

  /** Processes bytes typed at the terminal. */
  input(bytes: Uint8Array | readonly number[]): TtyInputResult {
    const echo: number[] = [];
    const signals: TtySignalRequest[] = [];
    for (const raw of bytes) {
      if (!Number.isInteger(raw) || raw < 0 || raw > 0xff) throw new RangeError(`not a byte: ${raw}`);
      this.inputByte(raw, echo, signals);
    }
    return { echo: Uint8Array.from(echo), signals, readable: this.readable() };
  }

  /** Whether `read` would return data or end-of-file rather than block. */
  readable(): boolean {
    return this.queue.length > 0;
  }

  /**
   * Reads at most `maxBytes`. Canonical: at most one line (the rest of it stays for the next read),
   * or `eof` once per ^D at the start of a line. Raw: whatever is queued, up to `maxBytes`.
   */
  read(maxBytes: number): TtyReadResult {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`bad read size ${maxBytes}`);
    const head = this.queue[0];
    if (head === undefined) return { kind: 'wouldBlock' };
    if (head.kind === 'eof') {
      this.queue.shift();
      return { kind: 'eof' };
    }
    if (this.mode.canonical) {
      const out = head.bytes.splice(0, maxBytes);
      if (head.bytes.length === 0) this.queue.shift();
      return { kind: 'data', bytes: Uint8Array.from(out) };
    }
    const out: number[] = [];
    while (out.length < maxBytes && this.queue.length > 0) {
      const entry = this.queue[0]!;
      if (entry.kind === 'eof') break;
      out.push(...entry.bytes.splice(0, maxBytes - out.length));
      if (entry.bytes.length === 0) this.queue.shift();
    }
    return { kind: 'data', bytes: Uint8Array.from(out) };
  }

  /** Output processing for bytes the guest writes to the console (ONLCR). */
  output(bytes: Uint8Array | readonly number[]): Uint8Array {
    if (!this.mode.onlcr) return Uint8Array.from(bytes);
    const out: number[] = [];
    for (const b of bytes) {
      if (b === NL) out.push(CR);
      out.push(b);
    }
    return Uint8Array.from(out);
  }

  /** Discards all pending input (tcflush(TCIFLUSH)). */
  flushInput(): void {
    this.partial = [];
    this.queue = [];
  }

  private queuedBytes(): number {
    let n = this.partial.length;
    for (const e of this.queue) if (e.kind === 'data') n += e.bytes.length;
    return n;
  }

  private inputByte(byte: number, echo: number[], signals: TtySignalRequest[]): void {
    let c = byte;
    if (c === CR && this.mode.icrnl) c = NL;

    if (this.mode.isig && (c === CTRL_C || c === CTRL_BACKSLASH)) {
      signals.push({ signal: c === CTRL_C ? SIGINT : SIGQUIT, pgrp: this.foregroundPgrp });
      this.flushInput();
      if (this.mode.echo) this.echoOut(echo, [0x5e, c + 0x40, NL]);
      return;
    }

    if (!this.mode.canonical) {
      if (this.queuedBytes() >= TTY_MAX_QUEUED) {
        if (this.mode.echo) echo.push(BEL);
        return;
      }
      const last = this.queue[this.queue.length - 1];
      if (last?.kind === 'data') last.bytes.push(c);
      else this.queue.push({ kind: 'data', bytes: [c] });
      if (this.mode.echo) this.echoOut(echo, [c]);
      return;
    }

    switch (c) {
      case BS:
      case DEL:
        this.eraseChar(echo);
        return;
      case CTRL_U:
        while (this.partial.length > 0) this.eraseChar(echo);
        return;
      case CTRL_W:
        while (this.partial.length > 0 && isSpace(this.partial[this.partial.length - 1]!)) this.eraseChar(echo);
        while (this.partial.length > 0 && !isSpace(this.partial[this.partial.length - 1]!)) this.eraseChar(echo);
        return;
      case CTRL_D:
        if (this.partial.length === 0) this.queue.push({ kind: 'eof' });
        else this.completeLine();
        return;
      default:
        break;
    }

    // Keep room for the newline that ends a full line, and bound what waits unread.
    const room = c === NL ? TTY_MAX_CANON : TTY_MAX_CANON - 1;
    if (this.partial.length >= room || this.queuedBytes() >= TTY_MAX_QUEUED) {
      if (this.mode.echo) echo.push(BEL);
      return;
    }
    this.partial.push(c);
    if (this.mode.echo) this.echoOut(echo, isEchoCtl(c) ? [0x5e, c + 0x40] : [c]);
    if (c === NL) this.completeLine();
  }

  private completeLine(): void {
    this.queue.push({ kind: 'data', bytes: this.partial });
    this.partial = [];
  }

  /** Erases the last character of the partial line: one UTF-8 sequence, one or two echoed columns. */
  private eraseChar(echo: number[]): void {
    if (this.partial.length === 0) return;
    // A UTF-8 character is its lead byte plus continuation bytes (IUTF8): erase them together.
    let last = this.partial.pop()!;
    while (isUtf8Continuation(last) && this.partial.length > 0) last = this.partial.pop()!;
    if (!this.mode.echo) return;
    const columns = isEchoCtl(last) ? 2 : 1;
    for (let i = 0; i < columns; i++) echo.push(BS, 0x20, BS);
  }

  private echoOut(echo: number[], bytes: readonly number[]): void {
    for (const b of bytes) {
      if (b === NL && this.mode.onlcr) echo.push(CR);
      echo.push(b);
    }
  }

  getState(): TtyState {
    return {
      version: TTY_STATE_VERSION,
      mode: { ...this.mode },
      foregroundPgrp: this.foregroundPgrp,
      partial: [...this.partial],
      queue: this.queue.map((e) => (e.kind === 'eof' ? { kind: 'eof' } : { kind: 'data', bytes: [...e.bytes] })),
    };
  }

  setState(state: unknown): void {
    const d = 'tty';
    const s = expectState(d, state, TTY_STATE_VERSION);
    const m = s['mode'];
    if (typeof m !== 'object' || m === null) throw new DeviceStateError(d, 'field mode must be an object');
    const mr = m as Record<string, unknown>;
    const mode: TtyMode = {
      canonical: expectBool(d, mr, 'canonical'),
      echo: expectBool(d, mr, 'echo'),
      isig: expectBool(d, mr, 'isig'),
      icrnl: expectBool(d, mr, 'icrnl'),
      onlcr: expectBool(d, mr, 'onlcr'),
    };
    const fg = s['foregroundPgrp'];
    if (fg !== null && (typeof fg !== 'number' || !Number.isSafeInteger(fg) || fg < 0)) {
      throw new DeviceStateError(d, `field foregroundPgrp must be null or a process group, got ${String(fg)}`);
    }
    const partial = expectBytes(d, s, 'partial', TTY_MAX_CANON - 1);
    const rawQueue = s['queue'];
    if (!Array.isArray(rawQueue)) throw new DeviceStateError(d, 'field queue must be an array');
    const queue: QueueEntry[] = rawQueue.map((e: unknown) => {
      if (typeof e !== 'object' || e === null) throw new DeviceStateError(d, 'queue entry must be an object');
      const r = e as Record<string, unknown>;
      if (r['kind'] === 'eof') return { kind: 'eof' };
      if (r['kind'] === 'data') return { kind: 'data', bytes: expectBytes(d, r, 'bytes', TTY_MAX_QUEUED) };
      throw new DeviceStateError(d, `unknown queue entry kind ${String(r['kind'])}`);
    });
    if (!mode.canonical && (partial.length > 0 || queue.some((e) => e.kind === 'eof'))) {
      throw new DeviceStateError(d, 'raw mode cannot hold a partial line or end-of-file markers');
    }
    this.mode = mode;
    this.foregroundPgrp = fg;
    this.partial = partial;
    this.queue = queue;
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === TAB;
}

function isUtf8Continuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/** Control characters echoed as ^X (ECHOCTL): all below space except tab and newline. */
function isEchoCtl(b: number): boolean {
  return b < 0x20 && b !== TAB && b !== NL;
}
