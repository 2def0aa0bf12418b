/**
 * The BIP84 wallet against a real node: bcoin 1.0.2 in-process on regtest, JSON-RPC over
 * 127.0.0.1. Funds come from `generatetoaddress` after SegWit activates on bcoin's regtest.
 */
import { randomBytes } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcoinWallet } from '../../src/bitcoin/wallet.ts';
import { bip84FromSeed } from '../../src/keys/bip84.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import { activateSegwit, BCOIN_REGTEST, startRegtest } from '../helpers/regtest.ts';
import type { RegtestNode } from '../helpers/regtest.ts';

let node: RegtestNode;

function accountOf(seed: Uint8Array): HDKey {
  return bip84FromSeed(seed, { network: 'regtest', bech32Prefix: 'rb' }).node;
}

function walletOf(
  seed: Uint8Array,
  extra: Partial<ConstructorParameters<typeof BitcoinWallet>[0]> = {},
): BitcoinWallet {
  return new BitcoinWallet({ network: BCOIN_REGTEST, account: accountOf(seed), chain: node.rpc, ...extra });
}

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (isOtP2pError(err)) {
      expect(err.code).toBe(code);
      return;
    }
    throw err;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

const seedA = randomBytes(64);
const seedB = randomBytes(64);
let alice: BitcoinWallet;
let bob: BitcoinWallet;
let funded = 0n;

beforeAll(async () => {
  node = await startRegtest();
  await activateSegwit(node);
  alice = walletOf(seedA, { birthHeight: await node.rpc.getBlockCount() });
  bob = walletOf(seedB, { birthHeight: await node.rpc.getBlockCount() });
  // One coinbase to Alice, matured by 100 blocks mined elsewhere.
  await node.mine(1, alice.nextReceiveAddress());
  await node.mine(100);
});

afterAll(async () => {
  await node?.close();
});

