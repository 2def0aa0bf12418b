/**
 * A real chain reorganisation: two bcoin regtest nodes, the second mines a longer chain and its
 * blocks are submitted to the first. The wallet must drop what the orphaned blocks paid it.
 */
import { randomBytes } from 'node:crypto';
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
});
