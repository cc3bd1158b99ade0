/**
 * A field-by-field decoded view of any IPC message, for the TUI's IPC pane, the journal's `inspect`
 * and test failure output. Never throws: a malformed payload is shown with its decode error and a hex
 * dump.
 */
import { describeResult, errnoName } from './errno.js';
import { decodeDirents } from './guest-abi.js';
import { messageTypeName, serviceOf, type Message } from './message-types.js';
import { MM_PROTOCOL } from './mm-protocol.js';
import { PROC_PROTOCOL } from './proc-protocol.js';
import { REPLY_HEADER_SIZE, type Service, type ServiceSpecs } from './service.js';
import type { StructCodec } from './struct-codec.js';
import { VFS_PROTOCOL } from './vfs-protocol.js';
import { RS_PROTOCOL } from './rs-protocol.js';
import { RS_MSG } from './message-types.js';

export interface FieldView {
  readonly name: string;
  /** Where the field sits in the payload, e.g. `u32 @4`. */
  readonly layout: string;
  readonly value: string;
}

export interface MessageView {
  readonly source: number;
  readonly type: number;
  /** `VFS_OPEN`, `VFS_REPLY(VFS_OPEN)`, or `type 999`. */
  readonly typeName: string;
  readonly direction: 'request' | 'reply' | 'unknown';
  readonly size: number;
  readonly fields: readonly FieldView[];
  /** Set when the payload does not decode. */
  readonly error?: string;
  /** One line: `VFS_OPEN from 8: flags=0o101 mode=0o644 path="/tmp/x"`. */
  readonly summary: string;
}

const PREVIEW = 48;

function quote(s: string): string {
  let out = '"';
  const n = Math.min(s.length, PREVIEW);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += '\\' + s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  out += '"';
  return s.length > PREVIEW ? `${out}... (${s.length} bytes)` : out;
}

export function hexDump(data: Uint8Array, max = 64): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(data.length, max); i++) parts.push(data[i]!.toString(16).padStart(2, '0'));
  return parts.join(' ') + (data.length > max ? ` ... (${data.length} bytes)` : '');
}

const OCTAL_FIELDS = new Set(['mode', 'st_mode', 'flags', 'mask']);

