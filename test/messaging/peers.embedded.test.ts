/**
 * Two and three peers on a real embedded relay over 127.0.0.1 sockets, reading gift wraps with
 * NIP-42 AUTH: hello, catalog exchange (public and private), negotiation outcomes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { fetchCatalog, publishCatalog, requestCatalog, serveCatalog } from '../../src/catalog/exchange.ts';
import { negotiate } from '../../src/catalog/negotiation.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { Messenger } from '../../src/messaging/messenger.ts';
import { buildHello, makeMessage } from '../../src/messaging/protocol.ts';
import type { HelloBody } from '../../src/messaging/protocol.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

interface Peer {
  name: string;
  sk: Uint8Array;
  pk: string;
  pool: RelayPool;
  store: Store;
  m: Messenger;
  catalog: Catalog;
  hellos: HelloBody[];
}

const cat = (
  units: [string, string, string][],
  btc: boolean,
  privateUnits: [string, string, string][] = [],
): Catalog => ({
  notaries: [...new Set([...units, ...privateUnits].map((u) => u[1]))].map((id) => ({
    id,
    ...(units.some((u) => u[1] === id) ? {} : { private: true }),
  })),
  units: [
    ...units.map(([id, notary, tla]) => ({ id, notary, tla, factor: 100n })),
    ...privateUnits.map(([id, notary, tla]) => ({ id, notary, tla, factor: 100n, private: true })),
  ],
  ...(btc ? { btc: { network: 'bitcoin' as const } } : {}),
  preference: [],
});

describe('peers on an embedded relay', () => {
  let relay: EmbeddedRelay;
  const peers: Record<string, Peer> = {};
  const dir = tmpDir();

  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    const specs: [string, string, Catalog][] = [
      [
        'alice',
        '0a'.repeat(32),
        cat(
          [
            ['usd', 'n1', 'USD'],
            ['eur', 'n1', 'EUR'],
          ],
          false,
        ),
      ],
      ['bob', '0b'.repeat(32), cat([['usd', 'n1', 'USD']], true, [['gld', 'n3', 'GLD']])],
      ['carol', '0c'.repeat(32), cat([['gld', 'n3', 'GLD']], true)],
    ];
    for (const [name, hex, catalog] of specs) {
      const sk = hexToBytes(hex);
      const verifier = new EventVerifier();
      const pool = new RelayPool({
        relays: [relay.url],
        signer: (t) => signEvent(t, sk),
        verifier,
        fetchLimits: false,
      });
      const store = await openStore(join(dir, `${name}.sqlite`));
      const m = new Messenger({
        transport: pool,
        signer: new LocalSigner(sk, 'seed'),
        pubkey: getPublicKey(sk),
        store,
        verifier,
        inboxRelays: [relay.url],
        discoveryRelays: [relay.url],
      });
      const peer: Peer = { name, sk, pk: getPublicKey(sk), pool, store, m, catalog, hellos: [] };
      peers[name] = peer;
      await pool.publish(signEvent(buildDmRelaysEvent([relay.url], Math.floor(Date.now() / 1000)), sk));
      await publishCatalog(pool, new LocalSigner(sk, 'seed'), catalog);
      serveCatalog(m, () => catalog);
      m.on('hello', async (inc) => {
        peer.hellos.push(inc.message.body);
        return makeMessage(
          'hello',
          await buildHello(new LocalSigner(sk, 'seed'), peer.pk, {
            nym_id: `otNym${name}`,
            credential: `credential of ${name}`,
            to: inc.from,
          }),
        );
      });
    }
    for (const p of Object.values(peers)) await p.m.start();
  }, 30_000);

  afterAll(async () => {
    for (const p of Object.values(peers)) {
      p.m.stop();
      await p.pool.close();
      await p.store.close();
    }
    await relay.close();
  });

  const P = (n: string): Peer => peers[n]!;

  it('hello: both sides learn the other nym, bound to the npub', async () => {
    const a = P('alice');
    const b = P('bob');
    const reply = await a.m.request(
      b.pk,
      makeMessage(
        'hello',
        await buildHello(new LocalSigner(a.sk, 'seed'), a.pk, {
          nym_id: 'otNymalice',
          credential: 'credential of alice',
          to: b.pk,
          bitcoin: { network: 'bitcoin', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
        }),
      ),
      { timeoutMs: 10_000 },
    );
    expect(reply.from).toBe(b.pk);
    expect(reply.message.type).toBe('hello');
    if (reply.message.type === 'hello') expect(reply.message.body).toMatchObject({ nym_id: 'otNymbob', to: a.pk });
    expect(b.hellos.map((h) => h.nym_id)).toEqual(['otNymalice']);
  });

  it('public catalogs are fetched from the relay; private entries only come by DM', async () => {
    const c = P('carol');
    const b = P('bob');
    const pub = await fetchCatalog(c.pool, b.pk);
    expect(pub?.catalog.units.map((u) => u.id)).toEqual(['usd']);
    const priv = await requestCatalog(c.m, b.pk, { timeoutMs: 10_000 });
    expect(priv.units.map((u) => u.id).sort()).toEqual(['gld', 'usd']);
  });

  it('negotiation: overlapping (alice-bob), disjoint (alice-carol), BTC-only (carol-bob public) and private overlap', async () => {
    const a = P('alice');
    const b = P('bob');
    const c = P('carol');
    const bobPublic = (await fetchCatalog(a.pool, b.pk))!.catalog;
    const ab = negotiate(a.catalog, bobPublic);
    expect(ab.ok && ab.options.map((o) => o.asset)).toEqual(['usd@n1']);

    const carolPublic = (await fetchCatalog(a.pool, c.pk))!.catalog;
    const ac = negotiate(a.catalog, carolPublic);
    expect(ac).toMatchObject({ ok: false, code: 'no-common-asset', handoff: { to: ['gld@n3', 'btc@bitcoin'] } });

    const cbPublic = negotiate(c.catalog, (await fetchCatalog(c.pool, b.pk))!.catalog);
    expect(cbPublic.ok && cbPublic.options.map((o) => o.asset)).toEqual(['btc@bitcoin']);

    const cbPrivate = negotiate(c.catalog, await requestCatalog(c.m, b.pk, { timeoutMs: 10_000 }));
    expect(cbPrivate.ok && cbPrivate.options.map((o) => o.asset)).toEqual(['gld@n3', 'btc@bitcoin']);
  });

  it('chat between three peers, each reads only its own', async () => {
    const a = P('alice');
    const b = P('bob');
    const c = P('carol');
    const seen: Record<string, string[]> = { alice: [], bob: [], carol: [] };
    const offs = [a, b, c].map((p) => p.m.onChat((chat) => seen[p.name]!.push(chat.text)));
    await a.m.sendChat(b.pk, 'to bob');
    await b.m.sendChat(c.pk, 'to carol');
    await until(
      () => seen.bob!.length >= 1 && seen.carol!.length >= 1 && seen.alice!.length >= 1,
      'live chats',
      10_000,
      20,
    );
    for (const off of offs) off();
    expect(seen.bob).toContain('to bob');
    expect(seen.carol).toEqual(['to carol']);
    expect(seen.alice).toEqual(['to bob']); // her own copy
    expect(seen.bob).toEqual(expect.arrayContaining(['to bob', 'to carol']));
  });

  it('wraps are served only to their authenticated recipient (NIP-42)', async () => {
    const b = P('bob');
    const count = async (pool: RelayPool): Promise<number> => {
      let n = 0;
      await new Promise<void>((resolve) => {
        pool.subscribe(
          [{ kinds: [1059], '#p': [b.pk] }],
          { onevent: () => void n++, oneose: () => resolve() },
          { closeOnEose: true, eoseTimeoutMs: 5000 },
        );
      });
      return n;
    };
    const anonymous = new RelayPool({ relays: [relay.url], fetchLimits: false });
    const bobAgain = new RelayPool({ relays: [relay.url], signer: (t) => signEvent(t, b.sk), fetchLimits: false });
    try {
      expect(await count(anonymous)).toBe(0);
      expect(await count(bobAgain)).toBeGreaterThan(0);
    } finally {
      await anonymous.close();
      await bobAgain.close();
    }
  });
});
