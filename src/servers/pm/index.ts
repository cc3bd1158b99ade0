/** The Process Manager (pid 3): process table, pids, fork/exit/wait, signals, ids, as deterministic state + handler. */
export * from './signals.js';
export * from './pm-state.js';
export * from './pm-result.js';
export * from './handle-pm-request.js';
export * from './pm-snapshot.js';
export * from './pm-server.js';