function formatValue(name: string, value: unknown): string {
  if (typeof value === 'number') {
    if (OCTAL_FIELDS.has(name)) return '0o' + value.toString(8);
    return String(value);
  }
  if (typeof value === 'string') return quote(value);
  if (value instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < Math.min(value.length, PREVIEW); i++) s += String.fromCharCode(value[i]!);
    return value.length > PREVIEW ? `${quote(s).slice(0, -1)}..." (${value.length} bytes)` : `${quote(s)} (${value.length} bytes)`;
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (typeof v === 'object' && v !== null ? formatRecord(v as Record<string, unknown>) : String(v))).join(', ')}]`;
  }
  return String(value);
}

function formatRecord(r: Record<string, unknown>): string {
  return `{${Object.entries(r)
    .map(([k, v]) => `${k}=${formatValue(k, v)}`)
    .join(' ')}}`;
}

function structFields(codec: StructCodec<unknown>, value: Record<string, unknown>, base: number): FieldView[] {
  return codec.describeLayout().map(({ name, layout }) => ({
    name,
    layout: base === 0 ? layout : layout.replace(/@(\d+)/g, (_m, off: string) => `@${Number(off) + base}`),
    value: formatValue(name, value[name]),
  }));
}

const SERVICES: Readonly<Record<'vfs' | 'proc' | 'mm', Service<ServiceSpecs>>> = {
  vfs: VFS_PROTOCOL as unknown as Service<ServiceSpecs>,
  proc: PROC_PROTOCOL as unknown as Service<ServiceSpecs>,
  mm: MM_PROTOCOL as unknown as Service<ServiceSpecs>,
};

function summarize(typeName: string, source: number, fields: readonly FieldView[], error?: string): string {
  const head = `${typeName} from ${source}`;
  if (error !== undefined) return `${head}: malformed (${error})`;
  return fields.length === 0 ? head : `${head}: ${fields.map((f) => `${f.name}=${f.value}`).join(' ')}`;
}

export function describeMessage(m: Message): MessageView {
  const service = serviceOf(m.m_type);
  const name = messageTypeName(m.m_type) ?? `type ${m.m_type}`;
  const base = { source: m.m_source, type: m.m_type, size: m.payload.length };
  const fail = (typeName: string, direction: MessageView['direction'], error: string): MessageView => {
    const fields = [{ name: 'payload', layout: `bytes[${m.payload.length}]`, value: hexDump(m.payload) }];
    return { ...base, typeName, direction, fields, error, summary: summarize(typeName, m.m_source, [], error) };
  };
  if (service === undefined) return fail(name, 'unknown', 'no server owns this message type');
  if (service === 'rs') return describeRs(m, name, base, fail);
  const proto = SERVICES[service];

  if (m.m_type === proto.replyType) {
    const r = proto.decodeReply(m.payload);
    if (!r.ok) return fail(name, 'reply', `${r.error}: ${r.detail}`);
    const spec = proto.specs[r.value.kind]!;
    const typeName = `${name}(${messageTypeName(spec.type) ?? spec.type})`;
    const fields: FieldView[] = [{ name: 'result', layout: 'i32 @4', value: describeResult(r.value.result) }];
    if (r.value.body !== null) {
      const body = r.value.body as Record<string, unknown>;
      fields.push(...structFields(spec.reply as StructCodec<unknown>, body, REPLY_HEADER_SIZE));
      if (r.value.kind === 'getdents' && body['data'] instanceof Uint8Array) {
        const d = decodeDirents(body['data']);
        fields.push({
          name: 'dirents',
          layout: 'xk_dirent[]',
          value: d.ok ? d.value.map((e) => `${e.ino}:${quote(e.name)}`).join(' ') : `malformed (${d.detail})`,
        });
      }
    }
    return { ...base, typeName, direction: 'reply', fields, summary: summarize(typeName, m.m_source, fields) };
  }

  const r = proto.decodeRequest(m.m_type, m.payload);
  if (!r.ok) return fail(name, 'request', `${r.error}: ${r.detail}`);
  const spec = proto.specs[r.value.kind]!;
  const fields = structFields(spec.request as StructCodec<unknown>, r.value as Record<string, unknown>, 0);
  return { ...base, typeName: name, direction: 'request', fields, summary: summarize(name, m.m_source, fields) };
}

/** The kernel's own messages to and from the Reincarnation Server (src/servers/rs/rs-protocol.ts). */
function describeRs(m: Message, name: string, base: Pick<MessageView, 'source' | 'type' | 'size'>, fail: (typeName: string, direction: MessageView['direction'], error: string) => MessageView): MessageView {
  const field = (fieldName: string, layout: string, value: string | number): FieldView => ({ name: fieldName, layout, value: String(value) });
  if (m.m_type === RS_MSG.RS_REPLY) {
    const r = RS_PROTOCOL.decodeReply(m.payload);
    if (!r) return fail(name, 'reply', `EBADMSG: an RS reply is 24 bytes, got ${m.payload.length}`);
    const d = r.decision;
    const fields = [
      field('result', 'i32 @0', describeResult(r.result)),
      field('action', 'u32 @4', d.action),
      field('delayNs', 'u64 @8', d.action === 'restart' ? d.delayNs : 0),
      field('restarts', 'u32 @16', d.action === 'none' ? 0 : d.restarts),
      field('crashes', 'u32 @20', d.action === 'none' ? 0 : d.crashes),
    ];
    return { ...base, typeName: name, direction: 'reply', fields, summary: summarize(name, m.m_source, fields) };
  }
  const r = RS_PROTOCOL.decodeRequest(m.m_type, m.payload);
  if (typeof r === 'number') return fail(name, 'request', `${errnoName(r)}: not a well-formed ${name}`);
  const fields = [field('server', 'u32 @0', r.server), ...(r.kind === 'crashed' ? [field('cause', 'u32 @4', r.cause), field('nowNs', 'u64 @8', r.nowNs)] : [field('nowNs', 'u64 @4', r.nowNs)])];
  return { ...base, typeName: name, direction: 'request', fields, summary: summarize(name, m.m_source, fields) };
}
