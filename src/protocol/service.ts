/**
 * A server's protocol: for each request kind, its message type, request struct and reply body struct.
 * The three services (VFS, Process Manager, Memory Manager) are tables built with `defineService`,
 * which derives the typed request/reply unions and the encode/decode functions from the table.
 *
 * Reply payload (every service):
 *   @0 u16 request_type   the m_type of the request this answers
 *   @2 u16 reserved       must be 0
 *   @4 i32 result         >= 0 on success (a value: fd, count, pid...), -errno on failure
 *   @8 body               the kind's reply struct, present only when result >= 0
 */
import {
  decodeFail,
  decodeOk,
  MAX_PAYLOAD,
  type DecodeResult,
  type StructCodec,
} from './struct-codec.js';

export interface RequestSpec<Req, Rep> {
  readonly type: number;
  readonly request: StructCodec<Req>;
  readonly reply: StructCodec<Rep>;
  /** Accepted only from the kernel (pid 0) or the Process Manager (pid 3). */
  readonly trusted?: boolean;
  readonly doc: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = RequestSpec<any, any>;
export type ServiceSpecs = Record<string, AnySpec>;

export type RequestValue<R> = R extends RequestSpec<infer Q, unknown> ? Q : never;
export type ReplyValue<R> = R extends RequestSpec<unknown, infer P> ? P : never;

export type RequestOf<S extends ServiceSpecs> = {
  [K in keyof S & string]: { readonly kind: K } & RequestValue<S[K]>;
}[keyof S & string];

export type ReplyOf<S extends ServiceSpecs> = {
  [K in keyof S & string]: {
    readonly kind: K;
    readonly result: number;
    /** Present iff result >= 0. */
    readonly body: ReplyValue<S[K]> | null;
  };
}[keyof S & string];

export const REPLY_HEADER_SIZE = 8;

export interface Service<S extends ServiceSpecs> {
  readonly name: string;
  readonly replyType: number;
  readonly specs: S;
  kindOf(type: number): (keyof S & string) | undefined;
  encodeRequest(request: RequestOf<S>): { readonly m_type: number; readonly payload: Uint8Array };
  decodeRequest(type: number, payload: Uint8Array): DecodeResult<RequestOf<S>>;
  encodeReply<K extends keyof S & string>(kind: K, result: number, body?: ReplyValue<S[K]>): Uint8Array;
  /** An error reply for a request whose kind may be unknown (e.g. a malformed one). */
  encodeErrorReply(requestType: number, errno: number): Uint8Array;
  decodeReply(payload: Uint8Array): DecodeResult<ReplyOf<S>>;
  /** Just the header: enough for a caller that only needs the result, and valid for any request type. */
  decodeReplyHeader(payload: Uint8Array): DecodeResult<{ readonly requestType: number; readonly result: number }>;
}

export function defineService<S extends ServiceSpecs>(name: string, replyType: number, specs: S): Service<S> {
  const byType = new Map<number, keyof S & string>();
  for (const kind of Object.keys(specs) as (keyof S & string)[]) {
    const t = specs[kind]!.type;
    if (byType.has(t)) throw new Error(`${name}: message type ${t} used twice`);
    byType.set(t, kind);
  }

  const header = (requestType: number, result: number, bodyLength: number): Uint8Array => {
    const out = new Uint8Array(REPLY_HEADER_SIZE + bodyLength);
    const view = new DataView(out.buffer);
    view.setUint16(0, requestType, true);
    view.setUint16(2, 0, true);
    view.setInt32(4, result, true);
    return out;
  };

  return {
    name,
    replyType,
    specs,
    kindOf: (type) => byType.get(type),
    encodeRequest(request) {
      const spec = specs[request.kind]!;
      return { m_type: spec.type, payload: spec.request.encode(request) };
    },
    decodeRequest(type, payload) {
      const kind = byType.get(type);
      if (kind === undefined) return decodeFail('EINVAL', `${name}: unknown message type ${type}`);
      const r = specs[kind]!.request.decode(payload);
      if (!r.ok) return r;
      return decodeOk({ kind, ...(r.value as object) } as RequestOf<S>);
    },
    encodeReply(kind, result, body) {
      const spec = specs[kind]!;
      if (!Number.isInteger(result) || result < -0x80000000 || result > 0x7fffffff) {
        throw new RangeError(`${name}.${kind}: result ${result} out of i32 range`);
      }
      if (result < 0) return header(spec.type, result, 0);
      if (body === undefined) {
        if (spec.reply.fixedSize !== 0 || spec.reply.hasTail) throw new RangeError(`${name}.${kind}: reply body missing`);
        return header(spec.type, result, 0);
      }
      const encoded = spec.reply.encode(body);
      const out = header(spec.type, result, encoded.length);
      out.set(encoded, REPLY_HEADER_SIZE);
      if (out.length > MAX_PAYLOAD) throw new RangeError(`${name}.${kind}: reply of ${out.length} bytes too large`);
      return out;
    },
    encodeErrorReply(requestType, errno) {
      return header(requestType & 0xffff, -Math.abs(errno), 0);
    },
    decodeReplyHeader(payload) {
      if (payload.length < REPLY_HEADER_SIZE) {
        return decodeFail('EBADMSG', `${name} reply: ${payload.length} bytes, header needs ${REPLY_HEADER_SIZE}`);
      }
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      if (view.getUint16(2, true) !== 0) return decodeFail('EINVAL', `${name} reply: reserved field is not 0`);
      return decodeOk({ requestType: view.getUint16(0, true), result: view.getInt32(4, true) });
    },
    decodeReply(payload) {
      if (payload.length < REPLY_HEADER_SIZE) {
        return decodeFail('EBADMSG', `${name} reply: ${payload.length} bytes, header needs ${REPLY_HEADER_SIZE}`);
      }
      if (payload.length > MAX_PAYLOAD) return decodeFail('EBADMSG', `${name} reply: ${payload.length} bytes too large`);
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const requestType = view.getUint16(0, true);
      const reserved = view.getUint16(2, true);
      const result = view.getInt32(4, true);
      if (reserved !== 0) return decodeFail('EINVAL', `${name} reply: reserved field is ${reserved}`);
      const kind = byType.get(requestType);
      if (kind === undefined) return decodeFail('EINVAL', `${name} reply: unknown request type ${requestType}`);
      if (result < 0) {
        if (payload.length !== REPLY_HEADER_SIZE) return decodeFail('EBADMSG', `${name} reply: error reply carries a body`);
        return decodeOk({ kind, result, body: null } as ReplyOf<S>);
      }
      const body = specs[kind]!.reply.decode(payload.subarray(REPLY_HEADER_SIZE));
      if (!body.ok) return body;
      return decodeOk({ kind, result, body: body.value } as ReplyOf<S>);
    },
  };
}
