/**
 * On-chain BTC legs (`btc@regtest`: the wallets run on regtest) against a real node: bcoin 1.0.2 in-process on regtest over
 * 127.0.0.1, real SQLite files per party, a real SimulatedNotary ledger. Alice pays Bob in BTC
 * on-chain; Bob converts BTC to EUR on notary 1 and pays Dave. Blocks are mined by hand to reach
 * the confirmations Bob requires. Fault doubles are named for the fault they produce.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Transaction, payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcoinWallet } from '../../src/bitcoin/wallet.ts';
import { bip84FromSeed } from '../../src/keys/bip84.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { OtP2pError, isOtP2pError } from '../../src/core/errors.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { PaymentCoordinator } from '../../src/payments/coordinator.ts';
import type { RouteLeg } from '../../src/payments/coordinator.ts';
import { MemoryChannelHub } from '../../src/payments/adapters/memory.ts';
import { OtApiTransfers, simulatedNotaryLookup } from '../../src/payments/adapters/otapi.ts';
import { BitcoinTransfers, RoutingTransfers } from '../../src/payments/adapters/bitcoin.ts';
import { OfferPolicy } from '../../src/payments/quote.ts';
import { isOnChainAsset } from '../../src/payments/ports.ts';
import type { TransferExecutor } from '../../src/payments/ports.ts';
import { listMisbehaving, listPayments } from '../../src/payments/store.ts';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { peerInternals } from '../../src/peer/internals.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { activateSegwit, BCOIN_REGTEST, startRegtest } from '../helpers/regtest.ts';
import type { RegtestNode } from '../helpers/regtest.ts';

let node: RegtestNode;
let birth = 0;
const seeds = { alice: randomBytes(64), bob: randomBytes(64), payer: randomBytes(64), payee: randomBytes(64) };

function walletOf(seed: Uint8Array, confirmations = 1): BitcoinWallet {
  const account = bip84FromSeed(seed, { network: 'regtest', bech32Prefix: 'rb' }).node;
  return new BitcoinWallet({ network: BCOIN_REGTEST, account, chain: node.rpc, birthHeight: birth, confirmations });
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOtP2pError(err) ? err.code : err).toBe(code);
}

beforeAll(async () => {
  node = await startRegtest();
  await activateSegwit(node);
  birth = await node.rpc.getBlockCount();
  // one coinbase to each funded wallet, matured by 100 blocks mined elsewhere
  for (const seed of [seeds.alice, seeds.bob, seeds.payer]) await node.mine(1, walletOf(seed).addressAt(0, 0));
  await node.mine(100);
}, 60_000);

afterAll(async () => {
  await node?.close();
});

describe('BitcoinTransfers (the btc@<chain> executor)', () => {
  it('pays once per idempotency key: a repeated key returns the first receipt and moves nothing', async () => {
    const store = await openStore(join(tmpDir(), 'payer.sqlite'));
    const payer = new BitcoinTransfers({ wallet: walletOf(seeds.payer), store, feeRate: 2n });
    const payee = walletOf(seeds.payee);
    const to = payee.nextReceiveAddress();
    const req = {
      idempotencyKey: 'k1',
      notary: 'regtest',
      unit: 'btc',
      fromAccount: 'bitcoin-wallet',
      toNym: to,
      amount: 250_000n,
    };
    const first = await payer.transfer(req);
    const again = await payer.transfer(req);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ kind: 'btc', address: to, amount: 250_000n });
    await node.mine(1);
    await payee.sync();
    expect(payee.incoming(to)).toEqual([
      {
        txid: first.kind === 'btc' ? first.txid : '',
        vout: expect.any(Number),
        value: 250_000n,
        height: expect.any(Number),
        confirmations: 1,
      },
    ]);
    // the same key for another transfer is refused, not paid
    await expectCode(payer.transfer({ ...req, amount: 1_000n }), 'bad-input');
    await expectCode(payer.transfer({ ...req, idempotencyKey: 'k2', unit: 'EUR', notary: 'n1' }), 'unknown-unit');
    await expectCode(
      payer.transfer({ ...req, idempotencyKey: 'k3', toNym: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' }),
      'bad-address',
    );
    await expectCode(payer.transfer({ ...req, idempotencyKey: 'k4', amount: 100n }), 'dust');
    expect(store.raw.prepare('SELECT COUNT(*) FROM btc_payments').pluck().get()).toBe(1);
    await store.close();
  });

  it('a crash between commit and broadcast: the restarted executor broadcasts the same signed transaction', async () => {
    const path = join(tmpDir(), 'payer.sqlite');
    let store = await openStore(path);
    const to = walletOf(seeds.payee).addressAt(0, 7);
    const req = {
      idempotencyKey: 'crash-1',
      notary: 'regtest',
      unit: 'btc',
      fromAccount: 'bitcoin-wallet',
      toNym: to,
      amount: 300_000n,
    };
    const crashing = new BitcoinTransfers({
      wallet: walletOf(seeds.payer),
      store,
      feeRate: 2n,
      afterCommit: () => {
        throw new Error('process killed after commit');
      },
    });
    await expect(crashing.transfer(req)).rejects.toThrow('process killed');
    const committed = crashing.recorded('crash-1')!;
    expect(committed.broadcast).toBe(false);
    expect(await node.rpc.getRawMempool()).not.toContain(committed.txid);
    await store.close();

    // restart: a new store handle, a wallet with no saved state
    store = await openStore(path);
    const restarted = new BitcoinTransfers({ wallet: walletOf(seeds.payer), store, feeRate: 2n });
    const receipt = await restarted.transfer(req);
    expect(receipt).toMatchObject({ kind: 'btc', txid: committed.txid, vout: committed.vout });
    expect(await node.rpc.getRawMempool()).toContain(committed.txid);
    // a crash after the broadcast but before it was recorded, and the transaction mined since:
    // the node no longer takes it, the executor finds it on-chain and answers the same receipt
    store.raw.prepare('UPDATE btc_payments SET broadcast_at = NULL WHERE idempotency_key = ?').run('crash-1');
    await node.mine(1);
    const again = new BitcoinTransfers({ wallet: walletOf(seeds.payer), store });
    expect(await again.transfer(req)).toEqual(receipt);
    expect(again.recorded('crash-1')!.broadcast).toBe(true);
    const payee = walletOf(seeds.payee);
    await payee.sync();
    expect(payee.incoming(to)).toHaveLength(1);
    await store.close();
  });

  it('verifies incoming receipts: pending below the confirmations, the real value (not the claim), null for outputs not ours', async () => {
    const payerStore = await openStore(join(tmpDir(), 'p.sqlite'));
    const payeeStore = await openStore(join(tmpDir(), 'q.sqlite'));
    const payer = new BitcoinTransfers({ wallet: walletOf(seeds.payer), store: payerStore, feeRate: 2n });
    const payee = new BitcoinTransfers({ wallet: walletOf(seeds.payee), store: payeeStore, confirmations: 2 });
    const address = payee.receiveAddress('aa'.repeat(16), 'regtest', 'btc')!;
    const paid = await payer.transfer({
      idempotencyKey: 'v1',
      notary: 'regtest',
      unit: 'btc',
      fromAccount: 'x',
      toNym: address,
      amount: 40_000n,
    });
    if (paid.kind !== 'btc') throw new Error('expected a btc receipt');
    // a payer that claims more than it paid: the output's real value counts
    const claim = { ...paid, amount: 80_000n };
    expect(await payee.verifyIncoming(claim)).toMatchObject({ pending: 'unconfirmed', amount: 40_000n });
    await node.mine(1);
    expect(await payee.verifyIncoming(claim)).toMatchObject({ pending: 'unconfirmed' });
    await node.mine(1);
    const ok = await payee.verifyIncoming(claim);
    expect(ok).toEqual({
      notary: 'regtest',
      unit: 'btc',
      toNym: address,
      fromNym: expect.stringMatching(/^rb1q/),
      amount: 40_000n,
    });
    // the refund address is the payer's own (the P2WPKH key of its first input)
    expect(payer.wallet.isMine(ok!.fromNym)).toBe(true);
    // an output of the same transaction that is not ours (the payer's change), an address not
    // ours, an OT receipt: not a payment to us
    expect(await payee.verifyIncoming({ ...paid, vout: paid.vout === 0 ? 1 : 0 })).toBeNull();
    expect(await payee.verifyIncoming({ ...paid, address: node.burnAddress })).toBeNull();
    expect(await payee.verifyIncoming({ kind: 'ot', notary: 'n', unit: 'u', id: 'x', amount: 1n })).toBeNull();
    // a txid nobody broadcast, to our address: unseen (the coordinator refuses it at expiry)
    expect(await payee.verifyIncoming({ ...paid, txid: bytesToHex(randomBytes(32)) })).toMatchObject({
      pending: 'unseen',
    });
    await payerStore.close();
    await payeeStore.close();
  });

  it('hands out a fresh address per payment, the same one again for the same payment, never one twice across restarts', async () => {
    const path = join(tmpDir(), 'addr.sqlite');
    let store = await openStore(path);
    let ex = new BitcoinTransfers({ wallet: walletOf(seeds.payee), store });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const id = i.toString(16).padStart(32, '0');
      const a = ex.receiveAddress(id, 'regtest', 'btc')!;
      expect(seen.has(a)).toBe(false);
      seen.add(a);
      expect(ex.receiveAddress(id, 'regtest', 'btc')).toBe(a);
    }
    expect(ex.receiveAddress('ff'.repeat(16), 'regtest', 'btc', false)).toBeUndefined();
    expect(ex.receiveAddress('ff'.repeat(16), 'n1', 'EUR')).toBeUndefined();
    await store.close();
    // the wallet's own state was never saved: it would start again at index 0
    store = await openStore(path);
    ex = new BitcoinTransfers({ wallet: walletOf(seeds.payee), store });
    const next = ex.receiveAddress('ee'.repeat(16), 'regtest', 'btc')!;
    expect(seen.has(next)).toBe(false);
    // and addresses handed out before the restart are still watched
    expect(ex.wallet.isMine([...seen].at(-1)!)).toBe(true);
    await store.close();
  });

  it('RoutingTransfers sends BTC to the wallet and notary units to the OT executor', async () => {
    const store = await openStore(join(tmpDir(), 'r.sqlite'));
    const btc = new BitcoinTransfers({ wallet: walletOf(seeds.payee), store });
    const routing = new RoutingTransfers({ bitcoin: btc });
    expect(routing.account('regtest', 'btc')).toEqual({ account: 'bitcoin-wallet', nym: 'bitcoin-wallet' });
    expect(routing.account('n1', 'EUR')).toBeUndefined();
    expect(routing.receiveAddress('ab'.repeat(16), 'regtest', 'btc')).toMatch(/^rb1q/);
    // mainnet coins are another asset: a regtest wallet neither holds, receives nor pays them
    expect(routing.account('bitcoin', 'btc')).toBeUndefined();
    expect(routing.receiveAddress('cd'.repeat(16), 'bitcoin', 'btc')).toBeUndefined();
    await expectCode(
      routing.transfer({
        idempotencyKey: 'y',
        notary: 'bitcoin',
        unit: 'btc',
        fromAccount: 'a',
        toNym: 'b',
        amount: 1n,
      }),
      'unknown-unit',
    );
    await expectCode(
      routing.transfer({ idempotencyKey: 'x', notary: 'n1', unit: 'EUR', fromAccount: 'a', toNym: 'b', amount: 1n }),
      'unknown-unit',
    );
    expect(isOnChainAsset('bitcoin', 'btc')).toBe(true);
    expect(isOnChainAsset('bitcoin', 'EUR')).toBe(false);
    await store.close();
  });
});

// ------------------------------------------------------------------------------------------
// Alice -(BTC on-chain)-> Bob -(EUR on notary 1)-> Dave

interface Party {
  pubkey: string;
  store: Store;
  coordinator: PaymentCoordinator;
}

interface Net {
  clock: ManualClock;
  hub: MemoryChannelHub;
  n1: SimulatedNotary;
  eur: string;
  alice: Party & { btc: BitcoinTransfers };
  bob: Party & { btc: BitcoinTransfers };
  dave: Party & { account: string; btc: BitcoinTransfers };
  /** Alice -(BTC on-chain)-> Bob -(EUR)-> Dave. */
  route(): RouteLeg[];
  /** Alice -(EUR)-> Bob -(BTC on-chain)-> Dave. */
  routeOut(): RouteLeg[];
  settle(rounds?: number): Promise<void>;
  /** Stop Dave (coordinator and store) and start him again from his files, with a wallet object that never saw his state. */
  restartDave(): Promise<Party & { btc: BitcoinTransfers }>;
  close(): Promise<void>;
}

