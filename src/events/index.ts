/**
 * Nostr events: NIP-01 types, kinds and filters; verification (in this thread or on worker
 * threads) and signing; builders and parsers for the standard kinds otp2p uses.
 * Conversion offers (kind 31562) are here too; the other otp2p kinds are exported with their
 * areas (catalogs from `otp2p/catalog`, attestations and evidence from `otp2p/mint`).
 */
export type { EventTemplate, KindClass, NostrEvent, UnsignedEvent } from './types.ts';
export { dTag, kindClass, tagValue, tagValues } from './types.ts';
export { Kind } from './kinds.ts';
export type { Filter } from './filter.ts';
export { matchFilter, matchFilters } from './filter.ts';
export type { Address } from './address.ts';
export { addressOf, formatAddress, parseAddress } from './address.ts';
export type {
  BatchVerifier,
  EventLimits,
  EventVerifierOptions,
  RawVerifyResult,
  VerifyCode,
  VerifyResult,
} from './verify.ts';
export {
  DEFAULT_EVENT_LIMITS,
  EventVerifier,
  checkShape,
  computeEventId,
  serializeEvent,
  verifySignature,
} from './verify.ts';
export type { VerifyPoolOptions } from './verify-pool.ts';
export { VerifyPool } from './verify-pool.ts';
export { getPublicKey, signEvent } from './sign.ts';
export { isRelayUrl } from '../core/relay-url.ts';
export type { Metadata, MetadataField } from './metadata.ts';
export { METADATA_FIELDS, buildMetadataEvent, parseMetadataEvent } from './metadata.ts';
export type { Follow, FollowChange, FollowList } from './follows.ts';
export { buildFollowsEvent, editFollowList, parseFollowsEvent } from './follows.ts';
export type { Deletion } from './deletion.ts';
export { buildDeletionEvent, parseDeletionEvent } from './deletion.ts';
export type { RelayList, RelayListEntry } from './relay-list.ts';
export { buildRelayListEvent, parseRelayListEvent, relaysFor } from './relay-list.ts';
export type { DmRelays } from './dm-relays.ts';
export { buildDmRelaysEvent, parseDmRelaysEvent } from './dm-relays.ts';
export type { Offer, OfferStatus, SignedOffer, UnitRef } from './offer.ts';
export {
  OFFER_STATUSES,
  buildOfferDeletion,
  buildOfferEvent,
  offerInput,
  parseOfferEvent,
  validateOffer,
} from './offer.ts';
export type { NameSources } from './names.ts';
export { MAX_SHOWN_NAME, personName, shortNpub, tidyName } from './names.ts';
