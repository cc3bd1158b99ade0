/**
 * The state of a machine as flat facts (section, key, value text), so two machines can be laid
 * side by side and only what differs shown: registers, memory pages by content hash, processes as
 * the kernel sees them, open files, the VFS tree (file contents by hash), the Process Manager's
 * table, the Memory Manager's regions, and the devices.
 */
import { createHash } from 'node:crypto';
import type { Machine } from '../core/machine.js';
import { hexAddr, hexWord } from '../protocol/hex.js';
import { serverViews } from '../servers/server-views.js';
import { inspectVfs } from '../servers/vfs/vfs-inspect.js';
import { canonical } from './event-meaning.js';

export const SECTIONS = ['registers', 'memory', 'processes', 'fds', 'vfs', 'pm', 'mm', 'devices'] as const;
export type Section = (typeof SECTIONS)[number];

export interface StateDifference {
  readonly section: Section;
  readonly key: string;
  /** null: the fact does not exist on that side (a process that is not there, a page not mapped). */
  readonly a: string | null;
  readonly b: string | null;
}

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const perm = (p: number) => `${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}`;
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** Facts by section, then key: value text. */
export type Facts = Map<Section, Map<string, string>>;

export function machineFacts(machine: Machine): Facts {
  const facts: Facts = new Map(SECTIONS.map((s) => [s, new Map<string, string>()]));
  const put = (section: Section, key: string, value: string) => facts.get(section)!.set(key, value);
  const k = machine.kernel;

  for (const p of [...k.procs.values()].sort((x, y) => x.pid - y.pid)) {
    put('registers', `pid ${p.pid} pc`, hexWord(p.pc));
    for (let r = 1; r < 32; r++) put('registers', `pid ${p.pid} ${ABI[r]}`, hexWord(p.regs[r]!));
    for (const page of p.mem.getState().pages) put('memory', `pid ${p.pid} ${hexAddr(page.vpn << 12)}`, `${perm(page.perm)} ${page.hash.slice(0, 16)}`);
    const wait = p.wait ? canonical(p.wait) : '';
    put('processes', `pid ${p.pid}`, `${p.name} ${p.state}${wait ? ` waiting ${wait}` : ''} icount ${p.icount} mailbox ${p.mailbox.length}`);
  }

  const views = serverViews(machine);
  const st = views.vfs();
  if (st) {
    for (const v of inspectVfs(st).procs) {
      put('fds', `pid ${v.pid} cwd`, `${v.cwd} uid ${v.uid}/${v.euid} gid ${v.gid}/${v.egid} umask ${v.umask.toString(8)}`);
      for (const f of v.fds) put('fds', `pid ${v.pid} fd ${f.fd}`, `${f.access} ${f.target} @${f.offset}${f.flags.length ? ` ${f.flags.join(',')}` : ''}`);
    }
    const walk = (ino: number, path: string) => {
      const node = st.inodes.get(ino);
      if (!node) return;
      const owner = `${node.mode.toString(8).padStart(4, '0')} ${node.uid}:${node.gid}`;
      if (node.kind === 'file') put('vfs', path, `file ${owner} ${node.size} bytes sha256 ${digest(node.data.subarray(0, node.size))}`);
      else if (node.kind === 'fifo') put('vfs', path, `fifo ${owner} ${node.buffer.length} buffered`);
      else if (node.kind === 'dir') {
        put('vfs', path, `dir ${owner} ${node.entries.size} entries`);
        for (const name of [...node.entries.keys()].sort()) walk(node.entries.get(name)!, path === '/' ? `/${name}` : `${path}/${name}`);
      } else put('vfs', path, `${node.kind} ${owner}`);
    };
    walk(1, '/');
  }

  const pm = views.pm();
  for (const pcb of pm ? [...pm.procs.values()].sort((x, y) => x.pid - y.pid) : []) {
    put(
      'pm',
      `pid ${pcb.pid}`,
      `${pcb.name} ${pcb.state} ppid ${pcb.ppid} pgid ${pcb.pgid} uid ${pcb.uid} status ${pcb.status} blocked ${hexWord(pcb.blocked)} pending ${hexWord(pcb.pending)}${pcb.waiter ? ` waiting ${canonical(pcb.waiter)}` : ''}`,
    );
  }
  const mm = views.mm();
  for (const proc of mm ? [...mm.procs.values()].sort((x, y) => x.pid - y.pid) : []) {
    put('mm', `pid ${proc.pid} brk`, `${hexAddr(proc.brkBase)}..${hexAddr(proc.brk)}`);
    for (const r of proc.regions) put('mm', `pid ${proc.pid} ${hexAddr(r.start)}`, `${hexAddr(r.start)}-${hexAddr(r.end)} ${perm(r.perm)} ${r.kind}`);
  }

  const devices: Record<string, unknown> = {
    clock: machine.clock.getState(),
    timer: machine.timer.getState(),
    uart: machine.uart.getState(),
    intc: machine.intc.getState(),
    tty: machine.tty.getState(),
    rtc: machine.rtc.getState(),
    entropy: machine.entropy.getState(),
  };
  for (const [name, state] of Object.entries(devices)) {
    if (typeof state !== 'object' || state === null) put('devices', name, canonical(state));
    else for (const [field, v] of Object.entries(state as Record<string, unknown>)) {
      const text = canonical(v);
      put('devices', `${name}.${field}`, text.length > 80 ? `${text.slice(0, 40)}... sha256 ${digest(Buffer.from(text))}` : text);
    }
  }
  put('devices', 'halted', k.halted ? `${k.halted.reason} status ${k.halted.status}` : 'no');
  return facts;
}

export function diffFacts(a: Facts, b: Facts): StateDifference[] {
  const out: StateDifference[] = [];
  for (const section of SECTIONS) {
    const x = a.get(section) ?? new Map<string, string>();
    const y = b.get(section) ?? new Map<string, string>();
    for (const key of new Set([...x.keys(), ...y.keys()])) {
      const va = x.get(key) ?? null;
      const vb = y.get(key) ?? null;
      if (va !== vb) out.push({ section, key, a: va, b: vb });
    }
  }
  return out;
}
