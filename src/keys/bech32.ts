/**
 * A strict bech32 (BIP173) codec with typed errors, for NIP-19 and NIP-49 strings. Unlike BIP173
 * addresses, Nostr entities may exceed 90 characters; we cap them at {@link BECH32_MAX_LENGTH}.
 *
 * Error messages name the prefix and length only: a bech32 string may be an `nsec` or an
 * `ncryptsec`, so it is never quoted.
 */
import { bech32 } from '@scure/base';
import { OtP2pError } from '../core/errors.ts';

/** Longest bech32 string accepted (a generous bound for nprofile/nevent/naddr with relays). */
export const BECH32_MAX_LENGTH = 5000;

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHAR_INDEX = new Map([...CHARSET].map((c, i) => [c, i]));
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i] as number;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function bad(message: string, context: Record<string, unknown> = {}): OtP2pError {
  return new OtP2pError('bad-bech32', message, { context });
}

/** A decoded bech32 string. */
export interface Bech32Data {
  prefix: string;
  bytes: Uint8Array;
}

/**
 * Decode a bech32 string into its prefix and 8-bit payload.
 * @throws OtP2pError `bad-bech32` (not a string, mixed case, no separator, bad character,
 *   too long, bad padding), `bad-checksum` (checksum mismatch).
 */
export function bech32Decode(text: unknown, field = 'bech32'): Bech32Data {
  if (typeof text !== 'string') throw bad(`${field} must be a bech32 string, got ${typeof text}`, { field });
  if (text.length > BECH32_MAX_LENGTH) throw bad(`${field} is ${text.length} characters, more than ${BECH32_MAX_LENGTH}`, { field, length: text.length });
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) throw bad(`${field} mixes upper and lower case`, { field });
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw bad(`${field} has no prefix and '1' separator`, { field, length: text.length });
  const prefix = lower.slice(0, sep);
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c < 33 || c > 126) throw bad(`${field} prefix has a character outside ASCII 33..126`, { field });
  }
  const dataPart = lower.slice(sep + 1);
  if (dataPart.length < 6) throw bad(`${field} (${prefix}) is too short for a checksum`, { field, prefix });
  const values: number[] = [];
  for (let i = 0; i < dataPart.length; i++) {
    const v = CHAR_INDEX.get(dataPart[i] as string);
    if (v === undefined) throw bad(`${field} (${prefix}) has a character outside the bech32 alphabet at position ${sep + 2 + i}`, { field, prefix, position: sep + 2 + i });
    values.push(v);
  }
  if (polymod([...hrpExpand(prefix), ...values]) !== 1) {
    throw new OtP2pError('bad-checksum', `${field} (${prefix}) has a bad bech32 checksum`, { context: { field, prefix } });
  }
  const bytes = bech32.fromWordsUnsafe(values.slice(0, -6));
  if (!bytes) throw bad(`${field} (${prefix}) has invalid padding bits`, { field, prefix });
  return { prefix, bytes: Uint8Array.from(bytes) };
}

/**
 * Encode bytes under a prefix.
 * @throws OtP2pError `bad-bech32` when the result would exceed {@link BECH32_MAX_LENGTH}.
 */
export function bech32Encode(prefix: string, bytes: Uint8Array): string {
  const words = bech32.toWords(bytes);
  if (prefix.length + 7 + words.length > BECH32_MAX_LENGTH) {
    throw bad(`a ${prefix} of ${bytes.length} bytes would exceed ${BECH32_MAX_LENGTH} characters`, { prefix });
  }
  return bech32.encode(prefix, words, false);
}
