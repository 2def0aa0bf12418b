/**
 * The transport layer: the Transport interface, the Nostr relay pool, the persistent outbox and
 * the embedded relay. The in-process transport for tests is in `otp2p/testing`.
 */
export type {
  GapReason,
  PublishCode,
  PublishOptions,
  PublishResult,
  RelayGap,
  RelayStats,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  SubscriptionItem,
  Transport,
} from './transport.ts';
export { RelayPool, GIFT_WRAP_SLACK_SECONDS } from './pool.ts';
export type { RelayPoolOptions } from './pool.ts';
export { startEmbeddedRelay } from './embedded.ts';
export type { EmbeddedRelay, EmbeddedRelayOptions } from './embedded.ts';
export { SubscriptionSink } from './subscription.ts';
export { assertComplete, describeGaps, queryEvents } from './query.ts';
export type { QueryOptions, QueryResult } from './query.ts';
export { classifyOk, isPermanent, prefixCode, errorCodeFor } from './nip01-prefixes.ts';
export { fetchRelayLimits, parseRelayLimits } from './nip11.ts';
export type { RelayLimits } from './nip11.ts';
export { authTemplate, authAllowed } from './nip42.ts';
export { normalizeRelayUrl } from '../core/relay-url.ts';
export type { EventSigner } from './nip42.ts';
export { backoffDelay, RelayConnection } from './connection.ts';
export { OutboxPublisher } from './outbox.ts';
export type { OutboxPublisherOptions } from './outbox.ts';
export {
  MAX_LISTED_RELAYS,
  dmRelayChoice,
  dmRelaysOf,
  fetchNewest,
  listedRelays,
  publishToDmRelays,
  relayListOf,
  subscribeAuthor,
} from './nip65.ts';
export type { DmRelayChoice, LookupOptions } from './nip65.ts';
export type { RelayList, RelayListEntry } from '../events/relay-list.ts';
