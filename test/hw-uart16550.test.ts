import { describe, expect, it } from 'vitest';
import {
  FCR_ENABLE,
  FCR_RX_RESET,
  FCR_TX_RESET,
  IER_MSI,
  IER_RDA,
  IER_RLS,
  IER_THRE,
  IIR_FIFO_ENABLED,
  IIR_MSI,
  IIR_NO_INT,
  IIR_RDA,
  IIR_RLS,
  IIR_THRE,
  IIR_TIMEOUT,
  LCR_DLAB,
  LSR_DR,
  LSR_OE,
  LSR_TEMT,
  LSR_THRE,
  MCR_DTR,
  MCR_LOOP,
  MCR_OUT2,
  MCR_RTS,
  MSR_CTS,
  MSR_DCD,
  MSR_DCTS,
  MSR_DDCD,
  MSR_DSR,
  UART_FIFO_SIZE,
  UART_REG as R,
  Uart16550,
} from '../src/hw/uart16550.js';

/** A UART programmed the way a console driver does it: 8N1, FIFOs on with `trigger`, RDA+THRE on. */
function consoleUart(triggerBits = 0x00): Uart16550 {
  const u = new Uart16550();
  u.writeReg(R.LCR, LCR_DLAB);
  u.writeReg(R.DLL, 1);
  u.writeReg(R.DLM, 0);
  u.writeReg(R.LCR, 0x03);
  u.writeReg(R.FCR, FCR_ENABLE | FCR_RX_RESET | FCR_TX_RESET | triggerBits);
  return u;
}

