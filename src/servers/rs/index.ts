/** The Reincarnation Server (pid 7): restart decisions for crashed servers. */
export * from './rs-protocol.js';
export * from './rs-server.js';
