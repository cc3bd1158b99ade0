// The journal writer as one plain JavaScript file, so its thread starts without tsx. Loading the
// writer's TypeScript through tsx's loader in a new thread cost about 210 ms of CPU (the thread's
// module loads, each a round trip to a loader thread of its own) and 400-700 ms of wall time per
// recording, competing with the machine for the CPU; a bundle loads in about 60 ms.
//
// The bundle is built with esbuild (tsx's own transformer) once and kept in a directory of this
// user's (mode 0700) under the system's temporary directory, named by a hash of every source file
// it was built from, of esbuild's and Node's versions: an edit to any of them builds it again. Any
// failure (no esbuild, no writable directory, a build error) returns null, and the caller loads
// the TypeScript through tsx as before: the bundle only ever saves time.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENTRY = fileURLToPath(new URL('./writer-worker.ts', import.meta.url));
const JOURNAL_DIR = dirname(ENTRY);
/** Packages the bundle imports rather than includes (a native addon; a WebAssembly module loaded by require). */
const EXTERNAL = ['better-sqlite3', 'zstd-codec'];

/** This user's cache directory, made private; null when it cannot be (another owner, open to others). */
function cacheDir() {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = join(tmpdir(), `xrr-${uid}-cache`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s = statSync(dir);
  // Code is loaded from here: refuse a directory someone else owns or can write.
  if (typeof process.getuid === 'function' && s.uid !== process.getuid()) return null;
  if ((s.mode & 0o022) !== 0) return null;
  return dir;
}

function keyOf(inputs, esbuildVersion) {
  const h = createHash('sha256').update(`${process.version}\0${esbuildVersion}\0`);
  for (const f of inputs) h.update(f).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 32);
}

function build(require, esbuild) {
  const result = esbuild.buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: process.cwd(),
    external: EXTERNAL,
    // migrations.ts and zstd.ts find files next to themselves through import.meta.url: in the
    // bundle it is their own URL (both are in src/journal; checked below).
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(ENTRY).href) },
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => join(process.cwd(), p));
  for (const f of inputs) {
    if (dirname(f) !== JOURNAL_DIR && readFileSync(f, 'utf8').includes('import.meta')) throw new Error(`${f} uses import.meta outside src/journal`);
  }
  let text = result.outputFiles[0].text;
  // The bundle lives elsewhere: its imports of packages name their files.
  for (const pkg of EXTERNAL) {
    const spec = `from ${JSON.stringify(pkg)}`;
    if (text.includes(spec)) text = text.split(spec).join(`from ${JSON.stringify(pathToFileURL(require.resolve(pkg)).href)}`);
  }
  return { text, inputs };
}

/** The URL of the writer's bundle, built if need be; null when there is none to be had. */
export function writerBundle() {
  try {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild');
    const dir = cacheDir();
    if (dir === null) return null;
    // One manifest per checkout: two source trees of xrr each keep their own bundle.
    const tree = createHash('sha256').update(ENTRY).digest('hex').slice(0, 12);
    const manifest = join(dir, `writer-worker-${tree}.json`);
    try {
      const m = JSON.parse(readFileSync(manifest, 'utf8'));
      if (Array.isArray(m.inputs) && m.inputs.every((f) => typeof f === 'string')) {
        const bundle = join(dir, `writer-worker-${keyOf(m.inputs, esbuild.version)}.mjs`);
        statSync(bundle);
        return pathToFileURL(bundle).href;
      }
    } catch {
      // no manifest, or a source changed since: build
    }
    const { text, inputs } = build(require, esbuild);
    const bundle = join(dir, `writer-worker-${keyOf(inputs, esbuild.version)}.mjs`);
    // Written aside and renamed: another process may be reading or writing the same names.
    const tmp = `${bundle}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, bundle);
    const tmpManifest = `${manifest}.${process.pid}.tmp`;
    writeFileSync(tmpManifest, JSON.stringify({ inputs }), { mode: 0o600 });
    renameSync(tmpManifest, manifest);
    return pathToFileURL(bundle).href;
  } catch {
    return null;
  }
}
