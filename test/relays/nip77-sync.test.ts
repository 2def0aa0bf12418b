/**
 * The web sync engine with NIP-77 on embedded relays over real sockets: an event a relay stored
 * late with an old `created_at` (which a `since` REQ misses) is found by reconciliation on a warm
 * sync; a relay without NIP-77, or one that refuses with NEG-ERR, is read with `since` REQs
 * instead, with the same result, never taken as "nothing new".
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { buildOfferEvent } from '../../src/events/offer.ts';
import type { Offer } from '../../src/events/offer.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelayOptions } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { openStore } from '../../src/store/db.ts';
import { WebStore, syncWeb, transportQueryPort } from '../../src/web/index.ts';
import type { TransportPortOptions } from '../../src/web/port.ts';
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
const offer = (id: string, at: number): Offer => ({
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
  expiration: at + 86_400,
  status: 'open',
});
const follows = (k: Key, pks: string[], at: number): NostrEvent =>
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

/** A relay, its received frames (parsed), a payer following three peers who each offer once. */
async function world(relayOptions: EmbeddedRelayOptions = {}, port: TransportPortOptions = {}) {
  const frames: unknown[][] = [];
  const relay = await startEmbeddedRelay({
    ...relayOptions,
    onFrame: (f) => void frames.push(JSON.parse(f) as unknown[]),
  });
  toClose.push(relay);
  const payer = newKey();
  const peers = [newKey(), newKey(), newKey()];
  const t = now() - 7200;
  const publisher = new RelayPool({ relays: [relay.url], fetchLimits: false });
  toClose.push(publisher);
  const publish = async (events: NostrEvent[]): Promise<void> => {
    for (const e of events) expect((await publisher.publish(e))[0]).toMatchObject({ ok: true });
  };
  await publish([
    follows(
      payer,
      peers.map((p) => p.pk),
      t,
    ),
    ...peers.map((p, i) => sign(p, buildOfferEvent(offer(`o${i}`, t), t))),
  ]);
  const store = await openStore(join(tmpDir(), 'web.sqlite'));
  toClose.push(store);
  const pool = new RelayPool({ relays: [relay.url] });
  toClose.push(pool);
  const web = new WebStore(store);
  const cursors = new CursorStore(store);
  const query = transportQueryPort(pool, { eoseTimeoutMs: 5000, ...port });
  const run = () =>
    syncWeb({ query, store: web, cursors, clock: systemClock, self: payer.pk, relays: [relay.url], radius: 3 });
  return { relay, frames, payer, peers, web, publish, run };
}

const negOpens = (frames: unknown[][]): number => frames.filter((f) => f[0] === 'NEG-OPEN').length;

describe('web sync with NIP-77', () => {
  it('finds on a warm sync an offer a relay stored late with an old created_at, which since REQs miss', async () => {
    for (const nip77 of [true, false]) {
      const w = await world({}, nip77 ? {} : { negentropy: false });
      const cold = await w.run();
      expect(cold.gaps).toEqual([]);
      expect(w.web.counts().offers).toBe(3);
      // Published an hour ago, reaching this relay only now (a relay that stored it late).
      const old = now() - 3600;
      await w.publish([sign(w.peers[0]!, buildOfferEvent(offer('late', old), old))]);
      const warm = await w.run();
      expect(warm.gaps).toEqual([]);
      if (nip77) {
        expect(warm.reconciled).toBeGreaterThan(0);
        expect(w.web.counts().offers).toBe(4);
        // Fetched by id, not by time.
        const idReqs = w.frames.filter((f) => f[0] === 'REQ' && (f[2] as { ids?: string[] }).ids !== undefined);
        expect(idReqs.length).toBeGreaterThan(0);
      } else {
        expect(warm.reconciled).toBe(0);
        expect(negOpens(w.frames)).toBe(0);
        expect(w.web.counts().offers).toBe(3);
      }
    }
  });

  it('a warm sync where nothing changed reconciles and asks for no author events', async () => {
    const w = await world();
    await w.run();
    const before = w.frames.length;
    const warm = await w.run();
    expect(warm.reconciled).toBeGreaterThan(0);
    const reqs = w.frames.slice(before).filter((f) => f[0] === 'REQ');
    // Only the scan's since-bounded kinds; no REQ names the authors.
    expect(reqs.flatMap((f) => f.slice(2) as { authors?: string[] }[]).filter((f) => f.authors)).toEqual([]);
  });

  for (const [name, relayOptions] of [
    ['a relay without NIP-77', { negentropy: false }],
    ['a relay that refuses with NEG-ERR (too many records)', { negentropy: { maxRecords: 1 } }],
  ] as const)
    it(`${name} is read with since REQs instead, with the same result`, async () => {
      const w = await world(relayOptions);
      await w.run();
      // A changed follow list (kind 3 is read only per author, never by the scan).
      const extra = newKey();
      await w.publish([follows(w.peers[1]!, [extra.pk], now())]);
      const warm = await w.run();
      expect(warm.gaps).toEqual([]);
      // Groups small enough for the bound (kind 10002, none published) are still reconciled.
      if (relayOptions.negentropy === false) expect(warm.reconciled).toBe(0);
      expect(w.web.followsOf(w.peers[1]!.pk)).toEqual([extra.pk]);
      // The fallback: authors asked with `since` (fresh authors are asked without).
      const sinceAuthors = w.frames.filter(
        (f) =>
          f[0] === 'REQ' && (f.slice(2) as { authors?: string[]; since?: number }[]).some((x) => x.authors && x.since),
      );
      expect(sinceAuthors.length).toBeGreaterThan(0);
      const opens = negOpens(w.frames);
      if (relayOptions.negentropy === false) {
        // Its NIP-11 document lists no 77: never asked (a one-shot command does not wait out a timeout).
        expect(opens).toBe(0);
      } else expect(opens).toBeGreaterThan(0);
    });
});
