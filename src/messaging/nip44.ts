/**
 * NIP-44 v2 payload encryption: secp256k1 ECDH (libsecp256k1 via tiny-secp256k1), HKDF-SHA256,
 * ChaCha20, HMAC-SHA256 with the nonce as associated data, and power-of-two-ish padding.
 *
 * The length prefix follows the current NIP: a 2-byte big-endian length for plaintexts of
 * 1..65535 bytes, and for 65536..2^32-1 bytes the 6-byte extended prefix `0x0000 || u32be(len)`.
 * The primitive accepts the whole range, but decryption is capped by the caller's
 * `maxPlaintextBytes` (default {@link DEFAULT_MAX_PLAINTEXT_BYTES}: what a relay can carry),
 * and that cap is checked from the payload's length before any MAC or cipher work, so a huge
 * junk payload costs nothing but a length comparison.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { expand as hkdfExpand, extract as hkdfExtract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64 } from '@scure/base';
import * as secp from 'tiny-secp256k1';
import { concatBytes, equalBytes, fromUtf8, isHex, utf8 } from '../core/bytes.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';

/** Largest plaintext the NIP allows (extended prefix). */
export const NIP44_MAX_PLAINTEXT_BYTES = 0xffffffff;

/**
 * Largest plaintext otp2p decrypts by default: a relay never carries an event over 64 KiB
 * (strfry's cap), and base64 content in such an event decodes to at most 3/4 of that, so no
 * payload a relay delivers can hold more.
 */
export const DEFAULT_MAX_PLAINTEXT_BYTES = 48 * 1024;

const SALT = utf8('nip44-v2');
const EXTENDED_THRESHOLD = 0x10000;
const VERSION = 2;

/** Keys derived for one message. */
export interface MessageKeys {
  chachaKey: Uint8Array;
  chachaNonce: Uint8Array;
  hmacKey: Uint8Array;
}

/**
 * The conversation key between `secretKey` and x-only `pubkeyHex` (symmetric: A->B == B->A).
 * @throws OtP2pError `bad-key` when the secret key is not in 1..n-1 or the public key is not a
 * point on the curve (including twist points).
 */
export function getConversationKey(secretKey: Uint8Array, pubkeyHex: string): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32 || !secp.isPrivate(secretKey)) {
    throw new OtP2pError('bad-key', 'secret key must be 32 bytes in 1..n-1');
  }
  if (!isHex(pubkeyHex, 32)) {
    throw new OtP2pError('bad-key', `public key must be 64 lowercase hex characters, got ${describeValue(pubkeyHex)}`);
  }
  const point = Buffer.from(`02${pubkeyHex}`, 'hex');
  if (!secp.isPoint(point)) {
    throw new OtP2pError('bad-key', `public key ${pubkeyHex} is not a point on secp256k1`, {
      context: { pubkey: pubkeyHex },
    });
  }
  const shared = secp.pointMultiply(point, secretKey, true);
  if (shared === null) throw new OtP2pError('bad-key', 'ECDH gave the point at infinity');
  return hkdfExtract(sha256, shared.subarray(1, 33), SALT);
}

/**
 * Per-message keys from the conversation key and the 32-byte nonce.
 * @throws OtP2pError `wrong-length` on a conversation key or nonce that is not 32 bytes.
 */
export function getMessageKeys(conversationKey: Uint8Array, nonce: Uint8Array): MessageKeys {
  if (conversationKey.length !== 32) throw new OtP2pError('wrong-length', 'conversation key must be 32 bytes');
  if (nonce.length !== 32) throw new OtP2pError('wrong-length', 'nonce must be 32 bytes');
  const keys = hkdfExpand(sha256, conversationKey, nonce, 76);
  return { chachaKey: keys.subarray(0, 32), chachaNonce: keys.subarray(32, 44), hmacKey: keys.subarray(44, 76) };
}

/**
 * The padded length of a plaintext of `len` bytes (NIP-44 `calc_padded_len`).
 * @throws OtP2pError `bad-input` when `len` is not an integer in 1..2^32-1.
 */
export function calcPaddedLen(len: number): number {
  if (!Number.isSafeInteger(len) || len < 1 || len > NIP44_MAX_PLAINTEXT_BYTES) {
    throw new OtP2pError(
      'bad-input',
      `plaintext length must be in 1..${NIP44_MAX_PLAINTEXT_BYTES}, got ${describeValue(len)}`,
    );
  }
  if (len <= 32) return 32;
  const nextPower = 2 ** (Math.floor(Math.log2(len - 1)) + 1);
  const chunk = nextPower <= 256 ? 32 : nextPower / 8;
  return chunk * (Math.floor((len - 1) / chunk) + 1);
}

