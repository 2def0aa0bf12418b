import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as nt from 'nostr-tools/nip49';
import {
  bech32Decode,
  bech32Encode,
  formatNcryptsec,
  nip49Decrypt,
  nip49Encrypt,
  nip49PasswordBytes,
  parseNcryptsec,
} from '../../src/keys/index.ts';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';
import { errorOf } from '../helpers/errors.ts';

interface RoundTrip {
  password: string;
  secret_key_hex: string;
  log_n: number;
  key_security_byte: 0 | 1 | 2;
  ncryptsec: string;
}
interface File {
  spec_decrypt: { ncryptsec: string; password: string; log_n: number; secret_key_hex: string }[];
  spec_nfkc: { input_utf8: string; nfkc_utf8: string };
  nostr_tools_roundtrip: RoundTrip[];
}

describe.skipIf(!HAS_SHARED)('NIP-49 vectors (../shared/vectors/nip49.vectors.json)', () => {
  const file = HAS_SHARED
    ? readVectors<File>('nip49.vectors.json')
    : ({ spec_decrypt: [], spec_nfkc: { input_utf8: '', nfkc_utf8: '' }, nostr_tools_roundtrip: [] } as File);

  it.each(file.spec_decrypt.map((v) => [v.log_n, v] as const))('decrypts the spec vector (log_n %i)', (_n, v) => {
    expect(parseNcryptsec(v.ncryptsec).logN).toBe(v.log_n);
    expect(bytesToHex(nip49Decrypt(v.ncryptsec, v.password))).toBe(v.secret_key_hex);
  });

  it('normalises passwords to NFKC as the spec example shows', () => {
    const input = new TextDecoder().decode(hexToBytes(file.spec_nfkc.input_utf8));
    expect(bytesToHex(nip49PasswordBytes(input))).toBe(file.spec_nfkc.nfkc_utf8);
  });

  it.each(file.nostr_tools_roundtrip.map((v, i) => [i, v.log_n, v] as const))(
    'vector %i (log_n %i) decrypts, and re-encrypts to a string that decrypts',
    (_i, _n, v) => {
      const n = parseNcryptsec(v.ncryptsec);
      expect(n.logN).toBe(v.log_n);
      expect(n.keySecurity).toBe(v.key_security_byte);
      expect(bytesToHex(nip49Decrypt(v.ncryptsec, v.password))).toBe(v.secret_key_hex);
      const again = nip49Encrypt(hexToBytes(v.secret_key_hex), v.password, {
        logN: v.log_n,
        keySecurity: v.key_security_byte,
      });
      expect(again).not.toBe(v.ncryptsec); // fresh salt and nonce
      expect(bytesToHex(nip49Decrypt(again, v.password))).toBe(v.secret_key_hex);
      expect(bytesToHex(nt.decrypt(again, v.password))).toBe(v.secret_key_hex);
    },
  );

  it('refuses a wrong password with bad-password and never names the password', () => {
    const v = file.nostr_tools_roundtrip[0] as RoundTrip;
    const e = errorOf(() => nip49Decrypt(v.ncryptsec, `${v.password}x`));
    expect(e.code).toBe('bad-password');
    expect(`${e.message}${JSON.stringify(e.toJSON())}`).not.toContain(v.password);
  });
});

const SK = hexToBytes('14c226dbdd865d5e1645e72c7470fd0a17feb42cc87b750bab6538171b3a3f8a');

describe('NIP-49 invalid input', () => {
  const good = nip49Encrypt(SK, 'pw', { logN: 2, random: new SeededRandom(1) });
  const bytes = bech32Decode(good).bytes;
  const withByte = (i: number, b: number): string => {
    const c = Uint8Array.from(bytes);
    c[i] = b;
    return bech32Encode('ncryptsec', c);
  };

  it('refuses log_n > 22 with scrypt-too-costly before allocating', () => {
    for (const n of [23, 30, 255]) {
      const before = process.memoryUsage().rss;
      expect(errorOf(() => nip49Decrypt(withByte(1, n), 'pw')).code).toBe('scrypt-too-costly');
      expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    }
    expect(errorOf(() => nip49Encrypt(SK, 'pw', { logN: 23 })).code).toBe('scrypt-too-costly');
  });

  it('refuses a bad version, key security byte or log_n 0', () => {
    expect(errorOf(() => parseNcryptsec(withByte(0, 1))).code).toBe('bad-ncryptsec');
    expect(errorOf(() => parseNcryptsec(withByte(42, 3))).code).toBe('bad-ncryptsec');
    expect(errorOf(() => parseNcryptsec(withByte(1, 0))).code).toBe('bad-input');
  });

  it('detects any altered byte as bad-password (authenticated encryption)', () => {
    for (const i of [2, 17, 18, 41, 43, 60, 90]) {
      const c = Uint8Array.from(bytes);
      c[i] = (c[i] as number) ^ 1;
      expect(errorOf(() => nip49Decrypt(bech32Encode('ncryptsec', c), 'pw')).code).toBe('bad-password');
    }
    // the key security byte is associated data: changing it must fail too
    expect(errorOf(() => nip49Decrypt(withByte(42, (bytes[42] as number) === 2 ? 1 : 2), 'pw')).code).toBe(
      'bad-password',
    );
  });

  it('refuses wrong prefixes, lengths and checksums with their codes', () => {
    expect(errorOf(() => parseNcryptsec(bech32Encode('nsec', SK))).code).toBe('wrong-prefix');
    expect(errorOf(() => parseNcryptsec(bech32Encode('ncryptsec', bytes.subarray(0, 90)))).code).toBe('wrong-length');
    expect(errorOf(() => parseNcryptsec(`${good.slice(0, -1)}${good.endsWith('q') ? 'p' : 'q'}`)).code).toBe(
      'bad-checksum',
    );
    expect(errorOf(() => nip49Encrypt(SK.subarray(0, 31), 'pw', { logN: 1 })).code).toBe('wrong-length');
  });

  it('formats what it parses', () => {
    expect(formatNcryptsec(parseNcryptsec(good))).toBe(good);
  });
});

describe('NIP-49 properties (low log_n for speed)', () => {
  it('decrypt(encrypt(k, p), p) == k, with NFKC-equivalent passwords', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ maxLength: 24, unit: 'grapheme' }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 1, 2),
        (sk, pw, logN, ks) => {
          const enc = nip49Encrypt(sk, pw, { logN, keySecurity: ks as 0 | 1 | 2 });
          expect(nip49Decrypt(enc, pw)).toEqual(sk);
          expect(nip49Decrypt(enc, pw.normalize('NFD'))).toEqual(sk);
          expect(parseNcryptsec(enc)).toMatchObject({ logN, keySecurity: ks });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agrees with nostr-tools both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ maxLength: 16 }), (sk, pw) => {
        expect(nip49Decrypt(nt.encrypt(sk, pw, 2, 1), pw)).toEqual(sk);
        expect(nt.decrypt(nip49Encrypt(sk, pw, { logN: 2 }), pw)).toEqual(sk);
      }),
      { numRuns: 30 },
    );
  });

  it('never crashes on arbitrary payloads: a value or an OtP2pError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), (b) => {
        try {
          nip49Decrypt(bech32Encode('ncryptsec', b), 'pw');
        } catch (e) {
          expect(e).toBeInstanceOf(OtP2pError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
