/**
 * The web sync engine on embedded relays over real sockets: capped answers paged to the end, a
 * relay that never sends EOSE reported while the others' answers are used, the outbox model
 * (an author read from the relays its kind 10002 names), and warm syncs that ask only `since`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { buildOfferDeletion, buildOfferEvent } from '../../src/events/offer.ts';
import type { Offer } from '../../src/events/offer.ts';
import { buildRelayListEvent } from '../../src/events/relay-list.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay, EmbeddedRelayOptions } from '../../src/relays/embedded.ts';
import { fetchRelayLimits } from '../../src/relays/nip11.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { systemClock } from '../../src/core/clock.ts';
import { Kind } from '../../src/events/kinds.ts';
import { WebStore, syncWeb, transportQueryPort } from '../../src/web/index.ts';
import type { WebSyncOptions } from '../../src/web/index.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { tmpDir } from '../helpers/tmp.ts';

interface Key {
  sk: Uint8Array;
  pk: string;
}
const newKey = (): Key => {
  const sk = new Uint8Array(randomBytes(32));
  return { sk, pk: getPublicKey(sk) };
};
const now = (): number => Math.floor(Date.now() / 1000);
const sign = (k: Key, t: EventTemplate): NostrEvent => signEvent(t, k.sk, k.pk);

function offer(id: string, createdAt: number): Offer {
  return {
    id,
    in: { unit: 'usd', notary: 'n1' },
    out: { unit: 'eur', notary: 'n1' },
    rateNum: 9n,
    rateDen: 10n,
    cutPpm: 0n,
    fee: 0n,
    min: 1n,
    max: 1000n,
    liquidity: 1000n,
    expiration: createdAt + 86_400,
    status: 'open',
  };
}

const follows = (k: Key, pks: string[], at = now()): NostrEvent =>
  sign(
    k,
    buildFollowsEvent(
      pks.map((pubkey) => ({ pubkey })),
      at,
    ),
  );

const toClose: { close(): Promise<unknown> | unknown }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0).reverse()) await c.close();
});

/** An embedded relay that logs the REQs it receives (parsed), for assertions on what was asked. */
async function relay(options: EmbeddedRelayOptions = {}): Promise<EmbeddedRelay & { reqs: unknown[][] }> {
  const reqs: unknown[][] = [];
  const r = await startEmbeddedRelay({
    ...options,
    onFrame: (f) => {
      const m = JSON.parse(f) as unknown[];
      if (m[0] === 'REQ') reqs.push(m);
    },
  });
  toClose.push(r);
  return Object.assign(r, { reqs });
}

async function publish(urls: string[], events: NostrEvent[]): Promise<void> {
  const pool = new RelayPool({ relays: urls, verifier: new EventVerifier(), fetchLimits: false });
  try {
    for (let i = 0; i < events.length; i += 50) {
      const batch = await Promise.all(events.slice(i, i + 50).map((e) => pool.publish(e, urls)));
      for (const r of batch.flat()) expect(r.ok, `${r.relay}: ${r.message}`).toBe(true);
    }
  } finally {
    await pool.close();
  }
}

interface Harness {
  store: Store;
  web: WebStore;
  pool: RelayPool;
  run(extra?: Partial<WebSyncOptions>): ReturnType<typeof syncWeb>;
}

async function harness(self: string, relays: string[], eoseTimeoutMs = 5_000): Promise<Harness> {
  const store = await openStore(join(tmpDir(), 'web.sqlite'));
  toClose.push(store);
  const pool = new RelayPool({ relays, verifier: new EventVerifier() });
  toClose.push(pool);
  const web = new WebStore(store);
  const cursors = new CursorStore(store);
  const query = transportQueryPort(pool, { eoseTimeoutMs });
  return {
    store,
    web,
    pool,
    run: (extra = {}) =>
      syncWeb({
        query,
        store: web,
        cursors,
        clock: systemClock,
        self,
        relays,
        radius: 6,
        limitOf: (r) => fetchRelayLimits(r).then((l) => l.maxLimit),
        ...extra,
      }),
  };
}

