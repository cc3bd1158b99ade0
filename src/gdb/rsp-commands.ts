/**
 * gdb remote protocol requests answered over a DebugSession: one packet in, the packets to
 * send back out. Registers and memory are read from the machine at the position; writes are
 * refused (a recording is never modified); stepping and continuing go either way in time;
 * threads are the followed process and its descendants. Anything unknown gets the empty
 * reply the protocol prescribes, and a request that fails gets an `E` reply: no packet can
 * take the server down.
 *
 * Reference: "Remote Protocol" in the GDB manual; the shape follows rr's GdbServer and
 * QEMU's gdbstub, with our own code.
 */
import { hexOf, hexWord } from '../protocol/hex.js';
import type { DebugSession, StopReason, WatchKind } from './debug-session.js';
import { runMonitorCommand } from './monitor-commands.js';
import { escapeBinary, MAX_PACKET, unescapeBinary } from './rsp-packets.js';
import { PC_REGNUM, REGISTER_COUNT, TARGET_XML } from './target-description.js';

export interface RspReply {
  /** Packets to send, in order (console output `O...` packets, then the reply). */
  readonly packets: readonly string[];
  /** After sending: stop sending acknowledgements (QStartNoAckMode). */
  readonly noAck?: boolean;
  /** After sending: close the connection (D, k). */
  readonly close?: boolean;
}

const EFAULT = 14;
const ENOENT = 2;
const EBADF = 9;
const EROFS = 30;

const le32 = (v: number) => hexWord(((v & 0xff) << 24 | (v >>> 8 & 0xff) << 16 | (v >>> 16 & 0xff) << 8 | v >>> 24) >>> 0);
const hexText = (s: string) => hexOf(new TextEncoder().encode(s));
const textOfHex = (h: string) => (/^([0-9a-fA-F]{2})*$/.test(h) ? new TextDecoder().decode(Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16))) : undefined);
const parseHex = (s: string | undefined) => (s !== undefined && /^[0-9a-fA-F]{1,16}$/.test(s) ? parseInt(s, 16) : undefined);

export class RspCommands {
  /** Thread for register and memory requests (Hg), and for step/continue (Hc). */
  private gThread: number;
  private cThread: number;
  /** The thread of the last stop. */
  private stopped: number;
  private lastStop: StopReason;
  private readonly files = new Map<number, Uint8Array>();
  private nextFd = 3;

  constructor(private readonly session: DebugSession) {
    this.gThread = session.pid;
    this.cThread = session.pid;
    this.stopped = session.pid;
    this.lastStop = { kind: 'step', pid: session.pid };
  }

  handle(packet: string): RspReply {
    try {
      return this.dispatch(packet);
    } catch (e) {
      // A bug or a replay failure (a divergence) answers this request with an error; the
      // session goes on serving.
      const msg = e instanceof Error ? e.message : String(e);
      return { packets: [`O${hexText(`xrr: ${msg}\n`)}`, 'E01'] };
    }
  }

  private reply(...packets: string[]): RspReply {
    return { packets };
  }

