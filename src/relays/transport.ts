/**
 * The transport everything above talks to. Nostr relays (`RelayPool`) are the production
 * transport; `MemoryTransport` serves unit tests of upper layers with the same semantics.
 * A third transport implements this interface and nothing above changes (docs/architecture.md).
 */
import type { Filter } from '../events/filter.ts';
import type { NostrEvent } from '../events/types.ts';

/**
 * Outcome codes of a publish to one relay. `ok` and `duplicate` mean the relay holds the event;
 * the others come from NIP-01 `OK false` prefixes or from the transport itself.
 */
export type PublishCode =
  | 'ok'
  | 'duplicate'
  | 'invalid'
  | 'rate-limited'
  | 'auth-required'
  | 'restricted'
  | 'blocked'
  | 'pow'
  | 'error'
  | 'timeout'
  | 'relay-unreachable'
  | 'too-large';

/** The result of publishing one event to one relay. Never thrown: always returned per relay. */
export interface PublishResult {
  relay: string;
  /** True when the relay holds the event (`OK true`, or `OK false` with `duplicate:`). */
  ok: boolean;
  code: PublishCode;
  message: string;
}

/** Callbacks for a subscription. Events are verified before `onevent` sees them. */
export interface SubscriptionHandlers {
  onevent?: (event: NostrEvent, relay: string) => void;
  /** All stored events have arrived (every relay sent EOSE, closed, or timed out). */
  oneose?: () => void;
  /** The subscription ended: closed by us, or by every relay (reasons per relay). */
  onclose?: (reasons: Record<string, string>) => void;
}

/** Items yielded when a subscription is consumed as an async iterator. */
export type SubscriptionItem = { type: 'event'; event: NostrEvent; relay: string } | { type: 'eose' };

/** A live subscription. */
export interface Subscription extends AsyncIterable<SubscriptionItem> {
  readonly id: string;
  close(): void;
}

/** Options for {@link Transport.subscribe}. */
export interface SubscribeOptions {
  /** Relays to ask; default: the transport's read relays. */
  relays?: string[];
  /** A stable key for resumption cursors (e.g. 'inbox', 'offers'); defaults to none (no cursor). */
  cursorKey?: string;
  /** Close automatically after EOSE (a one-shot query). */
  closeOnEose?: boolean;
  /** Give up waiting for EOSE after this many ms (then `oneose` fires anyway). */
  eoseTimeoutMs?: number;
}

/** Counters per relay. */
export interface RelayStats {
  /** Verified, matching events received (duplicates included). */
  received: number;
  /** Events that failed verification (never stored or delivered). */
  invalid: number;
  /** Verified events that matched no filter of their subscription. */
  unmatched: number;
  /** Verified, matching events already delivered by this or another relay. */
  duplicates: number;
  /** Events for unknown subscription ids. */
  orphans: number;
  notices: number;
  authChallenges: number;
  authAnswers: number;
  connects: number;
  disconnects: number;
  badFrames: number;
  oversizedFrames: number;
}

/**
 * The transport interface. `stats` and `isConnected` are optional: a transport without
 * connections (or without counters) leaves them out, and callers treat its relays as reachable
 * with no counters.
 */
export interface Transport {
  /** Publish to `relays` (default: the write relays); one result per relay, never throws for one relay. */
  publish(event: NostrEvent, relays?: string[]): Promise<PublishResult[]>;
  /** Subscribe with NIP-01 filters. */
  subscribe(filters: Filter[], handlers?: SubscriptionHandlers, options?: SubscribeOptions): Subscription;
  /** Close every connection and subscription. */
  close(): Promise<void>;
  /** Counters for every relay contacted so far, keyed by relay URL. */
  stats?(): Record<string, RelayStats>;
  /** Whether `relay` is reachable now (an open connection for a socket transport). */
  isConnected?(relay: string): boolean;
}
