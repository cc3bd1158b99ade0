import { describe, expect, it } from 'vitest';
import { RS_PROTOCOL } from '../src/protocol/rs-protocol.js';
import { RS_MSG } from '../src/protocol/message-types.js';
import {
  decodeDirents,
  describeMessage,
  encodeDirent,
  ERRNO,
  i64,
  MAX_PAYLOAD,
  messageTypeName,
  MM_PROTOCOL,
  MSG,
  PROC_PROTOCOL,
  PS_ENTRY,
  serviceOf,
  STAT,
  struct,
  u32,
  VFS_IO_MAX,
  VFS_PROTOCOL,
  type Service,
  type ServiceSpecs,
  type StructCodec,
} from '../src/protocol/index.js';

const SERVICES = [VFS_PROTOCOL, PROC_PROTOCOL, MM_PROTOCOL] as unknown as Service<ServiceSpecs>[];

/** A deterministic xorshift generator: the fuzz cases are the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Builds a valid sample value for a struct from its layout description. */
function sampleOf(codec: StructCodec<unknown>): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  for (const { name, layout } of codec.describeLayout()) {
    if (layout.startsWith('u8')) v[name] = 7;
    else if (layout.startsWith('u16')) v[name] = 513;
    else if (layout.startsWith('u32')) v[name] = 0x80000001;
    else if (layout.startsWith('i32')) v[name] = -5;
    else if (layout.startsWith('u64')) v[name] = 2 ** 40 + 3;
    else if (layout.startsWith('i64')) v[name] = -(2 ** 40) - 3;
    else if (layout.startsWith('str[')) v[name] = '/tmp/x y';
    else if (layout.startsWith('bytes[')) v[name] = new Uint8Array([0, 1, 2, 255]);
    else if (layout.startsWith('char[')) v[name] = 'sh';
    else v[name] = [];
  }
  return v;
}

describe('message type table', () => {
  it('gives every type one name, inside its server range, with the seed numbers', () => {
    const seen = new Set<number>();
    for (const [name, type] of Object.entries(MSG)) {
      expect(seen.has(type), name).toBe(false);
      seen.add(type);
      expect(messageTypeName(type)).toBe(name);
      const prefix = name.split('_')[0];
      expect(serviceOf(type)).toBe(prefix === 'VFS' ? 'vfs' : prefix === 'PROC' ? 'proc' : 'mm');
    }
    expect([MSG.VFS_OPEN, MSG.VFS_CHOWN, MSG.VFS_REPLY]).toEqual([100, 121, 150]);
    expect([MSG.PROC_FORK, MSG.PROC_SIGACTION, MSG.PROC_REPLY]).toEqual([200, 208, 250]);
    expect([MSG.MM_BRK, MSG.MM_MPROTECT, MSG.MM_REPLY]).toEqual([300, 303, 350]);
  });

  it('has a protocol entry for every request type of each service', () => {
    for (const [name, type] of Object.entries(MSG)) {
      if (name.endsWith('_REPLY')) continue;
      const svc = SERVICES.find((s) => s.name === serviceOf(type))!;
      expect(svc.kindOf(type), name).toBeDefined();
    }
  });
});

