import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { v2 as ntNip44 } from 'nostr-tools/nip44';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.ts';
import type { ErrorCode } from '../../src/core/errors.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import {
  DEFAULT_MAX_PLAINTEXT_BYTES,
  NIP44_MAX_PLAINTEXT_BYTES,
  calcPaddedLen,
  decrypt,
  encrypt,
  getConversationKey,
  getMessageKeys,
} from '../../src/messaging/nip44.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';
import { codeOf } from '../helpers/errors.ts';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

interface V2 {
  valid: {
    get_conversation_key: { sec1: string; pub2: string; conversation_key: string }[];
    get_message_keys: {
      conversation_key: string;
      keys: { nonce: string; chacha_key: string; chacha_nonce: string; hmac_key: string }[];
    };
    calc_padded_len: [number, number][];
    encrypt_decrypt: {
      sec1: string;
      sec2: string;
      conversation_key: string;
      nonce: string;
      plaintext: string;
      payload: string;
    }[];
    encrypt_decrypt_long_msg: {
      conversation_key: string;
      nonce: string;
      pattern: string;
      repeat: number;
      plaintext_sha256: string;
      payload_sha256: string;
    }[];
  };
  invalid: {
    encrypt_msg_lengths: number[];
    get_conversation_key: { sec1: string; pub2: string; note: string }[];
    decrypt: { conversation_key: string; nonce: string; plaintext: string; payload: string; note: string }[];
  };
}

describe.skipIf(!HAS_SHARED)('NIP-44 v2 vectors (../shared/vectors/nip44.vectors.json)', () => {
  const v = HAS_SHARED ? readVectors<{ v2: V2 }>('nip44.vectors.json').v2 : (undefined as unknown as V2);

  it('valid.get_conversation_key', () => {
    expect(v.valid.get_conversation_key.length).toBeGreaterThan(30);
    for (const t of v.valid.get_conversation_key) {
      expect(bytesToHex(getConversationKey(hexToBytes(t.sec1), t.pub2))).toBe(t.conversation_key);
    }
  });

  it('valid.get_message_keys', () => {
    const ck = hexToBytes(v.valid.get_message_keys.conversation_key);
    for (const k of v.valid.get_message_keys.keys) {
      const m = getMessageKeys(ck, hexToBytes(k.nonce));
      expect([bytesToHex(m.chachaKey), bytesToHex(m.chachaNonce), bytesToHex(m.hmacKey)]).toEqual([
        k.chacha_key,
        k.chacha_nonce,
        k.hmac_key,
      ]);
    }
  });

  it('valid.calc_padded_len', () => {
    for (const [len, padded] of v.valid.calc_padded_len) expect(calcPaddedLen(len)).toBe(padded);
  });

  it('valid.encrypt_decrypt, both directions of the conversation key', () => {
    for (const t of v.valid.encrypt_decrypt) {
      const sec1 = hexToBytes(t.sec1);
      const sec2 = hexToBytes(t.sec2);
      const ck1 = getConversationKey(sec1, getPublicKey(sec2));
      const ck2 = getConversationKey(sec2, getPublicKey(sec1));
      expect(bytesToHex(ck1)).toBe(t.conversation_key);
      expect(bytesToHex(ck2)).toBe(t.conversation_key);
      expect(encrypt(t.plaintext, ck1, { nonce: hexToBytes(t.nonce) })).toBe(t.payload);
      expect(decrypt(t.payload, ck2)).toBe(t.plaintext);
    }
  });

  it('valid.encrypt_decrypt_long_msg', () => {
    for (const t of v.valid.encrypt_decrypt_long_msg) {
      const plaintext = t.pattern.repeat(t.repeat);
      expect(sha(plaintext)).toBe(t.plaintext_sha256);
      const ck = hexToBytes(t.conversation_key);
      const payload = encrypt(plaintext, ck, { nonce: hexToBytes(t.nonce) });
      expect(sha(payload)).toBe(t.payload_sha256);
      expect(decrypt(payload, ck, { maxPlaintextBytes: 70_000 })).toBe(plaintext);
    }
  });

  it('invalid.encrypt_msg_lengths: 0 is refused; >= 65536 is valid under the current NIP but over our cap', () => {
    const ck = hexToBytes(v.valid.encrypt_decrypt[0]!.conversation_key);
    for (const len of v.invalid.encrypt_msg_lengths) {
      if (len === 0) expect(codeOf(() => encrypt('', ck))).toBe('bad-input');
      else
        expect(codeOf(() => encrypt(new Uint8Array(len), ck, { maxPlaintextBytes: DEFAULT_MAX_PLAINTEXT_BYTES }))).toBe(
          'too-large',
        );
    }
    expect(DEFAULT_MAX_PLAINTEXT_BYTES).toBeLessThan(65536);
  });

  it('invalid.get_conversation_key -> bad-key', () => {
    for (const t of v.invalid.get_conversation_key) {
      expect(
        codeOf(() => getConversationKey(hexToBytes(t.sec1), t.pub2)),
        t.note,
      ).toBe('bad-key');
    }
  });

  it('invalid.decrypt -> the exact code for each failure', () => {
    const expected = (note: string): ErrorCode => {
      if (note.startsWith('unknown encryption version')) return 'bad-version';
      if (note === 'invalid base64' || note.startsWith('invalid payload length')) return 'bad-payload';
      if (note === 'invalid MAC') return 'bad-mac';
      if (note === 'invalid padding') return 'bad-padding';
      throw new Error(`unmapped vector note ${note}`);
    };
    for (const t of v.invalid.decrypt) {
      expect(
        codeOf(() => decrypt(t.payload, hexToBytes(t.conversation_key))),
        t.note,
      ).toBe(expected(t.note));
    }
  });
});