describe('Uart16550 registers', () => {
  it('has the datasheet reset values', () => {
    const u = new Uart16550();
    expect(u.readReg(R.IER)).toBe(0);
    expect(u.readReg(R.IIR)).toBe(IIR_NO_INT);
    expect(u.readReg(R.LCR)).toBe(0);
    expect(u.readReg(R.MCR)).toBe(0);
    expect(u.readReg(R.LSR)).toBe(LSR_THRE | LSR_TEMT);
    expect(u.irqPending()).toBe(false);
  });

  it('switches offsets 0 and 1 to the divisor latch while DLAB is set', () => {
    const u = new Uart16550();
    u.writeReg(R.IER, IER_RDA);
    u.writeReg(R.LCR, LCR_DLAB | 0x03);
    u.writeReg(R.DLL, 0x0c);
    u.writeReg(R.DLM, 0x01);
    expect(u.readReg(R.DLL)).toBe(0x0c);
    expect(u.readReg(R.DLM)).toBe(0x01);
    expect(u.divisor).toBe(0x10c);
    expect(u.txLevel).toBe(0); // the DLL write did not transmit
    u.writeReg(R.LCR, 0x03);
    expect(u.readReg(R.IER)).toBe(IER_RDA); // IER untouched by the DLM write
    u.writeReg(R.THR, 0x41);
    expect(u.drainTx()).toEqual([0x41]);
    u.receive(0x42);
    expect(u.readReg(R.RBR)).toBe(0x42);
    u.writeReg(R.LCR, LCR_DLAB);
    expect(u.readReg(R.DLL)).toBe(0x0c);
  });

  it('keeps the scratch register and masks values to 8 bits', () => {
    const u = new Uart16550();
    u.writeReg(R.SCR, 0x1a5);
    expect(u.readReg(R.SCR)).toBe(0xa5);
    expect(() => u.readReg(8)).toThrow(RangeError);
  });

  it('reports DR while data waits and clears it when the FIFO empties', () => {
    const u = consoleUart();
    expect(u.readReg(R.LSR) & LSR_DR).toBe(0);
    u.receive(1);
    u.receive(2);
    expect(u.readReg(R.LSR) & LSR_DR).toBe(LSR_DR);
    expect(u.readReg(R.RBR)).toBe(1);
    expect(u.readReg(R.LSR) & LSR_DR).toBe(LSR_DR);
    expect(u.readReg(R.RBR)).toBe(2);
    expect(u.readReg(R.LSR) & LSR_DR).toBe(0);
  });

  it('holds 16 bytes in FIFO mode, then overruns keeping the FIFO and setting OE until LSR is read', () => {
    const u = consoleUart();
    for (let i = 0; i < UART_FIFO_SIZE; i++) expect(u.receive(i)).toBe(true);
    expect(u.receive(0xee)).toBe(false);
    const lsr = u.readReg(R.LSR);
    expect(lsr & (LSR_OE | LSR_DR)).toBe(LSR_OE | LSR_DR);
    expect(u.readReg(R.LSR) & LSR_OE).toBe(0); // cleared by the read
    const got: number[] = [];
    while (u.readReg(R.LSR) & LSR_DR) got.push(u.readReg(R.RBR));
    expect(got).toEqual([...Array(UART_FIFO_SIZE).keys()]);
  });

  it('holds one byte in 16450 mode, where an overrun overwrites RBR', () => {
    const u = new Uart16550();
    expect(u.receive(1)).toBe(true);
    expect(u.receive(2)).toBe(false);
    expect(u.readReg(R.LSR) & LSR_OE).toBe(LSR_OE);
    expect(u.readReg(R.RBR)).toBe(2);
    expect(u.readReg(R.LSR) & LSR_DR).toBe(0);
  });

  it('clears the FIFOs on reset bits and on a FIFO mode change, and ignores FCR without bit 0', () => {
    const u = consoleUart();
    u.receive(1);
    u.writeReg(R.THR, 2);
    u.writeReg(R.FCR, FCR_ENABLE | FCR_RX_RESET);
    expect(u.rxLevel).toBe(0);
    expect(u.txLevel).toBe(1);
    u.writeReg(R.FCR, FCR_ENABLE | FCR_TX_RESET);
    expect(u.txLevel).toBe(0);
    u.receive(3);
    u.writeReg(R.FCR, FCR_RX_RESET); // bit 0 clear: leaves FIFO mode, which clears the FIFOs
    expect(u.rxLevel).toBe(0);
    expect(u.readReg(R.IIR) & IIR_FIFO_ENABLED).toBe(0);
  });

  it('transmits through THR: THRE/TEMT drop until the machine drains, 16 bytes max', () => {
    const u = consoleUart();
    for (const ch of 'hello') u.writeReg(R.THR, ch.charCodeAt(0));
    expect(u.readReg(R.LSR) & (LSR_THRE | LSR_TEMT)).toBe(0);
    expect(String.fromCharCode(...u.drainTx())).toBe('hello');
    expect(u.readReg(R.LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE | LSR_TEMT);
    expect(u.txSpace).toBe(UART_FIFO_SIZE);
    for (let i = 0; i < 20; i++) u.writeReg(R.THR, i);
    expect(u.txSpace).toBe(0);
    expect(u.drainTx()).toHaveLength(UART_FIFO_SIZE);
    expect(u.getState().txDropped).toBe(4);
    expect(u.drainTx()).toEqual([]);
  });
});

describe('Uart16550 interrupts', () => {
  it('raises received-data-available at the trigger level and clears it by reading RBR', () => {
    const u = consoleUart(0x40); // trigger 4
    u.writeReg(R.IER, IER_RDA);
    expect(u.irqPending()).toBe(false);
    u.receive(1);
    u.receive(2);
    // Below the trigger the FIFO reports a character timeout instead.
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_TIMEOUT);
    u.receive(3);
    u.receive(4);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_RDA);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_RDA); // IIR read does not clear RDA
    u.readReg(R.RBR);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_TIMEOUT);
    u.readReg(R.RBR);
    u.readReg(R.RBR);
    u.readReg(R.RBR);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_NO_INT);
    expect(u.irqPending()).toBe(false);
  });

  it.each([
    [0x00, 1],
    [0x40, 4],
    [0x80, 8],
    [0xc0, 14],
  ])('FCR trigger bits %i mean %i bytes', (bits, level) => {
    const u = consoleUart(bits);
    u.writeReg(R.IER, IER_RDA);
    for (let i = 0; i < level - 1; i++) u.receive(i);
    if (level > 1) expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_TIMEOUT);
    u.receive(0xff);
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_RDA);
  });

  it('raises THRE when the transmitter empties and clears it on IIR read', () => {
    const u = consoleUart();
    u.writeReg(R.IER, IER_THRE);
    // Enabling ETBEI with an empty transmitter interrupts at once.
    expect(u.irqPending()).toBe(true);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_THRE);
    expect(u.irqPending()).toBe(false);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_NO_INT);
    u.writeReg(R.THR, 0x41);
    expect(u.irqPending()).toBe(false);
    u.drainTx();
    expect(u.irqPending()).toBe(true);
    // A THR write also clears it.
    u.writeReg(R.THR, 0x42);
    expect(u.irqPending()).toBe(false);
  });

  it('does not interrupt for causes whose IER bit is clear', () => {
    const u = consoleUart();
    u.receive(1);
    u.writeReg(R.THR, 1);
    u.drainTx();
    expect(u.irqPending()).toBe(false);
    expect(u.readReg(R.IIR)).toBe(IIR_FIFO_ENABLED | IIR_NO_INT);
  });

  it('identifies the highest-priority cause: line status > data > THRE > modem status', () => {
    const u = consoleUart();
    u.writeReg(R.IER, IER_RDA | IER_THRE | IER_RLS | IER_MSI);
    u.writeReg(R.MCR, MCR_LOOP); // dropping the modem inputs sets delta bits
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_THRE);
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_MSI);
    u.writeReg(R.MCR, 0);
    for (let i = 0; i < UART_FIFO_SIZE + 1; i++) u.receive(i);
    u.writeReg(R.THR, 9);
    u.drainTx();
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_RLS);
    u.readReg(R.LSR); // clears the line status interrupt
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_RDA);
    while (u.readReg(R.LSR) & LSR_DR) u.readReg(R.RBR);
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_THRE);
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_MSI);
    u.readReg(R.MSR); // clears the delta bits
    expect(u.readReg(R.IIR) & 0x0f).toBe(IIR_NO_INT);
  });

  it('loops THR back to RBR and MCR outputs to MSR inputs in loopback mode', () => {
    const u = consoleUart();
    expect(u.readReg(R.MSR) & 0xf0).toBe(MSR_CTS | MSR_DSR | MSR_DCD);
    u.writeReg(R.MCR, MCR_LOOP | MCR_RTS | MCR_DTR);
    expect(u.readReg(R.MSR)).toBe(MSR_CTS | MSR_DSR | MSR_DDCD);
    u.writeReg(R.MCR, MCR_LOOP | MCR_DTR | MCR_OUT2);
    expect(u.readReg(R.MSR)).toBe(MSR_DSR | MSR_DCD | MSR_DCTS | MSR_DDCD);
    u.writeReg(R.THR, 0x5a);
    expect(u.drainTx()).toEqual([]);
    expect(u.receive(0x11)).toBe(true); // host line is disconnected: ignored
    expect(u.readReg(R.RBR)).toBe(0x5a);
    expect(u.readReg(R.LSR) & LSR_DR).toBe(0);
  });
});

