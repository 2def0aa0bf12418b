/** OT-style identifiers for simulated notaries, units, nyms and accounts. */
import { createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';

const b58c = createBase58check(sha256);

/**
 * A 0.94-style ID: `ot` + Base58Check(0x89 || RIPEMD160(SHA256(material))), 36 characters
 * starting with `otx`. IDs stay opaque everywhere else in otp2p.
 */
export function otId(material: Uint8Array | string): string {
  const bytes = typeof material === 'string' ? new TextEncoder().encode(material) : material;
  const h = ripemd160(sha256(bytes));
  const payload = new Uint8Array(21);
  payload[0] = 0x89;
  payload.set(h, 1);
  return `ot${b58c.encode(payload)}`;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Bytes as a big-endian number in base62 (classic OT's ID alphabet), unpadded. */
export function base62(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let s = '';
  while (n > 0n) {
    s = (B62[Number(n % 62n)] as string) + s;
    n /= 62n;
  }
  return s;
}

/** A classic (2013-2014) style ID: SHA-256 of `material` in base62, padded to 43 characters. */
export function base62Id(material: Uint8Array | string): string {
  const bytes = typeof material === 'string' ? new TextEncoder().encode(material) : material;
  return base62(sha256(bytes)).padStart(43, '0');
}
