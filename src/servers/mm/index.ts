/** The Memory Manager (pid 4): regions, brk, mmap, munmap, mprotect, System V shm, as deterministic state + handler. */
export * from './mm-state.js';
export * from './regions.js';
export * from './mm-result.js';
export * from './handle-mm-request.js';
export * from './mm-snapshot.js';
export * from './mm-server.js';
