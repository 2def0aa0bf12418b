import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkMnemonic,
  entropyMnemonic,
  generateMnemonic,
  isValidMnemonic,
  mnemonicEntropy,
  mnemonicToSeed,
} from '../../src/keys/index.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { errorOf } from '../helpers/errors.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('BIP39', () => {
  it('matches the Trezor reference vector (passphrase TREZOR)', () => {
    expect(bytesToHex(mnemonicToSeed(ABANDON, 'TREZOR'))).toBe(
      'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
    );
  });

  it('generates 24 valid words from 32 bytes of entropy', () => {
    const m = generateMnemonic();
    expect(m.split(' ')).toHaveLength(24);
    expect(isValidMnemonic(m)).toBe(true);
    expect(generateMnemonic()).not.toBe(m);
    expect(generateMnemonic(new SeededRandom(5))).toBe(generateMnemonic(new SeededRandom(5)));
  });

  it('normalises spacing and case', () => {
    expect(checkMnemonic(`  ${ABANDON.toUpperCase().replace(/ /g, ' \n\t')}  `)).toBe(ABANDON);
  });

  it('refuses bad mnemonics with bad-mnemonic and never quotes the words', () => {
    const cases = [
      '',
      'abandon abandon abandon',
      ABANDON.replace('about', 'abandon'), // checksum
      ABANDON.replace('about', 'zzzzz'), // unknown word
      `${ABANDON} abandon`, // 13 words
    ];
    for (const c of cases) {
      const e = errorOf(() => checkMnemonic(c));
      expect(e.code).toBe('bad-mnemonic');
      expect(e.message).not.toContain('abandon');
      expect(e.message).not.toContain('zzzzz');
      expect(JSON.stringify(e.toJSON())).not.toContain('abandon');
    }
    expect(errorOf(() => checkMnemonic(ABANDON.replace('about', 'zzzzz'))).message).toContain('word 12');
  });

  it('entropy round-trips for every BIP39 length', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 20, 24, 28, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        (e) => {
          const m = entropyMnemonic(e);
          expect(m.split(' ')).toHaveLength((e.length * 3) / 4);
          expect(mnemonicEntropy(m)).toEqual(e);
        },
      ),
      { numRuns: 100 },
    );
    expect(errorOf(() => entropyMnemonic(new Uint8Array(17))).code).toBe('bad-mnemonic');
  });
});