describe('struct codec', () => {
  it('refuses overlapping fields and fields outside the fixed part at definition time', () => {
    expect(() => struct('Bad', 8, { a: u32(0), b: u32(2) })).toThrow(/overlaps/);
    expect(() => struct('Bad', 4, { a: i64(0) })).toThrow(/outside/);
  });

  it('round-trips every request and reply of every service', () => {
    for (const svc of SERVICES) {
      for (const [kind, spec] of Object.entries(svc.specs)) {
        const req = { kind, ...sampleOf(spec.request) } as never;
        const enc = svc.encodeRequest(req);
        expect(enc.m_type).toBe(spec.type);
        expect(enc.payload.length).toBeLessThanOrEqual(MAX_PAYLOAD);
        const dec = svc.decodeRequest(enc.m_type, enc.payload);
        expect(dec, `${svc.name}.${kind}`).toEqual({ ok: true, value: req });

        const body = sampleOf(spec.reply);
        const rep = svc.decodeReply(svc.encodeReply(kind as never, 3, body as never));
        expect(rep, `${svc.name}.${kind} reply`).toEqual({ ok: true, value: { kind, result: 3, body } });
        const err = svc.decodeReply(svc.encodeReply(kind as never, -ERRNO.ENOENT));
        expect(err).toEqual({ ok: true, value: { kind, result: -2, body: null } });
      }
    }
  });

  it('puts fields at their documented offsets, little-endian', () => {
    const { payload } = VFS_PROTOCOL.encodeRequest({ kind: 'open', flags: 0x241, mode: 0o644, path: '/a' });
    expect([...payload]).toEqual([0x41, 0x02, 0, 0, 0xa4, 0x01, 0, 0, 2, 0, 0x2f, 0x61]);
    const reply = VFS_PROTOCOL.encodeReply('lseek', 0, { offset: 2 ** 33 });
    const view = new DataView(reply.buffer);
    expect(view.getUint16(0, true)).toBe(MSG.VFS_LSEEK);
    expect(view.getInt32(4, true)).toBe(0);
    expect(view.getBigInt64(8, true)).toBe(2n ** 33n);
  });

  it('keeps the largest read reply and write request inside one payload', () => {
    const data = new Uint8Array(VFS_IO_MAX);
    expect(VFS_PROTOCOL.encodeReply('read', VFS_IO_MAX, { data }).length).toBeLessThanOrEqual(MAX_PAYLOAD);
    expect(VFS_PROTOCOL.encodeRequest({ kind: 'write', fd: 1, data }).payload.length).toBeLessThanOrEqual(MAX_PAYLOAD);
    expect(() => VFS_PROTOCOL.encodeRequest({ kind: 'write', fd: 1, data: new Uint8Array(VFS_IO_MAX + 1) })).toThrow(RangeError);
  });

  it('rejects malformed payloads with EBADMSG or EINVAL and a detail', () => {
    const ok = VFS_PROTOCOL.encodeRequest({ kind: 'stat', path: '/etc' }).payload;
    // Given a payload one byte short, when decoded, then EBADMSG.
    expect(VFS_PROTOCOL.decodeRequest(MSG.VFS_STAT, ok.subarray(0, ok.length - 1))).toMatchObject({ ok: false, error: 'EBADMSG' });
    // Given a trailing byte: EBADMSG.
    expect(VFS_PROTOCOL.decodeRequest(MSG.VFS_STAT, new Uint8Array([...ok, 0]))).toMatchObject({ ok: false, error: 'EBADMSG' });
    // Given a NUL inside the path: EINVAL.
    expect(VFS_PROTOCOL.decodeRequest(MSG.VFS_STAT, new Uint8Array([2, 0, 0x2f, 0]))).toMatchObject({ ok: false, error: 'EINVAL' });
    // Given a path longer than PATH_MAX - 1: EINVAL.
    const long = new Uint8Array(2 + 1024);
    new DataView(long.buffer).setUint16(0, 1024, true);
    long.fill(0x61, 2);
    expect(VFS_PROTOCOL.decodeRequest(MSG.VFS_STAT, long)).toMatchObject({ ok: false, error: 'EINVAL' });
    // Given a 64-bit offset beyond 2^53: EINVAL.
    const seek = new Uint8Array(16);
    new DataView(seek.buffer).setBigInt64(8, 2n ** 60n, true);
    expect(VFS_PROTOCOL.decodeRequest(MSG.VFS_LSEEK, seek)).toMatchObject({ ok: false, error: 'EINVAL' });
    // Given an unknown type: EINVAL.
    expect(VFS_PROTOCOL.decodeRequest(199, new Uint8Array())).toMatchObject({ ok: false, error: 'EINVAL' });
    // Given a reply whose reserved field is set: EINVAL; an error reply with a body: EBADMSG.
    const rep = VFS_PROTOCOL.encodeReply('close', 0);
    rep[2] = 1;
    expect(VFS_PROTOCOL.decodeReply(rep)).toMatchObject({ ok: false, error: 'EINVAL' });
    const err = new Uint8Array([...VFS_PROTOCOL.encodeReply('close', -9), 0]);
    expect(VFS_PROTOCOL.decodeReply(err)).toMatchObject({ ok: false, error: 'EBADMSG' });
  });

  it('never throws on random or truncated bytes, for every decoder (fuzz)', () => {
    const next = rng(0xc0ffee);
    const results = { ok: 0, EBADMSG: 0, EINVAL: 0 };
    const check = (f: () => { ok: boolean; error?: string }) => {
      const r = f();
      if (r.ok) results.ok++;
      else if (r.error === 'EBADMSG' || r.error === 'EINVAL') results[r.error]++;
      else throw new Error(`unexpected decode error ${String(r.error)}`);
    };
    for (const svc of SERVICES) {
      for (const [kind, spec] of Object.entries(svc.specs)) {
        const valid = svc.encodeRequest({ kind, ...sampleOf(spec.request) } as never).payload;
        const validReply = svc.encodeReply(kind as never, 1, sampleOf(spec.reply) as never);
        for (let cut = 0; cut <= valid.length; cut++) check(() => svc.decodeRequest(spec.type, valid.subarray(0, cut)));
        for (let cut = 0; cut <= validReply.length; cut++) check(() => svc.decodeReply(validReply.subarray(0, cut)));
        for (let round = 0; round < 80; round++) {
          const len = round < 40 ? next() % (spec.request.fixedSize + 24) : next() % (MAX_PAYLOAD + 16);
          const junk = new Uint8Array(len);
          for (let i = 0; i < len; i++) junk[i] = next() & 0xff;
          check(() => svc.decodeRequest(spec.type, junk));
          // Flip one byte of a valid message.
          const flipped = valid.slice();
          if (flipped.length > 0) {
            const at = next() % flipped.length;
            flipped[at] = (flipped[at] ?? 0) ^ (1 << (next() % 8));
          }
          check(() => svc.decodeRequest(spec.type, flipped));
          const junkReply = validReply.slice();
          junkReply[next() % junkReply.length] = next() & 0xff;
          check(() => svc.decodeReply(junkReply));
          check(() => svc.decodeReply(junk));
          describeMessage({ m_source: 9, m_type: spec.type, payload: junk });
        }
      }
    }
    expect(results.ok).toBeGreaterThan(0);
    expect(results.EBADMSG).toBeGreaterThan(0);
    expect(results.EINVAL).toBeGreaterThan(0);
    for (let round = 0; round < 500; round++) {
      const junk = new Uint8Array(next() % 600);
      for (let i = 0; i < junk.length; i++) junk[i] = next() & 0xff;
      check(() => decodeDirents(junk));
      check(() => STAT.decode(junk));
    }
  });
});