describe('Uart16550 state', () => {
  it('save -> restore -> keeps running identically', () => {
    const script = (u: Uart16550, from: number): number[] => {
      const log: number[] = [];
      for (let i = from; i < from + 60; i++) {
        if (i % 3 === 0) u.receive(i & 0xff);
        if (i % 5 === 0) u.writeReg(R.THR, (i * 7) & 0xff);
        if (i % 4 === 0) log.push(u.readReg(R.IIR), u.readReg(R.LSR));
        if (i % 6 === 0 && u.readReg(R.LSR) & LSR_DR) log.push(u.readReg(R.RBR));
        if (i % 9 === 0) log.push(...u.drainTx());
        log.push(u.irqPending() ? 1 : 0);
      }
      return log;
    };
    const u = consoleUart(0x40);
    u.writeReg(R.IER, IER_RDA | IER_THRE | IER_RLS);
    u.writeReg(R.SCR, 0x77);
    script(u, 0);
    const saved = JSON.parse(JSON.stringify(u.getState()));
    const v = new Uart16550();
    v.setState(saved);
    expect(v.getState()).toEqual(u.getState());
    expect(script(v, 100)).toEqual(script(u, 100));
    expect(v.getState()).toEqual(u.getState());
    expect(v.readReg(R.SCR)).toBe(0x77);
  });

  it('rejects malformed or newer state and leaves the device unchanged', () => {
    const u = consoleUart();
    u.receive(5);
    const good = u.getState();
    expect(() => u.setState({ ...good, version: 2 })).toThrow(/newer/);
    expect(() => u.setState({ ...good, rxFifo: new Array(17).fill(0) })).toThrow(/rxFifo/);
    expect(() => u.setState({ ...good, fifoEnabled: false, rxFifo: [1, 2] })).toThrow(/rxFifo/);
    expect(() => u.setState({ ...good, txFifo: [256] })).toThrow(/txFifo/);
    expect(() => u.setState({ ...good, ier: 0x10 })).toThrow(/ier/);
    expect(() => u.setState({ ...good, lsrErrors: LSR_DR })).toThrow(/lsrErrors/);
    expect(u.getState()).toEqual(good);
  });
});
