/**
 * The console: the kernel owns the UART and the line discipline (src/core/tty.ts). Typed bytes
 * arrive through the UART's receive FIFO and its interrupt; output goes out through the transmit
 * FIFO. The VFS hands console reads, writes and ioctls (termios, the foreground process group,
 * the window size) to the kernel, which completes them as the VFS would have.
 */
import { UART_REG } from '../../hw/uart16550.js';
import { IRQ } from '../../hw/intc.js';
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { VFS_PROTOCOL } from '../../protocol/vfs-protocol.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';
import type { ConsoleOp } from './server-port.js';

/** ioctl requests on the console (Linux values). */
const TCGETS = 0x5401, TCSETS = 0x5402, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413;
/** termios c_lflag bits. */
const ISIG = 0o1, ICANON = 0o2, ECHO = 0o10;
/** Line status register: data ready. */
const LSR_DR = 0x01;

export class KernelConsole {
  /** Pids blocked in a console read, in arrival order. */
  readers: number[] = [];

  constructor(private readonly k: Kernel) {}

  /** Bytes typed on the host terminal arrive through the UART's receive FIFO, one at a time. */
  input(bytes: Uint8Array): void {
    const { uart, intc } = this.k.dev;
    for (const b of bytes) {
      uart.receive(b);
      intc.setLevel(IRQ.UART, uart.irqPending());
      this.k.serviceInterrupts();
    }
  }

  /** The UART's receive interrupt: drain the FIFO into the line discipline. */
  uartInterrupt(): void {
    const { uart, tty } = this.k.dev;
    const got: number[] = [];
    while (uart.readReg(UART_REG.LSR) & LSR_DR) got.push(uart.readReg(UART_REG.RBR));
    if (got.length === 0) return;
    const r = tty.input(got);
    if (r.echo.length > 0) this.transmit(r.echo);
    for (const sig of r.signals) {
      const target = sig.pgrp ?? this.k.current?.pid ?? WELL_KNOWN_PID.INIT;
      this.k.signals.post(-target, sig.signal);
    }
    if (r.readable) this.wakeReaders();
  }

  transmit(bytes: Uint8Array): void {
    const { uart } = this.k.dev;
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(uart.txSpace, bytes.length - i);
      for (let k = i; k < i + n; k++) uart.writeReg(UART_REG.THR, bytes[k] ?? 0);
      i += n;
      uart.drainTx();
    }
    // A copy: `bytes` may be a view of guest memory, which the guest goes on writing.
    this.k.emit({ kind: 'console-output', data: new Uint8Array(bytes) });
    this.k.bus.console(bytes);
  }

  /** A console read, write or ioctl the VFS handed over. */
  op(op: ConsoleOp): void {
    const p = this.k.procs.get(op.pid);
    if (!p) return;
    const w = p.wait;
    const nr = w?.kind === 'reply' ? w.nr : 0;
    const args = w?.kind === 'reply' ? w.args : [];
    switch (op.kind) {
      case 'console-write':
        this.transmit(this.k.dev.tty.output(op.data));
        this.completeAsVfs(p, 'write', op.data.length);
        break;
      case 'console-read': {
        p.wait = { kind: 'console-read', nr, args, count: op.count };
        if (!this.tryRead(p)) {
          if (op.nonblocking) this.k.finish(p, nr, -ERRNO.EAGAIN);
          else this.readers.push(p.pid);
        }
        break;
      }
      case 'console-ioctl':
        this.completeAsVfs(p, 'ioctl', this.ioctl(p, op.request, op.arg));
        break;
    }
  }

  /** A reader leaves (a signal interrupted it, it exited). */
  dropReader(pid: number): void {
    this.readers = this.readers.filter((x) => x !== pid);
  }

  /** Complete a console call as the VFS would have: the same reply path as any delegated call. */
  private completeAsVfs(p: Process, kind: 'write' | 'ioctl', result: number): void {
    const w = p.wait;
    if (w?.kind !== 'reply') return;
    this.k.replies.complete(p, w, VFS_PROTOCOL.encodeReply(kind, result));
  }

  private tryRead(p: Process): boolean {
    const w = p.wait;
    if (w?.kind !== 'console-read') return false;
    const r = this.k.dev.tty.read(w.count);
    if (r.kind === 'wouldBlock') return false;
    const data = r.kind === 'eof' ? new Uint8Array(0) : r.bytes;
    const buf = (w.args[1] ?? 0) >>> 0;
    if (data.length > 0 && !p.mem.writeUser(buf, data)) {
      this.k.finish(p, w.nr, -ERRNO.EFAULT);
      return true;
    }
    this.k.finish(p, w.nr, data.length);
    return true;
  }

  private wakeReaders(): void {
    const waiting = this.readers;
    this.readers = [];
    for (const pid of waiting) {
      const p = this.k.procs.get(pid);
      if (p && !this.tryRead(p)) this.readers.push(pid);
    }
  }

  private ioctl(p: Process, request: number, arg: number): number {
    const { tty } = this.k.dev;
    switch (request) {
      case TIOCGPGRP: {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, tty.foreground ?? 0, true);
        return p.mem.writeUser(arg >>> 0, b) ? 0 : -ERRNO.EFAULT;
      }
      case TIOCSPGRP: {
        const b = p.mem.readUser(arg >>> 0, 4);
        if (!b) return -ERRNO.EFAULT;
        const pgrp = new DataView(b.buffer, b.byteOffset).getInt32(0, true);
        if (pgrp <= 0) return -ERRNO.EINVAL;
        tty.setForeground(pgrp);
        return 0;
      }
      case TCGETS: {
        const t = new Uint8Array(36);
        const m = tty.getMode();
        const lflag = (m.isig ? ISIG : 0) | (m.canonical ? ICANON : 0) | (m.echo ? ECHO : 0);
        new DataView(t.buffer).setUint32(12, lflag, true);
        t.set([3, 28, 127, 21, 4], 17); // VINTR ^C, VQUIT ^\, VERASE DEL, VKILL ^U, VEOF ^D
        return p.mem.writeUser(arg >>> 0, t) ? 0 : -ERRNO.EFAULT;
      }
      case TCSETS: {
        const t = p.mem.readUser(arg >>> 0, 36);
        if (!t) return -ERRNO.EFAULT;
        const lflag = new DataView(t.buffer, t.byteOffset).getUint32(12, true);
        tty.setMode({ isig: !!(lflag & ISIG), canonical: !!(lflag & ICANON), echo: !!(lflag & ECHO) });
        return 0;
      }
      case TIOCGWINSZ: {
        const b = new Uint8Array(8);
        const v = new DataView(b.buffer);
        v.setUint16(0, 24, true);
        v.setUint16(2, 80, true);
        return p.mem.writeUser(arg >>> 0, b) ? 0 : -ERRNO.EFAULT;
      }
      default:
        return -ERRNO.ENOTTY;
    }
  }
}
