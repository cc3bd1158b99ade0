/**
 * The kernel's saved state (plain, versioned data; page bytes by content hash) and its restore.
 * A restore reads every field through a StateValue first, so a corrupt snapshot is refused with
 * the path of the first bad field (`kernel.procs[2].pc: expected u32, got "x"`) before the kernel
 * changes; each server then checks its own state the same way.
 */
import { faultProblem, PCT_MAX_DEPTH, PCT_MAX_STEPS, type Fault, type SchedReason } from '../events.js';
import { AddressSpace, pageHash, SharedSegment, type AddressSpaceState, type Page, type PageEntry } from '../memory.js';
import { StateError, StateValue, uniqueBy } from '../state-check.js';
import { bytesOfHex, hexOf } from '../../protocol/hex.js';
import { DELAY_ID } from './deadline-ids.js';
import type { ArmedFault, DelayedMessage } from './fault-injector.js';
import type { Kernel } from './kernel.js';
import { newProcess, type Process, type ProcState, type Wait } from './process.js';
import type { PolicyState } from './scheduler.js';
import type { ShmAttachment } from './shm.js';
import type { HeldMessage, Supervision } from './supervisor.js';
import type { BlobSink } from './server-port.js';
import { adoptAddressSpace } from './stack-growth.js';

export interface ProcessState {
  readonly pid: number;
  readonly name: string;
  readonly state: ProcState;
  readonly wait: Wait | null;
  readonly regs: readonly number[];
  readonly pc: number;
  readonly icount: number;
  readonly mailbox: readonly HeldMessage[];
  readonly mem: AddressSpaceState;
}

export interface KernelState {
  readonly version: 1;
  readonly procs: readonly ProcessState[];
  readonly runQueue: readonly number[];
  readonly current: number | null;
  readonly consoleReaders: readonly number[];
  readonly halted: { readonly reason: string; readonly status: number } | null;
  readonly seq: number;
  readonly lastIcount: number;
  readonly shm: readonly { readonly id: number; readonly pages: readonly string[] }[];
  readonly shmAttachments: readonly { readonly pid: number; readonly list: readonly ShmAttachment[] }[];
  readonly servers: readonly { readonly pid: number; readonly state: unknown }[];
  readonly supervision: readonly (Readonly<Supervision> & { readonly pid: number })[];
  readonly faults: readonly { readonly fault: Fault; readonly seen: number }[];
  readonly delayed: readonly DelayedMessage[];
  readonly nextDelayId: number;
  /** The scheduling policy and its state (round robin, chaos, PCT). */
  readonly policy: PolicyState;
  /** Why the CPU changes hands at the next switch. */
  readonly switchReason: SchedReason;
}

export function kernelStateOf(k: Kernel, store: (hash: string, bytes: Uint8Array) => void): KernelState {
  // Content-addressed: the VFS hands over the chunks it has not written since the last snapshot
  // with their hash (`known`), and only changed chunks are hashed here.
  const blobs: BlobSink = Object.assign(
    (bytes: Uint8Array): string => {
      const hash = pageHash(bytes);
      store(hash, bytes);
      return hash;
    },
    { known: (hash: string, bytes: Uint8Array): void => store(hash, bytes) },
  );
  const hashOf = (page: { u8: Uint8Array; hash: string | undefined }) => {
    page.hash ??= pageHash(page.u8);
    store(page.hash, page.u8);
    return page.hash;
  };
  const current = k.current;
  return {
    version: 1,
    procs: [...k.procs.values()].sort((a, b) => a.pid - b.pid).map((p) => ({
      pid: p.pid,
      name: p.name,
      state: p.state,
      wait: p.wait ?? null,
      regs: Array.from(p.regs),
      pc: p.pc,
      icount: p.icount,
      mailbox: p.mailbox.map((m) => ({ m_source: m.m_source, m_type: m.m_type, payload: hexOf(m.payload) })),
      mem: p.mem.getState(store),
    })),
    runQueue: [...k.sched.runQueue],
    current: current && k.procs.get(current.pid) === current ? current.pid : null,
    consoleReaders: [...k.console.readers],
    halted: k.halted ?? null,
    seq: k.seq,
    lastIcount: k.lastIcount,
    shm: [...k.shm.segments].sort((a, b) => a[0] - b[0]).map(([id, seg]) => ({ id, pages: seg.pages.map(hashOf) })),
    shmAttachments: [...k.shm.attachments].sort((a, b) => a[0] - b[0]).map(([pid, list]) => ({ pid, list })),
    servers: [...k.servers.values()].sort((a, b) => a.pid - b.pid).map((srv) => ({ pid: srv.pid, state: srv.getState(blobs) })),
    supervision: [...k.supervisor.supervision].sort((a, b) => a[0] - b[0]).map(([pid, sup]) => ({ pid, ...sup, queue: [...sup.queue] })),
    faults: k.faults.armed.map((f) => ({ fault: f.fault, seen: f.seen })),
    delayed: [...k.faults.delayed],
    nextDelayId: k.faults.nextDelayId,
    policy: copyPolicy(k.sched.policy),
    switchReason: k.sched.switchReason,
  };
}

