/** The kinds otp2p reads and writes. One table, so a reviewer sees them all at once. */
export const Kind = {
  Metadata: 0,
  Follows: 3,
  Deletion: 5,
  Seal: 13,
  ChatMessage: 14,
  GiftWrap: 1059,
  MintEvidence: 1560,
  RelayList: 10002,
  DmRelays: 10050,
  Catalog: 11560,
  ClientAuth: 22242,
  /** NIP-46 remote signing requests and responses. */
  NostrConnect: 24133,
  EphemeralGiftWrap: 21059,
  MintAttestation: 31560,
  Offer: 31562,
  /** Rumor kind of otp2p protocol messages inside gift wraps (see docs/protocol.md). */
  ProtocolMessage: 21560,
  /**
   * The sender's signed proof inside a `hello` protocol message (docs/protocol.md): an event, so a
   * NIP-46 remote signer can make it. Ephemeral range: it never travels outside a gift wrap.
   */
  HelloProof: 21561,
} as const;

/**
 * Kinds whose events are private to their `p` recipients: NIP-04 DMs (4, never written by otp2p,
 * still served by relays), NIP-59 gift wraps (1059) and ephemeral gift wraps (21059, used for live
 * handshakes). The one list a relay's NIP-42 gate derives from: an event of these kinds is served
 * only to a connection authenticated as one of its `p` tags. Seals (13) and rumors (14) never
 * travel unwrapped, so they carry no recipient to gate on and are not listed.
 */
export const PRIVATE_KINDS: readonly number[] = Object.freeze([4, Kind.GiftWrap, Kind.EphemeralGiftWrap]);