function isPaddedSize(n: number): boolean {
  return n >= 32 && n <= NIP44_MAX_PLAINTEXT_BYTES && calcPaddedLen(n) === n;
}

function prefixLength(len: number): number {
  return len >= EXTENDED_THRESHOLD ? 6 : 2;
}

/**
 * Refuse a plaintext of `len` bytes outside 1..maxPlaintextBytes: what {@link pad} checks, for
 * callers that hand the plaintext to a `Signer` (which encrypts with its own limits).
 * @throws OtP2pError `bad-input` (empty), `too-large`.
 */
export function checkPlaintextSize(len: number, maxPlaintextBytes = NIP44_MAX_PLAINTEXT_BYTES): void {
  if (len < 1) throw new OtP2pError('bad-input', 'NIP-44 plaintext must not be empty');
  if (len > Math.min(maxPlaintextBytes, NIP44_MAX_PLAINTEXT_BYTES)) {
    throw new OtP2pError(
      'too-large',
      `plaintext is ${len} bytes, over the limit of ${Math.min(maxPlaintextBytes, NIP44_MAX_PLAINTEXT_BYTES)}`,
      {
        context: { length: len },
      },
    );
  }
}

/**
 * Length prefix + plaintext + zero padding.
 * @throws OtP2pError `too-large` outside 1..maxPlaintextBytes (an empty plaintext is `bad-input`).
 */
export function pad(plaintext: Uint8Array, maxPlaintextBytes = NIP44_MAX_PLAINTEXT_BYTES): Uint8Array {
  const len = plaintext.length;
  checkPlaintextSize(len, maxPlaintextBytes);
  const pre = prefixLength(len);
  const out = new Uint8Array(pre + calcPaddedLen(len));
  const view = new DataView(out.buffer);
  if (pre === 2) view.setUint16(0, len, false);
  else view.setUint32(2, len, false);
  out.set(plaintext, pre);
  return out;
}

/**
 * Reverse of {@link pad}: checks the prefix form, the length and the padded size exactly.
 * @throws OtP2pError `bad-padding`.
 */
export function unpad(padded: Uint8Array): Uint8Array {
  if (padded.length < 2) throw new OtP2pError('bad-padding', 'padded plaintext is shorter than its length prefix');
  const view = new DataView(padded.buffer, padded.byteOffset, padded.byteLength);
  let len = view.getUint16(0, false);
  let pre = 2;
  if (len === 0) {
    if (padded.length < 6) throw new OtP2pError('bad-padding', 'extended length prefix is truncated');
    len = view.getUint32(2, false);
    pre = 6;
    // The extended form is only valid where the short form cannot express the length.
    if (len < EXTENDED_THRESHOLD) throw new OtP2pError('bad-padding', `extended length prefix used for ${len} bytes`);
  }
  if (padded.length !== pre + calcPaddedLen(len)) {
    throw new OtP2pError('bad-padding', `padded size ${padded.length} does not match the declared length ${len}`);
  }
  return padded.subarray(pre, pre + len);
}

function hmacAad(key: Uint8Array, message: Uint8Array, aad: Uint8Array): Uint8Array {
  return hmac(sha256, key, concatBytes(aad, message));
}

/** Options for {@link encrypt}. */
export interface EncryptOptions {
  /** Fixed 32-byte nonce (vectors only); default: fresh from `random`. */
  nonce?: Uint8Array;
  random?: Random;
  /** Refuse plaintexts larger than this many bytes (default: the NIP maximum). */
  maxPlaintextBytes?: number;
}

/**
 * Encrypt UTF-8 text (or bytes) to a base64 NIP-44 v2 payload.
 * @throws OtP2pError `too-large` over the cap, `bad-input` for an empty plaintext, `wrong-length`
 * for a bad key or nonce.
 */
export function encrypt(
  plaintext: string | Uint8Array,
  conversationKey: Uint8Array,
  options: EncryptOptions = {},
): string {
  const nonce = options.nonce ?? (options.random ?? cryptoRandom).bytes(32);
  const keys = getMessageKeys(conversationKey, nonce);
  const padded = pad(typeof plaintext === 'string' ? utf8(plaintext) : plaintext, options.maxPlaintextBytes);
  const ciphertext = chacha20(keys.chachaKey, keys.chachaNonce, padded);
  const mac = hmacAad(keys.hmacKey, ciphertext, nonce);
  return base64.encode(concatBytes(Uint8Array.of(VERSION), nonce, ciphertext, mac));
}

/** Options for {@link decrypt}. */
export interface DecryptOptions {
  /** Refuse (before any crypto) payloads that could hold more plaintext than this. */
  maxPlaintextBytes?: number;
}