interface Extended {
  conversation_key: string;
  nonce: string;
  vectors: {
    plaintext_len: number;
    prefix: 'u16' | 'extended';
    padded_len: number;
    plaintext_sha256: string;
    payload_sha256: string;
  }[];
}

describe.skipIf(!HAS_SHARED)(
  'NIP-44 extended length prefix (../shared/vectors/nip44-extended-prefix.vectors.json)',
  () => {
    it('encrypts to the exact payloads and decrypts them when the cap allows', () => {
      const x = readVectors<Extended>('nip44-extended-prefix.vectors.json');
      const ck = hexToBytes(x.conversation_key);
      for (const t of x.vectors) {
        const plaintext = 'a'.repeat(t.plaintext_len);
        expect(sha(plaintext)).toBe(t.plaintext_sha256);
        expect(calcPaddedLen(t.plaintext_len)).toBe(t.padded_len);
        const payload = encrypt(plaintext, ck, { nonce: hexToBytes(x.nonce) });
        expect(sha(payload)).toBe(t.payload_sha256);
        const raw = Buffer.from(payload, 'base64');
        expect(raw.length).toBe(1 + 32 + (t.prefix === 'u16' ? 2 : 6) + t.padded_len + 32);
        expect(decrypt(payload, ck, { maxPlaintextBytes: NIP44_MAX_PLAINTEXT_BYTES })).toBe(plaintext);
        // The application cap refuses it from the length alone.
        expect(codeOf(() => decrypt(payload, ck, { maxPlaintextBytes: 1000 }))).toBe('too-large');
      }
    });
  },
);

describe('NIP-44 properties', () => {
  const sk1 = hexToBytes('0000000000000000000000000000000000000000000000000000000000000003');
  const sk2 = hexToBytes('0000000000000000000000000000000000000000000000000000000000000004');
  const ck = getConversationKey(sk1, getPublicKey(sk2));

  it('round-trips any text and matches nostr-tools both ways', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 400, unit: 'binary' }), (s) => {
        const ours = encrypt(s, ck);
        expect(ntNip44.decrypt(ours, ck)).toBe(s);
        expect(decrypt(ntNip44.encrypt(s, ck), ck)).toBe(s);
      }),
      { numRuns: 150 },
    );
  });

  it('any mutation of a payload fails with a typed code, never a foreign error', () => {
    const payload = encrypt('hello there, a payment quote', ck);
    fc.assert(
      fc.property(
        fc.nat(payload.length - 1),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=#-_ '.split('')),
        (i, ch) => {
          const mutated = payload.slice(0, i) + ch + payload.slice(i + 1);
          if (mutated === payload) return;
          const code = codeOf(() => decrypt(mutated, ck));
          expect(['bad-payload', 'bad-mac', 'bad-version', 'bad-padding']).toContain(code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('truncated payloads are bad-payload or bad-mac', () => {
    const payload = encrypt('x'.repeat(100), ck);
    for (let n = 0; n < payload.length; n += 7) {
      expect(['bad-payload', 'bad-mac']).toContain(codeOf(() => decrypt(payload.slice(0, n), ck)));
    }
  });

  it('arbitrary strings never throw anything but a typed error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(codeOf(() => decrypt(s, ck))).not.toBe('foreign-error');
      }),
      { numRuns: 300 },
    );
  });
});
