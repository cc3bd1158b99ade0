/**
 * Failures a caller can act on carry a code (STYLE.md 8): a CLI maps them to a message and an
 * exit status, a test asserts on the code rather than on wording.
 */
export type JournalErrorCode =
  /** The file is not an SQLite database at all (wrong magic, random bytes). */
  | 'NOT_A_DATABASE'
  /** An SQLite database, but not an xrr journal (foreign tables, foreign application id). */
  | 'NOT_A_JOURNAL'
  /** Written by a newer xrr: this build does not know its schema. */
  | 'NEWER_SCHEMA'
  /** An older schema opened read-only, so it cannot be migrated. */
  | 'OLD_SCHEMA_READONLY'
  /** The file is shorter than its own header says: cut off by a copy or a full disk. */
  | 'TRUNCATED'
  /** SQLite reports a malformed file, or a stored blob does not decode. */
  | 'CORRUPT'
  /** SQLite could not read or write the file (I/O error, disk full, locked). */
  | 'IO'
  /** Opening with create: false (or read-only) a path that does not exist. */
  | 'NOT_FOUND'
  /** A migration file is missing, misnamed or failed to apply. */
  | 'MIGRATION_FAILED'
  /** createRecording on a journal that already has one. */
  | 'RECORDING_EXISTS'
  /** An operation that needs the recording row before createRecording was called. */
  | 'NO_RECORDING'
  | 'UNKNOWN_BRANCH'
  /** A fork point outside the parent's timeline. */
  | 'BAD_FORK_POINT'
  /** Events appended out of (icount, seq) order, or before the branch's fork point. */
  | 'OUT_OF_ORDER'
  /** zstd could not compress a blob (the message names the cause); nothing of it was written. */
  | 'COMPRESS_FAILED'
  /** An event that cannot be stored (non-finite number, bad id). */
  | 'INVALID_EVENT'
  | 'UNKNOWN_SNAPSHOT'
  /** A snapshot that names a page the journal does not hold. */
  | 'MISSING_PAGE'
  | 'BAD_ARGUMENT'
  | 'READONLY'
  | 'CLOSED';

export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    readonly code: JournalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isJournalError(e: unknown, code?: JournalErrorCode): e is JournalError {
  return e instanceof JournalError && (code === undefined || e.code === code);
}