describe('guest layouts', () => {
  it('stat is struct xk_stat of guest/include/xinim/abi.h (96 bytes)', () => {
    expect(STAT.fixedSize).toBe(96);
    const bytes = STAT.encode({ ...sampleOf(STAT as StructCodec<unknown>), st_size: 1234, st_mode: 0o100644, st_mtime: 2 ** 33, st_mtime_nsec: 5 } as never);
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(8, true)).toBe(0o100644);
    expect(view.getBigInt64(32, true)).toBe(1234n);
    expect(view.getBigInt64(64, true)).toBe(2n ** 33n);
    expect(view.getInt32(72, true)).toBe(5);
  });

  it('dirent records are struct xk_dirent, 4-aligned, and parse back', () => {
    const a = encodeDirent({ ino: 5, type: 4, name: '.' });
    const b = encodeDirent({ ino: 9, type: 8, name: 'motd' });
    expect([...a]).toEqual([5, 0, 0, 0, 12, 0, 4, 0x2e, 0, 0, 0, 0]);
    expect(b.length).toBe(12);
    const all = new Uint8Array([...a, ...b]);
    expect(decodeDirents(all)).toEqual({
      ok: true,
      value: [
        { ino: 5, type: 4, name: '.' },
        { ino: 9, type: 8, name: 'motd' },
      ],
    });
  });

  it('ps entries are struct xk_proc (64 bytes) and sigaction bodies struct xk_sigaction', () => {
    expect(PS_ENTRY.fixedSize).toBe(64);
    expect(PS_ENTRY.describeLayout().find((f) => f.name === 'name')!.layout).toBe('char[32] @32');
    expect(() => PS_ENTRY.encode({ pid: 1, ppid: 0, pgid: 1, uid: 0, state: 82, kind: 0, rssPages: 0, icount: 0, name: 'x'.repeat(32) })).toThrow(RangeError);
    expect(PROC_PROTOCOL.specs.sigaction.reply.describeLayout().map((f) => f.name)).toEqual(['handler', 'flags', 'restorer', 'mask']);
  });
});

