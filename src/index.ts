/**
 * otp2p: the peer-to-peer layer for Open-Transactions wallets, over Nostr relays.
 *
 * The root entry point is deliberately small: the {@link Peer} a wallet embeds, how to create
 * it, the error type every call throws, and the two key helpers a wallet needs to make an
 * identity. Everything else lives behind its own entry point (`otp2p/keys`, `otp2p/relays`,
 * `otp2p/mint`, `otp2p/payments`, `otp2p/daemon` to keep a peer online, `otp2p/testing` for test
 * aids, ...).
 *
 * ```ts
 * import { createPeer, deriveIdentity, generateMnemonic } from 'otp2p';
 * const peer = await createPeer({ home, identity: deriveIdentity(generateMnemonic()), relays });
 * peer.on('mint-alarm', (verdict) => warn(verdict));
 * await peer.start();
 * ```
 */
export { createPeer, LocalSigner, Nip46Signer, Peer, pairNostrConnect, parseBunkerUri } from './peer.ts';
export type {
  CreatePeerOptions,
  IdentityKind,
  Signer,
  FindRouteRequest,
  FoundRoute,
  OutboxCounts,
  OutboxReport,
  PayRequestByPeer,
  PeerCatalog,
  PeerDms,
  PeerEvents,
  PeerIdentity,
  PeerMint,
  PeerOffers,
  PublishedOffers,
  PeerPayments,
  PeerRoutes,
  PayeeOptions,
  RoutePayee,
  PeerStatus,
  RelayHealth,
  SyncOptions,
  SyncResult,
} from './peer.ts';
export { OtP2pError, isOtP2pError } from './core/errors.ts';
export type { ErrorCode } from './core/errors.ts';
export { deriveIdentity } from './keys/identity.ts';
export { generateMnemonic } from './keys/mnemonic.ts';
export type { Config } from './config.ts';
export type { Catalog } from './events/catalog.ts';
export type { Offer, UnitRef } from './events/offer.ts';
export type { ChatMessage } from './messaging/nip17.ts';
export type { MintVerdict, MintVerdictKind } from './mint/verdict.ts';
export type { OtApi } from './otapi/api.ts';
export type { ReceiptLookup } from './payments/adapters/otapi.ts';
export type { PaymentResult } from './payments/coordinator.ts';
export type { PaymentRecord } from './payments/store.ts';