const CONFIRMATIONS = 2;

async function buildNet(wrapAlice: (t: TransferExecutor) => TransferExecutor = (t) => t): Promise<Net> {
  const dir = tmpDir();
  const clock = new ManualClock(1_800_000_000_000);
  const hub = new MemoryChannelHub();
  const n1 = SimulatedNotary.open({
    ledgerPath: join(dir, 'notary1.sqlite'),
    seed: new Uint8Array(32).fill(1),
    units: [{ name: 'Euros', tla: 'EUR', factor: 100n, decimalPower: 2 }],
  });
  const eur = n1.units[0]!.id;
  const lookup = simulatedNotaryLookup({ [n1.id]: join(dir, 'notary1.sqlite') });
  const rnd = new SeededRandom(11);
  const pk = { alice: bytesToHex(rnd.bytes(32)), bob: bytesToHex(rnd.bytes(32)), dave: bytesToHex(rnd.bytes(32)) };
  const bobEur = n1.openAccount('bob', eur, 10_000n);
  const daveEur = n1.openAccount('dave', eur, 0n);
  const aliceEur = n1.openAccount('alice', eur, 1_000n);
  const limits = { retryBaseMs: 10, confirmationPollMs: 1_000, maxExposurePerPeer: 100_000_000n };
  const make = async (
    name: 'alice' | 'bob' | 'dave',
    transfers: (store: Store) => TransferExecutor,
    policy?: OfferPolicy,
  ): Promise<Party & { transfers: TransferExecutor }> => {
    const store = await openStore(join(dir, `${name}.sqlite`));
    const t = transfers(store);
    const coordinator = new PaymentCoordinator({
      store,
      self: pk[name],
      limits,
      ports: {
        channel: hub.channel(pk[name]),
        transfers: t,
        clock,
        random: new SeededRandom(name.length * 1000 + Math.floor(Math.random() * 1e6)),
        ...(policy ? { policy } : {}),
        social: { degreeOf: (p: string) => (p === pk.bob ? 1 : undefined) },
      },
      ...(process.env.PAY_DEBUG ? { log: (l: string) => console.error(`[${name}] ${l}`) } : {}),
    });
    await coordinator.start();
    return { pubkey: pk[name], store, coordinator, transfers: t };
  };
  let aliceBtc!: BitcoinTransfers;
  let bobBtc!: BitcoinTransfers;
  let daveBtc!: BitcoinTransfers;
  // wallets are synced before they quote (as the Peer does at start): a used address is not fresh
  const aliceWallet = walletOf(seeds.alice);
  const bobWallet = walletOf(seeds.bob, CONFIRMATIONS);
  const daveWallet = walletOf(seeds.payee, CONFIRMATIONS);
  await aliceWallet.sync();
  await bobWallet.sync();
  await daveWallet.sync();
  const otOf = (name: string, account: string): OtApiTransfers =>
    new OtApiTransfers({
      apis: { [n1.id]: n1.clientFor(name) },
      accounts: [{ notary: n1.id, unit: eur, account }],
      lookup,
    });
  const alice = await make('alice', (store) => {
    aliceBtc = new BitcoinTransfers({ wallet: aliceWallet, store, feeRate: 2n });
    return wrapAlice(new RoutingTransfers({ ot: otOf('alice', aliceEur), bitcoin: aliceBtc }));
  });
  const bob = await make(
    'bob',
    (store) => {
      bobBtc = new BitcoinTransfers({ wallet: bobWallet, store, confirmations: CONFIRMATIONS, feeRate: 2n });
      return new RoutingTransfers({ ot: otOf('bob', bobEur), bitcoin: bobBtc });
    },
    // 1 EUR cent for 1,000 sats
    new OfferPolicy([
      {
        id: 'bob-btc-eur',
        inNotary: 'regtest',
        inUnit: 'btc',
        outNotary: n1.id,
        outUnit: eur,
        rate: { num: 1n, den: 1000n },
        cutPpm: 0,
        fee: 0n,
        minOut: 1n,
        maxOut: 5_000n,
        liquidity: 10_000n,
      },
      {
        id: 'bob-eur-btc',
        inNotary: n1.id,
        inUnit: eur,
        outNotary: 'regtest',
        outUnit: 'btc',
        rate: { num: 1000n, den: 1n },
        cutPpm: 0,
        fee: 0n,
        minOut: 1_000n,
        maxOut: 5_000_000n,
        liquidity: 10_000_000n,
      },
    ]),
  );
  const daveTransfers = (wallet: BitcoinWallet) => (store: Store) => {
    daveBtc = new BitcoinTransfers({ wallet, store, confirmations: CONFIRMATIONS });
    return new RoutingTransfers({ ot: otOf('dave', daveEur), bitcoin: daveBtc });
  };
  const dave = await make('dave', daveTransfers(daveWallet));
  const parties = [alice, bob, dave];
  return {
    clock,
    hub,
    n1,
    eur,
    alice: { ...alice, btc: aliceBtc },
    bob: { ...bob, btc: bobBtc },
    dave: { ...dave, account: daveEur, btc: daveBtc },
    route: () => [
      { from: pk.alice, to: pk.bob, notary: 'regtest', unit: 'btc', amount: 100_000n, offer: 'bob-btc-eur' },
      { from: pk.bob, to: pk.dave, notary: n1.id, unit: eur, amount: 100n },
    ],
    routeOut: () => [
      { from: pk.alice, to: pk.bob, notary: n1.id, unit: eur, amount: 100n, offer: 'bob-eur-btc' },
      { from: pk.bob, to: pk.dave, notary: 'regtest', unit: 'btc', amount: 100_000n },
    ],
    settle: async (rounds = 6) => {
      for (let i = 0; i < rounds; i++) {
        await hub.settled();
        clock.advance(1_000);
        for (const p of parties) await p.coordinator.tick();
        await hub.settled();
      }
    },
    restartDave: async () => {
      const old = parties[2]!;
      await old.coordinator.stop();
      await old.store.close();
      const wallet = walletOf(seeds.payee, CONFIRMATIONS);
      await wallet.sync();
      parties[2] = await make('dave', daveTransfers(wallet));
      return { ...parties[2], btc: daveBtc };
    },
    close: async () => {
      for (const p of parties) {
        await p.coordinator.stop();
        await p.store.close();
      }
      lookup.close();
      n1.close();
    },
  };
}

