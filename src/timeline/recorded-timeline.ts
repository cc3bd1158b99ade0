/**
 * The recorded events of a timeline from a position, which a replay holds the machine to. Each
 * emitted event is compared with the next row in the form the journal stores it (rowMatches:
 * kind, icount, seq in icount and the canonical payload text), so no row is parsed but the
 * inputs a replay feeds back and a mismatch it reports: parsing every row and comparing
 * re-serialized objects was most of a replay's own cost.
 */
import type { MachineEvent } from '../core/events.js';
import { CheckedTimeline } from '../journal/index.js';
import { rowMatches, storedOfRow } from '../journal/event-row.js';
import type { BranchId } from '../journal/ids.js';
import type { JournalStore, RawEventRow, StoredEvent } from '../journal/store.js';
import { DivergenceError } from './divergence.js';

/** Rows read from the journal at a time. */
const PAGE = 1024;

export class RecordedTimeline {
  private page: RawEventRow[] = [];
  private at = 0;
  private parsed: StoredEvent | null = null;
  /** Events matched so far. */
  matched = 0;
  /** Events the machine emitted past the recording's last one (nothing to compare them with). */
  beyond = 0;

  /** The rows, each checked against the hash chain (and its seal) before it is served. */
  private readonly checked: CheckedTimeline;

  constructor(
    store: JournalStore,
    readonly branch: BranchId,
    readonly fromSeq: number,
  ) {
    this.checked = new CheckedTimeline(store, branch);
  }

  /** The timeline position of the next recorded event not yet matched. */
  get seq(): number {
    return this.fromSeq + this.matched;
  }

  private row(): RawEventRow | undefined {
    if (this.at >= this.page.length) {
      this.page = this.checked.rows(this.seq, PAGE);
      this.at = 0;
    }
    return this.page[this.at];
  }

  /** The next recorded event not yet matched, or null at the end of the recording. */
  peek(): StoredEvent | null {
    const r = this.row();
    if (!r) return null;
    if (this.parsed?.seq !== r.seq) this.parsed = storedOfRow(r);
    return this.parsed;
  }

  /**
   * Holds `e` to the next recorded event and moves past it. Throws DivergenceError at the first
   * difference (the machine's run unwinds; the Replayer turns it into its divergence answer).
   */
  match(e: MachineEvent): void {
    const r = this.row();
    if (!r) {
      this.beyond++;
      return;
    }
    if (!rowMatches(r, e)) {
      throw new DivergenceError({ seq: r.seq, expected: this.peek()?.event ?? null, actual: e, icount: e.icount });
    }
    this.at++;
    this.matched++;
  }
}
