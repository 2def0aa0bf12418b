/**
 * A budget of decrypt requests to a remote signer (NIP-46 bunker). Opening a gift wrap costs two
 * `nip44_decrypt` round trips to the signer, and anyone can send us wraps: without a bound, a
 * stranger makes the user's bunker (often a phone) work as fast as they can publish. The budget
 * grants at most `max` requests per sliding `windowMs`; the excess waits in order (reported through
 * `onQueued`), and beyond `maxQueued` waiting requests a new one is refused with `rate-limited`
 * (the wrap is not marked handled, so the next fetch offers it again). Nothing is dropped silently.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import type { Signer } from '../events/signer.ts';

/** Limits of a {@link DecryptBudget}. */
export interface DecryptBudgetLimits {
  /** Requests granted per window. */
  max: number;
  /** The sliding window, in ms. */
  windowMs: number;
  /** Requests that may wait for a grant; beyond, a request is refused (`rate-limited`). */
  maxQueued: number;
}

/**
 * The default for a remote signer: 120 decrypts a minute (60 wraps), a backlog of 1,000 requests.
 * A reader with a large backlog of real messages waits (and is told so); a flood does not reach
 * the signer faster than this.
 */
export const DEFAULT_REMOTE_DECRYPT_LIMITS: DecryptBudgetLimits = { max: 120, windowMs: 60_000, maxQueued: 1_000 };

/** Counters of a {@link DecryptBudget}. */
export interface DecryptBudgetStats {
  granted: number;
  /** Requests that had to wait for a grant (granted later, refused or abandoned). */
  deferred: number;
  /** Requests refused because the queue was full. */
  refused: number;
  /** Requests waiting now. */
  queued: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: OtP2pError) => void;
}

/** A sliding-window budget of requests, with a bounded queue for the excess. */
export class DecryptBudget {
  readonly limits: DecryptBudgetLimits;
  readonly #clock: Clock;
  readonly #onQueued: ((queued: number) => void) | undefined;
  /** Grant times (ms) inside the current window, oldest first. */
  readonly #grants: number[] = [];
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stats = { granted: 0, deferred: 0, refused: 0 };

  /**
   * @param onQueued called when a request starts to wait while none was waiting (once per
   *   backlog, not per request), with the number waiting.
   * @throws OtP2pError `bad-input` for limits that are not positive integers.
   */
  constructor(limits: DecryptBudgetLimits, options: { clock?: Clock; onQueued?: (queued: number) => void } = {}) {
    for (const [field, v] of Object.entries(limits))
      if (!Number.isSafeInteger(v) || v < (field === 'maxQueued' ? 0 : 1))
        throw new OtP2pError('bad-input', `decrypt budget ${field} must be a positive integer, got ${String(v)}`, {
          context: { field },
        });
    this.limits = { ...limits };
    this.#clock = options.clock ?? systemClock;
    this.#onQueued = options.onQueued;
  }

  stats(): DecryptBudgetStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /**
   * Resolves when the request may go to the signer (at once while the window has room; in order
   * of arrival otherwise).
   * @throws OtP2pError `rate-limited` when `maxQueued` requests already wait, `closed` when the
   *   budget is closed while waiting.
   */
  acquire(): Promise<void> {
    if (this.#queue.length === 0 && this.#room()) {
      this.#grant();
      return Promise.resolve();
    }
    if (this.#queue.length >= this.limits.maxQueued) {
      this.#stats.refused++;
      return Promise.reject(
        new OtP2pError(
          'rate-limited',
          `${this.#queue.length} decrypt requests already wait for the remote signer (at most ${this.limits.max} per ${this.limits.windowMs / 1000} s)`,
          { context: { queued: this.#queue.length, max: this.limits.max, windowMs: this.limits.windowMs } },
        ),
      );
    }
    this.#stats.deferred++;
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ resolve, reject });
      if (this.#queue.length === 1) this.#onQueued?.(1);
      this.#schedule();
    });
  }

  /** Fail every waiting request with `closed` (the budget stays usable). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#queue.splice(0)) w.reject(new OtP2pError('closed', 'the messenger stopped'));
  }

  #room(): boolean {
    const since = this.#clock.now() - this.limits.windowMs;
    while (this.#grants.length > 0 && (this.#grants[0] as number) <= since) this.#grants.shift();
    return this.#grants.length < this.limits.max;
  }

  #grant(): void {
    this.#grants.push(this.#clock.now());
    this.#stats.granted++;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const oldest = this.#grants[0];
    const wait = oldest === undefined ? 0 : Math.max(0, oldest + this.limits.windowMs - this.#clock.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      while (this.#queue.length > 0 && this.#room()) {
        this.#grant();
        this.#queue.shift()?.resolve();
      }
      if (this.#queue.length > 0) this.#schedule();
    }, wait + 1);
    // A waiting decrypt does not keep a process alive on its own.
    this.#timer.unref();
  }
}

/**
 * `signer` with every `nip44Decrypt` taken from `budget` first (signing and encryption are not
 * counted: we ask for those, strangers cannot make us).
 */
export function budgetedDecrypts(signer: Signer, budget: DecryptBudget): Signer {
  return {
    identityKind: signer.identityKind,
    getPublicKey: () => signer.getPublicKey(),
    signEvent: (t) => signer.signEvent(t),
    nip44Encrypt: (pk, text) => signer.nip44Encrypt(pk, text),
    nip44Decrypt: async (pk, payload) => {
      await budget.acquire();
      return signer.nip44Decrypt(pk, payload);
    },
  };
}