describe('syncWeb on embedded relays', () => {
  it('a relay capping every REQ at 50 events still yields every offer of 30 peers with 20 offers each', async () => {
    const capped = await relay({ maxLimit: 50 });
    const payer = newKey();
    const peers = Array.from({ length: 30 }, newKey);
    const t = now() - 100;
    const events = [
      follows(
        payer,
        peers.map((p) => p.pk),
      ),
    ];
    peers.forEach((p, i) => {
      for (let j = 0; j < 20; j++) events.push(sign(p, buildOfferEvent(offer(`o${i}-${j}`, t - j), t - j)));
    });
    await publish([capped.url], events);
    const h = await harness(payer.pk, [capped.url]);
    const report = await h.run();
    expect(report.gaps).toEqual([]);
    expect(h.web.counts().offers).toBe(600);
    expect(report.webSize).toBe(30);
    // Paged: an answer of 50 (the cap from NIP-11) was asked again with `until`, at the cap.
    const filters = capped.reqs.flatMap((m) => m.slice(2) as { until?: number; limit?: number }[]);
    const pages = filters.filter((f) => f.until !== undefined);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((f) => f.limit === 50)).toBe(true);
  });

  it('a relay that never sends EOSE is reported and the other relays answers are used', async () => {
    const good = await relay();
    const upstream = await relay();
    const mute = await FaultProxy.start(upstream.url);
    toClose.push(mute);
    mute.fromRelay = (msg) => (msg[0] === 'EOSE' ? 'drop' : 'pass');
    const payer = newKey();
    const seller = newKey();
    const t = now() - 10;
    await publish(
      [good.url, upstream.url],
      [follows(payer, [seller.pk]), sign(seller, buildOfferEvent(offer('x', t), t))],
    );
    const h = await harness(payer.pk, [good.url, mute.url], 1_500);
    const report = await h.run();
    expect(h.web.counts().offers).toBe(1);
    expect(report.webSize).toBe(1);
    expect(report.gaps.length).toBeGreaterThan(0);
    expect(new Set(report.gaps.map((g) => g.relay))).toEqual(new Set([mute.url]));
    expect(report.gaps[0]!.reason).toMatch(/^no-answer/);
  });

  it("reads an author from the relay its kind 10002 names, though the payer's relays lack its events", async () => {
    const a = await relay();
    const b = await relay();
    const payer = newKey();
    const x = newKey();
    const y = newKey();
    const t = now() - 10;
    await publish(
      [a.url],
      [follows(payer, [x.pk]), sign(x, buildRelayListEvent([{ url: b.url, read: true, write: true }], t))],
    );
    await publish([b.url], [follows(x, [y.pk]), sign(x, buildOfferEvent(offer('x-only-on-b', t), t))]);
    const h = await harness(payer.pk, [a.url]);
    const report = await h.run({ scanRelays: 0 });
    expect(report.gaps).toEqual([]);
    expect(h.web.writeRelaysOf(x.pk)).toEqual([b.url]);
    expect(h.web.followsOf(x.pk)).toEqual([y.pk]);
    expect(h.web.distances(payer.pk, 6).get(y.pk)).toBe(2);
    expect(h.web.eventsOfKind(Kind.Offer).map((e) => e.pubkey)).toEqual([x.pk]);
    // B was asked for x by author (the outbox model), not scanned.
    const toB = b.reqs.flatMap((m) => m.slice(2) as { authors?: string[] }[]);
    expect(toB.some((f) => f.authors?.includes(x.pk))).toBe(true);
  });

  it('a warm sync sends only since-bounded REQs and picks up what changed', async () => {
    const r = await relay();
    const payer = newKey();
    const peers = Array.from({ length: 4 }, newKey);
    const t = now() - 10;
    await publish(
      [r.url],
      [
        follows(
          payer,
          peers.map((p) => p.pk),
        ),
        ...peers.slice(0, 3).map((p, i) => sign(p, buildOfferEvent(offer(`o${i}`, t), t))),
      ],
    );
    const h = await harness(payer.pk, [r.url]);
    await h.run();
    expect(h.web.counts().offers).toBe(3);
    r.reqs.length = 0;
    // A friend starts offering: the warm sync finds it through the scan's `since` alone.
    const late = peers[3]!;
    await publish([r.url], [sign(late, buildOfferEvent(offer('late', now()), now()))]);
    const warm = await h.run();
    expect(warm.gaps).toEqual([]);
    expect(h.web.counts().offers).toBe(4);
    const filters = r.reqs.flatMap((m) => m.slice(2) as { since?: number; kinds?: number[] }[]);
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.filter((f) => f.since === undefined)).toEqual([]);
    // One round: the held relay lists are asked with the other kinds, not in a round of their own.
    expect(filters.filter((f) => f.kinds?.length === 1 && f.kinds[0] === Kind.RelayList)).toEqual([]);
  });

  it('proves a publisher beyond the outward walk by the follow lists that name it, two levels back', async () => {
    const r = await relay();
    const [payer, a, b, c, p] = Array.from({ length: 5 }, newKey) as [Key, Key, Key, Key, Key];
    const t = now() - 10;
    // payer -> a -> b -> c -> p: the outward walk (depth 2) holds payer's and a's lists only.
    await publish(
      [r.url],
      [
        follows(payer, [a.pk]),
        follows(a, [b.pk]),
        follows(b, [c.pk]),
        follows(c, [p.pk]),
        sign(p, buildOfferEvent(offer('far', t), t)),
      ],
    );
    const h = await harness(payer.pk, [r.url]);
    const report = await h.run();
    expect(report.gaps).toEqual([]);
    expect(report.unproven).toEqual([]);
    const dist = h.web.distances(payer.pk, 6);
    expect([dist.get(b.pk), dist.get(c.pk), dist.get(p.pk)]).toEqual([2, 3, 4]);
    const backward = r.reqs.flatMap((m) => m.slice(2) as { '#p'?: string[] }[]).filter((f) => f['#p']);
    expect(backward.map((f) => f['#p'])).toEqual([[p.pk], [c.pk]]);
  });

  it('when the budget runs out, a publisher not proven within the radius is reported unproven', async () => {
    const r = await relay();
    const [payer, a, b, p] = Array.from({ length: 4 }, newKey) as [Key, Key, Key, Key];
    const t = now() - 10;
    await publish(
      [r.url],
      [follows(payer, [a.pk]), follows(a, [b.pk]), follows(b, [p.pk]), sign(p, buildOfferEvent(offer('far', t), t))],
    );
    const h = await harness(payer.pk, [r.url]);
    const report = await h.run({ budget: { bytes: 1 } });
    expect(report.budgetExhausted).toBe(true);
    expect(report.unproven).toEqual([p.pk]);
    expect(report.gaps).toContainEqual({ relay: '', what: 'forward', reason: 'budget' });
    expect(h.web.distances(payer.pk, 6).has(p.pk)).toBe(false);
    // Within the radius of a shorter proof: a second sync with room to spare proves it.
    const again = await h.run();
    expect(again.unproven).toEqual([]);
    expect(h.web.distances(payer.pk, 6).get(p.pk)).toBe(3);
  });

  it('a withdrawn offer (NIP-09 deletion) leaves the persisted web on a warm sync', async () => {
    const r = await relay();
    const payer = newKey();
    const seller = newKey();
    const t = now() - 10;
    await publish([r.url], [follows(payer, [seller.pk]), sign(seller, buildOfferEvent(offer('gone', t), t))]);
    const h = await harness(payer.pk, [r.url]);
    await h.run();
    expect(h.web.counts().offers).toBe(1);
    await publish([r.url], [sign(seller, buildOfferDeletion(seller.pk, 'gone', now()))]);
    const warm = await h.run();
    expect(warm.gaps).toEqual([]);
    expect(h.web.counts().offers).toBe(0);
  });
  it('scans every relay the held relay lists name, and reads a publisher found there from that relay', async () => {
    const a = await relay();
    const c = await relay();
    const payer = newKey();
    const x = newKey();
    const z = newKey();
    const w = newKey();
    const t = now() - 10;
    // Only x's relay list names C; z, whom no one known follows, writes only to C.
    await publish(
      [a.url],
      [follows(payer, [x.pk]), sign(x, buildRelayListEvent([{ url: c.url, read: true, write: true }], t))],
    );
    await publish([c.url], [follows(z, [w.pk]), sign(z, buildOfferEvent(offer('z-only-on-c', t), t))]);
    const h = await harness(payer.pk, [a.url]);
    const report = await h.run();
    expect(report.gaps).toEqual([]);
    expect(h.web.eventsOfKind(Kind.Offer).map((e) => e.pubkey)).toEqual([z.pk]);
    // C was scanned kind-wide (no authors), and z's follow list was read there (the links of a route).
    const toC = c.reqs.flatMap((m) => m.slice(2) as { kinds?: number[]; authors?: string[] }[]);
    expect(toC.some((f) => f.kinds?.includes(Kind.Offer) && f.authors === undefined)).toBe(true);
    expect(h.web.followsOf(z.pk)).toEqual([w.pk]);
    // z is not followed by anyone held: unproven, so not routed through.
    expect(report.unproven).toEqual([z.pk]);
  });

  it("asks a follow list from one of its author's write relays, the small kinds from each", async () => {
    const a = await relay();
    const b = await relay();
    const c = await relay();
    const payer = newKey();
    const x = newKey();
    const y = newKey();
    const t = now() - 10;
    const both = [
      { url: b.url, read: true, write: true },
      { url: c.url, read: true, write: true },
    ];
    await publish([a.url], [follows(payer, [x.pk]), sign(x, buildRelayListEvent(both, t))]);
    await publish([b.url, c.url], [follows(x, [y.pk]), sign(x, buildOfferEvent(offer('x', t), t))]);
    const h = await harness(payer.pk, [a.url]);
    const report = await h.run();
    expect(report.gaps).toEqual([]);
    expect(h.web.followsOf(x.pk)).toEqual([y.pk]);
    const askedFor = (r: typeof b, kind: number): boolean =>
      r.reqs
        .flatMap((m) => m.slice(2) as { kinds?: number[]; authors?: string[] }[])
        .some((f) => f.authors?.includes(x.pk) && f.kinds?.includes(kind));
    expect([askedFor(b, Kind.Follows), askedFor(c, Kind.Follows)].filter(Boolean)).toHaveLength(1);
    expect([askedFor(b, Kind.Catalog), askedFor(c, Kind.Catalog)]).toEqual([true, true]);
  });

  it('the backward phase stops at its own byte budget: what it did not prove is unproven, the rest still synced', async () => {
    const r = await relay();
    const [payer, a, b, p] = Array.from({ length: 4 }, newKey) as [Key, Key, Key, Key];
    const t = now() - 10;
    await publish(
      [r.url],
      [follows(payer, [a.pk]), follows(a, [b.pk]), follows(b, [p.pk]), sign(p, buildOfferEvent(offer('far', t), t))],
    );
    const h = await harness(payer.pk, [r.url]);
    const report = await h.run({ backwardBytes: 0 });
    expect(report.budgetExhausted).toBe(true);
    expect(report.unproven).toEqual([p.pk]);
    expect(report.gaps).toContainEqual({ relay: '', what: 'backward', reason: 'budget' });
    // The phases before it were not starved: the offer and the outward lists are held.
    expect(h.web.counts().offers).toBe(1);
    expect(h.web.distances(payer.pk, 6).get(b.pk)).toBe(2);
    // No follower query was sent.
    const backward = r.reqs.flatMap((m) => m.slice(2) as { '#p'?: string[] }[]).filter((f) => f['#p']);
    expect(backward).toEqual([]);
    const again = await h.run();
    expect(again.unproven).toEqual([]);
    expect(h.web.distances(payer.pk, 6).get(p.pk)).toBe(3);
  });
  it('with discover: false (a mint check) reads the web to forwardDepth only: no scans, no publishers', async () => {
    const r = await relay();
    const [payer, x, y, z] = Array.from({ length: 4 }, newKey) as [Key, Key, Key, Key];
    const t = now() - 10;
    await publish(
      [r.url],
      [follows(payer, [x.pk]), follows(x, [y.pk]), follows(z, [x.pk]), sign(z, buildOfferEvent(offer('z', t), t))],
    );
    const h = await harness(payer.pk, [r.url]);
    const report = await h.run({ discover: false, radius: 2, forwardDepth: 2 });
    expect(report.gaps).toEqual([]);
    expect(h.web.distances(payer.pk, 2).get(y.pk)).toBe(2);
    expect(h.web.counts().offers).toBe(0);
    expect(h.web.followsOf(z.pk)).toEqual([]);
    const filters = r.reqs.flatMap((m) => m.slice(2) as { authors?: string[] }[]);
    expect(filters.filter((f) => f.authors === undefined)).toEqual([]);
  });
});
