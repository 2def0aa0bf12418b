/** The transport layer: the Transport interface and its implementations. */
export type { PublishCode, PublishResult, SubscribeOptions, Subscription, SubscriptionHandlers, SubscriptionItem, Transport } from './transport.ts';
export { RelayPool, GIFT_WRAP_SLACK_SECONDS } from './pool.ts';
export type { RelayPoolOptions, RelayStats } from './pool.ts';
export { MemoryNetwork, MemoryRelay, MemoryTransport } from './memory.ts';
export type { MemoryTransportOptions } from './memory.ts';
export { startEmbeddedRelay } from './embedded.ts';
export type { EmbeddedRelay, EmbeddedRelayOptions } from './embedded.ts';
export { SubscriptionSink } from './subscription.ts';
export { classifyOk, isPermanent, prefixCode, errorCodeFor } from './nip01-prefixes.ts';
export { fetchRelayLimits, parseRelayLimits } from './nip11.ts';
export type { RelayLimits } from './nip11.ts';
export { authTemplate, authAllowed, normalizeRelayUrl } from './nip42.ts';
export type { EventSigner } from './nip42.ts';
export { backoffDelay, RelayConnection } from './connection.ts';
export { OutboxPublisher } from './outbox.ts';
export type { OutboxPublisherOptions } from './outbox.ts';
export { MAX_LISTED_RELAYS, dmRelaysOf, dmRelaysTemplate, fetchNewest, parseDmRelays, parseRelayList, publishToDmRelays, relayListOf, relayListTemplate, subscribeAuthor } from './nip65.ts';
export type { RelayList } from './nip65.ts';
