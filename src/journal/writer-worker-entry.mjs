// The journal writer thread's entry: registers the TypeScript loader in this thread (loaders
// are per thread), then runs the writer.
import { register } from 'tsx/esm/api';

register();
await import('./writer-worker.ts');
