/**
 * Boots the machine with a seed and console input and prints a SHA-256 of its whole event
 * stream. Run in separate processes to show determinism does not depend on the host process.
 * usage: node --import tsx test/support/event-hash-cli.ts SEED INPUT...
 */
import { createHash } from 'node:crypto';
import { bootMachine } from './boot.js';

const [seed, ...input] = process.argv.slice(2);
const r = bootMachine({ seed: Number(seed), input: input.map((s) => `${s}\n`) });
const h = createHash('sha256');
for (const e of r.events) h.update(JSON.stringify(e));
console.log(JSON.stringify({ hash: h.digest('hex'), events: r.events.length, icount: r.machine.icount }));
