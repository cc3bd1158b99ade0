/**
 * A timeline's rows as a replay reads them, no row served before the chain block holding it has
 * been recomputed and found equal to the stored block (and, with the recording's key, its seal
 * checked); at the end of the timeline, the last block and the branch's head (its length, hash
 * and seal) too, so a tail cut off behind the branch row's back is caught by the replay itself.
 *
 * Reading starts at a block boundary: block 0 when the first row asked for is in the first
 * EARLY_BLOCKS blocks (a replay from the boot snapshot then proves the boot's events, which it
 * never re-executes, through the chain), else the block holding it, entered from the stored
 * hash of the block before (sealed, when the key is at hand: that hash covers every earlier event).
 */
import { BLOCK_EVENTS, blockOf, ChainCursor, ZERO_HASH } from './block-chain.js';
import { JournalError } from './errors.js';
import { sameBytes } from './event-row.js';
import type { BranchId } from './ids.js';
import type { JournalStore, RawEventRow } from './store.js';

/** Blocks read (and checked) at a time. */
const CHUNK_BLOCKS = 4;
/** Up to this block, reading starts from the first event of the timeline. */
export const EARLY_BLOCKS = 64;

export class CheckedTimeline {
  private chain: ChainCursor | null = null;
  /** Checked rows not yet served, from seq `bufferStart`. */
  private buffer: RawEventRow[] = [];
  private bufferStart = 0;
  /** The next seq the chain takes. */
  private nextSeq = 0;
  private ended = false;

  constructor(
    private readonly store: JournalStore,
    readonly branch: BranchId,
  ) {}

  private fail(message: string): never {
    throw new JournalError('CORRUPT', `branch ${this.branch}: ${message} (run xrr verify)`);
  }

  private start(fromSeq: number): void {
    const block = blockOf(fromSeq) < EARLY_BLOCKS ? 0 : blockOf(fromSeq);
    let prev: Uint8Array = ZERO_HASH;
    if (block > 0) {
      const before = this.store.timelineBlock(this.branch, block - 1);
      if (before === null || before.count !== BLOCK_EVENTS) this.fail(`the hash chain has no block ${block - 1}`);
      if (this.store.checkBlockSeal(before.branch, before.index, before.count, before.hash) === 'bad') this.fail(`block ${block - 1} fails its seal`);
      prev = before.hash;
    }
    this.chain = ChainCursor.at(block * BLOCK_EVENTS, prev, []);
    this.nextSeq = block * BLOCK_EVENTS;
    this.buffer = [];
    this.bufferStart = this.nextSeq;
    this.ended = false;
  }

  private checkBlock(index: number, count: number, hash: Uint8Array): void {
    const stored = this.store.timelineBlock(this.branch, index);
    const first = index * BLOCK_EVENTS;
    if (stored === null || stored.count !== count || !sameBytes(stored.hash, hash)) this.fail(`events ${first}..${first + count - 1} do not match block ${index} of the hash chain (altered)`);
    if (this.store.checkBlockSeal(stored.branch, index, count, hash) === 'bad') this.fail(`block ${index} (events ${first}..${first + count - 1}) fails its seal`);
  }

  /** Reads, checks and buffers the next chunk of blocks; at the end of the timeline, its last block and head too. */
  private fill(): void {
    const chain = this.chain!;
    const want = CHUNK_BLOCKS * BLOCK_EVENTS;
    this.store.readConsistently(() => {
      // A forked branch's timeline comes in segments (the parent's rows up to the fork point,
      // then its own): a short read is the end only when nothing more comes.
      let read = 0;
      for (;;) {
        const rows = this.store.timelineRows(this.branch, this.nextSeq, want - read);
        for (const r of rows) {
          if (r.seq !== this.nextSeq) this.fail(`event ${this.nextSeq} is missing`);
          if (chain.add(r)) this.checkBlock(chain.block - 1, BLOCK_EVENTS, chain.previousBlockHash);
          this.buffer.push(r);
          this.nextSeq++;
        }
        read += rows.length;
        if (rows.length === 0 || read >= want) break;
      }
      if (read < want) {
        const head = this.store.recordedHead(this.branch);
        if (head.length !== this.nextSeq) this.fail(`the timeline holds ${this.nextSeq} events, its head records ${head.length} (rows lost at the end)`);
        // A last block this branch stores is checked as such; one it only shares with its parent
        // (a fork with no events of its own past the fork point in it) is the parent's whole
        // block: the branch's head below, sealed, covers the rows up to the fork point instead.
        if (chain.rowsInBlock > 0 && this.store.timelineBlock(this.branch, chain.block)?.branch === this.branch) this.checkBlock(chain.block, chain.rowsInBlock, chain.current());
        if (this.nextSeq > 0 && (head.hash === null || !sameBytes(head.hash, chain.current()))) this.fail("the last event does not match the head's hash");
        const sealProblem = this.store.branchSealProblem(this.branch);
        if (sealProblem !== null) this.fail(sealProblem);
        this.ended = true;
      }
    });
  }

  /** Up to `limit` checked rows of the timeline from `fromSeq` (fewer only at its end). */
  rows(fromSeq: number, limit: number): RawEventRow[] {
    if (this.chain === null || fromSeq < this.bufferStart || fromSeq > this.nextSeq + BLOCK_EVENTS * CHUNK_BLOCKS) this.start(fromSeq);
    const out: RawEventRow[] = [];
    while (out.length < limit) {
      const at = fromSeq + out.length - this.bufferStart;
      if (at < this.buffer.length) {
        out.push(...this.buffer.slice(at, at + limit - out.length));
        continue;
      }
      if (this.ended) break;
      // Every buffered row is served or skipped: drop them before reading on.
      this.buffer = [];
      this.bufferStart = this.nextSeq;
      this.fill();
    }
    return out;
  }
}
