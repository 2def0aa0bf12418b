/**
 * A minimal wallet integration: embed a Peer, show the user what it reports (DMs, mint verdicts,
 * payments). Local only: an embedded relay and a simulated OT notary on 127.0.0.1.
 * Run: npx tsx examples/minimal-wallet.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPeer, deriveIdentity, generateMnemonic } from '../src/index.ts';
import type { Peer } from '../src/index.ts';
import { SimulatedNotary, simulatedNotaryLookup } from '../src/testing/index.ts';
import { startEmbeddedRelay } from '../src/relays/index.ts';

/** Run the example; every line a wallet would show goes to `show`. Returns the payment state. */
export async function minimalWallet(show: (line: string) => void = console.log): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-wallet-'));
  const relay = await startEmbeddedRelay({ host: '127.0.0.1', port: 0 });
  const notary = SimulatedNotary.open({
    ledgerPath: join(dir, 'notary.sqlite'),
    name: 'Example Notary (simulated)',
    units: [{ name: 'US Dollar', tla: 'USD', factor: 100n, decimalPower: 2 }],
  });
  const lookup = simulatedNotaryLookup({ [notary.id]: join(dir, 'notary.sqlite') });
  const usd = notary.units[0]!.id;
  const issuer = notary.openAccount('issuer', usd, 0n, true);
  const aliceAcct = notary.openAccount('alice', usd);
  notary.openAccount('shop', usd);
  notary.transfer({
    idempotencyKey: 'fund-alice',
    notaryId: notary.id,
    fromAccountId: issuer,
    toAccountId: aliceAcct,
    amount: 50_00n,
  });
  const peers: Peer[] = [];
  try {
    for (const name of ['alice', 'shop']) {
      const peer = await createPeer({
        home: join(dir, name),
        identity: deriveIdentity(generateMnemonic()),
        relays: [relay.url],
        otApi: notary.clientFor(name),
        receiptLookup: lookup,
      });
      peers.push(peer);
    }
    const [alice, shop] = peers as [Peer, Peer];
    // What the wallet listens to: alarms first, then messages and payments.
    alice.on('mint-alarm', (v) => show(`ALARM: the notary may be tracing you (${v.verdict} for ${v.d})`));
    alice.on('dm', (m) =>
      show(`message from ${m.sender === shop.pubkey ? 'the shop' : m.sender.slice(0, 8)}: ${m.text}`),
    );
    alice.on('payment', (p) => show(`payment ${p.id.slice(0, 8)}: ${p.state}`));
    let dmSeen!: () => void;
    const dmArrived = new Promise<void>((resolve) => (dmSeen = resolve));
    alice.once('dm', () => dmSeen());

    for (const peer of peers) {
      await peer.start();
      await peer.announceRelays();
      await peer.catalog.publish(); // what this wallet accepts: its notaries and units
    }
    await alice.follow([shop.pubkey]);
    for (const peer of peers) await peer.flush();
    show(`wallet ${alice.npub.slice(0, 20)}… online at ${relay.url}`);

    await shop.dms.send(alice.pubkey, 'Invoice #1: 12.34 USD, please');
    await dmArrived;

    const route = await alice.routes.find({ to: shop.pubkey, amount: 12_34n, unit: 'USD', maxParts: 1 });
    show(`route: ${route.parts[0]!.hops.length} hop(s), spend ${route.spend} to deliver ${route.receive} base units`);
    const { results } = await alice.payments.pay({ to: shop.pubkey, amount: 12_34n, unit: 'USD', maxParts: 1 });
    const result = results[0]!;
    show(`paid: ${result.state}${result.preimage ? ', receipt held' : ''}`);

    const check = await alice.mint.check();
    for (const v of check.verdicts) show(`mint ${v.d.slice(0, 16)}…: ${v.verdict} (${v.attesters.length} peers agree)`);
    const balance = (await alice.otApi!.listAccounts()).find((a) => a.unitId === usd)?.balance ?? 0n;
    show(`balance: ${balance} base units of USD`);
    return result.state;
  } finally {
    for (const peer of peers) await peer.stop();
    lookup.close();
    notary.close();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const state = await minimalWallet();
  process.exit(state === 'succeeded' ? 0 : 1);
}
