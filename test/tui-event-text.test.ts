/**
 * One convention for numbers in the event list and the detail pane: hex for addresses and
 * instruction bits, names for message types, signals and trap causes, exits as what happened.
 */
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { eventDetailLines } from '../src/tui/event-detail.js';
import { eventSummary } from '../src/tui/event-summary.js';
import { messageTypeName } from '../src/protocol/message-types.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { recordBoot } from './support/tui-recording.js';

const trap: MachineEvent = { kind: 'trap', icount: 69_482, seq: 0, pid: 8, cause: 2, pc: 69_482, tval: 1_879_035_904 };
const exit: MachineEvent = { kind: 'exit', icount: 5, seq: 1, pid: 8, status: 256 };
const killed: MachineEvent = { kind: 'exit', icount: 5, seq: 1, pid: 9, status: 9 };
const signal: MachineEvent = { kind: 'signal', icount: 5, seq: 2, pid: 13, signo: 17, action: 'deliver' };

describe('numbers in the event views', () => {
  it('a trap shows its pc and tval in hex and its cause by name', () => {
    const lines = eventDetailLines(trap, 40);
    expect(lines).toContain('  pc: 0x10f6a');
    expect(lines).toContain('  tval: 0x6fffd000');
    expect(lines).toContain('  cause: illegal instruction (2)');
    expect(lines.slice(1).join('\n')).not.toMatch(/69482|1879035904/); // (the icount, a count, stays decimal)
    expect(eventSummary(trap)).toBe('TRAP pid 8 illegal instruction pc 0x10f6a tval 0x6fffd000');
  });

  it('a crash names the message type it crashed on', async () => {
    const { store } = await recordBoot({ input: 'echo hi\n', args: ['--inject', 'crash:vfs:40'] });
    const crash = store.events(ROOT_BRANCH, { kinds: ['server-crash'] })[0]!;
    const e = crash.event;
    if (e.kind !== 'server-crash') throw new Error(`not a crash: ${e.kind}`);
    const name = messageTypeName(e.mType);
    expect(name).toMatch(/^VFS_/);
    expect(eventDetailLines(e, crash.seq)).toContain(`  mType: ${name} (${e.mType})`);
    expect(eventSummary(e)).toContain(`on ${name} from ${e.source}`);
  });

  it('exits say how the process ended, signals are named', () => {
    expect(eventSummary(exit)).toBe('exit 8 exited 1');
    expect(eventDetailLines(exit, 1)).toContain('  status: exited 1 (wait status 0x100)');
    expect(eventSummary(killed)).toBe('exit 9 killed by SIGKILL');
    expect(eventSummary(signal)).toBe('signal pid 13 SIGCHLD deliver');
    expect(eventDetailLines(signal, 2)).toContain('  signo: SIGCHLD (17)');
  });
});
