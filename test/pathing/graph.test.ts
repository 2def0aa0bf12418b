import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OfferGraph, Router } from '../../src/pathing/index.ts';
import { offerInput } from '../../src/events/offer.ts';
import type { GraphOffer } from '../../src/pathing/index.ts';
import { gcdBig } from '../../src/pathing/amount.ts';
import { graphTable } from '../../src/pathing/graph.ts';
import { offerKeyHash } from '../../src/pathing/table.ts';

const USD = { unit: 'usd', notary: 'n1' };
const EUR = { unit: 'eur', notary: 'n1' };
const MAX = (1n << 63n) - 1n;
const PPM = 1_000_000n;

const key = (c: string): string => c.repeat(64);

function offer(pubkey: string, id: string, over: Partial<GraphOffer> = {}): GraphOffer {
  return {
    pubkey,
    id,
    in: USD,
    out: EUR,
    rateNum: 1n,
    rateDen: 1n,
    cutPpm: 0n,
    fee: 0n,
    min: 0n,
    max: 1_000_000n,
    liquidity: 1_000_000n,
    ...over,
  };
}

/** The input factor den*1e6 / (num*(1e6-cut)) reduced in bigint, as the router expects it. */
function referenceFactor(num: bigint, den: bigint, cut: bigint): { n: number; d: number; exact: boolean } {
  let n = den * PPM;
  let d = num * (PPM - cut);
  const g = gcdBig(n, d);
  n /= g;
  d /= g;
  const e = (1n << 53n) - 1n;
  return { n: Number(n), d: Number(d), exact: n <= e && d <= e };
}

/** Rate terms from every range the graph treats differently: below 2^33, below 2^53, up to 2^63-1. */
const rateTerm = fc.oneof(
  fc.bigInt({ min: 1n, max: 1000n }),
  fc.bigInt({ min: 1n, max: (1n << 33n) - 1n }),
  fc.bigInt({ min: 1n << 33n, max: (1n << 53n) - 1n }),
  fc.constantFrom(1n << 33n, (1n << 53n) - 1n, 1n << 53n, MAX, 10n ** 12n, 2n ** 40n * 3n ** 5n),
  // divisors of 1e6 (the graph takes a shortcut for them) and their neighbours
  fc
    .tuple(fc.nat({ max: 6 }), fc.nat({ max: 6 }), fc.constantFrom(-1n, 0n, 0n, 0n, 1n))
    .map(([i, j, k]) => 2n ** BigInt(i) * 5n ** BigInt(j) + k || 1n),
  fc.bigInt({ min: 1n << 53n, max: MAX }),
  // shared factors with 1e6 and with the cut, so every reduction step has work to do
  fc
    .tuple(fc.bigInt({ min: 1n, max: 1n << 30n }), fc.constantFrom(1n, 2n ** 6n, 5n ** 6n, PPM, 10n ** 9n))
    .map(([a, b]) => a * b),
);
const cutTerm = fc.oneof(
  fc.bigInt({ min: 0n, max: PPM - 1n }),
  fc.constantFrom(0n, 1n, 500_000n, 999_999n, 2_500n, 937_500n),
);

