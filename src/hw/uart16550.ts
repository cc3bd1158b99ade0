/**
 * A 16550A UART register model (National Semiconductor PC16550D datasheet): the console.
 *
 * The guest-facing side is `readReg`/`writeReg` on offsets 0..7; the host-facing side is
 * `receive(byte)` (a byte typed on the host arrives on the serial line) and `drainTx()` (the machine
 * takes what the guest transmitted). The line itself is instantaneous: a received byte is in the
 * receive FIFO at once, and transmitted bytes sit in the transmit FIFO until the machine drains
 * them, which is when the transmitter becomes empty (THRE/TEMT, and the THRE interrupt).
 *
 * Simplifications, each deterministic and documented:
 * - No parity/framing/break errors are ever produced (the host line is perfect); overrun is modelled.
 * - Character timeout (IIR 0xC) is raised as soon as the receive FIFO holds data below the trigger
 *   level: the host delivers bytes at recorded icounts and we treat the gap between deliveries as
 *   longer than four character times, so no timer is needed.
 * - The modem inputs are a connected terminal (CTS, DSR, DCD asserted, RI off); in loopback they
 *   follow MCR as the datasheet specifies. OUT2 does not gate the interrupt output (that is a PC
 *   board convention, not the UART's).
 * - The divisor latch is stored and readable but the baud rate does not affect timing.
 */
import { DeviceStateError, expectBool, expectBytes, expectInt, expectState } from './state.js';

/** Register offsets (DLAB selects DLL/DLM at 0/1). */
export const UART_REG = {
  RBR: 0, // read, DLAB=0
  THR: 0, // write, DLAB=0
  DLL: 0, // DLAB=1
  IER: 1, // DLAB=0
  DLM: 1, // DLAB=1
  IIR: 2, // read
  FCR: 2, // write
  LCR: 3,
  MCR: 4,
  LSR: 5,
  MSR: 6,
  SCR: 7,
} as const;

export const IER_RDA = 0x01; // received data available (and character timeout)
export const IER_THRE = 0x02; // transmitter holding register empty
export const IER_RLS = 0x04; // receiver line status
export const IER_MSI = 0x08; // modem status

export const IIR_NO_INT = 0x01;
export const IIR_RLS = 0x06;
export const IIR_RDA = 0x04;
export const IIR_TIMEOUT = 0x0c;
export const IIR_THRE = 0x02;
export const IIR_MSI = 0x00;
export const IIR_FIFO_ENABLED = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_RX_RESET = 0x02;
export const FCR_TX_RESET = 0x04;
export const FCR_DMA_MODE = 0x08;

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const LSR_FIFO_ERR = 0x80;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

export const UART_FIFO_SIZE = 16;
/** FCR bits 7:6 -> receive trigger level in bytes. */
const RX_TRIGGER_LEVELS = [1, 4, 8, 14] as const;

/** A connected host terminal asserts these modem inputs. */
const HOST_MODEM_INPUTS = MSR_CTS | MSR_DSR | MSR_DCD;

export interface Uart16550State {
  readonly version: 1;
  readonly ier: number;
  readonly lcr: number;
  readonly mcr: number;
  readonly scr: number;
  readonly dll: number;
  readonly dlm: number;
  readonly fifoEnabled: boolean;
  /** FCR bits 7:6 and DMA mode bit as last written (FCR itself is write-only). */
  readonly fcrBits: number;
  readonly rxFifo: readonly number[];
  readonly txFifo: readonly number[];
  /** Sticky LSR error bits (OE), cleared by reading LSR. */
  readonly lsrErrors: number;
  /** The THRE interrupt condition (set when the transmitter empties, cleared by IIR read or THR write). */
  readonly threPending: boolean;
  /** Modem status inputs (bits 7:4) and delta bits (3:0). */
  readonly msr: number;
  /** Counters for the inspector. */
  readonly rxOverruns: number;
  readonly txDropped: number;
}

const UART_STATE_VERSION = 1;

