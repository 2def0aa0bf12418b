/**
 * BIP39 mnemonics (English wordlist): generate, normalise, validate, and turn into the BIP32
 * seed. The mnemonic is a secret: it never appears in an error message, only its word count.
 */
import { entropyToMnemonic, mnemonicToEntropy, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { OtP2pError } from '../core/errors.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';

/** Word counts BIP39 allows, and the entropy (bytes) each one carries. */
export const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const;

/**
 * Generate a fresh 24-word mnemonic (256 bits of entropy). `random` must be a CSPRNG in
 * production; it is injectable so tests can be deterministic.
 */
export function generateMnemonic(random: Random = cryptoRandom): string {
  return entropyToMnemonic(random.bytes(32), wordlist);
}

/**
 * Normalise what a user typed or piped: NFKD (as BIP39 does), lower case, single spaces.
 * Does not validate.
 */
export function normalizeMnemonic(text: string): string {
  return text.normalize('NFKD').trim().toLowerCase().split(/\s+/u).filter(Boolean).join(' ');
}

/**
 * Normalise and validate a mnemonic (word count, words in the English list, checksum).
 * @returns the normalised mnemonic.
 * @throws OtP2pError `bad-mnemonic` naming only the word count or the position of an unknown
 *   word, never the words themselves.
 */
export function checkMnemonic(text: string): string {
  if (typeof text !== 'string') throw new OtP2pError('bad-mnemonic', 'mnemonic must be a string of words');
  const m = normalizeMnemonic(text);
  const words = m === '' ? [] : m.split(' ');
  if (!(MNEMONIC_WORD_COUNTS as readonly number[]).includes(words.length)) {
    throw new OtP2pError('bad-mnemonic', `mnemonic must have 12, 15, 18, 21 or 24 words, got ${words.length}`, {
      context: { words: words.length },
    });
  }
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) {
    throw new OtP2pError('bad-mnemonic', `mnemonic word ${unknown + 1} is not in the BIP39 English wordlist`, {
      context: { position: unknown + 1 },
    });
  }
  if (!validateMnemonic(m, wordlist)) {
    throw new OtP2pError('bad-mnemonic', `mnemonic checksum does not match (${words.length} words)`, {
      context: { words: words.length },
    });
  }
  return m;
}

/** Whether `text` is a valid BIP39 English mnemonic. */
export function isValidMnemonic(text: string): boolean {
  try {
    checkMnemonic(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The mnemonic's entropy (16..32 bytes).
 * @throws OtP2pError `bad-mnemonic`.
 */
export function mnemonicEntropy(mnemonic: string): Uint8Array {
  return mnemonicToEntropy(checkMnemonic(mnemonic), wordlist);
}

/**
 * The mnemonic for an entropy of 16, 20, 24, 28 or 32 bytes.
 * @throws OtP2pError `bad-mnemonic` on another length.
 */
export function entropyMnemonic(entropy: Uint8Array): string {
  if (![16, 20, 24, 28, 32].includes(entropy.length)) {
    throw new OtP2pError('bad-mnemonic', `mnemonic entropy must be 16..32 bytes in steps of 4, got ${entropy.length}`);
  }
  return entropyToMnemonic(entropy, wordlist);
}

/**
 * The 64-byte BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds) with an optional passphrase
 * ("25th word"; NFKD-normalised by BIP39, empty by default).
 * @throws OtP2pError `bad-mnemonic`.
 */
export function mnemonicToSeed(mnemonic: string, passphrase = ''): Uint8Array {
  return mnemonicToSeedSync(checkMnemonic(mnemonic), passphrase);
}
