/**
 * The TCP side of `xrr gdb`: listens on loopback, speaks the packet framing (acks,
 * retransmission on `-`, no-ack mode), and hands each request to RspCommands. One client at
 * a time, as rr and QEMU serve; a client that goes away mid-command is noticed and the reply
 * dropped. The server itself never throws on what a client sends.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { DebugSession } from './debug-session.js';
import { RspCommands } from './rsp-commands.js';
import { frame, RspReader } from './rsp-packets.js';

export interface GdbServerOptions {
  /** TCP port on 127.0.0.1 (0: any free port). */
  readonly port?: number;
  /** Close the server once a client has been served and none waits (default true). */
  readonly once?: boolean;
  /** Protocol trace (each packet in and out). */
  readonly log?: (line: string) => void;
}

export interface GdbServer {
  readonly port: number;
  /** Resolves when the server has closed (after the client left, with `once`). */
  readonly closed: Promise<void>;
  close(): void;
}

/** Serve one connection on `socket` until it closes. */
export function serveConnection(socket: Socket, session: DebugSession, log?: (line: string) => void): Promise<void> {
  const commands = new RspCommands(session);
  const reader = new RspReader();
  let ack = true;
  let lastSent: string | undefined;
  let open = true;
  const send = (text: string) => {
    if (!open || socket.destroyed) return;
    log?.(`<- ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`);
    socket.write(Buffer.from(text, 'latin1'));
  };
  return new Promise<void>((resolve) => {
    const finish = () => {
      if (!open) return;
      open = false;
      resolve();
    };
    socket.on('close', finish);
    socket.on('error', (e) => {
      log?.(`connection error: ${e.message}`);
      finish();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const input of reader.feed(chunk)) {
        if (!open) return;
        switch (input.kind) {
          case 'ack': break;
          case 'nack':
            // The client did not get our last packet intact: send it again.
            if (lastSent !== undefined) send(lastSent);
            break;
          case 'interrupt':
            // Every request runs to its end before the next is read, so there is nothing
            // running to interrupt: a stop reply says where we are.
            send((lastSent = frame(commands.handle('?').packets.at(-1) ?? 'S05')));
            break;
          case 'overflow':
            if (ack) send('-');
            break;
          case 'packet': {
            log?.(`-> ${input.data.length > 200 ? `${input.data.slice(0, 200)}...` : input.data}`);
            if (ack) send(input.checksumOk ? '+' : '-');
            if (!input.checksumOk) break;
            const reply = commands.handle(input.data);
            for (const p of reply.packets) send((lastSent = frame(p)));
            if (reply.noAck) ack = false;
            if (reply.close) {
              socket.end();
              finish();
              return;
            }
          }
        }
      }
    });
  });
}

export function startGdbServer(session: DebugSession, opts: GdbServerOptions = {}): Promise<GdbServer> {
  const once = opts.once ?? true;
  return new Promise((resolveStart, rejectStart) => {
    let busy = false;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    /** Clients that connected while another was served: one debugger at a time, in turn. */
    const waiting: Socket[] = [];
    const serveNext = (socket: Socket) => {
      busy = true;
      socket.setNoDelay(true);
      void serveConnection(socket, session, opts.log).then(() => {
        busy = false;
        let next = waiting.shift();
        while (next?.destroyed) next = waiting.shift();
        if (next) serveNext(next);
        else if (once) server.close();
      });
    };
    const server: Server = createServer((socket) => {
      socket.on('error', () => undefined); // a waiting client that goes away is simply dropped
      if (busy) waiting.push(socket);
      else serveNext(socket);
    });
    server.on('close', () => resolveClosed());
    server.once('error', rejectStart);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', rejectStart);
      server.on('error', (e) => opts.log?.(`server error: ${e.message}`));
      resolveStart({ port: (server.address() as AddressInfo).port, closed, close: () => server.close() });
    });
  });
}
