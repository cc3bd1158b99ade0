// The journal writer thread's entry. Loading the TypeScript loader and the store in a new thread
// takes a few hundred milliseconds, which the machine need not wait for: a new journal file is
// created by the recorder (workerData.created), which does not wait at all; otherwise for a new
// file this entry creates it, answers 'ready' at once, and only then loads the writer, whose handler
// takes the messages queued meanwhile (a port keeps them until a listener is attached). A failure
// after that reaches the recorder as an 'error' message, as any later failure does. An existing
// file is opened first, so that a file that is not a journal, or already holds a recording, is
// refused before the machine runs. The writer is loaded as one JavaScript bundle when it can be
// (writer-worker-bundle.mjs), else through tsx.
import { closeSync, openSync, statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { writerBundle } from './writer-worker-bundle.mjs';
import { writerPriority } from './writer-priority.mjs';

const port = parentPort;
/** Lowers this thread now, or once the writer has loaded (writer-priority.mjs). */
const settlePriority = writerPriority(workerData.nice);

/** Loads and runs the writer, which takes the messages queued meanwhile. */
async function loadWriter() {
  try {
    const bundle = writerBundle();
    if (bundle !== null) await import(bundle);
    else {
      // Loaders are per thread: register tsx in this one, then run the writer.
      const { register } = await import('tsx/esm/api');
      register();
      await import('./writer-worker.ts');
    }
    settlePriority();
  } catch (e) {
    // Nothing will be handled: the machine's thread must not wait for it (writer-progress.ts GONE = 1, HANDLED = 0).
    if (workerData.progress) {
      Atomics.store(workerData.progress, 1, 1);
      Atomics.notify(workerData.progress, 0);
    }
    throw e;
  }
}

if (workerData.created === true) {
  // The recorder created the file and went on without waiting (background-journal.ts start).
  workerData.readySent = true;
  await loadWriter();
} else {
  let size = -1;
  try {
    size = statSync(workerData.file).size;
  } catch {
    // does not exist yet
  }
  let created = false;
  if (size <= 0) {
    try {
      closeSync(openSync(workerData.file, 'a'));
      created = true;
    } catch (e) {
      port.postMessage({ type: 'error', message: `cannot create the journal ${workerData.file}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  if (size > 0 || created) {
    if (created) {
      workerData.readySent = true;
      port.postMessage({ type: 'ready' });
    }
    await loadWriter();
  }
}
