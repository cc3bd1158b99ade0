/** The Reincarnation Server (pid 7): restart decisions for crashed servers. */
export * from './rs-server.js';