export class Uart16550 {
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 1; // 115200 baud from the 1.8432 MHz reference
  private dlm = 0;
  private fifoEnabled = false;
  private fcrBits = 0;
  private rxFifo: number[] = [];
  private txFifo: number[] = [];
  private lsrErrors = 0;
  private threPending = false;
  private msr = HOST_MODEM_INPUTS;
  private rxOverruns = 0;
  private txDropped = 0;

  // ---- guest side ----------------------------------------------------------------------------

  readReg(offset: number): number {
    switch (checkOffset(offset)) {
      case UART_REG.RBR: // DLL when DLAB is set
        if (this.dlab) return this.dll;
        return this.readRbr();
      case UART_REG.IER: // DLM when DLAB is set
        return this.dlab ? this.dlm : this.ier;
      case UART_REG.IIR:
        return this.readIir();
      case UART_REG.LCR:
        return this.lcr;
      case UART_REG.MCR:
        return this.mcr;
      case UART_REG.LSR:
        return this.readLsr();
      case UART_REG.MSR: {
        const value = this.msr;
        this.msr &= 0xf0;
        return value;
      }
      case UART_REG.SCR:
        return this.scr;
    }
    throw new Error('unreachable');
  }

  writeReg(offset: number, value: number): void {
    if (!Number.isInteger(value)) throw new RangeError(`UART register value must be an integer, got ${value}`);
    const v = value & 0xff;
    switch (checkOffset(offset)) {
      case UART_REG.THR: // DLL when DLAB is set
        if (this.dlab) this.dll = v;
        else this.writeThr(v);
        return;
      case UART_REG.IER: // DLM when DLAB is set
        if (this.dlab) {
          this.dlm = v;
        } else {
          const wasThre = (this.ier & IER_THRE) !== 0;
          this.ier = v & 0x0f;
          // Enabling ETBEI while the holding register is empty raises the THRE interrupt at once.
          if (!wasThre && (this.ier & IER_THRE) !== 0 && this.txFifo.length === 0) this.threPending = true;
        }
        return;
      case UART_REG.FCR:
        this.writeFcr(v);
        return;
      case UART_REG.LCR:
        this.lcr = v;
        return;
      case UART_REG.MCR:
        this.writeMcr(v & 0x1f);
        return;
      case UART_REG.LSR:
      case UART_REG.MSR:
        // LSR and MSR are read-only here (the datasheet's factory-test writes are not modelled).
        return;
      case UART_REG.SCR:
        this.scr = v;
        return;
    }
  }

  /** Whether the UART's interrupt output is asserted (wire it to `intc.setLevel(IRQ.UART, ...)`). */
  irqPending(): boolean {
    return this.interruptId() !== IIR_NO_INT;
  }

  // ---- host side -----------------------------------------------------------------------------

  /**
   * A byte arrives on the serial line from the host. Returns false on overrun: in FIFO mode the
   * byte is lost and the FIFO kept; in 16450 mode it overwrites the unread RBR. Either way LSR.OE
   * is set. In loopback mode the line is disconnected from the host, so the byte is dropped.
   */
  receive(byte: number): boolean {
    if (!Number.isInteger(byte) || byte < 0 || byte > 0xff) throw new RangeError(`not a byte: ${byte}`);
    if (this.loopback) return true;
    return this.pushRx(byte);
  }

  /** Takes every byte the guest has transmitted; the transmitter is then empty. */
  drainTx(): number[] {
    if (this.txFifo.length === 0) return [];
    const out = this.txFifo;
    this.txFifo = [];
    this.threPending = true;
    return out;
  }

  /** Bytes waiting in the receive FIFO (for the inspector and for flow decisions by the host side). */
  get rxLevel(): number {
    return this.rxFifo.length;
  }

  get txLevel(): number {
    return this.txFifo.length;
  }

  /** Bytes THR can accept before the transmitter is full (16 in FIFO mode, 1 otherwise, minus queued). */
  get txSpace(): number {
    return this.fifoCapacity - this.txFifo.length;
  }

