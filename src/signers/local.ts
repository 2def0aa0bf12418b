/**
 * A signer holding the secret key in memory: the seed identity (NIP-06) and an imported nsec.
 * The key comes from the vault (NIP-49 at rest) and never leaves this object: no getter returns
 * it, and errors never carry it.
 */
import type { IdentityKind, Signer } from '../events/signer.ts';
import { getPublicKey, signEvent } from '../events/sign.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import { decrypt, encrypt, getConversationKey } from '../messaging/nip44.ts';

/**
 * Conversation keys cached per peer: an ECDH per message would dominate DM throughput. Bounded,
 * because the set of peers that write to us is chosen by them.
 */
const CONVERSATION_CACHE = 1024;

/** A {@link Signer} over a 32-byte secret key held in memory. */
export class LocalSigner implements Signer {
  readonly identityKind: IdentityKind;
  readonly #secretKey: Uint8Array;
  readonly #pubkey: string;
  readonly #conversations = new Map<string, Uint8Array>();

  /** @throws OtP2pError `bad-key` when the key is not a valid secp256k1 scalar. */
  constructor(secretKey: Uint8Array, identityKind: Exclude<IdentityKind, 'bunker'>) {
    this.#pubkey = getPublicKey(secretKey);
    this.#secretKey = Uint8Array.from(secretKey);
    this.identityKind = identityKind;
  }

  /** The public key, without a promise (a local key is known at once). */
  get pubkey(): string {
    return this.#pubkey;
  }

  async getPublicKey(): Promise<string> {
    return this.#pubkey;
  }

  async signEvent(template: EventTemplate): Promise<NostrEvent> {
    return this.signEventSync(template);
  }

  /** Synchronous signing, for callers on a hot path that know the signer is local. */
  signEventSync(template: EventTemplate): NostrEvent {
    return signEvent(template, this.#secretKey, this.#pubkey);
  }

  async nip44Encrypt(pubkey: string, plaintext: string): Promise<string> {
    return encrypt(plaintext, this.#conversation(pubkey));
  }

  async nip44Decrypt(pubkey: string, payload: string): Promise<string> {
    return decrypt(payload, this.#conversation(pubkey));
  }

  #conversation(pubkey: string): Uint8Array {
    let key = this.#conversations.get(pubkey);
    if (key === undefined) {
      key = getConversationKey(this.#secretKey, pubkey);
      if (this.#conversations.size >= CONVERSATION_CACHE) {
        const oldest = this.#conversations.keys().next().value;
        if (oldest !== undefined) this.#conversations.delete(oldest);
      }
      this.#conversations.set(pubkey, key);
    }
    return key;
  }

  /** Redact the key if someone logs the object. */
  toJSON(): { identityKind: IdentityKind; pubkey: string } {
    return { identityKind: this.identityKind, pubkey: this.#pubkey };
  }
}
