// `npm run bench`: the benchmarks (run.ts) through the loader `xrr` itself uses (bin/xrr.mjs:
// tsx's ESM hooks alone), so that they measure what a user's process does. `tsx bench/run.ts`
// adds tsx's CommonJS hooks, which lex every required .js file with a WebAssembly lexer; lexing a
// large one (zstd-codec's 742 KB binding, loaded when a journal is first opened) grows the lexer's
// memory, which detaches an ArrayBuffer of the main thread and so invalidates V8's
// array-buffer-detaching protector there: every later machine run in the process was 8-10%
// slower (src/journal/README.md, "Issue 16, sixth pass").
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