describe('offer graph: input factors', () => {
  it('stores the exactly reduced input factor and its exactness for rates of any width', () => {
    fc.assert(
      fc.property(rateTerm, rateTerm, cutTerm, fc.bigInt({ min: 0n, max: MAX }), (num, den, cut, fee) => {
        const g = new OfferGraph();
        const o = g.upsertOffer(offer(key('a'), 'x', { rateNum: num, rateDen: den, cutPpm: cut, fee }));
        const ref = referenceFactor(num, den, cut);
        expect([graphTable(g).fN[o], graphTable(g).fD[o]]).toEqual([ref.n, ref.d]);
        expect(graphTable(g).fastOk[o]).toBe(ref.exact && fee < 2n ** 52n ? 1 : 0);
        expect(graphTable(g).maxGain).toBe(Math.max(1, ref.d / ref.n));
        expect(graphTable(g).pairK.get(g.unit(USD) * 0x100000 + g.unit(EUR))).toBe(ref.n / ref.d);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the exact terms, beyond int32 and 2^53 too', () => {
    const g = new OfferGraph();
    const o = g.upsertOffer(
      offer(key('a'), 'x', { rateNum: MAX, rateDen: 3n, cutPpm: 7n, fee: 11n, min: 13n, max: MAX, liquidity: 17n }),
    );
    expect([
      graphTable(g).numBig(o),
      graphTable(g).denBig(o),
      graphTable(g).cutBig(o),
      graphTable(g).feeBig(o),
      graphTable(g).minBig(o),
      graphTable(g).maxBig(o),
      graphTable(g).liqBig(o),
    ]).toEqual([MAX, 3n, 7n, 11n, 13n, MAX, 17n]);
  });
});

describe('offer graph: terms beyond their compact columns', () => {
  // rate terms beyond int32, fee, limits and liquidity beyond 2^53 - 1 (where a double rounds)
  const payee = key('f');
  const big = (id: string, over: Partial<GraphOffer> = {}): GraphOffer =>
    offer(key('b'), id, {
      rateNum: (1n << 40n) + 7n,
      rateDen: (1n << 40n) + 3n,
      cutPpm: 2_500n,
      fee: (1n << 55n) + 1n,
      min: (1n << 54n) + 1n,
      max: (1n << 62n) + 1n,
      liquidity: (1n << 60n) + 1n,
      ...over,
    });
  const setup = (offers: GraphOffer[]): OfferGraph => {
    const g = new OfferGraph();
    for (const o of offers) g.upsertOffer(o);
    g.setFollows(key('a'), [key('b'), key('c')]);
    g.setFollows(key('b'), [payee]);
    g.setFollows(key('c'), [payee]);
    g.setAccepts(payee, [EUR]);
    return g;
  };
  const q = (amount: bigint) => ({ from: key('a'), fromUnit: USD, to: payee, amount });
  const terms = (g: OfferGraph, o: number) => {
    const t = graphTable(g);
    return [t.numBig(o), t.denBig(o), t.cutBig(o), t.feeBig(o), t.minBig(o), t.maxBig(o), t.liqBig(o)];
  };
  const exact = (o: GraphOffer) => [o.rateNum, o.rateDen, o.cutPpm, o.fee, o.min, o.max, o.liquidity];

  it('routes on the exact values, and they follow liquidity updates, removal and re-adding', () => {
    const b = big('x');
    const g = setup([b]);
    const o = graphTable(g).findOffer(g.peer(key('b')), 'x');
    expect(terms(g, o)).toEqual(exact(b));
    const r = new Router(g);
    // the exact input formula, on terms a double would round
    expect(r.findRoute(q(1n << 59n)).best.spend).toBe(offerInput(b, 1n << 59n));
    // the liquidity is 2^60 + 1 exactly (as a double it is 2^60)
    expect(r.findRoute(q((1n << 60n) + 1n)).best.spend).toBe(offerInput(b, (1n << 60n) + 1n));
    expect(() => r.findRoute(q((1n << 60n) + 2n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    g.setLiquidity(key('b'), 'x', (1n << 60n) + 5n);
    expect(graphTable(g).liqBig(o)).toBe((1n << 60n) + 5n);
    expect(r.findRoute(q((1n << 60n) + 5n)).best.spend).toBe(offerInput(b, (1n << 60n) + 5n));
    expect(() => r.findRoute(q((1n << 60n) + 6n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    // back under 2^53: the exact value is the double's, no stale overflow entry answers instead
    g.setLiquidity(key('b'), 'x', 1000n);
    expect(graphTable(g).liqBig(o)).toBe(1000n);
    expect(() => r.findRoute(q(1001n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    // removed: its overflow entries go; re-added small in the same place: none come back
    expect(g.removeOffer(key('b'), 'x')).toBe(true);
    expect(graphTable(g).bigTerms.size).toBe(0);
    const small = offer(key('b'), 'x', { rateNum: 3n, rateDen: 2n, fee: 5n });
    expect(g.upsertOffer(small)).toBe(o);
    expect(terms(g, o)).toEqual(exact(small));
    expect(graphTable(g).bigTerms.size).toBe(0);
    expect(r.findRoute(q(1000n)).best.spend).toBe(offerInput(small, 1000n));
    // changed back to big terms in place: routed exactly again
    const again = big('x', { fee: (1n << 53n) + 1n, min: (1n << 56n) + 1n, liquidity: (1n << 59n) + 3n });
    expect(g.upsertOffer(again)).toBe(o);
    expect(terms(g, o)).toEqual(exact(again));
    expect(r.findRoute(q((1n << 59n) + 3n)).best.spend).toBe(offerInput(again, (1n << 59n) + 3n));
    expect(() => r.findRoute(q((1n << 59n) + 4n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    // the least amount whose input reaches the minimum (2^56 + 1, which a double rounds to 2^56)
    let lo = 1n;
    let hi = 1n << 57n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1n;
      if (offerInput(again, mid) >= again.min) hi = mid;
      else lo = mid + 1n;
    }
    expect(offerInput(again, lo - 1n)).toBe(again.min - 1n);
    expect(r.findRoute(q(lo)).best.spend).toBe(offerInput(again, lo));
    expect(() => r.findRoute(q(lo - 1n))).toThrow(expect.objectContaining({ code: 'no-route' }));
  });

  it('splits over exact residual liquidity beyond 2^52 across parts', () => {
    const one = (1n << 59n) + 1n;
    const g = setup([
      big('x', { rateNum: 1n, rateDen: 1n, cutPpm: 0n, fee: 0n, min: 0n, liquidity: one }),
      { ...big('y', { rateNum: 1n, rateDen: 1n, cutPpm: 0n, fee: 0n, min: 0n, liquidity: one }), pubkey: key('c') },
    ]);
    const r = new Router(g);
    const m = r.findMultiRoute(q(2n * one));
    expect(m.spend).toBe(2n * one);
    expect(m.parts.map((p) => p.hops[0]!.amount).sort()).toEqual([one, one]);
    expect(() => r.findMultiRoute(q(2n * one + 1n))).toThrow(expect.objectContaining({ code: 'no-route' }));
  });
});

describe('offer graph: bulk load', () => {
  it('addOffers builds the same graph as one upsertOffer per offer, duplicates replacing earlier ones', () => {
    const peers = ['a', 'b', 'c', 'd'].map(key);
    const units = [USD, EUR, { unit: 'btc', notary: 'chain' }];
    const arb = fc.array(
      fc.record({
        p: fc.constantFrom(...peers),
        id: fc.constantFrom('1', '2', '3'),
        i: fc.constantFrom(...units),
        o: fc.constantFrom(...units),
        num: rateTerm,
        den: rateTerm,
        cut: cutTerm,
        fee: fc.bigInt({ min: 0n, max: 1000n }),
        paused: fc.boolean(),
        to: fc.option(fc.array(fc.constantFrom(...peers, key('e')), { maxLength: 3 }), { nil: undefined }),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const offers = rows.map((r) => ({
          ...offer(r.p, r.id, { rateNum: r.num, rateDen: r.den, cutPpm: r.cut, fee: r.fee, to: r.to }),
          in: r.i,
          out: r.o,
          status: r.paused ? ('paused' as const) : ('open' as const),
        }));
        const bulk = new OfferGraph();
        bulk.addOffers(offers);
        const one = new OfferGraph();
        for (const o of offers) one.upsertOffer(o);
        expect(bulk.stats()).toEqual(one.stats());
        const n = graphTable(one).offerCap;
        expect(graphTable(bulk).offerCap).toBe(n);
        for (const f of [
          'offerPeer',
          'offerInSlot',
          'offerOutSlot',
          'offerOpen',
          'offerTo',
          'fN',
          'fD',
          'fFee',
          'fastOk',
          'rNum',
          'rDen',
          'rCut',
          'fMin',
          'fMax',
          'fLiq',
        ] as const) {
          expect([...graphTable(bulk)[f].subarray(0, n)], f).toEqual([...graphTable(one)[f].subarray(0, n)]);
        }
        const terms = (x: OfferGraph) => [...graphTable(x).bigTerms].sort((a, b) => a[0] - b[0]);
        expect(terms(bulk)).toEqual(terms(one));
        expect(graphTable(bulk).offerIds).toEqual(graphTable(one).offerIds);
        expect(graphTable(bulk).maxGain).toBe(graphTable(one).maxGain);
        expect([...graphTable(bulk).pairK]).toEqual([...graphTable(one).pairK]);
        expect([...graphTable(bulk).offerToMany]).toEqual([...graphTable(one).offerToMany]);
        expect(graphTable(bulk).peerKeys).toEqual(graphTable(one).peerKeys);
        // the last version of each (pubkey, id) wins
        const last = new Map(offers.map((o) => [`${o.pubkey}/${o.id}`, o]));
        expect(bulk.stats().offers).toBe(last.size);
        for (const o of last.values()) {
          const i = graphTable(bulk).findOffer(bulk.peer(o.pubkey), o.id);
          expect(i).toBe(graphTable(one).findOffer(one.peer(o.pubkey), o.id));
          expect(graphTable(bulk).numBig(i)).toBe(o.rateNum);
          expect(graphTable(bulk).offerOpen[i]).toBe(o.status === 'open' ? 1 : 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a bad offer in a batch with its code, keeping the ones before it', () => {
    const g = new OfferGraph();
    expect(() =>
      g.addOffers([offer(key('a'), '1'), offer(key('b'), '2', { rateDen: 0n }), offer(key('c'), '3')]),
    ).toThrow(expect.objectContaining({ code: 'bad-rate' }));
    expect(g.stats().offers).toBe(1);
    expect(() => g.addOffers([offer(key('A'), '1')])).toThrow(expect.objectContaining({ code: 'bad-key' }));
    expect(() => g.addOffers([{ ...offer(key('a'), '1'), out: { unit: '', notary: 'n' } }])).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
    expect(() => g.addOffers([offer(key('a'), '1', { max: MAX + 1n })])).toThrow(
      expect.objectContaining({ code: 'bad-amount' }),
    );
  });

  it('stops at a bad counterparty in the middle of a batch: the offers before it stay, findable; nothing of it is added', () => {
    const g = new OfferGraph();
    const batch = [
      offer(key('a'), '1', { to: [key('b')] }),
      offer(key('b'), '1', { to: [key('a')] }),
      offer(key('c'), '1', { to: [key('a'), `${key('d').slice(1)}G`] }),
      offer(key('d'), '1'),
    ];
    expect(() => g.addOffers(batch)).toThrow(
      expect.objectContaining({ code: 'bad-key', context: { field: 'to[1]', offer: '1' } }),
    );
    const t = graphTable(g);
    expect(g.stats().offers).toBe(2);
    // the bad offer's own peer and its good counterparty were not interned either
    expect(t.peerKeys).toEqual([key('a'), key('b')]);
    expect(g.offerRef(t.findOffer(g.peer(key('a')), '1'))).toEqual({ pubkey: key('a'), id: '1' });
    expect(t.offerTo[t.findOffer(g.peer(key('b')), '1')]).toBe(g.peer(key('a')));
    // the rest of the batch, once fixed, adds on top of it as one upsert at a time would
    g.addOffers(batch.slice(3));
    expect(g.stats().offers).toBe(3);
    expect(t.findOffer(g.peer(key('c')), '1')).toBe(-1);
    expect(t.findOffer(g.peer(key('d')), '1')).toBe(2);
  });
});

describe('offer graph: offer index', () => {
  it('finds every offer by (pubkey, id) through any sequence of upserts and removals, ids shared across peers', () => {
    const peers = ['a', 'b', 'c'].map(key);
    // many ids so the index grows (and rehashes) during a run; some ids shared by every peer
    const ids = Array.from({ length: 90 }, (_, i) => (i % 3 === 0 ? 'shared' : `id-${i}`));
    const step = fc.record({
      op: fc.constantFrom('upsert', 'upsert', 'upsert', 'remove', 'liquidity'),
      p: fc.constantFrom(...peers),
      id: fc.constantFrom(...ids),
      liq: fc.bigInt({ min: 0n, max: 1000n }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.boolean(), (steps, bulkFirst) => {
        const g = new OfferGraph();
        const model = new Map<string, bigint>();
        if (bulkFirst) {
          g.addOffers(peers.flatMap((p) => ids.slice(0, 40).map((id) => offer(p, id))));
          for (const p of peers) for (const id of ids.slice(0, 40)) model.set(`${p}/${id}`, 1_000_000n);
        }
        for (const s of steps) {
          const k = `${s.p}/${s.id}`;
          if (s.op === 'upsert') {
            g.upsertOffer(offer(s.p, s.id, { liquidity: s.liq }));
            model.set(k, s.liq);
          } else if (s.op === 'remove') expect(g.removeOffer(s.p, s.id)).toBe(model.delete(k));
          else {
            expect(g.setLiquidity(s.p, s.id, s.liq)).toBe(model.has(k));
            if (model.has(k)) model.set(k, s.liq);
          }
        }
        const t = graphTable(g);
        expect(g.stats().offers).toBe(model.size);
        for (const p of peers) {
          for (const id of new Set(ids)) {
            const o = t.findOffer(g.peer(p), id);
            const want = model.get(`${p}/${id}`);
            if (want === undefined) expect(o).toBe(-1);
            else {
              expect(g.offerRef(o)).toEqual({ pubkey: p, id });
              expect(t.liqBig(o)).toBe(want);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps finding offers whose ids collide in one bucket, past the longest chain it keeps', () => {
    // ids of peer 0 whose hashes share their low 10 bits: one bucket at any size up to 1,024
    const ids: string[] = [];
    for (let i = 0; ids.length < 60; i++) if ((offerKeyHash(0, `x${i}`) & 1023) === 7) ids.push(`x${i}`);
    const g = new OfferGraph();
    const t = graphTable(g);
    g.addOffers(ids.map((id) => offer(key('a'), id)));
    expect(t.idOverflow.size).toBeGreaterThan(0);
    const found = (id: string): number => t.findOffer(g.peer(key('a')), id);
    for (const id of ids) expect(g.offerRef(found(id)).id).toBe(id);
    // remove every other one (chained and overflowed alike), change the rest, add them back one at a time
    for (const id of ids.filter((_, i) => i % 2 === 0)) expect(g.removeOffer(key('a'), id)).toBe(true);
    for (const [i, id] of ids.entries()) {
      expect(found(id) === -1).toBe(i % 2 === 0);
      expect(g.setLiquidity(key('a'), id, 5n)).toBe(i % 2 === 1);
    }
    for (const id of ids.filter((_, i) => i % 2 === 0)) g.upsertOffer(offer(key('a'), id, { liquidity: 7n }));
    expect(g.stats().offers).toBe(ids.length);
    for (const [i, id] of ids.entries()) expect(t.liqBig(found(id))).toBe(i % 2 === 0 ? 7n : 5n);
    // the same offers under another peer are other offers
    expect(t.findOffer(g.peer(key('b')), ids[0] as string)).toBe(-1);
    for (const id of ids) expect(g.removeOffer(key('a'), id)).toBe(true);
    expect(t.idOverflow.size).toBe(0);
    expect(g.stats().offers).toBe(0);
  });

  it('answers false for an unknown peer, an unknown id or an id that is not a string', () => {
    const g = new OfferGraph();
    g.upsertOffer(offer(key('a'), '1'));
    expect(g.removeOffer(key('b'), '1')).toBe(false);
    expect(g.removeOffer(key('a'), '2')).toBe(false);
    expect(g.setLiquidity(key('a'), 1 as unknown as string, 5n)).toBe(false);
    expect(g.removeOffer(key('a'), undefined as unknown as string)).toBe(false);
    expect(g.removeOffer(key('a'), '1')).toBe(true);
    expect(g.stats().offers).toBe(0);
  });
});

describe('offer graph: counterparties', () => {
  it('takes exactly the counterparties /^[0-9a-f]{64}$/ takes, refusing the others as to[i] (bad-key)', () => {
    const one = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{64}$/),
      // one character off a good key, anywhere, including those just outside 0-9 and a-f
      fc
        .tuple(
          fc.stringMatching(/^[0-9a-f]{64}$/),
          fc.nat(63),
          fc.oneof(fc.constantFrom('/', ':', '`', 'g', 'A', 'F', ' ', '\n', '\u0660'), fc.string({ maxLength: 1 })),
        )
        .map(([k, i, c]) => k.slice(0, i) + c + k.slice(i + 1)),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(one, { minLength: 1, maxLength: 3 }), (to) => {
        const g = new OfferGraph();
        const bad = to.findIndex((k) => !/^[0-9a-f]{64}$/.test(k));
        const add = (): number => g.upsertOffer(offer(key('a'), '1', { to }));
        if (bad < 0) {
          add();
          expect(g.stats().offers).toBe(1);
        } else {
          expect(add).toThrow(
            expect.objectContaining({ code: 'bad-key', context: { field: `to[${bad}]`, offer: '1' } }),
          );
          expect(g.stats().offers).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('offer graph: peers', () => {
  it('tells apart keys that share their last hex digits, and finds each again', () => {
    const tail = 'abcdef0';
    const keys = ['0', '1', 'f'].map((c) => c.repeat(57) + tail).concat([`${'2'.repeat(56)}1${tail}`]);
    const g = new OfferGraph();
    const idx = keys.map((k) => g.peer(k));
    expect(new Set(idx).size).toBe(keys.length);
    // fresh string objects with the same text find the same peers
    for (const [i, k] of keys.entries()) expect(g.peer(k.split('').join(''))).toBe(idx[i]);
    expect(graphTable(g).peerKeys).toEqual(keys);
    expect(keys.map((k) => graphTable(g).peerIndex.get(k))).toEqual(idx);
  });

  it('finds every peer when many keys share a tail or crowd neighbouring tails (past the lookup table reach)', () => {
    const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
    // 40 keys ending in one tail, 40 whose tails follow it, 40 spread out, interleaved
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) {
      keys.push(`${hex(i + 1, 57)}abcdef0`);
      keys.push(hex(i + 1, 57) + hex(0xabcdef1 + i, 7));
      keys.push(hex(i * 7919, 64));
    }
    const g = new OfferGraph();
    // through follow lists too, the bulk path's lookups
    g.setFollows(keys[0] as string, keys.slice(1, 60));
    const idx = keys.map((k) => g.peer(k));
    expect(new Set(idx).size).toBe(keys.length);
    expect(graphTable(g).peerKeys.length).toBe(keys.length);
    for (const [i, k] of keys.entries()) expect(g.peer(k.split('').join(''))).toBe(idx[i]);
    expect(graphTable(g).peerKeys.map((k) => keys.indexOf(k))).toEqual(idx);
    // an unknown key with a crowded tail is a new peer
    expect(g.peer(`${hex(999, 57)}abcdef0`)).toBe(keys.length);
  });

  it('rejects keys that are not 64 lowercase hex characters, even when their tail matches a peer', () => {
    const g = new OfferGraph();
    const k = `${'0'.repeat(57)}abcdef0`;
    g.peer(k);
    for (const bad of [
      k.toUpperCase(),
      `${k}0`,
      k.slice(1),
      `g${k.slice(1)}`,
      `${'x'.repeat(57)}abcdef0`,
      '',
      42 as unknown as string,
    ]) {
      expect(() => g.peer(bad)).toThrow(expect.objectContaining({ code: 'bad-key' }));
    }
    expect(graphTable(g).peerKeys).toEqual([k]);
  });

  it('random keys get stable, distinct indexes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 40 }),
        fc.stringMatching(/^[0-9a-f]{7}$/),
        (raw, tail) => {
          // half of the keys forced onto one shared tail
          const keys = raw.map((k, i) => (i % 2 === 0 ? k.slice(0, 57) + tail : k));
          const g = new OfferGraph();
          const idx = keys.map((k) => g.peer(k));
          const first = new Map<string, number>();
          keys.forEach((k, i) => {
            if (!first.has(k)) first.set(k, idx[i] as number);
            expect(idx[i]).toBe(first.get(k));
            expect(graphTable(g).peerKeys[idx[i] as number]).toBe(k);
          });
          expect(graphTable(g).peerKeys.length).toBe(first.size);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('offer graph: follows and catalogs', () => {
  it('adjacency is the deduplicated union of follows in both directions, after any sequence of changes', () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map(key);
    const change = fc.record({
      who: fc.nat({ max: 5 }),
      list: fc.array(fc.nat({ max: 5 }), { maxLength: 8 }),
      flush: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 20 }), (changes) => {
        const g = new OfferGraph();
        const follows = new Map<number, Set<number>>();
        for (const c of changes) {
          g.setFollows(
            keys[c.who] as string,
            c.list.map((i) => keys[i] as string),
          );
          follows.set(c.who, new Set(c.list.filter((i) => i !== c.who)));
          if (c.flush) g.flushAdjacency();
        }
        g.flushAdjacency();
        let edges = 0;
        for (let x = 0; x < keys.length; x++) {
          const want = new Set<number>();
          for (const [a, l] of follows) {
            if (a === x) for (const b of l) want.add(b);
            if (l.has(x)) want.add(a);
          }
          edges += follows.get(x)?.size ?? 0;
          const p = graphTable(g).peerIndex.get(keys[x] as string);
          if (p === undefined) {
            expect(want.size).toBe(0);
            continue;
          }
          const got = [...(graphTable(g).adj[p] as Int32Array)].map((i) =>
            keys.indexOf(graphTable(g).peerKeys[i] as string),
          );
          expect(got.length).toBe(new Set(got).size);
          expect(new Set(got)).toEqual(want);
          expect(
            new Set(
              (graphTable(g).followOut[p] as number[]).map((i) => keys.indexOf(graphTable(g).peerKeys[i] as string)),
            ),
          ).toEqual(follows.get(x) ?? new Set());
        }
        expect(g.stats().followEdges).toBe(edges);
      }),
      { numRuns: 300 },
    );
  });

  it('catalogs keep the first appearance of each unit, in order, short or long', () => {
    const g = new OfferGraph();
    g.setAccepts(key('a'), [EUR, USD, { ...EUR }, USD]);
    const p = g.peer(key('a'));
    expect(graphTable(g).accepts.get(p)).toEqual([g.unit(EUR), g.unit(USD)]);
    expect(g.acceptsUnit(p, g.unit(USD))).toBe(true);
    const many = Array.from({ length: 40 }, (_, i) => ({ unit: `u${i % 25}`, notary: 'n' }));
    g.setAccepts(key('b'), many);
    const got = (graphTable(g).accepts.get(g.peer(key('b'))) as number[]).map((u) => graphTable(g).unitRefs[u]?.unit);
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => `u${i}`));
  });

  it('units are keyed by unit and notary, whatever object carries them', () => {
    const g = new OfferGraph();
    const a = g.unit({ unit: 'x', notary: 'n1' });
    const ref = { unit: 'x', notary: 'n2' };
    const b = g.unit(ref);
    expect(a).not.toBe(b);
    expect(g.unit({ unit: 'x', notary: 'n1' })).toBe(a);
    // the same object, changed since its last lookup, is looked up again
    ref.notary = 'n1';
    expect(g.unit(ref)).toBe(a);
    expect(graphTable(g).unitIndex.get('x@n1')).toBe(a);
    expect(graphTable(g).unitIndex.get('x@n2')).toBe(b);
    expect(graphTable(g).unitRefs[b]).toEqual({ unit: 'x', notary: 'n2' });
  });
});
