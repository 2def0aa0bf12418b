/** WebStore on a real SQLite file: newest wins, follow links as rows, deletions stick, bad events skipped. */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { Kind } from '../../src/events/kinds.ts';
import { buildOfferDeletion, buildOfferEvent } from '../../src/events/offer.ts';
import { buildRelayListEvent } from '../../src/events/relay-list.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { WebStore } from '../../src/web/store.ts';
import { tmpDir } from '../helpers/tmp.ts';

const sk = new Uint8Array(randomBytes(32));
const me = getPublicKey(sk);
const sign = (t: EventTemplate): NostrEvent => signEvent(t, sk, me);
const pk = (c: string): string => c.repeat(64);
const T = 1_900_000_000;
const offer = (id: string, at: number): NostrEvent =>
  sign(
    buildOfferEvent(
      {
        id,
        in: { unit: 'usd', notary: 'n1' },
        out: { unit: 'eur', notary: 'n1' },
        rateNum: 1n,
        rateDen: 1n,
        cutPpm: 0n,
        fee: 0n,
        min: 1n,
        max: 10n,
        liquidity: 10n,
        expiration: at + 3600,
        status: 'open',
      },
      at,
    ),
  );

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});
async function open(path = join(tmpDir(), 'w.sqlite')): Promise<WebStore> {
  store = await openStore(path);
  return new WebStore(store);
}

describe('WebStore', () => {
  it('keeps the newest follow list as rows, both ways, and survives a reopen', async () => {
    const path = join(tmpDir(), 'w.sqlite');
    let w = await open(path);
    const newer = sign(buildFollowsEvent([{ pubkey: pk('b') }, { pubkey: pk('c') }], T + 10));
    const older = sign(buildFollowsEvent([{ pubkey: pk('d') }], T));
    expect(w.ingest([newer, older])).toEqual({ applied: 1, stale: 1, skipped: 0 });
    expect(w.followsOf(me).sort()).toEqual([pk('b'), pk('c')]);
    expect(w.followersOf(pk('c'))).toEqual([me]);
    await store!.close();
    w = await open(path);
    expect(w.distances(me, 6)).toEqual(
      new Map([
        [pk('b'), 1],
        [pk('c'), 1],
      ]),
    );
    expect(w.headOf(me, Kind.Follows)).toBe(T + 10);
  });

  it('reads write relays from the newest relay list; marks asked authors', async () => {
    const w = await open();
    w.ingest([
      sign(
        buildRelayListEvent(
          [
            { url: 'wss://w.example', read: false, write: true },
            { url: 'wss://r.example', read: true, write: false },
          ],
          T,
        ),
      ),
    ]);
    expect(w.writeRelaysOf(me)).toEqual(['wss://w.example']);
    expect(w.askedAt(pk('e'), Kind.Follows)).toBeUndefined();
    w.markAsked([pk('e')], Kind.Follows, T + 5);
    expect(w.askedAt(pk('e'), Kind.Follows)).toBe(T + 5);
    expect(w.headOf(pk('e'), Kind.Follows)).toBe(0);
    w.markAsked([pk('e')], Kind.Follows, T);
    expect(w.askedAt(pk('e'), Kind.Follows)).toBe(T + 5);
  });

  it('a deletion keeps an older copy of the offer from coming back; a newer version may', async () => {
    const w = await open();
    w.ingest([offer('x', T)]);
    expect(w.counts().offers).toBe(1);
    w.ingest([sign(buildOfferDeletion(me, 'x', T + 5))]);
    expect(w.counts().offers).toBe(0);
    expect(w.ingest([offer('x', T)])).toEqual({ applied: 0, stale: 1, skipped: 0 });
    expect(w.ingest([offer('x', T + 6)])).toEqual({ applied: 1, stale: 0, skipped: 0 });
    expect(w.authorsOfKind(Kind.Offer)).toEqual([me]);
  });

  it('skips malformed events of other people and kinds it does not keep', async () => {
    const w = await open();
    const badCatalog = sign({ kind: Kind.Catalog, created_at: T, tags: [['unit', 'x']], content: '' });
    const note = sign({ kind: 1, created_at: T, tags: [], content: 'hi' });
    const noD = sign({ kind: Kind.Offer, created_at: T, tags: [], content: '' });
    expect(w.ingest([badCatalog, note, noD])).toEqual({ applied: 0, stale: 0, skipped: 3 });
    expect(w.counts()).toMatchObject({ catalogs: 0, offers: 0 });
  });

  it('records the id of every event it is given, kept or not, with the events (NIP-77 reconciliation)', async () => {
    const w = await open();
    const newer = sign(buildFollowsEvent([{ pubkey: pk('b') }], T + 10));
    const older = sign(buildFollowsEvent([{ pubkey: pk('c') }], T));
    const noD = sign({ kind: Kind.Offer, created_at: T, tags: [], content: '' });
    expect(w.ingest([newer, older, offer('x', T), noD])).toEqual({ applied: 2, stale: 1, skipped: 1 });
    // newest per author, kind and address: the stale follow list is seen but not held
    const held = (kind: number) => w.idsOf([me], [kind]).map((h) => h.id);
    expect(held(Kind.Follows)).toEqual([newer.id]);
    // the offer without a `d` tag was skipped, yet seen: a reconciliation must not ask for it again
    expect(held(Kind.Offer).sort()).toEqual([offer('x', T).id, noD.id].sort());
  });
});
