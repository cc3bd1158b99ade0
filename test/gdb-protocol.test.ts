/**
 * The remote protocol layer on its own and over a real session: framing (checksums, escapes,
 * noise, split and overlong input), requests with malformed arguments, writes refused, unknown
 * packets answered empty, and a client that disconnects in the middle of a command while the
 * server keeps serving.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebugSession } from '../src/gdb/debug-session.js';
import { RspCommands } from '../src/gdb/rsp-commands.js';
import { checksum, escapeBinary, frame, RspReader, unescapeBinary, MAX_PACKET } from '../src/gdb/rsp-packets.js';
import { startGdbServer } from '../src/gdb/rsp-server.js';
import { PC_REGNUM, TARGET_XML } from '../src/gdb/target-description.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('packet framing', () => {
  it('checksums modulo 256 and frames as $data#cs', () => {
    expect(checksum('')).toBe(0);
    expect(checksum('OK')).toBe(0x9a);
    expect(frame('OK')).toBe('$OK#9a');
    expect(frame('qSupported')).toBe('$qSupported#37');
  });

  it('escapes #, $, } and * in binary data and reverses it', () => {
    const raw = Uint8Array.from([0x23, 0x24, 0x7d, 0x2a, 0x00, 0xff, 0x41]);
    const esc = escapeBinary(raw);
    expect(esc).toBe('}\x03}\x04}]}\x0a\x00\xffA');
    expect(Array.from(unescapeBinary(esc)!)).toEqual(Array.from(raw));
    expect(unescapeBinary('abc}')).toBeUndefined();
  });

  it('reads packets split anywhere, with acks, interrupts and noise between them', () => {
    const r = new RspReader();
    const wire = `junk+$qC#b4-\x03${frame('m10,4')}`;
    const got = [];
    for (const ch of wire) got.push(...r.feed(bytes(ch)));
    expect(got).toEqual([
      { kind: 'ack' },
      { kind: 'packet', data: 'qC', checksumOk: true },
      { kind: 'nack' },
      { kind: 'interrupt' },
      { kind: 'packet', data: 'm10,4', checksumOk: true },
    ]);
  });

  it('flags a bad or malformed checksum, restarts on a new $, and drops an overlong packet', () => {
    const r = new RspReader();
    expect(r.feed(bytes('$qC#00'))).toEqual([{ kind: 'packet', data: 'qC', checksumOk: false }]);
    expect(r.feed(bytes('$qC#zz'))).toEqual([{ kind: 'packet', data: 'qC', checksumOk: false }]);
    expect(r.feed(bytes('$trunc$qC#b4'))).toEqual([{ kind: 'packet', data: 'qC', checksumOk: true }]);
    expect(r.feed(bytes(`$${'a'.repeat(MAX_PACKET + 10)}#00`))).toEqual([{ kind: 'overflow' }]);
    expect(r.feed(bytes('$OK#9a'))).toEqual([{ kind: 'packet', data: 'OK', checksumOk: true }]);
  });
});

describe('requests over the shipped recording', () => {
  let store: SqliteJournalStore;
  let session: DebugSession;
  beforeAll(async () => {
    store = await SqliteJournalStore.open('recordings/sample-vfs-crash.db', { readonly: true, create: false });
    session = new DebugSession(store, { branch: ROOT_BRANCH });
  }, 120_000);
  afterAll(() => store.close());

  const ask = (c: RspCommands, p: string) => c.handle(p).packets.at(-1) ?? '';

  it('announces what gdb needs, and describes a riscv32 cpu with pc as register 32', () => {
    const c = new RspCommands(session);
    const sup = ask(c, 'qSupported:multiprocess+;swbreak+');
    for (const f of ['PacketSize=', 'QStartNoAckMode+', 'ReverseStep+', 'ReverseContinue+', 'qXfer:features:read+', 'qXfer:exec-file:read+']) expect(sup).toContain(f);
    expect(c.handle('QStartNoAckMode')).toEqual({ packets: ['OK'], noAck: true });
    expect(TARGET_XML).toContain('org.gnu.gdb.riscv.cpu');
    expect(TARGET_XML).toContain('<reg name="pc" bitsize="32" type="code_ptr" regnum="32"/>');
    expect(TARGET_XML.match(/<reg /g)?.length).toBe(33);
    const xml = ask(c, 'qXfer:features:read:target.xml:0,3fff');
    expect(xml.startsWith('l<?xml')).toBe(true);
    expect(ask(c, 'qXfer:features:read:other.xml:0,100')).toBe('E00');
    expect(ask(c, 'qXfer:exec-file:read::0,100')).toBe('l/bin/forkrace');
  });

  it('reads registers and memory of the followed process, and refuses every write', () => {
    const c = new RspCommands(session);
    const regs = session.registers(session.pid)!;
    const g = ask(c, 'g');
    expect(g).toHaveLength(33 * 8);
    const pcLe = Buffer.alloc(4);
    pcLe.writeUInt32LE(regs.pc);
    expect(g.slice(32 * 8)).toBe(pcLe.toString('hex'));
    expect(ask(c, `p${PC_REGNUM.toString(16)}`)).toBe(pcLe.toString('hex'));
    expect(ask(c, 'p99')).toBe('E01');
    const code = session.readMemory(session.pid, regs.pc, 4)!;
    expect(ask(c, `m${regs.pc.toString(16)},4`)).toBe(Buffer.from(code).toString('hex'));
    expect(ask(c, 'm0,4')).toBe('E0e');
    for (const w of ['G' + '0'.repeat(264), 'P20=00000000', `M${regs.pc.toString(16)},1:00`, `X${regs.pc.toString(16)},1:a`]) expect(ask(c, w)).toBe('E01');
    expect(session.readMemory(session.pid, regs.pc, 4)).toEqual(code);
  });

  it('answers malformed and unknown requests without failing', () => {
    const c = new RspCommands(session);
    for (const bad of ['m', 'mzz,4', 'm10', 'Z0,', 'Z9,10,4', 'Hgzz', 'Hx1', 'p', 'qXfer:features:read:target.xml:zz', 'vFile:pread:99,10,0', 'qRcmd,zz']) {
      expect(ask(c, bad), bad).toMatch(/^E|^F-1|^$/);
    }
    for (const unknown of ['vCont?', 'qTStatus', 'vMustReplyEmpty', 'QNonStop:1', 'jMadeUp']) expect(ask(c, unknown)).toBe('');
    expect(ask(c, 'Z2,10,0')).toBe('E01');
    expect(ask(c, 'Hg1234')).toBe('E01');
  });

  it('serves the ELF from the recording by host I/O, read-only', () => {
    const c = new RspCommands(session);
    const name = Buffer.from('/bin/forkrace').toString('hex');
    expect(ask(c, `vFile:open:${name},1,0`)).toBe('F-1,1e');
    expect(ask(c, `vFile:open:${Buffer.from('/nope').toString('hex')},0,0`)).toBe('F-1,2');
    const fd = ask(c, `vFile:open:${name},0,0`);
    expect(fd).toMatch(/^F[0-9a-f]+$/);
    const head = ask(c, `vFile:pread:${fd.slice(1)},4,0`);
    expect(head).toBe('F4;\x7fELF');
    expect(ask(c, `vFile:close:${fd.slice(1)}`)).toBe('F0');
    expect(ask(c, `vFile:close:${fd.slice(1)}`)).toBe('F-1,9');
  });

  it('lists threads and answers monitor commands', () => {
    const c = new RspCommands(session);
    expect(ask(c, 'qfThreadInfo')).toBe(`m${session.pid.toString(16)}`);
    expect(ask(c, 'qsThreadInfo')).toBe('l');
    expect(ask(c, `Hg${session.pid.toString(16)}`)).toBe('OK');
    const when = c.handle(`qRcmd,${Buffer.from('when').toString('hex')}`).packets;
    expect(when[1]).toBe('OK');
    expect(Buffer.from(when[0]!.slice(1), 'hex').toString()).toContain(`Current icount: ${session.icount}`);
    const fork = c.handle(`qRcmd,${Buffer.from('fork').toString('hex')}`).packets[0]!;
    expect(Buffer.from(fork.slice(1), 'hex').toString()).toContain(`xrr fork FILE --at ${session.icount}`);
  });

  it('follows a fork: the child is a thread with its own registers, stepped on its own', () => {
    const c = new RspCommands(session);
    const child = session.history.get(session.pid)!.children[0]!;
    const forkedAt = session.history.get(child)!.forkedAt!;
    session.goto(forkedAt + 1);
    expect(ask(c, 'qfThreadInfo').slice(1).split(',').map((t) => parseInt(t, 16))).toContain(child);
    expect(ask(c, `Hg${child.toString(16)}`)).toBe('OK');
    const childRegs = session.registers(child)!;
    const pcLe = Buffer.alloc(4);
    pcLe.writeUInt32LE(childRegs.pc);
    expect(ask(c, 'g').slice(32 * 8)).toBe(pcLe.toString('hex'));
    // The child's a0 after fork() is 0; the parent's is the child's pid (once its fork returned).
    expect(ask(c, 'pa')).toBe('00000000');
    const retired = session.retired(child)!;
    expect(ask(c, `Hc${child.toString(16)}`)).toBe('OK');
    expect(ask(c, 's')).toBe(`T05thread:${child.toString(16)};`);
    expect(session.retired(child)).toBe(retired + 1);
    expect(ask(c, 'bs')).toBe(`T05thread:${child.toString(16)};`);
    expect(session.retired(child)).toBe(retired);
    // A few instructions on and back again, down to the child's first: each reverse step is
    // found by restoring a position where the child may not exist yet.
    for (let i = 1; i <= 3; i++) {
      ask(c, 's');
      expect(session.retired(child)).toBe(retired + i);
    }
    for (let i = 2; i >= 0; i--) {
      expect(ask(c, 'bs')).toBe(`T05thread:${child.toString(16)};`);
      expect(session.retired(child)).toBe(retired + i);
    }
    expect(session.icount).toBeGreaterThanOrEqual(forkedAt);
  }, 300_000);

  it('answers monitor last-write with the write and the syscall or store that did it', () => {
    const c = new RspCommands(session);
    session.goto(session.beginIcount + 200_000);
    const sp = session.registers(session.pid)!.x[2]!;
    const text = Buffer.from(c.handle(`qRcmd,${Buffer.from(`last-write 0x${sp.toString(16)}`).toString('hex')}`).packets[0]!.slice(1), 'hex').toString();
    expect(text).toMatch(new RegExp(`last write before: icount \\d+, pid ${session.pid}, (store at pc 0x[0-9a-f]+|syscall \\w+)`));
    expect(session.icount).toBe(session.beginIcount + 200_000);
  }, 300_000);

  it('keeps serving after a client disconnects in the middle of a command', async () => {
    const server = await startGdbServer(session, { once: false });
    const talk = (s: Socket, text: string) => s.write(text);
    // The first client asks for a reverse-continue and leaves before the answer.
    const first = connect(server.port, '127.0.0.1');
    await new Promise<void>((r) => first.on('connect', () => r()));
    talk(first, `${frame('bc')}`);
    first.destroy();
    // The next one is served normally, including a retransmission after a bad checksum.
    const second = connect(server.port, '127.0.0.1');
    let got = '';
    second.on('data', (d) => (got += d.toString('latin1')));
    await new Promise<void>((r) => second.on('connect', () => r()));
    const waitFor = async (needle: string) => {
      for (let i = 0; i < 2000 && !got.includes(needle); i++) await new Promise((r) => setTimeout(r, 50));
      expect(got).toContain(needle);
    };
    talk(second, '$qC#00');
    await waitFor('-');
    talk(second, frame('qC'));
    await waitFor(frame(`QC${session.pid.toString(16)}`));
    talk(second, '-');
    await waitFor(frame(`QC${session.pid.toString(16)}`).repeat(2));
    talk(second, frame('D'));
    await waitFor(frame('OK'));
    second.destroy();
    server.close();
    await server.closed;
  }, 120_000);
});
