// An explore worker thread's entry: registers the TypeScript loader in this thread (loaders are
// per thread), then runs the worker.
import { register } from 'tsx/esm/api';

register();
await import('./explore-worker.ts');
