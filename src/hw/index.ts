/** The machine's devices (DESIGN.md section 2: `src/hw`). Each has getState()/setState(). */
export { NS_PER_INSTRUCTION, VirtualClock, type VirtualClockState } from './clock.js';
export { TICK_HZ, TICK_NS, Timer, type DeadlineId, type TimerExpiry, type TimerState } from './timer.js';
export { IRQ, NUM_IRQ_LINES, InterruptController, type InterruptControllerState, type IrqLine } from './intc.js';
export { UART_FIFO_SIZE, UART_REG, Uart16550, type Uart16550State } from './uart16550.js';
export { Rtc, type RtcState, type Timespec, type Timeval } from './rtc.js';
export { ENTROPY_SEED_BYTES, Entropy, type EntropyState } from './entropy.js';
export { DeviceStateError } from './state.js';
