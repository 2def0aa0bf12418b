/**
 * One WebSocket connection to one relay, kept alive: reconnects with jittered, capped exponential
 * backoff, pings to detect dead peers, caps incoming frames (`maxPayload`), and parses frames
 * into NIP-01 message arrays for the pool. It knows nothing about subscriptions or events.
 */
import WebSocket from 'ws';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';

/** Reconnect backoff. */
export interface BackoffOptions {
  /** First delay (default 250 ms). */
  baseMs: number;
  /** Cap (default 30 s). */
  maxMs: number;
}

/** Options for {@link RelayConnection}. */
export interface ConnectionOptions {
  /** Largest incoming frame; a bigger one drops the connection (default 1 MiB). */
  maxFrameBytes?: number;
  /** Ping interval; a connection that misses one pong is dropped (default 30 s). */
  pingIntervalMs?: number;
  /** Handshake timeout (default 10 s). */
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /**
   * A connection must stay open this long before the backoff starts over (default 10 s): a relay
   * that accepts and drops at once (nostream over its connection rate) is not hammered.
   */
  stableAfterMs?: number;
  random?: Random;
}

/** What the connection reports to its owner. */
export interface ConnectionHandlers {
  onopen(): void;
  /** `bytes`: size of the frame, an upper bound for any event inside it. */
  onmessage(message: unknown[], bytes: number): void;
  /** `opened`: whether this socket had opened (false: the dial failed). */
  onclose(reason: string, opened: boolean): void;
}

/** Counters per connection. */
export interface ConnectionStats {
  connects: number;
  disconnects: number;
  badFrames: number;
  oversizedFrames: number;
}

/** The delay before reconnect attempt `attempt` (0-based): full jitter in [cap/2, cap]. */
export function backoffDelay(attempt: number, backoff: BackoffOptions, random: Random): number {
  const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  const b = random.bytes(4);
  const u = ((b[0] ?? 0) * 2 ** 24 + (b[1] ?? 0) * 2 ** 16 + (b[2] ?? 0) * 2 ** 8 + (b[3] ?? 0)) / 2 ** 32;
  return Math.round(cap / 2 + (cap / 2) * u);
}

/** A self-healing connection to one relay. */
export class RelayConnection {
  readonly url: string;
  readonly stats: ConnectionStats = { connects: 0, disconnects: 0, badFrames: 0, oversizedFrames: 0 };
  readonly #handlers: ConnectionHandlers;
  readonly #maxFrameBytes: number;
  readonly #pingIntervalMs: number;
  readonly #connectTimeoutMs: number;
  readonly #backoff: BackoffOptions;
  readonly #random: Random;
  #ws: WebSocket | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #ping: NodeJS.Timeout | undefined;
  #alive = true;
  #closed = false;
  #openWaiters: ((open: boolean) => void)[] = [];
  #dialFailWaiters: { max: number; done: (open: boolean) => void }[] = [];
  #failedDials = 0;
  #openedAt = 0;
  readonly #stableAfterMs: number;
  #lastError = '';

  constructor(url: string, handlers: ConnectionHandlers, options: ConnectionOptions = {}) {
    this.url = url;
    this.#handlers = handlers;
    this.#maxFrameBytes = options.maxFrameBytes ?? 1024 * 1024;
    this.#pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#backoff = { baseMs: 250, maxMs: 30_000, ...options.backoff };
    this.#random = options.random ?? cryptoRandom;
    this.#stableAfterMs = options.stableAfterMs ?? 10_000;
  }

