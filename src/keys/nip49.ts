/**
 * NIP-49 private key encryption (`ncryptsec`): scrypt(NFKC(password), salt, 2^log_n, r=8, p=1)
 * gives a 32-byte key; XChaCha20-Poly1305 with the key-security byte as associated data seals
 * the 32-byte secret.
 *
 * Layout (91 bytes, bech32 prefix `ncryptsec`): version 0x02 | log_n | salt(16) | nonce(24) |
 * key_security(1) | ciphertext+tag(48).
 *
 * `log_n` above {@link NIP49_MAX_LOG_N} is refused before any memory is allocated: a hostile
 * ncryptsec must not make us reserve 8 GiB. Scrypt memory is 128 * r * 2^log_n bytes
 * (64 MiB at the default 16, 4 GiB at 22).
 */
import { scryptSync } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { concatBytes, utf8 } from '../core/bytes.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import { bech32Decode, bech32Encode } from './bech32.ts';

/** Default scrypt cost (2^16: ~0.5 s and 64 MiB here). */
export const NIP49_DEFAULT_LOG_N = 16;
/** Highest scrypt cost accepted (4 GiB). */
export const NIP49_MAX_LOG_N = 22;
/** NIP-49 version byte. */
export const NIP49_VERSION = 0x02;
const ENCODED_LENGTH = 91;

/**
 * NIP-49 key security byte: 0 = known to have been handled insecurely, 1 = not known to have
 * been handled insecurely, 2 = unknown.
 */
export type KeySecurity = 0 | 1 | 2;

/** The fields of an ncryptsec. */
export interface Ncryptsec {
  logN: number;
  salt: Uint8Array;
  nonce: Uint8Array;
  keySecurity: KeySecurity;
  ciphertext: Uint8Array;
}

function checkLogN(logN: unknown): number {
  if (typeof logN !== 'number' || !Number.isInteger(logN) || logN < 1) {
    throw new OtP2pError('bad-input', `log_n must be a positive integer, got ${describeValue(logN)}`, {
      context: { field: 'log_n' },
    });
  }
  if (logN > NIP49_MAX_LOG_N) {
    throw new OtP2pError(
      'scrypt-too-costly',
      `log_n ${logN} would need ${2 ** (logN - 13)} MiB of memory; the limit is log_n ${NIP49_MAX_LOG_N}`,
      {
        context: { logN, max: NIP49_MAX_LOG_N },
      },
    );
  }
  return logN;
}

/** Password bytes: NFKC-normalised UTF-8, as NIP-49 requires. */
export function nip49PasswordBytes(password: string): Uint8Array {
  if (typeof password !== 'string') throw new OtP2pError('bad-input', 'password must be a string');
  return utf8(password.normalize('NFKC'));
}

/**
 * The 32-byte symmetric key for a password, salt and cost. Exposed so a vault holding several
 * ncryptsecs with one salt runs scrypt once.
 * @throws OtP2pError `scrypt-too-costly` when log_n > 22 (before allocating), `bad-input`.
 */
export function nip49Key(password: string, salt: Uint8Array, logN: number): Uint8Array {
  checkLogN(logN);
  if (salt.length !== 16) throw new OtP2pError('wrong-length', `salt must be 16 bytes, got ${salt.length}`);
  const r = 8;
  // OpenSSL counts the block buffer (128 * r * p) on top of the 128 * r * (N + 2) work area.
  const maxmem = 128 * r * (2 ** logN + 3);
  // Node's scrypt (OpenSSL, native) takes about half the time of a pure-JS one: the unlock is the
  // largest fixed cost of every CLI command that opens the vault.
  return new Uint8Array(scryptSync(nip49PasswordBytes(password), salt, 32, { N: 2 ** logN, r, p: 1, maxmem }));
}

/**
 * Parse an ncryptsec without decrypting it.
 * @throws OtP2pError `bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`,
 *   `bad-ncryptsec` (version, key security byte), `scrypt-too-costly` (log_n > 22).
 */