async function stateOf(p: Party, id: string): Promise<string | undefined> {
  return (await listPayments(p.store.db)).find((r) => r.id === id)?.state;
}

/** The payer's executor loses the answer of its first transfer (a crash right after broadcast). */
function losingFirstAnswer(inner: TransferExecutor): TransferExecutor & { calls: number } {
  const t = {
    calls: 0,
    transfer: async (req: Parameters<TransferExecutor['transfer']>[0]) => {
      t.calls++;
      const receipt = await inner.transfer(req);
      if (t.calls === 1) throw new OtP2pError('timeout', 'the answer was lost');
      return receipt;
    },
    verifyIncoming: (r: Parameters<TransferExecutor['verifyIncoming']>[0]) => inner.verifyIncoming(r),
    account: (n: string, u: string) => inner.account(n, u),
    receiveAddress: (id: string, n: string, u: string, c?: boolean) => inner.receiveAddress?.(id, n, u, c),
  };
  return t;
}

/** A payer that pays half of what it claims on its on-chain leg. */
function underpaying(inner: TransferExecutor): TransferExecutor {
  return {
    transfer: (req) => inner.transfer({ ...req, amount: req.amount / 2n }),
    verifyIncoming: (r) => inner.verifyIncoming(r),
    account: (n, u) => inner.account(n, u),
  };
}

