/**
 * The outbox publisher: nothing silently lost. An event is committed to the outbox (one target
 * per relay) before its first send; each target is retried with jittered, capped exponential
 * backoff until the relay acknowledges it (`OK true` or `duplicate:`), or parked as `failed`
 * after a permanent refusal (`invalid:`, `blocked:`, `pow:`, too large, expired), after
 * {@link MAX_ERROR_ATTEMPTS} refusals we cannot classify (`error`), or without a send once its
 * NIP-40 expiration has passed (a relay must not be handed a dead offer). On start every pending
 * target is re-armed, so a crash between queueing and acknowledgement only delays the event.
 * A target that could not connect is due again as soon as the transport reports its relay
 * connected (once per connection), not at its backoff: a user who sees the relay come back
 * expects the queued message to go out. A relay that refused keeps its backoff.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { normalizeRelayUrl } from '../core/relay-url.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import { Kind } from '../events/kinds.ts';
import type { NostrEvent } from '../events/types.ts';
import type { AttemptOutcome, OutboxStore } from '../store/outbox.ts';
import type { BackoffOptions } from './connection.ts';
import { backoffDelay } from './connection.ts';
import { MAX_ERROR_ATTEMPTS, isPermanent } from './nip01-prefixes.ts';
import type { PublishOptions, PublishResult, Transport } from './transport.ts';

/**
 * Most events whose AUTH signer is held in memory at once; beyond it the oldest is released
 * (its targets then report the lost key, as after a restart).
 */
export const MAX_HELD_SIGNERS = 10_000;

/** An event signed by another key than the identity, with what AUTHs as that key. */
export interface HeldSigner {
  /** Signs NIP-42 AUTH as the event's author (see {@link PublishOptions.authSigner}). */
  authSigner: NonNullable<PublishOptions['authSigner']>;
  /** Called once no target needs the signer any more (wipes the key). */
  release: () => void;
}

/** The NIP-40 expiration of an event (unix seconds), or undefined when it has none or a bad one. */
export function expirationOf(event: NostrEvent): number | undefined {
  const tag = event.tags.find((t) => t[0] === 'expiration');
  const v = tag?.[1];
  if (v === undefined || !/^\d{1,12}$/.test(v)) return undefined;
  return Number(v);
}

/** Options for {@link OutboxPublisher}. */
export interface OutboxPublisherOptions {
  store: OutboxStore;
  transport: Transport;
  /** Relays used when {@link OutboxPublisher.publish} is given none. */
  relays?: string[];
  clock?: Clock;
  random?: Random;
  /** Retry backoff per target (default 1 s doubling up to 5 min). */
  backoff?: Partial<BackoffOptions>;
  /** Targets in flight at once (default 64). */
  maxInFlight?: number;
  /** Called with every attempt's result (for logs and progress). */
  onresult?: (event: NostrEvent, result: PublishResult) => void;
}

/** Publishes from the persistent outbox until every target is acknowledged or parked. */
export class OutboxPublisher {
  readonly #store: OutboxStore;
  readonly #transport: Transport;
  readonly #relays: string[];
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #backoff: BackoffOptions;
  readonly #maxInFlight: number;
  readonly #onresult: OutboxPublisherOptions['onresult'];
  readonly #inFlight = new Set<string>();
  /**
   * AUTH signers of events signed by one-time keys (gift wraps), in memory only: a secret is
   * never written to the outbox. Each is released when its last target is acked or parked; a
   * restart loses them, and a relay that then requires the author's AUTH parks the target.
   */
  readonly #held = new Map<string, HeldSigner & { open: Set<string> }>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopListening: (() => void) | undefined;
  /** Outcomes waiting to be written in one transaction; their targets stay in flight until then. */
  #outcomes: { outcome: AttemptOutcome; key: string; event: NostrEvent; result: PublishResult }[] = [];
  #flushScheduled = false;
  #idleWaiters: (() => void)[] = [];
  readonly #listeners = new Set<(event: NostrEvent, outcome: AttemptOutcome) => void>();
  /** Why the publisher stopped on its own (a store error in the background), if it did. */
  lastError: string | undefined;