export function parseNcryptsec(text: string): Ncryptsec {
  const d = bech32Decode(text, 'ncryptsec');
  if (d.prefix !== 'ncryptsec') {
    throw new OtP2pError('wrong-prefix', `expected an ncryptsec, got a ${describeValue(d.prefix, 12)} string`, {
      context: { expected: 'ncryptsec' },
    });
  }
  const b = d.bytes;
  if (b.length !== ENCODED_LENGTH) {
    throw new OtP2pError('wrong-length', `ncryptsec must carry ${ENCODED_LENGTH} bytes, got ${b.length}`, {
      context: { length: b.length },
    });
  }
  if (b[0] !== NIP49_VERSION)
    throw new OtP2pError('bad-ncryptsec', `ncryptsec version must be 2, got ${b[0]}`, { context: { version: b[0] } });
  const logN = checkLogN(b[1]);
  const keySecurity = b[42] as number;
  if (keySecurity > 2)
    throw new OtP2pError('bad-ncryptsec', `ncryptsec key security byte must be 0, 1 or 2, got ${keySecurity}`);
  return {
    logN,
    salt: b.slice(2, 18),
    nonce: b.slice(18, 42),
    keySecurity: keySecurity as KeySecurity,
    ciphertext: b.slice(43),
  };
}

/** Serialise parsed fields back into an ncryptsec string. */
export function formatNcryptsec(n: Ncryptsec): string {
  return bech32Encode(
    'ncryptsec',
    concatBytes(
      Uint8Array.of(NIP49_VERSION, checkLogN(n.logN)),
      n.salt,
      n.nonce,
      Uint8Array.of(n.keySecurity),
      n.ciphertext,
    ),
  );
}

/**
 * Seal 32 bytes with an already derived key (see {@link nip49Key}); a fresh random nonce each time.
 * @throws OtP2pError `wrong-length` when the secret is not 32 bytes.
 */
export function nip49SealWithKey(
  secret: Uint8Array,
  key: Uint8Array,
  salt: Uint8Array,
  logN: number,
  keySecurity: KeySecurity = 2,
  random: Random = cryptoRandom,
): string {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new OtP2pError(
      'wrong-length',
      `NIP-49 encrypts exactly 32 bytes, got ${secret instanceof Uint8Array ? secret.length : typeof secret}`,
    );
  }
  if (keySecurity !== 0 && keySecurity !== 1 && keySecurity !== 2)
    throw new OtP2pError('bad-input', `key security must be 0, 1 or 2, got ${describeValue(keySecurity)}`);
  const nonce = random.bytes(24);
  const ciphertext = xchacha20poly1305(key, nonce, Uint8Array.of(keySecurity)).encrypt(secret);
  return formatNcryptsec({ logN, salt, nonce, keySecurity, ciphertext });
}

/**
 * Open parsed fields with an already derived key.
 * @throws OtP2pError `bad-password` when authentication fails (wrong password or altered data).
 */
export function nip49OpenWithKey(n: Ncryptsec, key: Uint8Array): Uint8Array {
  try {
    return xchacha20poly1305(key, n.nonce, Uint8Array.of(n.keySecurity)).decrypt(n.ciphertext);
  } catch {
    throw new OtP2pError('bad-password', 'wrong password (or the ncryptsec was altered)');
  }
}

/** Options for {@link nip49Encrypt}. */
export interface Nip49EncryptOptions {
  /** scrypt cost, 1..22; default 16. */
  logN?: number;
  /** Key security byte; default 2 (unknown). */
  keySecurity?: KeySecurity;
  /** Randomness for salt and nonce (a CSPRNG outside tests). */
  random?: Random;
}

/**
 * Encrypt a 32-byte secret key under a password into an ncryptsec.
 * @throws OtP2pError `wrong-length`, `scrypt-too-costly`, `bad-input`.
 */
export function nip49Encrypt(secretKey: Uint8Array, password: string, options: Nip49EncryptOptions = {}): string {
  const logN = checkLogN(options.logN ?? NIP49_DEFAULT_LOG_N);
  const random = options.random ?? cryptoRandom;
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new OtP2pError(
      'wrong-length',
      `NIP-49 encrypts exactly 32 bytes, got ${secretKey instanceof Uint8Array ? secretKey.length : typeof secretKey}`,
    );
  }
  const salt = random.bytes(16);
  return nip49SealWithKey(secretKey, nip49Key(password, salt, logN), salt, logN, options.keySecurity ?? 2, random);
}

/**
 * Decrypt an ncryptsec with a password.
 * @throws OtP2pError `bad-password` (wrong password or altered data), `scrypt-too-costly`
 *   (log_n > 22, refused before allocating), and the parse codes of {@link parseNcryptsec}.
 */
export function nip49Decrypt(ncryptsec: string, password: string): Uint8Array {
  const n = parseNcryptsec(ncryptsec);
  return nip49OpenWithKey(n, nip49Key(password, n.salt, n.logN));
}
