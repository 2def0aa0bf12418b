import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { BCOIN_REGTEST, bitcoinNetwork } from '../../src/bitcoin/networks.ts';
import { addressToScript, BitcoinWallet } from '../../src/bitcoin/wallet.ts';
import { BitcoinCoreRpc } from '../../src/bitcoin/chain.ts';
import { bip84FromSeed } from '../../src/keys/bip84.ts';
import { mnemonicToSeed } from '../../src/keys/mnemonic.ts';
import { isOtP2pError } from '../../src/core/errors.ts';

// BIP84's test vector mnemonic and its first addresses.
const BIP84_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const pubkey = Uint8Array.from(
  Buffer.from('0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c', 'hex'),
);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (isOtP2pError(err)) return err.code;
    throw err;
  }
  return undefined;
}

// A backend that is never reached: these tests only derive addresses.
const offline = new BitcoinCoreRpc({ url: 'http://127.0.0.1:9/', user: '', password: '' });

describe('network parameters', () => {
  it('gives each network its address prefixes', () => {
    const addr = (n: ReturnType<typeof bitcoinNetwork>) => payments.p2wpkh({ pubkey, network: n.params }).address!;
    expect(addr(bitcoinNetwork('mainnet'))).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(addr(bitcoinNetwork('testnet')).startsWith('tb1q')).toBe(true);
    expect(addr(bitcoinNetwork('regtest')).startsWith('bcrt1q')).toBe(true);
    expect(addr(bitcoinNetwork('regtest', 'bcoin')).startsWith('rb1q')).toBe(true);
    expect(bitcoinNetwork('regtest', 'bcoin').params).toBe(BCOIN_REGTEST);
    expect(BCOIN_REGTEST).toMatchObject({ pubKeyHash: 0x3c, scriptHash: 0x26, wif: 0x5a });
    expect(bitcoinNetwork('mainnet').coinType).toBe(0);
    expect(bitcoinNetwork('regtest').coinType).toBe(1);
    // each network's coins are their own asset: btc@bitcoin on mainnet, btc@regtest on regtest
    expect(bitcoinNetwork('mainnet').chain).toBe('bitcoin');
    expect(bitcoinNetwork('testnet').chain).toBe('testnet');
    expect(bitcoinNetwork('regtest', 'bcoin').chain).toBe('regtest');
  });

  it('refuses unknown networks and flavours', () => {
    expect(codeOf(() => bitcoinNetwork('signet' as 'mainnet'))).toBe('bad-config');
    expect(codeOf(() => bitcoinNetwork('regtest', 'btcd' as 'core'))).toBe('bad-config');
  });

  it('decodes addresses of its own network only', () => {
    const main = bitcoinNetwork('mainnet');
    expect(addressToScript('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', main)).toHaveLength(22);
    expect(addressToScript('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', main)).toHaveLength(25);
    expect(codeOf(() => addressToScript('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', main))).toBe('bad-address');
    expect(
      codeOf(() => addressToScript('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', bitcoinNetwork('regtest', 'bcoin'))),
    ).toBe('bad-address');
    expect(codeOf(() => addressToScript('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv', main))).toBe('bad-address');
    expect(codeOf(() => addressToScript('', main))).toBe('bad-address');
  });

  it('never throws anything but bad-address on arbitrary input', () => {
    const net = bitcoinNetwork('mainnet');
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7lbc1'.split('')) })),
        (s) => {
          const code = codeOf(() => addressToScript(s, net));
          expect(code === undefined || code === 'bad-address').toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('BIP84 wallet addresses', () => {
  it('derives the BIP84 test vector addresses on receive and change chains', () => {
    const account = bip84FromSeed(mnemonicToSeed(BIP84_MNEMONIC), { network: 'mainnet' }).node;
    const w = new BitcoinWallet({ network: bitcoinNetwork('mainnet'), account, chain: offline });
    expect(w.addressAt(0, 0)).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(w.addressAt(0, 1)).toBe('bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
    expect(w.addressAt(1, 0)).toBe('bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
    expect(w.nextReceiveAddress()).toBe(w.addressAt(0, 0));
    expect(w.nextReceiveAddress()).toBe(w.addressAt(0, 1));
    expect(w.isMine(w.addressAt(0, 5))).toBe(true);
    expect(w.isMine('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe(false);
    expect(codeOf(() => w.incoming('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'))).toBe('bad-address');
    expect(codeOf(() => w.addressAt(2 as 0, 0))).toBe('bad-derivation-path');
  });

  it('validates its options', () => {
    const account = HDKey.fromMasterSeed(new Uint8Array(32).fill(7)).derive("m/84'/1'/0'");
    const net = bitcoinNetwork('regtest');
    expect(codeOf(() => new BitcoinWallet({ network: net, account, chain: offline, gapLimit: 0 }))).toBe('bad-input');
    expect(codeOf(() => new BitcoinWallet({ network: net, account, chain: offline, birthHeight: -1 }))).toBe(
      'bad-input',
    );
    expect(codeOf(() => new BitcoinWallet({ network: net, account, chain: offline, confirmations: 1.5 }))).toBe(
      'bad-input',
    );
  });

  it('answers any PSBT text it cannot use with bad-psbt', () => {
    const account = bip84FromSeed(new Uint8Array(64).fill(3), { network: 'regtest' }).node;
    const w = new BitcoinWallet({ network: bitcoinNetwork('regtest'), account, chain: offline });
    const psbtMagic = Buffer.from('70736274ff', 'hex');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([psbtMagic, b]).toString('base64')),
        ),
        (text) => {
          expect(codeOf(() => w.signPsbt(text))).toBe('bad-psbt');
        },
      ),
      { numRuns: 300 },
    );
  });
});
