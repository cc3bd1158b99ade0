/** The message protocol shared by the kernel and the servers (DESIGN.md section 6). */
export * from './errno.js';
export * from './message-types.js';
export * from './struct-codec.js';
export * from './service.js';
export * from './guest-abi.js';
export * from './vfs-protocol.js';
export * from './proc-protocol.js';
export * from './mm-protocol.js';
export * from './describe-message.js';
export * from './hex.js';
