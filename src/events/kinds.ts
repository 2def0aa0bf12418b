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
} as const;
