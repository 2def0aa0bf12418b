/**
 * `Peer.follow` / `Peer.unfollow` over real parts (an embedded relay on 127.0.0.1, a simulated
 * notary's SQLite ledger): after a follow the web and the offer graph are up to date at once, so a
 * route through the new friend is found without `sync()`; after an unfollow it is gone.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OtP2pError } from '../../src/core/errors.ts';
import { buildMetadataEvent } from '../../src/events/metadata.ts';
import { shortNpub } from '../../src/events/names.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { npubEncode } from '../../src/keys/nip19.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { parseFollowTarget } from '../../src/peer/follows.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { finalizeEvent } from 'nostr-tools/pure';
import type { Event as NtEvent } from 'nostr-tools/pure';
import { WebSocket } from 'ws';

/** Publish an event made by nostr-tools over a raw WebSocket and wait for the relay's OK. */
function publishRaw(url: string, event: NtEvent): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify(['EVENT', event])));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as unknown[];
      if (msg[0] !== 'OK' || msg[1] !== event.id) return;
      ws.close();
      if (msg[2] === true) resolve();
      else reject(new Error(`relay refused: ${String(msg[3])}`));
    });
    ws.on('error', reject);
  });
}

let relay: EmbeddedRelay;
let notary: SimulatedNotary;
let alice: Peer;
let bob: Peer;
let dave: Peer;

beforeAll(async () => {
  const dir = tmpDir();
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  notary = SimulatedNotary.open({
    ledgerPath: join(dir, 'ledger.sqlite'),
    units: [
      { name: 'US Dollars', tla: 'USD', factor: 100n, decimalPower: 2 },
      { name: 'Euros', tla: 'EUR', factor: 100n, decimalPower: 2 },
    ],
  });
  const [usd, eur] = notary.units.map((u) => u.id) as [string, string];
  notary.openAccount('alice', usd, 10_000n);
  notary.openAccount('bob', usd, 0n);
  notary.openAccount('bob', eur, 10_000n);
  notary.openAccount('dave', eur, 0n);
  const make = (name: string): Promise<Peer> =>
    createPeer({
      home: join(dir, name),
      identity: deriveIdentity(generateMnemonic()),
      relays: [relay.url],
      otApi: notary.clientFor(name),
    });
  alice = await make('alice');
  bob = await make('bob');
  dave = await make('dave');
  for (const p of [alice, bob, dave]) await p.catalog.publish();
  await bob.offers.publish({
    id: 'usd-eur',
    in: { unit: usd, notary: notary.id },
    out: { unit: eur, notary: notary.id },
    rateNum: 9n,
    rateDen: 10n,
    cutPpm: 0n,
    fee: 0n,
    min: 1n,
    max: 5_000n,
    liquidity: 10_000n,
    expiration: Math.floor(Date.now() / 1000) + 3600,
    status: 'open',
  });
  await bob.follow(dave.npub);
  for (const p of [alice, bob, dave]) await p.flush();
});

afterAll(async () => {
  for (const p of [alice, bob, dave]) await p?.stop();
  notary?.close();
  await relay?.close();
});

