/**
 * OT's signature scheme on inputs a real folder does not hold: escaped lines, CRLF, hostile key
 * material and contracts. Generated inputs, named so; the real files are in classic-real.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { packString } from '../../src/otapi/armor.ts';
import {
  contractIdMatches,
  decodeOtPublicKey,
  otDigest,
  signerKeys,
  trustContract,
  verifyOtSignature,
} from '../../src/otapi/otcrypto.ts';
import { otSignedPortion, parseSignedContract } from '../../src/otapi/signed.ts';
import { codeOf } from '../helpers/errors.ts';
import { signClassic, testNotary } from './ot-signing.ts';

describe('the signed portion (OT ParseRawFile)', () => {
  it('skips the Hash line and the one after it, keeps escaped dashes, ends each line with LF, reads CRLF as LF', () => {
    const text =
      '-----BEGIN SIGNED MINT-----\nHash: SAMY\n\n<a>\n- -----BEGIN X-----\n</a>\n-----BEGIN MINT SIGNATURE-----\nxx\n-----END MINT SIGNATURE-----\n';
    expect(otSignedPortion(text)).toBe('<a>\n- -----BEGIN X-----\n</a>\n');
    expect(otSignedPortion(text.replace(/\n/g, '\r\n'))).toBe('<a>\n- -----BEGIN X-----\n</a>\n');
  });

  it('knows SAMY and HASH256 only', () => {
    expect(otDigest('SAMY', Buffer.from('x'))).toHaveLength(32);
    const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
    expect(otDigest('hash256', Buffer.from('x'))?.equals(sha(sha(Buffer.from('x'))))).toBe(true);
    expect(otDigest('SHA1', Buffer.from('x'))).toBeUndefined();
  });
});

describe('signatures with a test notary key', () => {
  const notary = testNotary();
  const body = '<?xml version="1.0"?>\n<mint serverID="x">\n</mint>';
  const signed = signClassic(notary.key, 'MINT', body);

  it('verify, and fail on one flipped byte, on another key, or on an unknown hash', () => {
    const keys = signerKeys(notary.contractText);
    expect(keys).toHaveLength(1);
    expect(verifyOtSignature(parseSignedContract(signed), keys, notary.nymId)).toEqual({
      ok: true,
      signer: notary.nymId,
      credentialId: 'testcred',
    });
    expect(verifyOtSignature(parseSignedContract(signed.replace('serverID="x"', 'serverID="y"')), keys).reason).toBe(
      'bad-signature',
    );
    expect(
      verifyOtSignature(parseSignedContract(signed), signerKeys(testNotary().contractText), notary.nymId).reason,
    ).toBe('no-key');
    expect(verifyOtSignature(parseSignedContract(signed.replace('Hash: SAMY', 'Hash: MD5')), keys).reason).toBe(
      'unsupported-hash',
    );
  });

  it('trusts a contract only under the ID its text hashes to', () => {
    expect(contractIdMatches(notary.contractText, notary.id)).toBe(true);
    expect(trustContract(notary.id, notary.contractText).signature.ok).toBe(true);
    expect(codeOf(() => trustContract(notary.id, notary.contractText.replace('Test notary', 'Test notarY')))).toBe(
      'bad-signature',
    );
  });
});

describe('hostile key material', () => {
  it('refuses a publicInfo that is not an RSA key (bad-ot-file)', () => {
    expect(codeOf(() => decodeOtPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'))).toBe(
      'bad-ot-file',
    );
  });

  it('opens a bounded number of packed values in a contract full of them, without throwing', () => {
    const junk = packString(`<x>\n${`<credential ID="c">${packString('<y/>')}</credential>\n`.repeat(50)}</x>`);
    const contract = `<?xml version="1.0"?>\n<c>\n<signer nymID="n">\n${`<credential ID="a">${junk}</credential>\n`.repeat(400)}</signer>\n</c>`;
    expect(signerKeys(contract)).toEqual([]);
  });
});