describe('a payment with an on-chain BTC leg', () => {
  it('Bob forwards only after the confirmations; the BTC moves exactly once despite a retried and a replayed transfer', async () => {
    let lossy!: ReturnType<typeof losingFirstAnswer>;
    const net = await buildNet((t) => (lossy = losingFirstAnswer(t)));
    const id = await net.alice.coordinator.begin({ route: net.route() });
    await net.settle(8);

    // Bob quoted a fresh address of his wallet, bound to this payment
    const address = net.bob.btc.receiveAddress(id, 'regtest', 'btc', false)!;
    expect(net.bob.btc.wallet.isMine(address)).toBe(true);
    // Alice's transfer step ran twice (the first answer was lost), the BTC moved once
    expect(lossy.calls).toBe(2);
    const paid = net.alice.btc.recorded(`${id}:leg:0`)!;
    expect(paid).toMatchObject({ address, amount: 100_000n, broadcast: true });
    expect(net.alice.store.raw.prepare('SELECT COUNT(*) FROM btc_payments').pluck().get()).toBe(1);
    const mempool = await node.rpc.getRawMempool();
    const paying = [];
    for (const txid of mempool) {
      const tx = Transaction.fromHex((await node.rpc.getRawTransactionHex(txid))!);
      if (tx.outs.some((o) => net.bob.btc.wallet.isMine(payoutAddress(o.script)))) paying.push(txid);
    }
    expect(paying).toEqual([paid.txid]);

    // in the mempool: Bob waits, nothing reached Dave
    expect(await stateOf(net.bob, id)).toBe('confirming');
    expect(net.n1.balance(net.dave.account)).toBe(0n);
    await node.mine(1);
    await net.settle(3);
    // one confirmation of two: still waiting
    expect(await stateOf(net.bob, id)).toBe('confirming');
    expect(net.n1.transferCount()).toBe(0);
    await node.mine(1);
    await net.settle(6);

    const result = await net.alice.coordinator.waitFor(id);
    expect(result).toMatchObject({ state: 'succeeded', sent: 100_000n, delivered: 100n });
    expect(await stateOf(net.bob, id)).toBe('forwarded');
    expect(await stateOf(net.dave, id)).toBe('fulfilled');
    expect(net.n1.balance(net.dave.account)).toBe(100n);
    expect(net.n1.transferCount()).toBe(1);

    // a replayed transfer.notice from Alice changes nothing
    const notice = net.hub.log.find(
      (r) =>
        r.from === net.alice.pubkey &&
        r.to === net.bob.pubkey &&
        (r.wire as { type?: string }).type === 'transfer.notice',
    )!;
    net.hub.inject({ ...notice });
    await net.settle(3);
    expect(net.n1.transferCount()).toBe(1);
    expect(net.n1.balance(net.dave.account)).toBe(100n);
    const bobWallet = net.bob.btc.wallet;
    await bobWallet.sync();
    expect(bobWallet.incoming(address).map((p) => p.txid)).toEqual([paid.txid]);
    await net.close();
  }, 30_000);

  it('an underpaid on-chain leg is refused after its confirmations and refunded on-chain; the payer counts the refund once it confirms', async () => {
    const net = await buildNet(underpaying);
    const id = await net.alice.coordinator.begin({ route: net.route() });
    await net.settle(8);
    expect(await stateOf(net.bob, id)).toBe('confirming');
    await node.mine(CONFIRMATIONS);
    await net.settle(6);
    // nothing forwarded, Bob sent back what really arrived to the payer's own address
    expect(net.n1.transferCount()).toBe(0);
    expect(['refunding', 'refunded']).toContain(await stateOf(net.bob, id));
    const refund = net.bob.btc.recorded(`${id}:refund:0`)!;
    expect(refund).toMatchObject({ amount: 50_000n, broadcast: true });
    expect(net.alice.btc.wallet.isMine(refund.address)).toBe(true);
    expect((await listMisbehaving(net.bob.store.db)).map((m) => [m.pubkey, m.reason])).toEqual([
      [net.alice.pubkey, 'underpaid'],
    ]);
    // Alice counts the refund once it confirms (her wallet needs one confirmation)
    expect(await stateOf(net.alice, id)).toBe('failing');
    await node.mine(1);
    await net.settle(4);
    const result = await net.alice.coordinator.waitFor(id);
    expect(result).toMatchObject({ state: 'refunded', refunded: 50_000n });
    expect(await stateOf(net.bob, id)).toBe('refunded');
    await net.close();
  }, 30_000);

  it('a payee paid on-chain quotes a fresh address and reveals the preimage only after the confirmations, across a restart', async () => {
    const net = await buildNet();
    const id = await net.alice.coordinator.begin({ route: net.routeOut() });
    await net.settle(8);
    const address = net.dave.btc.receiveAddress(id, 'regtest', 'btc', false)!;
    expect(net.dave.btc.wallet.isMine(address)).toBe(true);
    // Bob was paid in EUR and forwarded on-chain; Dave waits
    expect(await stateOf(net.bob, id)).toBe('forwarded');
    expect(net.bob.btc.recorded(`${id}:leg:1`)).toMatchObject({ address, amount: 100_000n, broadcast: true });
    expect(await stateOf(net.dave, id)).toBe('confirming');
    await node.mine(1);
    await net.settle(3);
    expect(await stateOf(net.dave, id)).toBe('confirming');
    expect(net.alice.coordinator.result(id)).toBeUndefined();
    // Dave restarts while he waits: the wait resumes from his database
    const dave = await net.restartDave();
    expect(await stateOf(dave, id)).toBe('confirming');
    await node.mine(1);
    await net.settle(6);
    expect(await net.alice.coordinator.waitFor(id)).toMatchObject({
      state: 'succeeded',
      sent: 100n,
      delivered: 100_000n,
    });
    expect(await stateOf(dave, id)).toBe('fulfilled');
    await dave.btc.wallet.sync();
    expect(dave.btc.wallet.incoming(address).map((p) => p.value)).toEqual([100_000n]);
    await net.close();
  }, 30_000);

  it('a hop accepts a prepare only for the address it quoted for that very payment', async () => {
    const net = await buildNet();
    const id = await net.alice.coordinator.begin({ route: net.route() });
    await net.settle(8);
    const quoted = net.bob.btc.receiveAddress(id, 'regtest', 'btc', false)!;
    const type = (r: { wire: Record<string, unknown> }): unknown => r.wire.type;
    const toBob = (t: string) =>
      net.hub.log.find((r) => r.from === net.alice.pubkey && r.to === net.bob.pubkey && type(r) === t)!;
    const forge = (r: ReturnType<typeof toBob>, body: Record<string, unknown>): void =>
      net.hub.inject({
        ...r,
        wire: {
          ...r.wire,
          nonce: bytesToHex(randomBytes(16)),
          body: { ...(r.wire.body as Record<string, unknown>), ...body },
        },
      });
    // Bob quotes another payment: it gets its own address
    const other = 'cd'.repeat(16);
    forge(toBob('quote.request'), { payment_id: other });
    await net.settle(2);
    const otherAddress = net.bob.btc.receiveAddress(other, 'regtest', 'btc', false)!;
    expect(otherAddress).toMatch(/^rb1q/);
    expect(otherAddress).not.toBe(quoted);
    // a prepare of that payment naming the first payment's address is refused ...
    const prepare = toBob('prepare');
    const inAsset = (prepare.wire.body as { in: Record<string, unknown> }).in;
    forge(prepare, { payment_id: other, payment_hash: 'ef'.repeat(32), in: { ...inAsset, nym: quoted } });
    await net.settle(2);
    expect(await stateOf(net.bob, other)).toBeUndefined();
    // ... and one naming the address quoted for it is accepted
    forge(prepare, { payment_id: other, payment_hash: 'ef'.repeat(32), in: { ...inAsset, nym: otherAddress } });
    await net.settle(2);
    expect(await stateOf(net.bob, other)).toBe('prepared');
    await node.mine(CONFIRMATIONS);
    await net.settle(6);
    expect((await net.alice.coordinator.waitFor(id)).state).toBe('succeeded');
    await net.close();
  }, 30_000);
});

