import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import {
  accountExtendedPrivateKey,
  bip84Address,
  bip84FromSeed,
  btcjsNetwork,
  deriveIdentity,
  mnemonicToSeed,
} from '../../src/keys/index.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('BIP84 official test vector', () => {
  const seed = mnemonicToSeed(ABANDON);
  const acct = bip84FromSeed(seed, { network: 'mainnet', account: 0 });

  it('gives the account zprv/zpub of BIP84', () => {
    expect(acct.path).toBe("m/84'/0'/0'");
    expect(accountExtendedPrivateKey(acct)).toBe(
      'zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE',
    );
    expect(acct.xpub).toBe(
      'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs',
    );
  });

  it('gives the first receive, second receive and first change addresses of BIP84', () => {
    const btc = btcjsNetwork('mainnet');
    expect(acct.firstAddress).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(bip84Address(acct.node, 0, 1, btc)).toBe('bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
    expect(bip84Address(acct.node, 1, 0, btc)).toBe('bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
  });

  it('derives the same addresses from the public account key alone', () => {
    const pub = HDKey.fromExtendedKey(acct.accountXpub);
    expect(pub.privateKey).toBeNull();
    expect(bip84Address(pub, 0, 0, btcjsNetwork('mainnet'))).toBe(acct.firstAddress);
    expect(acct.accountXpub.startsWith('xpub')).toBe(true);
  });

  it('uses coin type 1, vpub/tpub and the right bech32 prefixes off mainnet', () => {
    const t = bip84FromSeed(seed, { network: 'testnet' });
    expect(t.path).toBe("m/84'/1'/0'");
    expect(t.xpub.startsWith('vpub')).toBe(true);
    expect(t.accountXpub.startsWith('tpub')).toBe(true);
    expect(t.firstAddress.startsWith('tb1q')).toBe(true);
    const core = bip84FromSeed(seed, { network: 'regtest' });
    expect(core.firstAddress.startsWith('bcrt1q')).toBe(true);
    const bcoin = bip84FromSeed(seed, { network: 'regtest', bech32Prefix: 'rb' });
    expect(bcoin.firstAddress.startsWith('rb1q')).toBe(true);
    // same key, same program: only the prefix differs
    expect(bcoin.firstAddress.slice(3, -6)).toBe(core.firstAddress.slice(5, -6));
    expect(t.xpub).toBe(core.xpub);
  });

  it('follows the account index', () => {
    const a1 = deriveIdentity(ABANDON, { account: 1 });
    expect(a1.bitcoin.path).toBe("m/84'/0'/1'");
    expect(a1.bitcoin.firstAddress).not.toBe(acct.firstAddress);
  });

  it('refuses bad networks and prefixes with bad-input', () => {
    expect(() => bip84FromSeed(seed, { network: 'signet' as never })).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    expect(() => bip84FromSeed(seed, { network: 'regtest', bech32Prefix: 'RB1' })).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    expect(() => bip84Address(acct.node, 2 as 0, 0, btcjsNetwork('mainnet'))).toThrow(
      expect.objectContaining({ code: 'bad-derivation-path' }),
    );
  });
});
