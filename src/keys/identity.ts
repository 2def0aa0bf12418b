/**
 * One BIP39 seed, two identities: the Nostr key (NIP-06) and the BIP84 Bitcoin account.
 */
import { mnemonicToSeed } from './mnemonic.ts';
import { checkAccount, nostrKeyFromSeed } from './nip06.ts';
import { bip84FromSeed } from './bip84.ts';
import type { Bip84Account, BitcoinNetwork } from './bip84.ts';
import { npubEncode } from './nip19.ts';

/** Options for {@link deriveIdentity}. */
export interface DeriveOptions {
  /** BIP39 passphrase (empty by default). */
  passphrase?: string;
  /** Account index for both NIP-06 and BIP84 (default 0). */
  account?: number;
  /** Bitcoin network (default mainnet). */
  network?: BitcoinNetwork;
  /** bech32 prefix override for addresses (e.g. `rb` on a bcoin regtest node). */
  bech32Prefix?: string;
}

/**
 * A derived identity. `secretKey` and `bitcoin.node` are secret: never log or serialise them;
 * use {@link publicIdentity} for output.
 */
export interface Identity {
  account: number;
  /** Nostr secret key (NIP-06). */
  secretKey: Uint8Array;
  /** Nostr x-only public key, hex. */
  pubkey: string;
  npub: string;
  bitcoin: Bip84Account;
}

/** What `whoami --json` and `key derive --json` print: public data only. */
export interface PublicIdentity {
  pubkey: string;
  npub: string;
  account: number;
  bitcoin: { network: BitcoinNetwork; path: string; xpub: string; accountXpub: string; firstAddress: string };
}

/**
 * Derive both identities from a BIP39 seed (64 bytes).
 * @throws OtP2pError `bad-derivation-path`, `bad-input`, `bad-key`.
 */
export function identityFromSeed(seed: Uint8Array, options: Omit<DeriveOptions, 'passphrase'> = {}): Identity {
  const account = checkAccount(options.account ?? 0);
  const { secretKey, pubkey } = nostrKeyFromSeed(seed, account);
  const bitcoin = bip84FromSeed(seed, {
    network: options.network ?? 'mainnet',
    account,
    ...(options.bech32Prefix !== undefined ? { bech32Prefix: options.bech32Prefix } : {}),
  });
  const id = { account, pubkey, npub: npubEncode(pubkey), bitcoin } as Identity;
  // Non-enumerable secret and a toJSON that prints the public part only: an identity that ends
  // up in JSON.stringify, console.log or an error context does not leak the key.
  Object.defineProperty(id, 'secretKey', { value: secretKey, enumerable: false });
  Object.defineProperty(id, 'toJSON', { value: () => publicIdentity(id), enumerable: false });
  return id;
}

/**
 * Derive both identities from a mnemonic (and optional passphrase).
 * @throws OtP2pError `bad-mnemonic`, `bad-derivation-path`, `bad-input`.
 */
export function deriveIdentity(mnemonic: string, options: DeriveOptions = {}): Identity {
  const { passphrase, ...rest } = options;
  const seed = mnemonicToSeed(mnemonic, passphrase ?? '');
  try {
    return identityFromSeed(seed, rest);
  } finally {
    seed.fill(0);
  }
}

/** The public part of an identity, safe to print. */
export function publicIdentity(id: Identity): PublicIdentity {
  const b = id.bitcoin;
  return {
    pubkey: id.pubkey,
    npub: id.npub,
    account: id.account,
    bitcoin: {
      network: b.network,
      path: b.path,
      xpub: b.xpub,
      accountXpub: b.accountXpub,
      firstAddress: b.firstAddress,
    },
  };
}