// ---- reading a saved state ------------------------------------------------------------------------

const PROC_STATES: readonly ProcState[] = ['ready', 'running', 'blocked', 'zombie'];
const SERVER_STATUSES: readonly Supervision['status'][] = ['up', 'hung', 'restarting', 'down'];
/** Mailbox entries a saved process may hold: MAILBOX_MAX plus replies in flight, with room to spare. */
const MAILBOX_SAVED_MAX = 1024;
/** Largest message payload (4 KiB) and a sealed envelope around it. */
const PAYLOAD_SAVED_MAX = 8192;
/** A process name is the last part of an exec'd path (at most a path's length). */
const NAME_MAX = 4096;
const PAGE_HASH = /^[0-9a-f]{64}$/;

function pageHashAt(v: StateValue): string {
  const h = v.string(64);
  if (!PAGE_HASH.test(h)) v.fail('a page hash (64 hex digits)');
  return h;
}

function heldMessage(v: StateValue): HeldMessage {
  return { m_source: v.at('m_source').pid(), m_type: v.at('m_type').u16(), payload: v.at('payload').hex(PAYLOAD_SAVED_MAX) };
}

function args(v: StateValue): number[] {
  return v.array(6).map((a) => a.word());
}

function wait(v: StateValue): Wait {
  const kind = v.at('kind').oneOf(['reply', 'console-read', 'sleep', 'recv'] as const);
  switch (kind) {
    case 'reply':
      return { kind, server: v.at('server').pid(), nr: v.at('nr').i32(), args: args(v.at('args')), done: v.at('done').count() };
    case 'console-read':
      return { kind, nr: v.at('nr').i32(), args: args(v.at('args')), count: v.at('count').count() };
    case 'sleep':
      return { kind, untilNs: v.at('untilNs').finite(0), remPtr: v.at('remPtr').u32() };
    case 'recv':
      return { kind, from: v.at('from').i32(), bufPtr: v.at('bufPtr').u32(), bufLen: v.at('bufLen').u32() };
  }
}

function addressSpace(v: StateValue): AddressSpaceState {
  v.version(1);
  const pages: PageEntry[] = v.at('pages').array(1 << 20).map((e) => ({
    vpn: e.at('vpn').int(0, 0xf_ffff, 'a virtual page number (20 bits)'),
    perm: e.at('perm').int(0, 7, 'a permission (0..7)'),
    hash: pageHashAt(e.at('hash')),
  }));
  uniqueBy(pages, (p) => p.vpn, `${v.path}.pages`, 'page');
  return { version: 1, pages };
}

function processState(v: StateValue): ProcessState {
  return {
    pid: v.at('pid').pid(),
    name: v.at('name').string(NAME_MAX),
    state: v.at('state').oneOf(PROC_STATES),
    wait: v.at('wait').nullable(wait),
    regs: v.at('regs').tuple(32).map((r) => r.i32()),
    pc: v.at('pc').u32(),
    icount: v.at('icount').count(),
    mailbox: v.at('mailbox').array(MAILBOX_SAVED_MAX).map(heldMessage),
    mem: addressSpace(v.at('mem')),
  };
}

function fault(v: StateValue): Fault {
  v.object();
  const f = v.value as Fault;
  const problem = faultProblem(f);
  if (problem !== undefined) throw new StateError(v.path, `not a fault: ${problem}`);
  return f;
}

