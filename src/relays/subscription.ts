/**
 * The consumer side of a subscription, shared by every transport: callbacks and an async
 * iterator over the same stream, deduplicated by event id, with EOSE and close bookkeeping.
 */
import type { NostrEvent } from '../events/types.ts';
import type { RelayGap, Subscription, SubscriptionHandlers, SubscriptionItem } from './transport.ts';

/** Default bound of the iterator buffer. */
export const DEFAULT_ITERATOR_BUFFER = 100_000;

/**
 * Ids remembered for cross-relay dedupe per subscription. Beyond this a long-lived subscription
 * forgets its oldest ids (a very late copy may then be delivered again; the event store
 * deduplicates by id), so memory stays bounded.
 */
export const DEDUPE_WINDOW = 200_000;

/**
 * A subscription's sink. Transports call `event`, `eose` and `end`; consumers read through the
 * handlers or `for await`. The iterator buffer is bounded: when a consumer stops reading, the
 * oldest unread items are dropped and counted in `overflowed` instead of growing without limit.
 */
export class SubscriptionSink implements Subscription {
  readonly id: string;
  readonly #handlers: SubscriptionHandlers;
  readonly #onClose: () => void;
  readonly #seen = new Set<string>();
  readonly #buffer: SubscriptionItem[] = [];
  readonly #maxBuffer: number;
  #wake: (() => void) | undefined;
  #eosed = false;
  #incomplete: readonly RelayGap[] = [];
  #closed = false;
  #iterating = false;
  /** Items dropped because the iterator's reader fell behind. */
  overflowed = 0;

  constructor(id: string, handlers: SubscriptionHandlers, onClose: () => void, maxBuffer = DEFAULT_ITERATOR_BUFFER) {
    this.id = id;
    this.#handlers = handlers;
    this.#onClose = onClose;
    this.#maxBuffer = maxBuffer;
  }

  get closed(): boolean {
    return this.#closed;
  }
  get eosed(): boolean {
    return this.#eosed;
  }
  /** The relays that had not answered when EOSE fired (empty before it, or when all did). */
  get incomplete(): readonly RelayGap[] {
    return this.#incomplete;
  }

  /** Whether `id` was already delivered. */
  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /** Deliver a verified event once; returns false if it was a duplicate or the sink is closed. */
  event(event: NostrEvent, relay: string): boolean {
    if (this.#closed || this.#seen.has(event.id)) return false;
    this.#seen.add(event.id);
    if (this.#seen.size > DEDUPE_WINDOW) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#handlers.onevent?.(event, relay);
    this.#push({ type: 'event', event, relay });
    return true;
  }

  /** All stored events have arrived, or `incomplete` lists the relays that did not answer (fires once). */
  eose(incomplete: readonly RelayGap[] = []): void {
    if (this.#closed || this.#eosed) return;
    this.#eosed = true;
    this.#incomplete = incomplete;
    this.#handlers.oneose?.(incomplete);
    this.#push({ type: 'eose', incomplete });
  }

  /** The transport ended the subscription (every relay closed it, or the transport closed). */
  end(reasons: Record<string, string>): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.onclose?.(reasons);
    this.#wake?.();
  }

  /** Close from the consumer side. */
  close(): void {
    if (this.#closed) return;
    this.#onClose();
    this.end({});
  }

  #push(item: SubscriptionItem): void {
    if (!this.#iterating && (this.#handlers.onevent || this.#handlers.oneose)) return;
    this.#buffer.push(item);
    if (this.#buffer.length > this.#maxBuffer) {
      this.#buffer.shift();
      this.overflowed++;
    }
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionItem> {
    this.#iterating = true;
    try {
      for (;;) {
        const item = this.#buffer.shift();
        if (item) {
          yield item;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } finally {
      this.close();
    }
  }
}