  private dispatch(p: string): RspReply {
    const s = this.session;
    if (p.startsWith('qSupported')) {
      return this.reply(`PacketSize=${MAX_PACKET.toString(16)};QStartNoAckMode+;ReverseStep+;ReverseContinue+;qXfer:features:read+;qXfer:exec-file:read+;vContSupported-`);
    }
    if (p === 'QStartNoAckMode') return { packets: ['OK'], noAck: true };
    if (p === '?') return this.reply(this.stopReply(this.lastStop));
    if (p === 'g') return this.readAllRegisters();
    if (p.startsWith('G') || p.startsWith('P')) return this.reply('E01'); // the recording is read-only
    if (p.startsWith('p')) return this.readRegister(p.slice(1));
    if (p.startsWith('m')) return this.readMemory(p.slice(1));
    if (p.startsWith('M') || p.startsWith('X')) return this.reply('E01');
    if (p.startsWith('H')) return this.setThread(p);
    if (p.startsWith('T')) {
      const tid = parseHex(p.slice(1));
      return this.reply(tid !== undefined && s.threads().includes(tid) ? 'OK' : 'E01');
    }
    if (p === 'qfThreadInfo') {
      const ts = s.threads();
      return this.reply(ts.length ? `m${ts.map((t) => t.toString(16)).join(',')}` : 'l');
    }
    if (p === 'qsThreadInfo') return this.reply('l');
    if (p === 'qC') return this.reply(`QC${this.stopped.toString(16)}`);
    if (p.startsWith('qThreadExtraInfo,')) {
      const tid = parseHex(p.slice('qThreadExtraInfo,'.length));
      if (tid === undefined) return this.reply('E01');
      const name = s.machine.kernel.procs.get(tid)?.name ?? 'gone';
      return this.reply(hexText(`${name} (pid ${tid})`));
    }
    if (p === 'qAttached' || p.startsWith('qAttached:')) return this.reply('1');
    if (p === 'qSymbol::') return this.reply('OK');
    if (p.startsWith('qXfer:features:read:')) return this.xfer(p.slice('qXfer:features:read:'.length), (annex) => (annex === 'target.xml' ? new TextEncoder().encode(TARGET_XML) : undefined));
    if (p.startsWith('qXfer:exec-file:read:')) {
      return this.xfer(p.slice('qXfer:exec-file:read:'.length), (annex) => {
        const pid = annex === '' ? this.gThread : parseHex(annex);
        const path = pid === undefined ? undefined : s.imagePath(pid);
        return path === undefined ? undefined : new TextEncoder().encode(path);
      });
    }
    if (p.startsWith('vFile:')) return this.hostIo(p.slice('vFile:'.length));
    if (p.startsWith('qRcmd,')) {
      const line = textOfHex(p.slice('qRcmd,'.length));
      if (line === undefined) return this.reply('E01');
      return this.reply(`O${hexText(runMonitorCommand(s, this.gThread, line))}`, 'OK');
    }
    if (p.startsWith('Z') || p.startsWith('z')) return this.breakOrWatch(p);
    // `c ADDR` / `s ADDR` would resume elsewhere (a pc write): the address is not honoured.
    if (p.startsWith('c')) return this.stop(s.continueForward());
    if (p.startsWith('s')) return this.stop(s.stepi(this.stepThread()));
    if (p === 'bc') return this.stop(s.reverseContinue());
    if (p === 'bs') return this.stop(s.reverseStepi(this.stepThread()));
    if (p === 'D' || p.startsWith('D;')) return { packets: ['OK'], close: true };
    if (p === 'k' || p.startsWith('vKill')) return { packets: p === 'k' ? [] : ['OK'], close: true };
    // vCont? (not supported: gdb then uses Hc with c and s), vMustReplyEmpty, qTStatus, qOffsets,
    // and everything this server does not know: the empty reply.
    return this.reply('');
  }

  private stepThread(): number {
    const t = this.cThread > 0 ? this.cThread : this.stopped;
    return this.session.threads().includes(t) ? t : this.stopped;
  }

  private stop(r: StopReason): RspReply {
    this.lastStop = r;
    this.stopped = this.session.threads().includes(r.pid) ? r.pid : this.session.threads()[0] ?? r.pid;
    this.gThread = this.stopped;
    return this.reply(this.stopReply(r));
  }

  private stopReply(r: StopReason): string {
    const thread = `thread:${this.stopped.toString(16)};`;
    switch (r.kind) {
      case 'step': case 'breakpoint': return `T05${thread}`;
      case 'watch': return `T05${r.access === 'write' ? 'watch' : r.access === 'read' ? 'rwatch' : 'awatch'}:${r.addr.toString(16)};${thread}`;
      case 'history-begin': return `T05replaylog:begin;${thread}`;
      case 'history-end': return `T05replaylog:end;${thread}`;
      default: {
        const never: never = r;
        return never;
      }
    }
  }

  private setThread(p: string): RspReply {
    const op = p[1];
    const arg = p.slice(2);
    const tid = arg === '-1' || arg === '0' ? 0 : parseHex(arg);
    if (tid === undefined || (op !== 'g' && op !== 'c')) return this.reply('E01');
    if (tid !== 0 && !this.session.threads().includes(tid)) return this.reply('E01');
    if (op === 'g') this.gThread = tid === 0 ? this.stopped : tid;
    else this.cThread = tid;
    return this.reply('OK');
  }

  private readAllRegisters(): RspReply {
    const r = this.session.registers(this.gThread);
    if (!r) return this.reply('E01');
    return this.reply([...r.x.slice(0, 32), r.pc].map((v, i) => (i === 0 ? '00000000' : le32(v))).join(''));
  }

  private readRegister(arg: string): RspReply {
    const n = parseHex(arg);
    const r = this.session.registers(this.gThread);
    if (n === undefined || !r) return this.reply('E01');
    if (n >= REGISTER_COUNT) return this.reply('E01');
    return this.reply(le32(n === PC_REGNUM ? r.pc : n === 0 ? 0 : r.x[n]!));
  }