  /** Divisor latch value, for display (115200 / divisor = baud). */
  get divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  // ---- internals -----------------------------------------------------------------------------

  private get dlab(): boolean {
    return (this.lcr & LCR_DLAB) !== 0;
  }

  private get loopback(): boolean {
    return (this.mcr & MCR_LOOP) !== 0;
  }

  private get fifoCapacity(): number {
    return this.fifoEnabled ? UART_FIFO_SIZE : 1;
  }

  private get rxTrigger(): number {
    return RX_TRIGGER_LEVELS[(this.fcrBits >> 6) & 3]!;
  }

  private pushRx(byte: number): boolean {
    if (this.rxFifo.length >= this.fifoCapacity) {
      this.lsrErrors |= LSR_OE;
      this.rxOverruns++;
      if (!this.fifoEnabled) this.rxFifo[0] = byte;
      return false;
    }
    this.rxFifo.push(byte);
    return true;
  }

  private readRbr(): number {
    const byte = this.rxFifo.shift();
    return byte ?? 0;
  }

  private writeThr(byte: number): void {
    this.threPending = false;
    if (this.loopback) {
      // The transmitter output is looped to the receiver inside the chip.
      this.pushRx(byte);
      this.threPending = true;
      return;
    }
    if (this.txFifo.length >= this.fifoCapacity) {
      // Writing a full transmitter loses the byte, as on the chip; a driver checks THRE first.
      this.txDropped++;
      return;
    }
    this.txFifo.push(byte);
  }

  private writeFcr(v: number): void {
    const txWasBusy = this.txFifo.length > 0;
    const enable = (v & FCR_ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      // Changing the FIFO mode clears both FIFOs.
      this.rxFifo = [];
      this.txFifo = [];
      this.fifoEnabled = enable;
    }
    // The other bits are only programmed while bit 0 is set.
    if (enable) {
      if (v & FCR_RX_RESET) this.rxFifo = [];
      if (v & FCR_TX_RESET) this.txFifo = [];
      this.fcrBits = v & (0xc0 | FCR_DMA_MODE);
    }
    // Emptying a busy transmitter is a THRE event like any other.
    if (txWasBusy && this.txFifo.length === 0) this.threPending = true;
  }

  private writeMcr(v: number): void {
    const before = this.modemInputs();
    this.mcr = v;
    const after = this.modemInputs();
    let delta = 0;
    if ((before ^ after) & MSR_CTS) delta |= MSR_DCTS;
    if ((before ^ after) & MSR_DSR) delta |= MSR_DDSR;
    if ((before ^ after) & MSR_DCD) delta |= MSR_DDCD;
    // TERI reports RI going from asserted to not asserted.
    if (before & MSR_RI && !(after & MSR_RI)) delta |= MSR_TERI;
    this.msr = after | ((this.msr | delta) & 0x0f);
  }

  private modemInputs(): number {
    if (!this.loopback) return HOST_MODEM_INPUTS;
    let m = 0;
    if (this.mcr & MCR_RTS) m |= MSR_CTS;
    if (this.mcr & MCR_DTR) m |= MSR_DSR;
    if (this.mcr & MCR_OUT1) m |= MSR_RI;
    if (this.mcr & MCR_OUT2) m |= MSR_DCD;
    return m;
  }

  private lsr(): number {
    let v = this.lsrErrors;
    if (this.rxFifo.length > 0) v |= LSR_DR;
    if (this.txFifo.length === 0) v |= LSR_THRE | LSR_TEMT;
    return v;
  }

  private readLsr(): number {
    const v = this.lsr();
    this.lsrErrors = 0;
    return v;
  }

