/**
 * NIP-06: the Nostr key of a BIP39 seed at `m/44'/1237'/<account>'/0/0`.
 */
import { HDKey } from '@scure/bip32';
import * as secp from 'tiny-secp256k1';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { bytesToHex } from '../core/bytes.ts';

/** The highest BIP32 hardened account index. */
export const MAX_ACCOUNT = 0x7fffffff;

/**
 * Check an account index (0..2^31-1).
 * @throws OtP2pError `bad-derivation-path`.
 */
export function checkAccount(account: unknown): number {
  if (typeof account !== 'number' || !Number.isInteger(account) || account < 0 || account > MAX_ACCOUNT) {
    throw new OtP2pError(
      'bad-derivation-path',
      `account must be an integer in 0..${MAX_ACCOUNT}, got ${describeValue(account)}`,
      {
        context: { field: 'account' },
      },
    );
  }
  return account;
}

/** The NIP-06 derivation path for an account. */
export function nip06Path(account = 0): string {
  return `m/44'/1237'/${checkAccount(account)}'/0/0`;
}

/**
 * The x-only public key (hex) of a 32-byte secret key.
 * @throws OtP2pError `bad-key` when the key is not 32 bytes in the curve order.
 */
export function publicKeyOf(secretKey: Uint8Array): string {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32 || !secp.isPrivate(secretKey)) {
    throw new OtP2pError('bad-key', 'secret key must be 32 bytes in 1..n-1');
  }
  return bytesToHex(secp.xOnlyPointFromScalar(secretKey));
}

/** A Nostr key pair. `secretKey` is secret: never log or serialise it. */
export interface NostrKeyPair {
  secretKey: Uint8Array;
  /** x-only public key, lowercase hex. */
  pubkey: string;
}

/**
 * The NIP-06 key pair of a BIP39 seed (64 bytes from `mnemonicToSeed`).
 * @throws OtP2pError `bad-derivation-path` for a bad account, `bad-key` if the seed is not 16..64 bytes.
 */
export function nostrKeyFromSeed(seed: Uint8Array, account = 0): NostrKeyPair {
  const path = nip06Path(account);
  let node: HDKey;
  try {
    node = HDKey.fromMasterSeed(seed).derive(path);
  } catch (cause) {
    throw new OtP2pError('bad-key', 'cannot derive the Nostr key from this seed', { cause });
  }
  const sk = node.privateKey;
  if (!sk) throw new OtP2pError('bad-key', 'derived node has no private key');
  const secretKey = Uint8Array.from(sk);
  node.wipePrivateData();
  return { secretKey, pubkey: publicKeyOf(secretKey) };
}