  private readMemory(arg: string): RspReply {
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(arg);
    if (!m) return this.reply('E01');
    const addr = parseInt(m[1]!, 16);
    const len = Math.min(parseInt(m[2]!, 16), MAX_PACKET / 2);
    // Read what is mapped from the start; a read that starts unmapped is an error.
    let got = this.session.readMemory(this.gThread, addr, len);
    for (let n = len; !got && n > 0; n = Math.floor(n / 2)) got = this.session.readMemory(this.gThread, addr, n);
    if (!got) return this.reply(`E${EFAULT.toString(16).padStart(2, '0')}`);
    return this.reply(hexOf(got));
  }

  private breakOrWatch(p: string): RspReply {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(p);
    if (!m) return this.reply('E01');
    const insert = m[1] === 'Z';
    const type = Number(m[2]);
    const addr = parseInt(m[3]!, 16) >>> 0;
    const len = parseInt(m[4]!, 16);
    const s = this.session;
    if (type <= 1) {
      if (insert) s.breakpoints.add(addr);
      else s.breakpoints.delete(addr);
      return this.reply('OK');
    }
    if (len <= 0 || len > 4096) return this.reply('E01');
    const kind: WatchKind = type === 2 ? 'write' : type === 3 ? 'read' : 'access';
    const at = s.watchpoints.findIndex((w) => w.addr === addr && w.len === len && w.kind === kind);
    if (insert && at < 0) s.watchpoints.push({ addr, len, kind });
    if (!insert && at >= 0) s.watchpoints.splice(at, 1);
    return this.reply('OK');
  }

  /** qXfer reads: `annex:offset,length` of the object `content(annex)`. */
  private xfer(rest: string, content: (annex: string) => Uint8Array | undefined): RspReply {
    const m = /^([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(rest);
    if (!m) return this.reply('E00');
    const data = content(m[1]!);
    if (!data) return this.reply('E00');
    const off = parseInt(m[2]!, 16);
    const len = Math.min(parseInt(m[3]!, 16), MAX_PACKET / 2);
    if (off >= data.length) return this.reply('l');
    const chunk = data.subarray(off, off + len);
    return this.reply((off + chunk.length >= data.length ? 'l' : 'm') + escapeBinary(chunk));
  }

  /** Host I/O (vFile): gdb reads the guest ELF from the recording's own filesystem. Read-only. */
  private hostIo(rest: string): RspReply {
    const [op = '', argText = ''] = rest.split(/:(.*)/s);
    const args = argText.split(',');
    const fail = (errno: number) => this.reply(`F-1,${errno.toString(16)}`);
    switch (op) {
      case 'setfs':
        return this.reply('F0');
      case 'open': {
        const path = textOfHex(args[0] ?? '');
        const flags = parseHex(args[1]) ?? 0;
        if (path === undefined) return fail(ENOENT);
        if ((flags & 3) !== 0) return fail(EROFS);
        const bytes = this.session.readGuestFile(path);
        if (!bytes) return fail(ENOENT);
        const fd = this.nextFd++;
        this.files.set(fd, bytes);
        return this.reply(`F${fd.toString(16)}`);
      }
      case 'pread': {
        const f = this.files.get(parseHex(args[0]) ?? -1);
        const count = parseHex(args[1]);
        const offset = parseHex(args[2]);
        if (!f || count === undefined || offset === undefined) return fail(EBADF);
        const chunk = f.subarray(offset, offset + Math.min(count, MAX_PACKET / 2));
        return this.reply(`F${chunk.length.toString(16)};${escapeBinary(chunk)}`);
      }
      case 'fstat': {
        const f = this.files.get(parseHex(args[0]) ?? -1);
        if (!f) return fail(EBADF);
        return this.reply(`F40;${escapeBinary(fioStat(f.length))}`);
      }
      case 'close': {
        const fd = parseHex(args[0]) ?? -1;
        return this.files.delete(fd) ? this.reply('F0') : fail(EBADF);
      }
      case 'unlink': case 'pwrite':
        return fail(EROFS);
      default:
        return this.reply('');
    }
  }
}

/** gdb's File-I/O `struct stat` (big-endian; 64 bytes) for a regular read-only file of `size` bytes. */
function fioStat(size: number): Uint8Array {
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  dv.setUint32(8, 0o100444); // st_mode: regular file, r--r--r--
  dv.setUint32(12, 1); // st_nlink
  dv.setBigUint64(28, BigInt(size)); // st_size
  dv.setBigUint64(36, 4096n); // st_blksize
  dv.setBigUint64(44, BigInt(Math.ceil(size / 512))); // st_blocks
  return b;
}