/**
 * Reads and checks a saved kernel state: every field present, of its type and in range, and the
 * references between them sound (the current process exists, each server is this machine's).
 * Throws a StateError naming the field; returns a fresh, typed copy.
 */
export function parseKernelState(raw: unknown, serverPids: readonly number[]): KernelState {
  const s = StateValue.root(raw, 'kernel');
  s.version(1);
  const procs = s.at('procs').array().map(processState);
  uniqueBy(procs, (p) => p.pid, 'kernel.procs', 'pid');
  const pids = new Set(procs.map((p) => p.pid));
  const current = s.at('current').nullable((v) => v.pid());
  if (current !== null && !pids.has(current)) s.at('current').fail('the pid of a saved process');
  const halted = s.at('halted').nullable((v) => ({ reason: v.at('reason').string(NAME_MAX), status: v.at('status').int(0, 255) }));
  const shm = s.at('shm').array().map((v) => ({ id: v.at('id').u32(), pages: v.at('pages').array(1 << 16).map(pageHashAt) }));
  uniqueBy(shm, (x) => x.id, 'kernel.shm', 'segment');
  const shmAttachments = s.at('shmAttachments').array().map((v) => ({
    pid: v.at('pid').pid(),
    list: v.at('list').array().map((a) => ({ addr: a.at('addr').u32(), segment: a.at('segment').u32(), perm: a.at('perm').int(0, 7, 'a permission (0..7)') })),
  }));
  const servers = s.at('servers').array().map((v) => {
    const pid = v.at('pid').pid();
    if (!serverPids.includes(pid)) v.at('pid').fail(`a server of this machine (${serverPids.join(', ')})`);
    return { pid, state: v.at('state').value };
  });
  uniqueBy(servers, (x) => x.pid, 'kernel.servers', 'server');
  const supervision = s.at('supervision').array().map((v) => {
    const pid = v.at('pid').pid();
    if (!serverPids.includes(pid)) v.at('pid').fail(`a server of this machine (${serverPids.join(', ')})`);
    return {
      pid,
      status: v.at('status').oneOf(SERVER_STATUSES),
      queue: v.at('queue').array().map(heldMessage),
      hungOn: v.at('hungOn').nullable(heldMessage),
      restarts: v.at('restarts').count(),
    };
  });
  const faults = s.at('faults').array().map((v) => ({ fault: fault(v.at('fault')), seen: v.at('seen').count() }));
  const delayed = s.at('delayed').array().map((v) => ({
    id: v.at('id').int(DELAY_ID, Number.MAX_SAFE_INTEGER, `a deadline id >= ${DELAY_ID}`),
    from: v.at('from').pid(),
    to: v.at('to').pid(),
    m_type: v.at('m_type').u16(),
    payload: v.at('payload').hex(PAYLOAD_SAVED_MAX),
  }));
  return {
    version: 1,
    procs,
    runQueue: s.at('runQueue').array().map((v) => v.pid()),
    current,
    consoleReaders: s.at('consoleReaders').array().map((v) => v.pid()),
    halted,
    seq: s.at('seq').count(),
    lastIcount: s.at('lastIcount').int(-1, Number.MAX_SAFE_INTEGER),
    shm,
    shmAttachments,
    servers,
    supervision,
    faults,
    delayed,
    nextDelayId: s.at('nextDelayId').int(DELAY_ID, Number.MAX_SAFE_INTEGER, `a deadline id >= ${DELAY_ID}`),
    policy: policyState(s.at('policy'), pids),
    switchReason: s.at('switchReason').oneOf(SCHED_REASONS),
  };
}

const SCHED_REASONS: readonly SchedReason[] = ['timer', 'yield', 'chaos', 'pct-change', 'priority', 'block', 'exit', 'start'];

/** A deep copy: the scheduler goes on mutating its own. */
function copyPolicy(p: PolicyState): PolicyState {
  if (p.kind !== 'pct') return { ...p };
  return { ...p, changePoints: [...p.changePoints], priorities: p.priorities.map((x) => ({ ...x })) };
}