  /** Whether the socket is open now. */
  get open(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** Dials in a row that never opened (0 once a dial opens). */
  get failedDials(): number {
    return this.#failedDials;
  }

  /**
   * Known down: not open, no dial in progress, and at least `giveUpAfterFailedDials` dials in a
   * row failed (it waits out a reconnect backoff). The one test for "say so now, do not wait".
   */
  knownDown(giveUpAfterFailedDials: number): boolean {
    return !this.open && this.#ws === undefined && this.#failedDials >= giveUpAfterFailedDials;
  }

  /** The last socket error, for reports naming why a relay was not reached. */
  get lastError(): string {
    return this.#lastError;
  }

  /** Start connecting (idempotent); reconnects after every unexpected close until {@link close}. */
  start(): void {
    if (this.#closed || this.#ws || this.#timer) return;
    this.#dial();
  }

  /**
   * Resolves true once open, false if `timeoutMs` passes first or the connection is closed. With
   * `giveUpAfterFailedDials`, also false once that many dials in a row failed (a refused port
   * fails in milliseconds: a caller that retries later anyway need not wait the whole timeout).
   */
  whenOpen(timeoutMs: number, giveUpAfterFailedDials = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.open) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    // Known down and waiting out a backoff: say so now rather than after the timeout.
    if (this.knownDown(giveUpAfterFailedDials)) return Promise.resolve(false);
    this.start();
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(t);
        const i = this.#openWaiters.indexOf(done);
        if (i >= 0) this.#openWaiters.splice(i, 1);
        const j = this.#dialFailWaiters.findIndex((w) => w.done === done);
        if (j >= 0) this.#dialFailWaiters.splice(j, 1);
        resolve(v);
      };
      const t = setTimeout(() => done(false), timeoutMs);
      this.#openWaiters.push(done);
      if (Number.isFinite(giveUpAfterFailedDials)) this.#dialFailWaiters.push({ max: giveUpAfterFailedDials, done });
    });
  }

  /** Send a message if open; returns whether it was handed to the socket. */
  send(message: unknown[]): boolean {
    if (!this.open) return false;
    this.#ws?.send(JSON.stringify(message));
    return true;
  }

  /** Drop the socket now (a reconnect follows unless closed). */
  drop(): void {
    this.#ws?.terminate();
  }

  /** Close for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearInterval(this.#ping);
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
    }
    for (const w of this.#openWaiters.splice(0)) w(false);
  }

  #dial(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const ws = new WebSocket(this.url, {
      maxPayload: this.#maxFrameBytes,
      handshakeTimeout: this.#connectTimeoutMs,
      perMessageDeflate: false,
    });
    this.#ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.#failedDials = 0;
      this.#openedAt = Date.now();
      this.stats.connects++;
      this.#alive = true;
      clearInterval(this.#ping);
      this.#ping = setInterval(() => {
        if (!this.#alive) {
          ws.terminate();
          return;
        }
        this.#alive = false;
        ws.ping();
      }, this.#pingIntervalMs);
      this.#ping.unref();
      this.#handlers.onopen();
      for (const w of [...this.#openWaiters]) w(true);
    });
    ws.on('pong', () => {
      this.#alive = true;
    });
    ws.on('message', (data, isBinary) => {
      this.#alive = true;
      if (isBinary) {
        this.stats.badFrames++;
        return;
      }
      let msg: unknown;
      const text = data.toString();
      try {
        msg = JSON.parse(text);
      } catch {
        this.stats.badFrames++;
        return;
      }
      if (!Array.isArray(msg) || typeof msg[0] !== 'string') {
        this.stats.badFrames++;
        return;
      }
      this.#handlers.onmessage(msg, (data as Buffer).length ?? Buffer.byteLength(text, 'utf8'));
    });
    ws.on('error', (err: Error & { code?: string }) => {
      this.#lastError = err.code ?? err.message;
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.stats.oversizedFrames++;
    });
    ws.on('close', (code, reason) => {
      clearInterval(this.#ping);
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.stats.disconnects++;
      if (!opened) {
        this.#failedDials++;
        for (const w of this.#dialFailWaiters.filter((x) => this.#failedDials >= x.max)) w.done(false);
      } else if (Date.now() - this.#openedAt >= this.#stableAfterMs) this.#attempt = 0;
      this.#handlers.onclose(`${code} ${reason.toString()}`.trim(), opened);
      if (this.#closed) return;
      const delay = backoffDelay(this.#attempt++, this.#backoff, this.#random);
      this.#timer = setTimeout(() => this.#dial(), delay);
    });
  }
}
