/**
 * Child process of test/journal-crash.test.ts: records events into a journal in batches as fast
 * as it can until it is killed, printing the event count after every committed batch.
 * usage: node --import tsx test/journal-crash-child.ts FILE BATCH
 */
import { icount, journalSeq, ROOT_BRANCH, SqliteJournalStore } from '../src/journal/index.js';
import { eventStream, META } from './journal-fixtures.js';

const [path, batchArg] = process.argv.slice(2);
if (path === undefined || batchArg === undefined) throw new Error('usage: journal-crash-child.ts FILE BATCH');
const batch = Number(batchArg);
// flushEvery above the batch: only the explicit flush commits, so the count on disk is a multiple of batch.
const store = await SqliteJournalStore.open(path, { flushEvery: batch * 2 });
store.createRecording(META);
const stream = eventStream(42, { startIcount: 1 });
let count = 0;
for (let round = 1; ; round++) {
  const evs = stream.next(batch);
  store.append(ROOT_BRANCH, evs);
  store.flush();
  count += batch;
  if (round % 5 === 0) {
    const page = new Uint8Array(4096).fill(round & 0xff);
    const pages = store.putPages([page, new Uint8Array(4096)]);
    store.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[evs.length - 1]!.icount), seq: journalSeq(count), state: new Uint8Array(2000).fill(round & 0xff), pages });
  }
  process.stdout.write(`${count}\n`);
}
