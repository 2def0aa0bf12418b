/**
 * Reading a Nostr secret key the user brings (`otp2p init --nsec-stdin`): an `nsec1…`, 64 hex
 * characters, or a NIP-49 `ncryptsec1…` with its own password. The key is validated as a
 * secp256k1 scalar here, so a vault never stores a key that cannot sign.
 *
 * Errors never quote the text: it is a secret, or a typo of one.
 */
import { hexToBytes, isHex } from '../core/bytes.ts';
import { OtP2pError } from '../core/errors.ts';
import { nip49Decrypt } from './nip49.ts';
import { publicKeyOf } from './nip06.ts';
import { nsecDecode, nsecEncode } from './nip19.ts';
import type { UnlockedVault, VaultNostrImport } from './vault.ts';

/** How the imported key was written (an `ncryptsec` was protected by its own password). */
export type ImportedKeyFormat = 'nsec' | 'hex' | 'ncryptsec';

/**
 * The 32-byte secret key in `text`, and the public key it gives.
 * @param ncryptsecPassword needed when `text` is an `ncryptsec1…`.
 * @throws OtP2pError `bad-key` (not one of the three forms, or not a valid scalar), `no-password`
 *   (an ncryptsec without its password), `bad-password` (the password does not open it), the
 *   bech32 codes (`bad-bech32`, `bad-checksum`, `wrong-length`) and `bad-ncryptsec`,
 *   `scrypt-too-costly`.
 */
export function parseSecretKeyText(
  text: string,
  ncryptsecPassword?: string,
): { secretKey: Uint8Array; pubkey: string; format: ImportedKeyFormat } {
  const t = typeof text === 'string' ? text.trim() : '';
  let secretKey: Uint8Array;
  let format: ImportedKeyFormat;
  if (t.startsWith('nsec1')) {
    secretKey = nsecDecode(t);
    format = 'nsec';
  } else if (t.startsWith('ncryptsec1')) {
    if (ncryptsecPassword === undefined || ncryptsecPassword === '')
      throw new OtP2pError('no-password', 'an ncryptsec needs its NIP-49 password (on the next line of stdin)');
    secretKey = nip49Decrypt(t, ncryptsecPassword);
    format = 'ncryptsec';
  } else if (isHex(t.toLowerCase(), 32)) {
    secretKey = hexToBytes(t.toLowerCase());
    format = 'hex';
  } else {
    throw new OtP2pError(
      'bad-key',
      `the Nostr key must be an nsec1..., 64 hex characters or an ncryptsec1..., got ${t.length} characters of something else`,
      { context: { field: 'nsec' } },
    );
  }
  return { secretKey, pubkey: publicKeyOf(secretKey), format };
}

/**
 * The vault import of a key the user brings (see {@link parseSecretKeyText}); wipe it with
 * {@link wipeNostrImport} once the vault is written.
 * @throws OtP2pError as {@link parseSecretKeyText}.
 */
export function nsecImport(text: string, ncryptsecPassword?: string): VaultNostrImport {
  return { kind: 'nsec', secretKey: parseSecretKeyText(text, ncryptsecPassword).secretKey };
}

/** Zero the secret bytes of an import (the vault holds them encrypted by now). */
export function wipeNostrImport(n: VaultNostrImport): void {
  if (n.kind === 'nsec') n.secretKey.fill(0);
  else n.clientSecretKey.fill(0);
}

/**
 * The Nostr secret key of an unlocked vault as an `nsec1…`, for `otp2p key export --nsec`.
 * @throws OtP2pError `not-exportable` for a remote-signer identity (the key is not here).
 */
export function vaultNsec(v: UnlockedVault): string {
  if (v.nostr.kind === 'bunker')
    throw new OtP2pError('not-exportable', 'no Nostr secret key is held here: it lives in the remote signer');
  return nsecEncode(v.nostr.secretKey);
}
