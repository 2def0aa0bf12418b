/**
 * FaultProxy: a WebSocket proxy between a client and a real relay, for the faults a real relay
 * will not produce on demand (forged events, withholding, missing OKs, frames cut in half,
 * floods, oversized frames). Everything not faulted passes through unchanged. Tests only.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** What a rule decides for one relay -> client message. */
export type Verdict = 'pass' | 'drop';

/** A client connection through the proxy. */
export interface ProxiedClient {
  /** Send a raw text frame to the client. */
  sendRaw(text: string): void;
  /** Send a message array to the client. */
  send(msg: unknown[]): void;
  /** Write the first bytes of a frame, then destroy the socket. */
  cutMidFrame(): void;
  /** Subscription ids the client opened through this connection. */
  readonly subIds: string[];
}

export class FaultProxy {
  readonly url: string;
  readonly clients = new Set<ProxiedClient>();
  /** Rule for relay -> client messages (default: pass). */
  fromRelay: (msg: unknown[], client: ProxiedClient) => Verdict = () => 'pass';
  /** When set, served as the NIP-11 document (instead of the upstream relay's). */
  nip11: unknown = undefined;
  /**
   * Client -> relay frames arriving within this many ms of a connection's opening are dropped:
   * nostream's early-REQ drop (its message handler is attached after an async rate-limit check).
   */
  dropClientFramesForMs = 0;
  /** Client -> relay frames dropped so far (by {@link dropClientFramesForMs} or {@link dropClientFrames}). */
  droppedClientFrames = 0;
  /** Rule for client -> relay messages (default: pass); a dropped REQ gets no answer at all. */
  dropClientFrames: (msg: unknown[], client: ProxiedClient) => boolean = () => false;
  /** Called with each client -> relay message after it was forwarded. */
  onClientMessage: (msg: unknown[], client: ProxiedClient) => void = () => undefined;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();

  private constructor(http: Server, wss: WebSocketServer, url: string) {
    this.#http = http;
    this.#wss = wss;
    this.url = url;
  }

  /** Start a proxy on 127.0.0.1 in front of `upstream`. */
  static async start(upstream: string): Promise<FaultProxy> {
    let self: FaultProxy | undefined;
    const http = createServer((req, res) => {
      // A NIP-11 document of the proxy's choosing, to test how the pool respects relay limits.
      if (self?.nip11 && /application\/nostr\+json/.test(req.headers.accept ?? '')) {
        res.writeHead(200, { 'content-type': 'application/nostr+json' }).end(JSON.stringify(self.nip11));
        return;
      }
      res.writeHead(426).end();
    });
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const proxy = new FaultProxy(http, wss, `ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    self = proxy;
    wss.on('connection', (down) => proxy.#accept(down, upstream));
    return proxy;
  }

  #accept(down: WebSocket, upstream: string): void {
    const up = new WebSocket(upstream, { maxPayload: 64 * 1024 * 1024 });
    this.#sockets.add(down);
    this.#sockets.add(up);
    const pending: string[] = [];
    const openedAt = Date.now();
    const client: ProxiedClient = {
      subIds: [],
      sendRaw: (text) => {
        if (down.readyState === WebSocket.OPEN) down.send(text);
      },
      send: (msg) => client.sendRaw(JSON.stringify(msg)),
      cutMidFrame: () => {
        const socket = (down as unknown as { _socket: Socket })._socket;
        // FIN + text opcode, 16-bit length 4096, then only a few payload bytes.
        socket.write(Buffer.concat([Buffer.from([0x81, 0x7e, 0x10, 0x00]), Buffer.from('["EVENT","')]));
        socket.destroy();
      },
    };
    this.clients.add(client);
    up.on('open', () => {
      for (const p of pending.splice(0)) up.send(p);
    });
    up.on('message', (data) => {
      const text = data.toString();
      let msg: unknown[];
      try {
        msg = JSON.parse(text) as unknown[];
      } catch {
        return client.sendRaw(text);
      }
      if (this.fromRelay(msg, client) === 'pass') client.sendRaw(text);
    });
    down.on('message', (data) => {
      const text = data.toString();
      let msg: unknown[] = [];
      try {
        msg = JSON.parse(text) as unknown[];
      } catch {
        // forwarded as is
      }
      if (msg[0] === 'REQ' && typeof msg[1] === 'string') client.subIds.push(msg[1]);
      if (Date.now() - openedAt < this.dropClientFramesForMs || this.dropClientFrames(msg, client)) {
        this.droppedClientFrames++;
        return;
      }
      if (up.readyState === WebSocket.OPEN) up.send(text);
      else pending.push(text);
      this.onClientMessage(msg, client);
    });
    const end = (): void => {
      this.clients.delete(client);
      up.terminate();
      down.terminate();
    };
    up.on('close', end);
    down.on('close', end);
    up.on('error', end);
    down.on('error', end);
  }

  /** Close every connection and the server. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.terminate();
    await new Promise<void>((r) => this.#wss.close(() => r()));
    this.#http.closeAllConnections();
    await new Promise<void>((r) => this.#http.close(() => r()));
  }
}
