import { describe, expect, it } from 'vitest';
import {
  deriveIdentity,
  mnemonicToSeed,
  nip06Path,
  nostrKeyFromSeed,
  npubEncode,
  nsecEncode,
  publicKeyOf,
} from '../../src/keys/index.ts';
import { HDKey } from '@scure/bip32';
import { bytesToHex } from '../../src/core/bytes.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import { HAS_SHARED, readVectors } from '../helpers/shared.ts';

interface Nip06Vector {
  mnemonic: string;
  passphrase: string;
  account: number;
  private_key_hex: string;
  public_key_hex?: string;
  nsec?: string;
  npub?: string;
  account_xprv?: string;
  account_xpub?: string;
}

describe.skipIf(!HAS_SHARED)('NIP-06 vectors (../shared/vectors/nip06.vectors.json)', () => {
  const file = HAS_SHARED
    ? readVectors<{ derivation_path: string; spec: Nip06Vector[]; nostr_tools: Nip06Vector[] }>('nip06.vectors.json')
    : { derivation_path: '', spec: [], nostr_tools: [] };
  const all = [...file.spec, ...file.nostr_tools];

  it('uses the documented path', () => {
    expect(nip06Path(7)).toBe(file.derivation_path.replace('<account>', '7'));
    expect(all.length).toBe(7);
  });

  it.each(all.map((v, i) => [i, v] as const))('vector %i derives the expected key', (_i, v) => {
    const { secretKey, pubkey } = nostrKeyFromSeed(mnemonicToSeed(v.mnemonic, v.passphrase), v.account);
    expect(bytesToHex(secretKey)).toBe(v.private_key_hex);
    if (v.public_key_hex) expect(pubkey).toBe(v.public_key_hex);
    expect(publicKeyOf(secretKey)).toBe(pubkey);
    if (v.nsec) expect(nsecEncode(secretKey)).toBe(v.nsec);
    if (v.npub) expect(npubEncode(pubkey)).toBe(v.npub);
    const id = deriveIdentity(v.mnemonic, { passphrase: v.passphrase, account: v.account });
    expect(bytesToHex(id.secretKey)).toBe(v.private_key_hex);
    if (v.npub) expect(id.npub).toBe(v.npub);
    if (v.account_xprv) {
      const acct = HDKey.fromMasterSeed(mnemonicToSeed(v.mnemonic, v.passphrase)).derive(`m/44'/1237'/${v.account}'`);
      expect(acct.privateExtendedKey).toBe(v.account_xprv);
      expect(acct.publicExtendedKey).toBe(v.account_xpub);
    }
  });
});

describe('NIP-06 input checks', () => {
  it('refuses bad accounts with bad-derivation-path', () => {
    for (const a of [-1, 1.5, 2 ** 31, Number.NaN]) {
      try {
        nip06Path(a);
        expect.unreachable();
      } catch (e) {
        expect(isOtP2pError(e, 'bad-derivation-path')).toBe(true);
      }
    }
  });

  it('refuses an invalid secret key with bad-key', () => {
    expect(() => publicKeyOf(new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'bad-key' }));
    expect(() => publicKeyOf(new Uint8Array(31).fill(1))).toThrow(expect.objectContaining({ code: 'bad-key' }));
  });

  it('keeps the secret key out of JSON and inspection', () => {
    const id = deriveIdentity(
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    );
    const hex = bytesToHex(id.secretKey);
    const json = JSON.stringify(id);
    expect(json).not.toContain(hex);
    expect(json).not.toContain('prv');
    expect(JSON.parse(json)).toMatchObject({ pubkey: id.pubkey, npub: id.npub });
    expect(JSON.stringify(id.bitcoin)).not.toContain('prv');
  });
});
