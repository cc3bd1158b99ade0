/** The VFS server: ramfs, fd tables, pipes, console delegation, as deterministic state + handler. */
export * from './vfs-state.js';
export * from './vfs-result.js';
export * from './ramfs.js';
export * from './fd-table.js';
export * from './handle-vfs-request.js';
export * from './vfs-snapshot.js';
export * from './vfs-server.js';
export * from './root-fs.js';
export * from './base64.js';
export * from './vfs-invariants.js';
export * from './vfs-inspect.js';