describe('describeMessage', () => {
  it('shows a request field by field with offsets', () => {
    const { m_type, payload } = VFS_PROTOCOL.encodeRequest({ kind: 'open', flags: 0o101, mode: 0o644, path: '/tmp/x' });
    const view = describeMessage({ m_source: 8, m_type, payload });
    expect(view.direction).toBe('request');
    expect(view.typeName).toBe('VFS_OPEN');
    expect(view.fields).toEqual([
      { name: 'flags', layout: 'u32 @0', value: '0o101' },
      { name: 'mode', layout: 'u32 @4', value: '0o644' },
      { name: 'path', layout: 'str[len u16 @8, max 1023]', value: '"/tmp/x"' },
    ]);
    expect(view.summary).toBe('VFS_OPEN from 8: flags=0o101 mode=0o644 path="/tmp/x"');
  });

  it('shows a reply with its request, errno names and body offsets', () => {
    const err = describeMessage({ m_source: 2, m_type: MSG.VFS_REPLY, payload: VFS_PROTOCOL.encodeReply('open', -ERRNO.ENOENT) });
    expect(err.typeName).toBe('VFS_REPLY(VFS_OPEN)');
    expect(err.summary).toBe('VFS_REPLY(VFS_OPEN) from 2: result=-ENOENT');
    const data = new Uint8Array([...encodeDirent({ ino: 1, type: 4, name: '.' })]);
    const dents = describeMessage({ m_source: 2, m_type: MSG.VFS_REPLY, payload: VFS_PROTOCOL.encodeReply('getdents', data.length, { data }) });
    expect(dents.fields.map((f) => f.layout)).toEqual(['i32 @4', 'bytes[len u16 @8, max 4064]', 'xk_dirent[]']);
    expect(dents.fields[2]!.value).toBe('1:"."');
  });

  it('decodes the kernel\'s Reincarnation Server messages', () => {
    const req = RS_PROTOCOL.encodeRequest({ kind: 'crashed', server: 2, cause: 'threw', nowNs: 493_500 });
    expect(describeMessage({ m_source: 0, ...req }).summary).toBe('RS_CRASHED from 0: server=2 cause=threw nowNs=493500');
    const reply = RS_PROTOCOL.encodeReply({ result: 0, decision: { action: 'restart', delayNs: 1_000_000, restarts: 1, crashes: 1 } });
    const view = describeMessage({ m_source: 7, m_type: RS_MSG.RS_REPLY, payload: reply });
    expect(view.direction).toBe('reply');
    expect(view.summary).toBe('RS_REPLY from 7: result=0 action=restart delayNs=1000000 restarts=1 crashes=1');
    expect(describeMessage({ m_source: 0, m_type: RS_MSG.RS_CRASHED, payload: new Uint8Array(3) }).error).toMatch(/^EBADMSG/);
  });

  it('shows a malformed message with the decode error and a hex dump', () => {
    const view = describeMessage({ m_source: 66, m_type: MSG.PROC_KILL, payload: new Uint8Array([1, 2, 3]) });
    expect(view.error).toMatch(/^EBADMSG/);
    expect(view.fields[0]!.value).toBe('01 02 03');
    expect(describeMessage({ m_source: 1, m_type: 7, payload: new Uint8Array() }).direction).toBe('unknown');
  });

  it('escapes binary data in strings', () => {
    const { m_type, payload } = VFS_PROTOCOL.encodeRequest({ kind: 'write', fd: 1, data: new Uint8Array([0x68, 0x69, 0x0a, 0x1b]) });
    expect(describeMessage({ m_source: 8, m_type, payload }).fields[1]!.value).toBe('"hi\\n\\x1b" (4 bytes)');
  });
});

// Type-level check: the decoded request is a discriminated union whose switch can be exhaustive.
export function requestKindLabel(r: import('../src/protocol/index.js').MmRequest): string {
  switch (r.kind) {
    case 'brk':
    case 'mmap':
    case 'munmap':
    case 'mprotect':
    case 'shmget':
    case 'shmat':
    case 'shmdt':
    case 'shmctl':
    case 'procExec':
    case 'procFork':
    case 'procExit':
    case 'procGrowStack':
    case 'procCanFork':
    case 'memInfo':
      return r.kind;
    default: {
      const _exhaustive: never = r;
      return _exhaustive;
    }
  }
}