/** The address of a P2WPKH output script (the wallet's kind), or '' for any other script. */
function payoutAddress(script: Uint8Array): string {
  if (script.length !== 22 || script[0] !== 0 || script[1] !== 20) return '';
  return payments.p2wpkh({ hash: script.subarray(2), network: BCOIN_REGTEST.params }).address!;
}

describe('createPeer({ bitcoin })', () => {
  it('two peers over an embedded relay settle a direct on-chain payment after the confirmations', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1', port: 0 });
    const dir = tmpDir();
    const payerWallet = walletOf(seeds.alice);
    const payeeWallet = walletOf(seeds.payee);
    const open = (name: string, wallet: BitcoinWallet): Promise<Peer> =>
      createPeer({
        home: join(dir, name),
        identity: { secretKey: Uint8Array.from(randomBytes(32)) },
        relays: [relay.url],
        bitcoin: { wallet, confirmations: 2 },
        paymentLimits: { confirmationPollMs: 100 },
      });
    const payer = await open('payer', payerWallet);
    const payee = await open('payee', payeeWallet);
    try {
      await payer.start();
      await payee.start();
      const id = await peerInternals(payer).coordinator.begin({
        route: [{ from: payer.pubkey, to: payee.pubkey, notary: 'regtest', unit: 'btc', amount: 60_000n }],
      });
      const stateAt = async (peer: Peer): Promise<string | undefined> =>
        (await listPayments(peerInternals(peer).store.db)).find((r) => r.id === id)?.state;
      const until = async (peer: Peer, state: string): Promise<void> => {
        while ((await stateAt(peer)) !== state) await new Promise((r) => setTimeout(r, 50));
      };
      await until(payee, 'confirming');
      await node.mine(1);
      // one confirmation of two: a few polls later the payee still waits
      await peerInternals(payee).coordinator.tick();
      expect(await stateAt(payee)).toBe('confirming');
      await node.mine(1);
      const result = await peerInternals(payer).coordinator.waitFor(id);
      expect(result).toMatchObject({ state: 'succeeded', sent: 60_000n, delivered: 60_000n });
      const rows = peerInternals(payee)
        .store.raw.prepare('SELECT address FROM btc_receive_addresses WHERE payment_id = ?')
        .pluck()
        .all(id) as string[];
      expect(rows).toHaveLength(1);
      await payeeWallet.sync();
      expect(payeeWallet.incoming(rows[0]!).map((p) => p.value)).toEqual([60_000n]);
    } finally {
      await payer.stop();
      await payee.stop();
      await relay.close();
    }
  }, 40_000);
});
