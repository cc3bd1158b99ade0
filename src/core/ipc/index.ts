/** Lattice IPC: ML-KEM-768 channel setup, XChaCha20-Poly1305 sealed messages, the channel table. */
export * from './channel-table.js';
export * from './faults.js';
export * from './lattice-keys.js';
export * from './sealing.js';
export * from './wire.js';
