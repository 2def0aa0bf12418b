/**
 * Writes from the embedded relay to one client, with backpressure. A client that stops reading
 * made the relay buffer without bound (issue 19: 30 REQs of limit 5000 on an unread socket took
 * the process from 100 MB to 1.47 GB, kept after the socket closed). Every write now looks at the
 * socket's unsent bytes first:
 * - stored results wait for them to fall to the soft cap ({@link Outbound.writable});
 * - any write that would take them over the hard cap drops the connection instead;
 * - a wait that sees no progress (the unsent bytes never go down) for `stallMs` drops it too.
 * Dropping terminates the socket, which frees its buffers, and wakes every waiter with `false`
 * so the queries behind it let go of their rows.
 */

/** The part of a WebSocket the writer needs (the `ws` WebSocket fits). */
export interface OutboundSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  terminate(): void;
}

/** Caps of one connection's writer. */
export interface OutboundLimits {
  softBufferBytes: number;
  hardBufferBytes: number;
  stallMs: number;
}

const OPEN = 1;
/** How often a waiting writer looks at the socket again. */
const POLL_MS = 20;

/** The writer of one connection. */
export class Outbound {
  readonly #socket: OutboundSocket;
  readonly #limits: OutboundLimits;
  readonly #onDrop: (reason: string) => void;
  #waiters: ((ok: boolean) => void)[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #progressAt = 0;
  #lowest = Infinity;
  #dropped: string | undefined;
  #closed = false;

  /** `onDrop` is told once why the connection was dropped (for counters; never sent anywhere). */
  constructor(socket: OutboundSocket, limits: OutboundLimits, onDrop: (reason: string) => void = () => undefined) {
    this.#socket = socket;
    this.#limits = limits;
    this.#onDrop = onDrop;
  }

  /** Why the writer dropped its connection, if it did. */
  get dropped(): string | undefined {
    return this.#dropped;
  }

  /** Whether writes can still go out. */
  get open(): boolean {
    return !this.#closed && this.#socket.readyState === OPEN;
  }

  /** Unsent bytes on the socket (0 once closed). */
  get buffered(): number {
    return this.#closed ? 0 : this.#socket.bufferedAmount;
  }

  /**
   * Write `data` now, or drop the connection when that would take its unsent bytes over the
   * hard cap. Returns whether it was written.
   */
  send(data: string): boolean {
    if (!this.open) return false;
    if (this.#socket.bufferedAmount + data.length > this.#limits.hardBufferBytes) {
      this.drop(`more than ${this.#limits.hardBufferBytes} bytes unsent`);
      return false;
    }
    this.#socket.send(data);
    return true;
  }

  /**
   * Resolves true once the unsent bytes are at or under the soft cap, false when the connection
   * closes or is dropped for making no progress.
   */
  writable(): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    if (this.#socket.bufferedAmount <= this.#limits.softBufferBytes) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      if (this.#timer === undefined) {
        this.#progressAt = Date.now();
        this.#lowest = this.#socket.bufferedAmount;
        this.#timer = setInterval(() => this.#poll(), POLL_MS);
        this.#timer.unref?.();
      }
    });
  }

  #poll(): void {
    if (!this.open) return this.close();
    const now = this.#socket.bufferedAmount;
    if (now <= this.#limits.softBufferBytes) return this.#wake(true);
    if (now < this.#lowest) {
      this.#lowest = now;
      this.#progressAt = Date.now();
    } else if (Date.now() - this.#progressAt >= this.#limits.stallMs) {
      this.drop(`no progress for ${this.#limits.stallMs} ms with ${now} bytes unsent`);
    }
  }

  #wake(ok: boolean): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(ok);
  }

  /** Terminate the connection (its buffers are freed) and wake every waiter with false. */
  drop(reason: string): void {
    if (this.#closed) return;
    this.#dropped = reason;
    this.close();
    this.#socket.terminate();
    this.#onDrop(reason);
  }

  /** The connection closed: wake every waiter with false and stop polling. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake(false);
  }
}
