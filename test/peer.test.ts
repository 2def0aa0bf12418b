/**
 * The Peer facade over real parts: an embedded relay on 127.0.0.1, a simulated notary's SQLite
 * ledger, two peers with their own data folders. Checks what a wallet is told through events.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeer } from '../src/peer.ts';
import type { Peer } from '../src/peer.ts';
import { peerInternals } from '../src/peer/internals.ts';
import { deriveIdentity } from '../src/keys/identity.ts';
import { generateMnemonic } from '../src/keys/mnemonic.ts';
import { SimulatedNotary } from '../src/otapi/notary.ts';
import { simulatedNotaryLookup } from '../src/payments/adapters/otapi.ts';
import { startEmbeddedRelay } from '../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../src/relays/embedded.ts';
import type { PaymentRecord } from '../src/payments/store.ts';
import { buildOfferDeletion } from '../src/events/offer.ts';
import { buildFollowsEvent } from '../src/events/follows.ts';
import { MemoryNetwork, MemoryTransport } from '../src/relays/memory.ts';
import { tmpDir } from './helpers/tmp.ts';

let relay: EmbeddedRelay;
let notary: SimulatedNotary;
let lookup: ReturnType<typeof simulatedNotaryLookup>;
let payer: Peer;
let payee: Peer;

beforeAll(async () => {
  const dir = tmpDir();
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  notary = SimulatedNotary.open({ ledgerPath: join(dir, 'ledger.sqlite') });
  lookup = simulatedNotaryLookup({ [notary.id]: join(dir, 'ledger.sqlite') });
  const usd = notary.units[0]?.id as string;
  const issuer = notary.openAccount('issuer', usd, 0n, true);
  const acct = notary.openAccount('payer', usd);
  notary.openAccount('payee', usd);
  notary.transfer({
    idempotencyKey: 'fund-payer',
    notaryId: notary.id,
    fromAccountId: issuer,
    toAccountId: acct,
    amount: 10_000n,
  });
  const make = (name: string): Promise<Peer> =>
    createPeer({
      home: join(dir, name),
      identity: deriveIdentity(generateMnemonic()),
      relays: [relay.url],
      otApi: notary.clientFor(name),
      receiptLookup: lookup,
    });
  payer = await make('payer');
  payee = await make('payee');
  for (const p of [payer, payee]) {
    await p.start();
    await p.announceRelays();
    await p.catalog.publish();
  }
  await payer.follow([payee.pubkey]);
  for (const p of [payer, payee]) await p.flush();
});

afterAll(async () => {
  await payer?.stop();
  await payee?.stop();
  lookup?.close();
  notary?.close();
  await relay?.close();
});

describe('Peer', () => {
  it('tells both the payer and the payee about payment state changes', async () => {
    const seen = { payer: [] as PaymentRecord[], payee: [] as PaymentRecord[] };
    payer.on('payment', (p) => seen.payer.push(p));
    payee.on('payment', (p) => seen.payee.push(p));
    const { results } = await payer.payments.pay({ to: payee.pubkey, amount: 1_234n, unit: 'USD', maxParts: 1 });
    expect(results.map((r) => r.state)).toEqual(['succeeded']);
    expect(seen.payer.at(-1)).toMatchObject({ role: 'payer', state: 'succeeded' });
    // The payee learns from inbound messages; its coordinator announces each transition.
    await expect.poll(() => seen.payee.at(-1)?.state, { timeout: 10_000 }).toBe('fulfilled');
    expect(seen.payee.every((p) => p.role === 'payee')).toBe(true);
  });

  it('reports its status: relays, outbox and payments', async () => {
    const s = await payer.status();
    expect(s.npub).toBe(payer.npub);
    expect(s.relays).toEqual([expect.objectContaining({ url: relay.url, connected: true })]);
    expect(s.outbox.pending).toBe(0);
    expect(s.payments.total).toBeGreaterThanOrEqual(1);
  });
});

describe('Peer offer graph', () => {
  it("drops another peer's offer when a NIP-09 deletion names an id containing colons", async () => {
    // The embedded relay applies NIP-09 but neither stores nor forwards kind 5, so the deletion
    // travels over the in-process relays (which keep and forward it, as most public relays do).
    const network = new MemoryNetwork();
    const dir = tmpDir();
    const make = (name: string): Promise<Peer> =>
      createPeer({
        home: join(dir, name),
        identity: deriveIdentity(generateMnemonic()),
        transport: new MemoryTransport({ network }),
        relays: ['memory://a'],
      });
    const alice = await make('alice');
    const bob = await make('bob');
    try {
      await alice.start();
      await bob.start();
      await alice.follow([bob.pubkey]);
      await alice.flush();
      // Offer ids may contain ':' (a `d` tag is free text); the deletion's `a` tag is
      // `31562:<pubkey>:<id>`, so the id is everything after the second colon.
      const id = 'usd:eur:nip09';
      const now = Math.floor(Date.now() / 1000);
      const unit = (u: string): { unit: string; notary: string } => ({ unit: u, notary: 'n1' });
      await bob.offers.publish({
        id,
        in: unit('usd'),
        out: unit('eur'),
        rateNum: 1n,
        rateDen: 1n,
        cutPpm: 0n,
        fee: 0n,
        min: 1n,
        max: 1_000n,
        liquidity: 1_000n,
        expiration: now + 3600,
        status: 'open',
      });
      await bob.flush();
      await alice.sync({ live: true });
      const known = (): string[] =>
        alice
          .knownOffers()
          .filter((o) => o.pubkey === bob.pubkey)
          .map((o) => o.id);
      expect(known()).toEqual([id]);
      expect(peerInternals(alice).graph.stats().openOffers).toBe(1);
      // A deletion alone (as another client would send it), without otp2p's closed replacement.
      await bob.publish(buildOfferDeletion(bob.pubkey, id, now + 1), { wait: true });
      await expect.poll(known).toEqual([]);
      expect(peerInternals(alice).graph.stats().openOffers).toBe(0);
    } finally {
      await alice.stop();
      await bob.stop();
    }
  });

  it('reports relay health through the transport, whichever it is', async () => {
    const network = new MemoryNetwork();
    const peer = await createPeer({
      home: tmpDir(),
      identity: deriveIdentity(generateMnemonic()),
      transport: new MemoryTransport({ network, relays: ['memory://a', 'memory://b'] }),
      relays: ['memory://a', 'memory://b'],
    });
    try {
      await peer.start();
      await peer.follow([peer.pubkey]);
      await peer.flush();
      await peer.sync();
      network.relay('memory://b').up = false;
      const health = peer.relayHealth();
      expect(health.map((h) => [h.url, h.connected])).toEqual([
        ['memory://a', true],
        ['memory://b', false],
      ]);
      expect(health[0]?.stats?.received).toBeGreaterThan(0);
    } finally {
      await peer.stop();
    }
  });

  it('delivers what it queued on flush() without being started, and reports the outbox', async () => {
    const network = new MemoryNetwork();
    const relays = ['wss://a.memory.invalid', 'wss://b.memory.invalid'];
    const peer = await createPeer({
      home: tmpDir(),
      identity: deriveIdentity(generateMnemonic()),
      transport: new MemoryTransport({ network, relays }),
      relays,
    });
    try {
      network.relay(relays[1] as string).up = false;
      // A plain publish: it returns once queued (peer.follow also waits for the relays' answers).
      const event = await peer.publish(buildFollowsEvent([{ pubkey: peer.pubkey }], 1_770_000_000));
      expect(peer.outboxReport().counts).toEqual({ pending: 2, acked: 0, failed: 0 });
      await peer.flush();
      expect(network.relay(relays[0] as string).has(event.id)).toBe(true);
      const report = peer.outboxReport();
      expect(report.counts).toMatchObject({ pending: 1, acked: 1 });
      expect(report.items.map((i) => [i.eventId, i.relay, i.status])).toEqual([[event.id, relays[1], 'pending']]);
    } finally {
      await peer.stop();
    }
  });
});

describe('Peer.catalog.publish', () => {
  it('refuses an empty catalog (it would replace the published one everywhere) unless forced', async () => {
    const p = await createPeer({
      home: join(tmpDir(), 'empty'),
      identity: deriveIdentity(generateMnemonic()),
      relays: [relay.url],
    });
    try {
      await expect(p.catalog.publish()).rejects.toMatchObject({ code: 'empty-catalog' });
      const forced = await p.catalog.publish(undefined, { force: true });
      expect(forced.kind).toBe(11560);
    } finally {
      await p.stop();
    }
  });
});

describe('Peer.offers replacements', () => {
  it('a replacement in the same second still replaces: created_at rises past the one it replaces', async () => {
    // NIP-01: of two versions with the same created_at the lower id wins, so a withdrawal stamped
    // in the same second as the offer could lose to it on every relay.
    const fixed = 1_760_000_000;
    const p = await createPeer({
      home: join(tmpDir(), 'stamps'),
      identity: deriveIdentity(generateMnemonic()),
      transport: new MemoryTransport({ network: new MemoryNetwork() }),
      relays: ['memory://a'],
      clock: { now: () => fixed * 1000 },
    });
    try {
      const offer = {
        id: 'usd-eur',
        in: { unit: 'usd', notary: 'n1' },
        out: { unit: 'eur', notary: 'n1' },
        rateNum: 1n,
        rateDen: 1n,
        cutPpm: 0n,
        fee: 0n,
        min: 1n,
        max: 1_000n,
        liquidity: 1_000n,
        expiration: fixed + 3600,
        status: 'open' as const,
      };
      const first = await p.offers.publish(offer);
      const second = await p.offers.publish({ ...offer, liquidity: 500n });
      const [closed, deletion] = await p.offers.withdraw('usd-eur');
      expect(first.created_at).toBe(fixed);
      expect(second.created_at).toBe(fixed + 1);
      expect(closed?.created_at).toBe(fixed + 2);
      expect(deletion?.created_at).toBeGreaterThanOrEqual(fixed + 2);
    } finally {
      await p.stop();
    }
  });
});

describe('Peer.routes.find with a relay that does not answer', () => {
  it('reports the gap (relay-incomplete) instead of "the payee publishes no catalog"', async () => {
    // Port 1 on 127.0.0.1 refuses every connection: nothing was answered, so nothing is known.
    const p = await createPeer({
      home: join(tmpDir(), 'down'),
      identity: deriveIdentity(generateMnemonic()),
      relays: ['ws://127.0.0.1:1'],
    });
    try {
      const err = await p.routes
        .find({ to: 'ab'.repeat(32), amount: 100n, fromUnit: 'usd@n1' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'relay-incomplete' });
      expect((err as Error).message).toContain('ws://127.0.0.1:1');
    } finally {
      await p.stop();
    }
  });
});
