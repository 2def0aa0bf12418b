/** Signing events with a secret key held in memory (never logged). */
import { randomBytes } from 'node:crypto';
import * as secp from 'tiny-secp256k1';
import { bytesToHex } from '../core/bytes.ts';
import { publicKeyOf } from '../keys/nip06.ts';
import { computeEventId } from './verify.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

/**
 * The x-only public key (hex) of a 32-byte secret key: `publicKeyOf` from `keys/nip06.ts` (the one
 * definition), under the name Nostr libraries use.
 * @throws OtP2pError `bad-key`.
 */
export const getPublicKey: (secretKey: Uint8Array) => string = publicKeyOf;

/**
 * Sign a template: fills pubkey, id and sig. Uses fresh auxiliary randomness (BIP-340).
 * @throws OtP2pError `bad-key` when the secret key is invalid.
 */
export function signEvent(
  template: EventTemplate,
  secretKey: Uint8Array,
  pubkey = getPublicKey(secretKey),
): NostrEvent {
  const unsigned = {
    pubkey,
    created_at: template.created_at,
    kind: template.kind,
    tags: template.tags,
    content: template.content,
  };
  const id = computeEventId(unsigned);
  const sig = secp.signSchnorr(Buffer.from(id, 'hex'), secretKey, randomBytes(32));
  return { ...unsigned, id, sig: bytesToHex(sig) };
}
