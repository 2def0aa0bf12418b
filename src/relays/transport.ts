/**
 * The transport everything above talks to. Nostr relays (`RelayPool`) are the production
 * transport; `MemoryTransport` serves unit tests of upper layers with the same semantics.
 * A third transport implements this interface and nothing above changes (docs/architecture.md).
 */
import type { Filter } from '../events/filter.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';

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
  | 'too-large'
  /** NIP-40: the event's expiration has passed (refused by the relay, or never sent). */
  | 'expired';

/** The result of publishing one event to one relay. Never thrown: always returned per relay. */
export interface PublishResult {
  relay: string;
  /** True when the relay holds the event (`OK true`, or `OK false` with `duplicate:`). */
  ok: boolean;
  code: PublishCode;
  message: string;
}

/**
 * Why a relay left a gap in a subscription's stored events: it never answered the REQ (sent
 * again a bounded number of times), could not be reached, dropped the connection before EOSE, or
 * closed the subscription (`CLOSED`, with its reason as `message`).
 */
export type GapReason = 'no-answer' | 'unreachable' | 'connection-lost' | 'closed';

/** A relay that did not answer a subscription in full. */
export interface RelayGap {
  relay: string;
  reason: GapReason;
  message: string;
}

/** Callbacks for a subscription. Events are verified before `onevent` sees them. */
export interface SubscriptionHandlers {
  onevent?: (event: NostrEvent, relay: string) => void;
  /**
   * Stored events are in: every relay sent EOSE, closed, or timed out. `incomplete` lists the
   * relays that did not send EOSE (empty when all did): their silence is not "nothing stored".
   */
  oneose?: (incomplete: readonly RelayGap[]) => void;
  /** The subscription ended: closed by us, or by every relay (reasons per relay). */
  onclose?: (reasons: Record<string, string>) => void;
}

/** Items yielded when a subscription is consumed as an async iterator. */
export type SubscriptionItem =
  | { type: 'event'; event: NostrEvent; relay: string }
  | { type: 'eose'; incomplete?: readonly RelayGap[] };

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

/** Options for {@link Transport.publish}. */
export interface PublishOptions {
  /**
   * Signs NIP-42 AUTH as the event's own author, for events not signed by the identity (a
   * throwaway evidence key, a gift wrap's one-time key) at relays that require the author to
   * authenticate before a publish (nostream's `nip42.authRequired`). It reveals only that key.
   */
  authSigner?: (template: EventTemplate) => NostrEvent | Promise<NostrEvent>;
}

/** A live subscription a relay has not confirmed with EOSE on its current connection. */
export interface UnconfirmedSubscription {
  relay: string;
  subscription: string;
}

/** Counters per relay. */
export interface RelayStats {
  /** Verified, matching events received (duplicates included). */
  received: number;
  /** Events that failed verification (never stored or delivered). */
  invalid: number;
  /** `invalid` by verification code (`too-large`, `too-many-tags`, `bad-sig`, ...): never a silent drop. */
  invalidByCode: Record<string, number>;
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
 * The transport interface. `stats`, `isConnected` and `unconfirmed` are optional: a transport without
 * connections (or without counters) leaves them out, and callers treat its relays as reachable
 * with no counters.
 */
export interface Transport {
  /** Publish to `relays` (default: the write relays); one result per relay, never throws for one relay. */
  publish(event: NostrEvent, relays?: string[], options?: PublishOptions): Promise<PublishResult[]>;
  /** Subscribe with NIP-01 filters. */
  subscribe(filters: Filter[], handlers?: SubscriptionHandlers, options?: SubscribeOptions): Subscription;
  /** Close every connection and subscription. */
  close(): Promise<void>;
  /** Counters for every relay contacted so far, keyed by relay URL. */
  stats?(): Record<string, RelayStats>;
  /** Whether `relay` is reachable now (an open connection for a socket transport). */
  isConnected?(relay: string): boolean;
  /**
   * Be told each time a connection to a relay opens, with the relay's canonical URL
   * (`core/relay-url.ts`), so work that could not reach it need not wait for its own retry timer.
   * Returns the function that stops it. Left out by a transport without connections.
   */
  onConnected?(listener: (relay: string) => void): () => void;
  /**
   * Live subscriptions a relay has not confirmed (not connected, REQ unanswered, waiting for
   * AUTH): events from it may be missed, so a status shows that relay as degraded.
   */
  unconfirmed?(): UnconfirmedSubscription[];
}