describe('Peer.follow', () => {
  it('brings the new friend (and whom it follows) into the web at once: a route through it without sync()', async () => {
    // Alice has synced once (learning Dave's catalog) while following nobody: no route.
    await alice.sync({ extra: [dave.pubkey] });
    const syncedAt = (await alice.status()).sync.lastSyncAt;
    await expect(alice.routes.find({ to: dave.pubkey, amount: 900n, unit: 'EUR' })).rejects.toMatchObject({
      code: 'no-route',
    });

    const graphEvents: Array<{ offers: number; peers: number }> = [];
    alice.on('graph', (s) => graphEvents.push(s));
    const r = await alice.follow(bob.npub, { petname: 'bob' });
    expect(r.base).toBe('none');
    expect(r.relays).toEqual([expect.objectContaining({ relay: relay.url, ok: true, status: 'acked' })]);
    expect(r.friends).toEqual([{ pubkey: bob.pubkey, publishes: { catalog: true, offers: 1, attestations: 0 } }]);
    expect(r.event?.tags).toEqual([['p', bob.pubkey, '', 'bob']]);
    expect(graphEvents.at(-1)).toEqual({ offers: 1, peers: 2 });
    expect(alice.web().get(bob.pubkey)).toBe(1);
    expect(alice.web().get(dave.pubkey)).toBe(2);

    const route = await alice.routes.find({ to: dave.pubkey, amount: 900n, unit: 'EUR', maxParts: 1 });
    expect(route.parts[0]?.hops.map((h) => h.to)).toEqual([bob.pubkey, dave.pubkey]);
    expect(route.receive).toBe(900n);
    // No sync ran: the follow itself brought Bob's offer and follow list in.
    expect((await alice.status()).sync.lastSyncAt).toBe(syncedAt);
  });

  it('unfollow: the friend leaves the web at once, and with it the route', async () => {
    const r = await alice.unfollow(bob.pubkey);
    expect(r.base).toBe('relays');
    expect(r.event?.tags).toEqual([]);
    expect(alice.web().has(bob.pubkey)).toBe(false);
    await expect(alice.routes.find({ to: dave.pubkey, amount: 900n, unit: 'EUR' })).rejects.toMatchObject({
      code: 'no-route',
    });
    // Unfollowing again changes nothing, so nothing is published.
    expect((await alice.unfollow(bob.npub)).event).toBeNull();
  });

  it('names a friend through the persisted web: follow and followList show what Peer.nameOf shows', async () => {
    const now = Math.floor(Date.now() / 1000);
    await dave.publish(buildMetadataEvent({ display_name: 'Dave D' }, now), { wait: true });
    const r = await alice.follow(dave.npub);
    expect(r.friends.find((f) => f.pubkey === dave.pubkey)?.profileName).toBe('Dave D');
    expect(alice.nameOf(dave.pubkey)).toBe(`Dave D (${shortNpub(dave.pubkey)})`);
    // A newer profile, fetched by followList: it joins the web, so every name shown follows it.
    await dave.publish(buildMetadataEvent({ display_name: 'Dave E' }, now + 1), { wait: true });
    const listed = await alice.followList();
    expect(listed.follows.find((f) => f.pubkey === dave.pubkey)?.profileName).toBe('Dave E');
    expect(alice.nameOf(dave.pubkey)).toBe(`Dave E (${shortNpub(dave.pubkey)})`);
    expect((await alice.unfollow(dave.pubkey)).event?.tags).toEqual([]);
  });

  it("reads the user's list from their NIP-65 write relays too, and publishes the edit there", async () => {
    const home = await startEmbeddedRelay({});
    try {
      const carol = deriveIdentity(generateMnemonic());
      const now = Math.floor(Date.now() / 1000) - 60;
      // Made by another client: the relay list on the configured relay, the follow list only on Carol's own relay.
      const relayList = finalizeEvent(
        { kind: 10002, created_at: now, tags: [['r', home.url, 'write']], content: '' },
        carol.secretKey,
      );
      const theirs = finalizeEvent(
        {
          kind: 3,
          created_at: now,
          tags: [
            ['p', dave.pubkey, '', 'Dave'],
            ['t', 'ot'],
          ],
          content: 'kept',
        },
        carol.secretKey,
      );
      await publishRaw(relay.url, relayList);
      await publishRaw(home.url, theirs);
      const peer = await createPeer({ home: join(tmpDir(), 'carol'), identity: carol, relays: [relay.url] });
      try {
        const r = await peer.follow(bob.pubkey);
        expect(r.base).toBe('relays');
        expect(r.event?.tags).toEqual([...theirs.tags, ['p', bob.pubkey]]);
        expect(r.event?.content).toBe('kept');
        expect(r.relays.map((x) => [x.relay, x.ok]).sort()).toEqual(
          [
            [relay.url, true],
            [home.url, true],
          ].sort(),
        );
      } finally {
        await peer.stop();
      }
    } finally {
      await home.close();
    }
  });

  it.each([
    ['a name', 'bob', 'bad-hex'],
    ['an nsec', `nsec1${'q'.repeat(58)}`, 'bad-key'],
    ['a damaged npub', `${npubEncode('ab'.repeat(32)).slice(0, -1)}x`, 'bad-checksum'],
    ['an empty string', '', 'bad-key'],
  ])('refuses %s as a target with its exact code', (_n, text, code) => {
    try {
      parseFollowTarget(text);
      throw new Error('accepted');
    } catch (e) {
      expect((e as OtP2pError).code).toBe(code);
    }
  });

  it('refuses a petname for several targets and an over-long petname', async () => {
    await expect(alice.follow([bob.pubkey, dave.pubkey], { petname: 'x' })).rejects.toMatchObject({
      code: 'bad-input',
    });
    await expect(alice.follow(bob.pubkey, { petname: 'x'.repeat(101) })).rejects.toMatchObject({ code: 'bad-input' });
  });
});
