/**
 * The local signer of an unlocked vault, so callers outside `keys/` and `signers/` (the CLI)
 * never handle the secret key themselves. A remote-signer vault has no local key: its session
 * key goes to a `Nip46Signer` instead.
 */
import type { VaultNostrKey } from '../keys/vault.ts';
import { LocalSigner } from './local.ts';

/**
 * A {@link LocalSigner} over the vault's Nostr key, or undefined for a `bunker` identity.
 * @throws OtP2pError `bad-key` when the key is not a valid scalar (a damaged vault).
 */
export function localVaultSigner(nostr: VaultNostrKey): LocalSigner | undefined {
  return nostr.kind === 'bunker' ? undefined : new LocalSigner(nostr.secretKey, nostr.kind);
}
