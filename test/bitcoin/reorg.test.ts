/**
 * A real chain reorganisation: two bcoin regtest nodes, the second mines a longer chain and its
 * blocks are submitted to the first. The wallet must drop what the orphaned blocks paid it.
 */
import { randomBytes } from 'node:crypto';
import { Block, payments, Psbt } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcoinWallet } from '../../src/bitcoin/wallet.ts';
import { bip84FromSeed } from '../../src/keys/bip84.ts';
import { BCOIN_REGTEST, startRegtest } from '../helpers/regtest.ts';
import type { RegtestNode } from '../helpers/regtest.ts';

let main: RegtestNode;
let rival: RegtestNode;

beforeAll(async () => {
  [main, rival] = await Promise.all([startRegtest(), startRegtest()]);
});

afterAll(async () => {
  await Promise.all([main?.close(), rival?.close()]);
});

describe('BIP84 wallet across a reorganisation', () => {
  it('forgets coins from orphaned blocks and follows the new best chain', async () => {
    const account = bip84FromSeed(randomBytes(64), { network: 'regtest', bech32Prefix: 'rb' }).node;
    const wallet = new BitcoinWallet({ network: BCOIN_REGTEST, account, chain: main.rpc, confirmations: 1 });
    await main.mine(3, wallet.nextReceiveAddress());
    expect(await wallet.sync()).toBe(3);
    expect(wallet.utxos()).toHaveLength(3);

    // The rival chain is longer and pays someone else.
    const hashes = await rival.mine(5);
    for (const h of hashes) await main.rpc.call('submitblock', [await rival.rpc.getBlockHex(h)]);
    expect(await main.rpc.getBlockHash(5)).toBe(hashes[4]);

    expect(await wallet.sync()).toBe(5);
    expect(wallet.utxos()).toEqual([]);
    expect(wallet.balance()).toEqual({ confirmed: 0n, unconfirmed: 0n, spendable: 0n });
    // The address that was paid stays handed out: the next one is fresh.
    expect(wallet.nextReceiveAddress()).toBe(wallet.addressAt(0, 1));
  });

  it('forgets an unconfirmed payment the reorganisation made invalid', async () => {
    const [a, b] = await Promise.all([startRegtest(), startRegtest()]);
    try {
      // A legacy P2PKH payer (no SegWit needed): a coinbase on `a`, matured by 100 blocks.
      let sk = randomBytes(32);
      while (!ecc.isPrivate(sk)) sk = randomBytes(32);
      const pubkey = ecc.pointFromScalar(sk, true)!;
      const payer = payments.p2pkh({ pubkey, network: BCOIN_REGTEST.params });
      const [coinbaseBlock] = await a.mine(1, payer.address!);
      await a.mine(100);
      const coinbase = Block.fromHex(await a.rpc.getBlockHex(coinbaseBlock!)).transactions![0]!;

      const account = bip84FromSeed(randomBytes(64), { network: 'regtest', bech32Prefix: 'rb' }).node;
      const wallet = new BitcoinWallet({ network: BCOIN_REGTEST, account, chain: a.rpc });
      const to = wallet.nextReceiveAddress();
      const psbt = new Psbt({ network: BCOIN_REGTEST.params })
        .addInput({ hash: coinbase.getId(), index: 0, nonWitnessUtxo: coinbase.toBuffer() })
        .addOutput({ address: to, value: 100_000_000n })
        .addOutput({ address: payer.address!, value: coinbase.outs[0]!.value - 100_000_000n - 10_000n });
      psbt.signInput(0, { publicKey: pubkey, sign: (h: Uint8Array) => ecc.sign(h, sk) }).finalizeAllInputs();
      const txid = await a.rpc.sendRawTransaction(psbt.extractTransaction().toHex());
      await wallet.sync();
      expect(wallet.incoming(to)).toMatchObject([{ txid, value: 100_000_000n, confirmations: 0 }]);
      expect(wallet.balance().unconfirmed).toBe(100_000_000n);

      // A longer rival chain without the payer's coinbase: the payment's input no longer exists.
      const rivalHashes = await b.mine(103);
      for (const h of rivalHashes) await a.rpc.call('submitblock', [await b.rpc.getBlockHex(h)]);
      expect(await a.rpc.getRawMempool()).not.toContain(txid);
      await wallet.sync();
      expect(wallet.incoming(to)).toEqual([]);
      expect(wallet.confirmations(txid)).toBe(-1);
      expect(wallet.balance()).toEqual({ confirmed: 0n, unconfirmed: 0n, spendable: 0n });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