describe('BIP84 wallet on a bcoin regtest node', () => {
  it('finds a matured coinbase paid to its first receive address', async () => {
    const tip = await alice.sync();
    expect(tip).toBe(await node.rpc.getBlockCount());
    const utxos = alice.utxos();
    expect(utxos).toHaveLength(1);
    expect(utxos[0]).toMatchObject({ chain: 0, index: 0, spentBy: null });
    funded = utxos[0]!.value;
    expect(funded).toBeGreaterThan(100_000_000n);
    expect(alice.balance()).toEqual({ confirmed: funded, unconfirmed: 0n, spendable: funded });
  });

  it('pays another wallet with change, at least at the asked fee rate, and the payee detects it', async () => {
    const to = bob.nextReceiveAddress();
    expect(to.startsWith('rb1q')).toBe(true);
    const sent = await alice.send({ to, amount: 100_000_000n, feeRate: 5n });
    expect(await node.rpc.getRawMempool()).toContain(sent.txid);
    const tx = Transaction.fromHex(sent.hex);
    expect(tx.ins).toHaveLength(1);
    expect(tx.outs).toHaveLength(2);
    // Fee covers the real size at 5 sat/vB and comes from an upper-bound estimate.
    expect(sent.fee).toBeGreaterThanOrEqual(BigInt(tx.virtualSize()) * 5n);
    expect(sent.fee).toBeLessThanOrEqual(BigInt(tx.virtualSize() + 2) * 5n);
    // Change goes to the change chain, to an address never used before.
    expect(sent.change).not.toBeNull();
    expect(sent.change!.address).toBe(alice.addressAt(1, 0));
    expect(sent.change!.value).toBe(funded - 100_000_000n - sent.fee);
    expect(alice.balance().spendable).toBe(funded - 100_000_000n - sent.fee);
    expect(alice.confirmations(sent.txid)).toBe(0);

    await bob.sync();
    expect(bob.incoming(to)).toEqual([
      { txid: sent.txid, vout: expect.any(Number), value: 100_000_000n, height: null, confirmations: 0 },
    ]);
    expect(bob.balance()).toEqual({ confirmed: 0n, unconfirmed: 100_000_000n, spendable: 0n });

    const waiting = bob.waitForPayment(to, 100_000_000n, { confirmations: 1, pollMs: 20, timeoutMs: 20_000 });
    await node.mine(1);
    const got = await waiting;
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ txid: sent.txid, value: 100_000_000n, confirmations: 1 });
    expect(await alice.waitForConfirmations(sent.txid, { confirmations: 1, pollMs: 20, timeoutMs: 20_000 })).toBe(1);
    expect(bob.balance()).toEqual({ confirmed: 100_000_000n, unconfirmed: 0n, spendable: 100_000_000n });
  });

  it('never hands out the same receive address twice', () => {
    const seen = new Set<string>([bob.addressAt(0, 0)]);
    for (let i = 0; i < 30; i++) {
      const a = bob.nextReceiveAddress();
      expect(seen.has(a)).toBe(false);
      seen.add(a);
    }
  });

  it('refuses to overspend and to pay dust with the exact codes', async () => {
    await bob.sync();
    await expectCode(
      bob.createPsbt({ to: alice.nextReceiveAddress(), amount: 100_000_000n, feeRate: 1n }),
      'insufficient-funds',
    );
    await expectCode(bob.createPsbt({ to: alice.nextReceiveAddress(), amount: 293n, feeRate: 1n }), 'dust');
    await expectCode(
      bob.createPsbt({ to: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', amount: 10_000n }),
      'bad-address',
    );
    await expectCode(bob.createPsbt({ to: alice.nextReceiveAddress(), amount: 0n }), 'bad-amount');
  });

  it('round-trips a PSBT: a watch-only wallet builds it, the signer signs it, the node mines it', async () => {
    const origin = { masterFingerprint: HDKey.fromMasterSeed(seedB).fingerprint, accountPath: "m/84'/1'/0'" };
    const watch = new BitcoinWallet({
      network: BCOIN_REGTEST,
      account: HDKey.fromExtendedKey(accountOf(seedB).publicExtendedKey, accountOf(seedB).versions),
      chain: node.rpc,
      state: bob.state(),
      origin,
    });
    await watch.sync();
    const to = alice.nextReceiveAddress();
    const built = await watch.createPsbt({ to, amount: 40_000_000n, feeRate: 3n });
    // The input names its key origin, for external signers.
    const [deriv] = Psbt.fromBase64(built.psbt, { network: BCOIN_REGTEST.params }).data.inputs[0]!.bip32Derivation!;
    expect(deriv!.path).toBe("m/84'/1'/0'/0/0");
    expect(Buffer.from(deriv!.masterFingerprint).readUInt32BE(0)).toBe(origin.masterFingerprint);
    expect(() => watch.signPsbt(built.psbt)).toThrow(expect.objectContaining({ code: 'bad-key' }));
    await expectCode(() => alice.signPsbt(built.psbt), 'bad-psbt');
    await expectCode(() => bob.signPsbt('not a psbt'), 'bad-psbt');
    const signed = bob.signPsbt(built.psbt);
    expect(signed.signed).toBe(1);
    expect(signed.hex).not.toBeNull();
    const sent = await bob.broadcast(signed.hex!);
    expect(sent.fee).toBe(built.fee);
    await node.mine(1);
    const got = await alice.waitForPayment(to, 40_000_000n, { pollMs: 20, timeoutMs: 20_000 });
    expect(got[0]).toMatchObject({ txid: sent.txid, value: 40_000_000n, confirmations: 1 });
  });

  it('runs two payments started together one after the other, never spending a coin twice', async () => {
    await alice.sync();
    const [x, y] = await Promise.all([
      alice.send({ to: bob.nextReceiveAddress(), amount: 2_000_000n, feeRate: 2n }),
      alice.send({ to: bob.nextReceiveAddress(), amount: 3_000_000n, feeRate: 2n }),
    ]);
    const pool = await node.rpc.getRawMempool();
    expect(pool).toContain(x.txid);
    expect(pool).toContain(y.txid);
    await node.mine(1);
    await alice.sync();
    expect(alice.confirmations(x.txid)).toBe(1);
    expect(alice.confirmations(y.txid)).toBe(1);
  });

  it('a restored wallet finds payments within the gap limit and not beyond it', async () => {
    const seed = randomBytes(64);
    const birth = (await node.rpc.getBlockCount()) + 1;
    const probe = walletOf(seed, { gapLimit: 3 });
    // Index 2 is inside the first window (0..2); using it opens 3..5, so 5 is found; 9 is not.
    for (const i of [2, 5, 9]) await alice.send({ to: probe.addressAt(0, i), amount: 1_000_000n, feeRate: 2n });
    await node.mine(1);
    const restored = walletOf(seed, { gapLimit: 3, birthHeight: birth });
    await restored.sync();
    expect(
      restored
        .utxos()
        .map((o) => o.index)
        .sort(),
    ).toEqual([2, 5]);
    expect(restored.balance().confirmed).toBe(2_000_000n);
    expect(restored.nextReceiveAddress()).toBe(probe.addressAt(0, 6));
  });

  it('resumes from a persisted state without rescanning and without reusing addresses', async () => {
    const state = JSON.parse(JSON.stringify(alice.state())) as ReturnType<BitcoinWallet['state']>;
    const resumed = walletOf(seedA, { state });
    await resumed.sync();
    await alice.sync();
    expect(resumed.balance()).toEqual(alice.balance());
    expect(resumed.nextReceiveAddress()).toBe(alice.nextReceiveAddress());
  });
});
