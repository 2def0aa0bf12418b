/**
 * The one interface through which otp2p signs events and encrypts or decrypts NIP-44 payloads.
 * Everything that speaks as the user (events, seals of gift wraps, NIP-42 AUTH, payment
 * messages, attestations) holds a {@link Signer}, never a secret key: the key stays in the
 * implementation (a local key from the vault, or a NIP-46 remote signer that otp2p never sees).
 *
 * It lives beside the event types rather than in `keys/` because it speaks in events, and every
 * layer that signs (messaging, relays' AUTH, payments) may import `events/`.
 */
import type { EventTemplate, NostrEvent } from './types.ts';

/** Which kind of identity a signer speaks for (`otp2p whoami` says it). */
export type IdentityKind =
  /** The BIP39 seed: Nostr key at the NIP-06 path, plus the BIP84 Bitcoin account. */
  | 'seed'
  /** An imported nsec / ncryptsec; the Bitcoin wallet has a separate seed. */
  | 'nsec'
  /** A NIP-46 remote signer: the secret key never reaches otp2p. */
  | 'bunker';

/** Signs and encrypts as one Nostr identity. Every method may be remote, so every method is async. */
export interface Signer {
  readonly identityKind: IdentityKind;
  /** The identity's x-only public key, 64 lowercase hex characters. */
  getPublicKey(): Promise<string>;
  /**
   * Sign a template as this identity. The result is a complete event whose id, signature,
   * pubkey and content the implementation has checked.
   * @throws OtP2pError `signer-timeout`, `signer-refused`, `signer-mismatch` (remote signers).
   */
  signEvent(template: EventTemplate): Promise<NostrEvent>;
  /** NIP-44 v2 encrypt `plaintext` to `pubkey`. @throws OtP2pError as {@link signEvent}. */
  nip44Encrypt(pubkey: string, plaintext: string): Promise<string>;
  /** NIP-44 v2 decrypt a payload from `pubkey`. @throws OtP2pError `bad-mac`, `bad-payload`, ... or as {@link signEvent}. */
  nip44Decrypt(pubkey: string, payload: string): Promise<string>;
}