/** Size of the smallest valid payload: version + nonce + (2 + 32) + mac, base64. */
const MIN_PAYLOAD_CHARS = 132;

/** How many bytes a base64 string of `chars` characters (with `=` padding) decodes to at most. */
function decodedLength(chars: number): number {
  return Math.floor(chars / 4) * 3;
}

/**
 * The checks {@link decryptBytes} makes before any crypto (type, version marker, a length that
 * could exceed `maxPlaintextBytes` or is under the minimum), for callers that hand the payload to
 * a `Signer`: a remote signer must not be asked to decrypt what we would refuse anyway.
 * @throws OtP2pError `bad-payload`, `bad-version`, `too-large`.
 */
export function checkPayloadSize(payload: unknown, options: DecryptOptions = {}): asserts payload is string {
  if (typeof payload !== 'string')
    throw new OtP2pError('bad-payload', `payload must be a string, got ${describeValue(payload)}`);
  if (payload.startsWith('#')) throw new OtP2pError('bad-version', 'payload uses an unknown encryption version (#)');
  const cap = Math.min(options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES, NIP44_MAX_PLAINTEXT_BYTES);
  // Largest ciphertext the cap allows: its prefix plus padded length.
  const maxCipher = prefixLength(cap) + calcPaddedLen(Math.max(cap, 1));
  if (decodedLength(payload.length) > 1 + 32 + maxCipher + 32 + 2) {
    throw new OtP2pError('too-large', `payload of ${payload.length} characters could hold more than ${cap} bytes`, {
      context: { length: payload.length, maxPlaintextBytes: cap },
    });
  }
  if (payload.length < MIN_PAYLOAD_CHARS) {
    throw new OtP2pError(
      'bad-payload',
      `payload is ${payload.length} characters, under the minimum of ${MIN_PAYLOAD_CHARS}`,
      {
        context: { length: payload.length },
      },
    );
  }
}

/**
 * Decrypt a NIP-44 v2 payload to bytes.
 * @throws OtP2pError `bad-version` (a `#` or non-2 version byte), `bad-payload` (wrong length,
 * bad base64, truncated), `too-large` (could exceed `maxPlaintextBytes`; checked from the length
 * alone), `bad-mac`, `bad-padding`.
 */
export function decryptBytes(payload: string, conversationKey: Uint8Array, options: DecryptOptions = {}): Uint8Array {
  checkPayloadSize(payload, options);
  let data: Uint8Array;
  try {
    data = base64.decode(payload);
  } catch (cause) {
    throw new OtP2pError('bad-payload', 'payload is not valid base64', { context: { length: payload.length }, cause });
  }
  if (data.length < 99)
    throw new OtP2pError('bad-payload', `payload decodes to ${data.length} bytes, under the minimum of 99`);
  if (data[0] !== VERSION)
    throw new OtP2pError('bad-version', `payload has encryption version ${data[0]}, expected 2`, {
      context: { version: data[0] },
    });
  const nonce = data.subarray(1, 33);
  const ciphertext = data.subarray(33, data.length - 32);
  const mac = data.subarray(data.length - 32);
  const keys = getMessageKeys(conversationKey, nonce);
  if (!equalBytes(hmacAad(keys.hmacKey, ciphertext, nonce), mac)) {
    // Name the likelier cause: a ciphertext that is not a prefix plus a padded size was cut or
    // extended in transit. (Only after the MAC: an authentic odd size is a padding error.)
    if (!isPaddedSize(ciphertext.length - 2) && !isPaddedSize(ciphertext.length - 6)) {
      throw new OtP2pError(
        'bad-payload',
        `ciphertext of ${ciphertext.length} bytes is not a prefix plus a padded size (truncated?)`,
        {
          context: { length: ciphertext.length },
        },
      );
    }
    throw new OtP2pError('bad-mac', 'payload MAC does not verify');
  }
  return unpad(chacha20(keys.chachaKey, keys.chachaNonce, ciphertext));
}

/**
 * Decrypt a NIP-44 v2 payload to UTF-8 text.
 * @throws OtP2pError as {@link decryptBytes}, and `bad-padding` when the plaintext is not UTF-8.
 */
export function decrypt(payload: string, conversationKey: Uint8Array, options: DecryptOptions = {}): string {
  const bytes = decryptBytes(payload, conversationKey, options);
  try {
    return fromUtf8(bytes, 'NIP-44 plaintext');
  } catch (cause) {
    throw new OtP2pError('bad-padding', 'NIP-44 plaintext is not valid UTF-8', { cause });
  }
}
