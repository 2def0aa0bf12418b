/**
 * A strict bech32 (BIP173) codec with typed errors, for NIP-19 and NIP-49 strings, over
 * `@scure/base` (which computes the checksum). Unlike BIP173 addresses, Nostr entities may exceed
 * 90 characters; we cap them at {@link BECH32_MAX_LENGTH}.
 *
 * Error messages name the prefix and length only: a bech32 string may be an `nsec` or an
 * `ncryptsec`, so it is never quoted.
 */
import { bech32 } from '@scure/base';
import { OtP2pError } from '../core/errors.ts';

/** Longest bech32 string accepted (a generous bound for nprofile/nevent/naddr with relays). */
export const BECH32_MAX_LENGTH = 5000;

const CHARSET_RE = /[^qpzry9x8gf2tvdw0s3jn54khce6mua7l]/;

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
  if (text.length > BECH32_MAX_LENGTH)
    throw bad(`${field} is ${text.length} characters, more than ${BECH32_MAX_LENGTH}`, { field, length: text.length });
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
  const badChar = CHARSET_RE.exec(dataPart);
  if (badChar !== null) {
    const position = sep + 2 + badChar.index;
    throw bad(`${field} (${prefix}) has a character outside the bech32 alphabet at position ${position}`, {
      field,
      prefix,
      position,
    });
  }
  // Every format rule above passed, so the only thing @scure/base can still refuse is the
  // checksum. Its message quotes the input (possibly an nsec): never pass it on.
  let words: number[];
  try {
    words = bech32.decode(lower as `${string}1${string}`, false).words;
  } catch {
    throw new OtP2pError('bad-checksum', `${field} (${prefix}) has a bad bech32 checksum`, {
      context: { field, prefix },
    });
  }
  const bytes = bech32.fromWordsUnsafe(words);
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
