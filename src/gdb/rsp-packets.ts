/**
 * The GDB remote serial protocol's framing: `$data#cs` packets with a modulo-256 checksum,
 * `+`/`-` acknowledgements, the 0x03 interrupt byte, and the `}` escape of binary data
 * (`#`, `$`, `}` and `*` are sent as `}` then the byte xor 0x20). The reader takes bytes in
 * any split, as they come off a socket, and never throws: noise between packets is skipped,
 * a bad checksum is reported (the server answers `-`), an overlong packet is dropped.
 */

export type RspInput =
  | { readonly kind: 'packet'; readonly data: string; readonly checksumOk: boolean }
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack' }
  | { readonly kind: 'interrupt' }
  /** A packet longer than the reader accepts, dropped whole. */
  | { readonly kind: 'overflow' };

export function checksum(data: string): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data.charCodeAt(i)) & 0xff;
  return sum;
}

/** The packet on the wire for `data` (a latin1 string: one char per byte). */
export function frame(data: string): string {
  return `$${data}#${checksum(data).toString(16).padStart(2, '0')}`;
}

/** Binary bytes as packet data, escaped. */
export function escapeBinary(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) out += '}' + String.fromCharCode(b ^ 0x20);
    else out += String.fromCharCode(b);
  }
  return out;
}

/** The bytes of escaped binary packet data (an `X` packet's payload); undefined if it ends inside an escape. */
export function unescapeBinary(data: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i) & 0xff;
    if (c === 0x7d) {
      if (i + 1 >= data.length) return undefined;
      out.push((data.charCodeAt(++i) & 0xff) ^ 0x20);
    } else {
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}

/** Accepts a packet body up to this many bytes (what qSupported's PacketSize announces, with room). */
export const MAX_PACKET = 0x4000;

export class RspReader {
  private body: string | undefined = undefined;
  private sum = '';
  private inSum = false;
  private overflow = false;

  /** Feed bytes; returns what they completed. */
  feed(bytes: Uint8Array): RspInput[] {
    const out: RspInput[] = [];
    for (const b of bytes) {
      if (this.body === undefined) {
        if (b === 0x24) {
          this.body = '';
          this.sum = '';
          this.inSum = false;
          this.overflow = false;
        } else if (b === 0x2b) out.push({ kind: 'ack' });
        else if (b === 0x2d) out.push({ kind: 'nack' });
        else if (b === 0x03) out.push({ kind: 'interrupt' });
        // Anything else between packets is noise: skipped.
        continue;
      }
      if (this.inSum) {
        this.sum += String.fromCharCode(b);
        if (this.sum.length === 2) {
          const body = this.body;
          this.body = undefined;
          if (this.overflow) out.push({ kind: 'overflow' });
          else out.push({ kind: 'packet', data: body, checksumOk: /^[0-9a-fA-F]{2}$/.test(this.sum) && parseInt(this.sum, 16) === checksum(body) });
        }
        continue;
      }
      if (b === 0x23) {
        this.inSum = true;
      } else if (b === 0x24) {
        // A new packet starts before this one ended: the old one was cut; take the new one.
        this.body = '';
        this.overflow = false;
      } else if (this.body.length >= MAX_PACKET) {
        this.overflow = true;
      } else {
        this.body += String.fromCharCode(b);
      }
    }
    return out;
  }
}
