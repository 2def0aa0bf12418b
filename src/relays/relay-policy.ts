/**
 * What one REQ, one connection and the whole embedded relay may cost. Pure (no sockets, no
 * database), so the checks and the byte budget are tested on their own.
 *
 * Why it exists: `@nostr-relay/core` runs every filter of a REQ at once and reads each one whole
 * (`Statement.all`), so a 27 KB REQ repeating a broad filter 1000 times over 60 KB events filled the
 * heap and killed `otp2p relay` (issue 19). The embedded relay now runs stored queries itself, one
 * filter and one page at a time, under this policy:
 * - at most `maxFiltersPerReq` filters per REQ and `maxSubscriptions` per connection, refused with
 *   `CLOSED` (never a silent eviction of an older subscription);
 * - each filter's `limit` capped at `maxLimit` (NIP-11 `max_limit`);
 * - a relay-wide {@link ByteBudget} on bytes read from the database and not yet handed to a socket:
 *   a page is reserved at its worst case (rows x largest event) before it is read, then shrunk to
 *   what it really holds, so the heap held by queries never exceeds `maxBytesInFlight`;
 * - per connection, writes pause above `softBufferBytes` of unsent data, a connection above
 *   `hardBufferBytes` is dropped, and one that makes no progress for `stallMs` while a query waits
 *   on it is dropped too (see relay-outbound.ts).
 */
import type { Filter } from '../events/filter.ts';

/** The limits of the embedded relay. */
export interface RelayPolicy {
  /** Filters in one REQ. */
  maxFiltersPerReq: number;
  /** Open subscriptions on one connection. */
  maxSubscriptions: number;
  /** A filter's `limit` when it names none. */
  defaultLimit: number;
  /** Largest `limit` honoured; larger ones are lowered to this (NIP-11 `max_limit`). */
  maxLimit: number;
  /** Relay-wide bytes read for stored queries and not yet written to a socket. */
  maxBytesInFlight: number;
  /** Worst-case bytes of one page of a stored query (rows per page = this / largest event). */
  pageBytes: number;
  /** Unsent bytes on a connection above which stored results wait for the client to read. */
  softBufferBytes: number;
  /** Unsent bytes on a connection above which it is dropped. */
  hardBufferBytes: number;
  /** How long a waiting query tolerates a connection whose unsent bytes do not go down. */
  stallMs: number;
  /** Frames of one connection being handled at once before its socket stops being read. */
  maxFramesInFlight: number;
}

/**
 * Defaults. The largest limit stays 10x the default limit, as the packages had it (`otp2p relay
 * --default-limit` documents that): memory no longer depends on it, since results are read a page
 * at a time under the byte budget; a larger limit only costs more pages.
 */
export const DEFAULT_RELAY_POLICY: Readonly<RelayPolicy> = Object.freeze({
  maxFiltersPerReq: 10,
  maxSubscriptions: 64,
  defaultLimit: 500,
  maxLimit: 5000,
  maxBytesInFlight: 64 * 1024 * 1024,
  pageBytes: 4 * 1024 * 1024,
  softBufferBytes: 1024 * 1024,
  hardBufferBytes: 8 * 1024 * 1024,
  stallMs: 10_000,
  maxFramesInFlight: 64,
});

/** The answer to a REQ: run it, or refuse it with a NIP-01 `CLOSED` reason (prefix included). */
export type ReqCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a REQ with `filterCount` filters may open, given `open` subscriptions on the connection
 * and whether it replaces one of them (same id: NIP-01 replaces, so it costs no new slot).
 */
export function checkReq(policy: RelayPolicy, filterCount: number, open: number, replaces: boolean): ReqCheck {
  if (filterCount < 1) return { ok: false, reason: 'invalid: a REQ needs at least one filter' };
  if (filterCount > policy.maxFiltersPerReq) {
    return {
      ok: false,
      reason: `invalid: too many filters in one REQ: ${filterCount} (at most ${policy.maxFiltersPerReq})`,
    };
  }
  if (!replaces && open >= policy.maxSubscriptions) {
    return {
      ok: false,
      reason: `restricted: too many open subscriptions on this connection (at most ${policy.maxSubscriptions}); CLOSE one first`,
    };
  }
  return { ok: true };
}

/** How many stored events a filter may return under the policy (0: live events only). */
export function rowsFor(policy: RelayPolicy, filter: Filter): number {
  const asked =
    typeof filter.limit === 'number' && Number.isFinite(filter.limit)
      ? Math.max(0, Math.floor(filter.limit))
      : policy.defaultLimit;
  let rows = Math.min(asked, policy.maxLimit);
  // An id matches at most one event.
  if (Array.isArray(filter.ids)) rows = Math.min(rows, filter.ids.length);
  return rows;
}

/** A grant from a {@link ByteBudget}: shrink it as bytes leave memory, release it when done. */
export interface Lease {
  /** Bytes currently held. */
  readonly bytes: number;
  /** Lower the grant to `bytes` (never raises it). */
  shrink(bytes: number): void;
  /** Give everything back. Idempotent. */
  release(): void;
}

interface Waiter {
  bytes: number;
  grant: (lease: Lease | undefined) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A relay-wide budget of bytes, granted first come first served (a large request at the head waits
 * rather than being starved by small ones behind it). A request larger than the whole budget is
 * lowered to it, so it waits for an idle relay instead of forever.
 */
export class ByteBudget {
  readonly capacity: number;
  #used = 0;
  readonly #waiters: Waiter[] = [];

  /** @throws RangeError when `capacity` is not a positive number. */
  constructor(capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`ByteBudget capacity must be positive, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Bytes granted and not yet given back. */
  get used(): number {
    return this.#used;
  }

  /** Requests waiting for bytes. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Reserve `bytes`; resolves with the lease once granted, or undefined if `signal` aborts first
   * (the request then leaves the queue).
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<Lease | undefined> {
    const want = Math.min(Math.max(0, Math.ceil(bytes)), this.capacity);
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const w: Waiter = {
        bytes: want,
        grant: resolve,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          resolve(undefined);
          this.#pump();
        },
      };
      signal?.addEventListener('abort', w.onAbort, { once: true });
      this.#waiters.push(w);
      this.#pump();
    });
  }

  #pump(): void {
    for (;;) {
      const head = this.#waiters[0];
      if (!head || this.#used + head.bytes > this.capacity) return;
      this.#waiters.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      this.#used += head.bytes;
      head.grant(this.#lease(head.bytes));
    }
  }

  #lease(granted: number): Lease {
    let held = granted;
    const set = (next: number): void => {
      if (next >= held) return;
      this.#used -= held - next;
      held = next;
      this.#pump();
    };
    return {
      get bytes() {
        return held;
      },
      shrink: (bytes) => set(Math.max(0, bytes)),
      release: () => set(0),
    };
  }
}
