/** The journal's storage layer: the JournalStore port, its two adapters, verify. */
export * from './errors.js';
export * from './ids.js';
export * from './store.js';
export { MemoryJournalStore } from './memory-store.js';
export { SqliteJournalStore, type SqliteOpenOptions } from './sqlite-store.js';
export { verify, type VerifyProblem, type VerifyReport, type VerifyOptions } from './verify.js';
export { walDamage } from './wal-check.js';
export { loadZstd, type Zstd } from './zstd.js';
export { latestSchemaVersion, APPLICATION_ID } from './migrations.js';
export { pidOf, payloadOf, rowMatches, columnsOf, KIND_CODES } from './event-row.js';

export { sha256Hex as pageHashOf } from './base-store.js';
export { BLOCK_EVENTS, blockOf } from './block-chain.js';
export type { SealStatus } from './seal.js';
export { CheckedTimeline } from './checked-timeline.js';
export { encodeState, decodeState } from './snapshot-codec.js';
export type { WriterMessage, WriterReply } from './writer-worker.js';