  /** The highest-priority interrupt condition, as IIR bits 3:0. */
  private interruptId(): number {
    if (this.ier & IER_RLS && this.lsrErrors & (LSR_OE | LSR_PE | LSR_FE | LSR_BI)) return IIR_RLS;
    if (this.ier & IER_RDA && this.rxFifo.length > 0) {
      if (!this.fifoEnabled || this.rxFifo.length >= this.rxTrigger) return IIR_RDA;
      return IIR_TIMEOUT;
    }
    if (this.ier & IER_THRE && this.threPending) return IIR_THRE;
    if (this.ier & IER_MSI && this.msr & 0x0f) return IIR_MSI;
    return IIR_NO_INT;
  }

  private readIir(): number {
    const id = this.interruptId();
    // Reading IIR while it reports THRE is the THRE interrupt's acknowledgement.
    if (id === IIR_THRE) this.threPending = false;
    return id | (this.fifoEnabled ? IIR_FIFO_ENABLED : 0);
  }

  // ---- state ---------------------------------------------------------------------------------

  getState(): Uart16550State {
    return {
      version: UART_STATE_VERSION,
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      scr: this.scr,
      dll: this.dll,
      dlm: this.dlm,
      fifoEnabled: this.fifoEnabled,
      fcrBits: this.fcrBits,
      rxFifo: [...this.rxFifo],
      txFifo: [...this.txFifo],
      lsrErrors: this.lsrErrors,
      threPending: this.threPending,
      msr: this.msr,
      rxOverruns: this.rxOverruns,
      txDropped: this.txDropped,
    };
  }

  setState(state: unknown): void {
    const d = 'uart16550';
    const s = expectState(d, state, UART_STATE_VERSION);
    const fifoEnabled = expectBool(d, s, 'fifoEnabled');
    const capacity = fifoEnabled ? UART_FIFO_SIZE : 1;
    const next = {
      ier: expectInt(d, s, 'ier', 0, 0x0f),
      lcr: expectInt(d, s, 'lcr', 0, 0xff),
      mcr: expectInt(d, s, 'mcr', 0, 0x1f),
      scr: expectInt(d, s, 'scr', 0, 0xff),
      dll: expectInt(d, s, 'dll', 0, 0xff),
      dlm: expectInt(d, s, 'dlm', 0, 0xff),
      fcrBits: expectInt(d, s, 'fcrBits', 0, 0xff),
      rxFifo: expectBytes(d, s, 'rxFifo', capacity),
      txFifo: expectBytes(d, s, 'txFifo', capacity),
      lsrErrors: expectInt(d, s, 'lsrErrors', 0, 0xff),
      threPending: expectBool(d, s, 'threPending'),
      msr: expectInt(d, s, 'msr', 0, 0xff),
      rxOverruns: expectInt(d, s, 'rxOverruns', 0, Number.MAX_SAFE_INTEGER),
      txDropped: expectInt(d, s, 'txDropped', 0, Number.MAX_SAFE_INTEGER),
    };
    if (next.fcrBits & ~(0xc0 | FCR_DMA_MODE)) throw new DeviceStateError(d, `fcrBits has undefined bits: ${next.fcrBits}`);
    if (next.lsrErrors & ~(LSR_OE | LSR_PE | LSR_FE | LSR_BI)) {
      throw new DeviceStateError(d, `lsrErrors has non-error bits: ${next.lsrErrors}`);
    }
    this.fifoEnabled = fifoEnabled;
    this.ier = next.ier;
    this.lcr = next.lcr;
    this.mcr = next.mcr;
    this.scr = next.scr;
    this.dll = next.dll;
    this.dlm = next.dlm;
    this.fcrBits = next.fcrBits;
    this.rxFifo = next.rxFifo;
    this.txFifo = next.txFifo;
    this.lsrErrors = next.lsrErrors;
    this.threPending = next.threPending;
    this.msr = next.msr;
    this.rxOverruns = next.rxOverruns;
    this.txDropped = next.txDropped;
  }
}

function checkOffset(offset: number): 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  if (!Number.isInteger(offset) || offset < 0 || offset > 7) {
    throw new RangeError(`UART register offset must be in 0..7, got ${offset}`);
  }
  return offset as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
}