/** A saved scheduling policy, every field checked (a PCT state's priorities belong to saved processes). */
function policyState(v: StateValue, pids: ReadonlySet<number>): PolicyState {
  const kind = v.at('kind').oneOf(['round-robin', 'chaos', 'pct'] as const);
  if (kind === 'round-robin') return { kind };
  if (kind === 'chaos') return { kind, s: v.at('s').u32(), nextAt: v.at('nextAt').count() };
  const depth = v.at('depth').int(1, PCT_MAX_DEPTH);
  const steps = v.at('steps').int(1, PCT_MAX_STEPS);
  const changePoints = v.at('changePoints').array(PCT_MAX_DEPTH).map((c) => c.int(1, steps, `a step from 1 to ${steps}`));
  if (changePoints.some((c, i) => i > 0 && c < changePoints[i - 1]!)) v.at('changePoints').fail('steps in ascending order');
  const priorities = v.at('priorities').array().map((x) => {
    const pid = x.at('pid').pid();
    if (!pids.has(pid)) x.at('pid').fail('the pid of a saved process');
    return { pid, priority: x.at('priority').int(1, Number.MAX_SAFE_INTEGER) };
  });
  uniqueBy(priorities, (x) => x.pid, 'kernel.policy.priorities', 'pid');
  uniqueBy(priorities, (x) => x.priority, 'kernel.policy.priorities', 'priority');
  return {
    kind,
    s: v.at('s').int(1, 0xffff_ffff, 'a non-zero u32'),
    depth,
    steps,
    step: v.at('step').count(),
    changePoints,
    lowered: v.at('lowered').int(0, depth - 1),
    priorities,
  };
}

/**
 * Restore a state checked by parseKernelState and the servers' checkState: the servers restore
 * theirs, then the processes and shared memory are rebuilt aside (a page missing from the store fails here), and
 * the kernel takes them all at once.
 */
export function restoreKernelState(k: Kernel, s: KernelState, load: (hash: string) => Uint8Array | undefined): void {
  for (const srv of s.servers) k.servers.get(srv.pid)?.setState(srv.state, load);
  const pool = new Map<string, Page>();
  const procs: Process[] = s.procs.map((ps) => {
    const mem = new AddressSpace();
    mem.setState(ps.mem, load, pool);
    const p = newProcess(ps.pid, ps.name, mem);
    p.state = ps.state;
    p.wait = ps.wait ?? undefined;
    p.regs.set(ps.regs);
    p.pc = ps.pc;
    p.icount = ps.icount;
    p.mailbox = ps.mailbox.map((m) => ({ m_source: m.m_source, m_type: m.m_type, payload: bytesOfHex(m.payload) }));
    return p;
  });
  const segments = new Map(s.shm.map(({ id, pages }) => {
    const seg = new SharedSegment(pages.length * 4096);
    seg.pages.forEach((page, i) => {
      const h = pages[i];
      const bytes = h === undefined ? undefined : load(h);
      if (!bytes) throw new Error(`shared memory page ${h ?? '?'} is missing from the page store`);
      page.u8.set(bytes);
    });
    return [id, seg] as const;
  }));

  const sched = k.sched;
  sched.procs.clear();
  for (const p of procs) {
    sched.procs.set(p.pid, p);
    adoptAddressSpace(k, p);
  }
  k.shm.segments = segments;
  k.shm.attachments = new Map(s.shmAttachments.map(({ pid, list }) => [pid, [...list]]));
  for (const [pid, list] of k.shm.attachments) {
    for (const a of list) {
      const seg = segments.get(a.segment);
      if (seg) sched.procs.get(pid)?.mem.attachShared(a.addr, seg, a.perm);
    }
  }
  sched.runQueue = [...s.runQueue];
  sched.current = s.current === null ? undefined : sched.procs.get(s.current);
  k.console.readers = [...s.consoleReaders];
  k.halted = s.halted ? { ...s.halted } : undefined;
  k.seq = s.seq;
  k.lastIcount = s.lastIcount;
  k.router.kernelReplies = [];
  for (const sup of s.supervision) {
    k.supervisor.supervision.set(sup.pid, { status: sup.status, queue: [...sup.queue], hungOn: sup.hungOn, restarts: sup.restarts });
  }
  k.faults.armed = s.faults.map((f): ArmedFault => ({ fault: f.fault, seen: f.seen }));
  k.faults.delayed = [...s.delayed];
  k.faults.nextDelayId = s.nextDelayId;
  sched.policy = copyPolicy(s.policy);
  sched.switchReason = s.switchReason;
  if (sched.current) k.dev.cpu.setAddressSpace(sched.current.mem);
}
