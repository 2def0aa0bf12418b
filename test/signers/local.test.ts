import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import type { OtP2pError } from '../../src/core/errors.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import { verifySignature } from '../../src/events/verify.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { HAS_SHARED, SHARED_MISSING, readVectors } from '../helpers/shared.ts';

const SK = hexToBytes('11'.repeat(32));

describe('LocalSigner', () => {
  it('signs as its key and never shows the key', async () => {
    const s = new LocalSigner(SK, 'nsec');
    const e = await s.signEvent({ kind: 1, created_at: 1_700_000_000, tags: [], content: 'x' });
    expect(e.pubkey).toBe(getPublicKey(SK));
    expect(verifySignature(e.id, e.pubkey, e.sig)).toBe(true);
    expect(JSON.stringify(s)).not.toContain('11'.repeat(32));
    expect(s.identityKind).toBe('nsec');
  });

  it('rejects a key outside the curve order with bad-key', () => {
    try {
      new LocalSigner(new Uint8Array(32), 'seed');
      throw new Error('accepted');
    } catch (e) {
      expect((e as OtP2pError).code).toBe('bad-key');
    }
  });

  it.skipIf(!HAS_SHARED)(
    `decrypts the official NIP-44 vectors (${HAS_SHARED ? 'from ../shared' : SHARED_MISSING})`,
    async () => {
      type V = { sec1: string; sec2: string; plaintext: string; payload: string };
      const vectors = readVectors<{ v2: { valid: { encrypt_decrypt: V[] } } }>('nip44.vectors.json').v2.valid
        .encrypt_decrypt;
      for (const v of vectors.slice(0, 10)) {
        const s = new LocalSigner(hexToBytes(v.sec2), 'nsec');
        expect(await s.nip44Decrypt(getPublicKey(hexToBytes(v.sec1)), v.payload)).toBe(v.plaintext);
      }
    },
  );
});