  constructor(options: OutboxPublisherOptions) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#relays = options.relays ?? [];
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#backoff = { baseMs: 1000, maxMs: 5 * 60_000, ...options.backoff };
    this.#maxInFlight = options.maxInFlight ?? 64;
    this.#onresult = options.onresult;
  }

  /** Re-arm every pending target and start sending. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopListening = this.#transport.onConnected?.((relay) => this.#onConnected(relay));
    this.#kick();
  }

  #onConnected(relay: string): void {
    if (!this.#running) return;
    const same = (r: string): boolean => {
      try {
        return normalizeRelayUrl(r) === relay;
      } catch {
        return r === relay;
      }
    };
    try {
      if (this.#store.dueOnReconnect(same, this.#clock.now()) > 0) this.#kick();
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.stop();
    }
  }

  /**
   * Queue `event` for `relays` (default: the publisher's relays); durable when this returns.
   * Sending happens in the background once started.
   * @throws OtP2pError `no-relays` or `db-error` from {@link OutboxStore.enqueue}.
   */
  publish(event: NostrEvent, relays: readonly string[] = this.#relays, held?: HeldSigner): void {
    if (held !== undefined) {
      const previous = this.#held.get(event.id);
      this.#held.set(event.id, { ...held, open: new Set([...(previous?.open ?? []), ...relays]) });
      if (previous !== undefined && previous.release !== held.release) previous.release();
      while (this.#held.size > MAX_HELD_SIGNERS) {
        const [oldest, h] = this.#held.entries().next().value as [string, HeldSigner];
        this.#held.delete(oldest);
        h.release();
      }
    }
    try {
      this.publishMany([event], relays);
    } catch (err) {
      this.#release(event.id);
      throw err;
    }
  }

  #release(eventId: string): void {
    const h = this.#held.get(eventId);
    if (h === undefined) return;
    this.#held.delete(eventId);
    h.release();
  }

  /**
   * Queue several events in one transaction; durable when this returns.
   * @throws OtP2pError `no-relays` or `db-error` from {@link OutboxStore.enqueueMany}.
   */
  publishMany(events: readonly NostrEvent[], relays: readonly string[] = this.#relays): void {
    this.#store.enqueueMany(events, relays);
    this.#kick();
  }

  /**
   * Be told of every attempt's result once it is recorded in the store (a caller waiting for
   * some events need not wait for the whole outbox). Returns the function that stops it.
   */
  onResult(listener: (event: NostrEvent, outcome: AttemptOutcome) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when nothing is in flight and nothing is due now (pending targets may wait for a later retry). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stop scheduling (in-flight attempts finish and are recorded); held AUTH signers are wiped. */
  stop(): void {
    this.#running = false;
    this.#stopListening?.();
    this.#stopListening = undefined;
    for (const id of [...this.#held.keys()]) this.#release(id);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #isIdle(): boolean {
    if (this.#inFlight.size > 0) return false;
    const next = this.#store.nextDueAt();
    return next === undefined || next > this.#clock.now() || !this.#running;
  }

  #kick(): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const room = this.#maxInFlight - this.#inFlight.size;
    if (room > 0) {
      const due = this.#store
        .due(this.#clock.now(), room + this.#inFlight.size)
        .filter((t) => !this.#inFlight.has(`${t.event.id} ${t.relay}`));
      for (const t of due.slice(0, room)) this.#attempt(t.event, t.relay, t.attempts);
    }
    if (this.#isIdle()) for (const w of this.#idleWaiters.splice(0)) w();
    const next = this.#store.nextDueAt();
    if (next !== undefined && this.#inFlight.size < this.#maxInFlight) {
      const delay = Math.max(10, Math.min(next - this.#clock.now(), 60_000));
      this.#timer = setTimeout(() => this.#kickFromTimer(), delay);
      this.#timer.unref();
    }
  }

  /**
   * A kick from a timer or a flush has no caller to throw to: a store that fails there (closed by
   * its owner at shutdown, or a disk error) stops the publisher, and `lastError` says why; the
   * targets stay pending in the store for the next start.
   */
  #kickFromTimer(): void {
    try {
      this.#kick();
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.stop();
    }
  }

  #attempt(event: NostrEvent, relay: string, attempts: number): void {
    const key = `${event.id} ${relay}`;
    this.#inFlight.add(key);
    const expiration = expirationOf(event);
    if (expiration !== undefined && expiration * 1000 <= this.#clock.now()) {
      const message = `expiration ${expiration} has passed: not sent`;
      this.#outcomes.push({
        outcome: { eventId: event.id, relay, code: 'expired', message, status: 'failed' },
        key,
        event,
        result: { relay, ok: false, code: 'expired', message },
      });
      this.#scheduleFlush();
      return;
    }
    const held = this.#held.get(event.id);
    void this.#transport
      .publish(event, [relay], held ? { authSigner: held.authSigner } : {})
      .then(
        (results) => results[0] ?? { relay, ok: false, code: 'error' as const, message: 'no result' },
        (err: unknown) => ({
          relay,
          ok: false,
          code: 'error' as const,
          message: (err as Error).message ?? String(err),
        }),
      )
      .then((r) => {
        // A wrap whose one-time key is gone (another process wrapped it, or this one restarted)
        // can never AUTH as its author: say so and park it, rather than retry forever.
        const keyLost =
          !r.ok &&
          r.code === 'auth-required' &&
          (event.kind === Kind.GiftWrap || event.kind === Kind.EphemeralGiftWrap) &&
          !this.#held.has(event.id);
        const message = keyLost
          ? `${r.message} (the wrap's one-time key is gone: it is held only in memory by the process that wrapped it)`
          : r.message;
        const base = { eventId: event.id, relay, code: r.code, message };
        const outcome: AttemptOutcome = r.ok
          ? { ...base, status: 'acked' }
          : keyLost || isPermanent(r.code) || (r.code === 'error' && attempts + 1 >= MAX_ERROR_ATTEMPTS)
            ? { ...base, status: 'failed' }
            : {
                ...base,
                status: 'pending',
                nextAttemptAt: this.#clock.now() + backoffDelay(attempts, this.#backoff, this.#random),
              };
        this.#outcomes.push({ outcome, key, event, result: r });
        this.#scheduleFlush();
      });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const batch = this.#outcomes.splice(0);
      try {
        this.#store.record(batch.map((b) => b.outcome));
      } catch {
        // The rows stay pending and are retried; the database error surfaces on the next enqueue.
      }
      for (const b of batch) {
        this.#inFlight.delete(b.key);
        const held = this.#held.get(b.event.id);
        if (held !== undefined && b.outcome.status !== 'pending') {
          held.open.delete(b.outcome.relay);
          if (held.open.size === 0) this.#release(b.event.id);
        }
        this.#onresult?.(b.event, b.result);
        for (const l of this.#listeners) l(b.event, b.outcome);
      }
      this.#kickFromTimer();
    });
  }
}
