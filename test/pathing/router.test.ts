import { describe, expect, it } from 'vitest';
import {
  OfferGraph,
  Router,
  buildGraph,
  findArbitrage,
  parseOffersFile,
  routeToJson,
} from '../../src/pathing/index.ts';
import type { GraphOffer } from '../../src/pathing/index.ts';
import { fastCeilMulDiv } from '../../src/pathing/amount.ts';
import { offerInput } from '../../src/events/offer.ts';
import fc from 'fast-check';
import { isOtP2pError } from '../../src/core/errors.ts';

const pk = (c: string): string => c.repeat(64);
const A = pk('a');
const B = pk('b');
const C = pk('c');
const E = pk('e');
const PAYEE = pk('f');
const USD = { unit: 'usd', notary: 'n1' };
const EUR = { unit: 'eur', notary: 'n1' };
const BTC = { unit: 'btc', notary: 'onchain' };

function offer(
  pubkey: string,
  id: string,
  inU: typeof USD,
  outU: typeof USD,
  over: Partial<GraphOffer> = {},
): GraphOffer {
  return {
    pubkey,
    id,
    in: inU,
    out: outU,
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

function graph(offers: GraphOffer[], follows: Record<string, string[]>, accepts: (typeof USD)[] = [EUR]): OfferGraph {
  const g = new OfferGraph();
  for (const o of offers) g.upsertOffer(o);
  for (const [p, l] of Object.entries(follows)) g.setFollows(p, l);
  g.setAccepts(PAYEE, accepts);
  return g;
}

const q = (amount: bigint, over: object = {}) => ({ from: A, fromUnit: USD, to: PAYEE, amount, ...over });

describe('router rules', () => {
  it('applies the exact input formula at every hop', () => {
    const g = graph([offer(B, 'b1', USD, EUR, { rateNum: 9n, rateDen: 10n, cutPpm: 2500n, fee: 3n })], {
      [A]: [B],
      [B]: [PAYEE],
    });
    const r = new Router(g).findRoute(q(1000n));
    // ceil((1000 + 3) * 10 * 1e6 / (9 * (1e6 - 2500))) = 1117.0..
    expect(r.best.spend).toBe((1003n * 10n * 1_000_000n + 9n * 997_500n - 1n) / (9n * 997_500n));
    expect(r.best.hops.map((h) => [h.from, h.to, h.amount, h.offer])).toEqual([
      [A, B, r.best.spend, 'b1'],
      [B, PAYEE, 1000n, null],
    ]);
  });

  it('prefers the path spending least even when it has more hops and rates above 1', () => {
    const g = graph(
      [
        offer(B, 'direct', USD, EUR, { rateNum: 1n, rateDen: 2n }), // 1 USD -> 0.5 EUR
        offer(C, 'up', USD, BTC, { rateNum: 3n, rateDen: 1n }), // 1 USD -> 3 BTC
        offer(E, 'down', BTC, EUR, { rateNum: 1n, rateDen: 1n, fee: 1n }),
      ],
      { [A]: [B, C], [B]: [PAYEE], [C]: [E], [E]: [PAYEE] },
    );
    const r = new Router(g).findRoute(q(300n, { alternatives: 1 }));
    expect(r.best.hops.map((h) => h.offer)).toEqual(['up', 'down', null]);
    expect(r.best.spend).toBe(101n); // (300 + 1) / 3 rounded up
    expect(r.alternatives[0]!.spend).toBe(600n);
  });

  it('toUnits narrows the payee to some of its units for one query, in every pass, without touching the graph', () => {
    // the cheap way delivers EUR, the dear one BTC; the payee takes both
    const g = graph(
      [offer(B, 'cheap', USD, EUR), offer(C, 'dear', USD, BTC, { fee: 50n })],
      { [A]: [B, C], [B]: [PAYEE], [C]: [PAYEE] },
      [EUR, BTC],
    );
    for (const firstPass of ['best-first', 'layered'] as const) {
      const r = new Router(g, { firstPass });
      expect(r.findRoute(q(100n)).best.hops.map((h) => h.offer)).toEqual(['cheap', null]);
      expect(r.findRoute(q(100n, { toUnits: [BTC] })).best.hops.map((h) => h.offer)).toEqual(['dear', null]);
      expect(r.findRoute(q(100n, { toUnits: [BTC], alternatives: 2 })).alternatives).toEqual([]);
      expect(r.findMultiRoute(q(100n, { toUnits: [BTC] })).parts.map((p) => p.spend)).toEqual([150n]);
      // the same router answers the unrestricted query as before: nothing was changed in the graph
      expect(r.findRoute(q(100n)).best.spend).toBe(100n);
      expect(g.acceptsUnit(g.peer(PAYEE), g.unit(EUR))).toBe(true);
      // a unit the payee does not accept is ignored, not delivered
      expect(() => r.findRoute(q(100n, { toUnits: [USD] }))).toThrow(expect.objectContaining({ code: 'no-route' }));
      expect(() => r.findRoute(q(100n, { toUnits: [{ unit: 'never', notary: 'seen' }] }))).toThrow(
        expect.objectContaining({ code: 'no-route' }),
      );
      expect(() => r.findRoute(q(100n, { toUnits: [] }))).toThrow(expect.objectContaining({ code: 'no-route' }));
    }
    // direct payment counts only in a unit the query allows
    const d = graph([], { [A]: [PAYEE] }, [USD, EUR]);
    expect(new Router(d).findRoute(q(5n)).best.hops).toHaveLength(1);
    expect(() => new Router(d).findRoute(q(5n, { toUnits: [EUR] }))).toThrow(
      expect.objectContaining({ code: 'no-route' }),
    );
    expect(() => new Router(d).findRoute(q(5n, { toUnits: 'eur' }))).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    expect(() => new Router(d).findRoute(q(5n, { toUnits: [{ unit: 1 }] }))).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
  });

  it('an offer bound to counterparties (to) delivers only to them, in every pass and in multi-path splits', () => {
    // B's cheap offer is bound to C, who is no way to the payee: only the dear one reaches it
    const offers = [offer(B, 'cheap', USD, EUR, { to: [C] }), offer(B, 'dear', USD, EUR, { fee: 7n })];
    const g = graph(offers, { [A]: [B], [B]: [PAYEE, C] });
    for (const options of [{ firstPass: 'best-first' }, { firstPass: 'layered' }, { rekeyAfter: 0 }] as const) {
      const r = new Router(g, options);
      expect(r.findRoute(q(100n)).best.hops.map((h) => h.offer)).toEqual(['dear', null]);
      expect(r.findRoute(q(100n, { alternatives: 3 })).alternatives).toEqual([]);
      expect(r.findMultiRoute(q(100n)).spend).toBe(107n);
    }
    // bound to the payee, the cheap offer is taken
    const h = graph([offer(B, 'cheap', USD, EUR, { to: [C, PAYEE] }), offer(B, 'dear', USD, EUR, { fee: 7n })], {
      [A]: [B],
      [B]: [PAYEE, C],
    });
    expect(new Router(h).findRoute(q(100n)).best.hops.map((x) => x.offer)).toEqual(['cheap', null]);
    // multi-path: the bound offer's liquidity is never used towards the payee
    const m = graph(
      [
        offer(B, 'cheap', USD, EUR, { to: [C], liquidity: 10_000n }),
        offer(B, 'small', USD, EUR, { liquidity: 60n }),
        offer(E, 'other', USD, EUR, { liquidity: 60n, fee: 1n }),
      ],
      {
        [A]: [B, E],
        [B]: [PAYEE, C],
        [E]: [PAYEE],
      },
    );
    const split = new Router(m).findMultiRoute(q(100n));
    expect(split.parts.map((p) => p.hops[0]!.to).sort()).toEqual([B, E].sort());
    expect(split.parts.flatMap((p) => p.hops.map((x) => x.offer))).not.toContain('cheap');
    // malformed counterparties are refused before anything changes
    const bad = new OfferGraph();
    expect(() => bad.upsertOffer(offer(B, 'x', USD, EUR, { to: ['nothex'] }))).toThrow(
      expect.objectContaining({ code: 'bad-key' }),
    );
    expect(() => bad.upsertOffer(offer(B, 'x', USD, EUR, { to: C as unknown as string[] }))).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
    expect(bad.stats().offers).toBe(0);
  });

  it('a reused router sees an offer newly bound to the payee, and one unbound from it, in every pass', () => {
    // The graph keeps each slot's bound offers by receiver and the router each receiver's
    // index of them, in pooled buffers across queries: a rebinding must reach both before the
    // next query. Were either stale, the first pass would not see 'cheap' reach the payee and
    // would answer the dear path as exact.
    const cheap = offer(B, 'cheap', USD, EUR, { to: [C] });
    const g = graph([cheap, offer(B, 'dear', USD, EUR, { fee: 7n })], { [A]: [B], [B]: [PAYEE, C] });
    const options = [{ firstPass: 'best-first' }, { firstPass: 'layered' }, { slotBoundAfter: 0 }] as const;
    const routers = options.map((o) => new Router(g, o));
    const spends = (): bigint[] => routers.map((r) => r.findRoute(q(100n)).best.spend);
    expect(spends()).toEqual([107n, 107n, 107n]);
    g.upsertOffer({ ...cheap, to: [C, PAYEE] });
    expect(spends()).toEqual([100n, 100n, 100n]);
    g.upsertOffer({ ...cheap, to: [PAYEE], fee: 3n });
    expect(spends()).toEqual([103n, 103n, 103n]);
    g.upsertOffer(cheap);
    expect(spends()).toEqual([107n, 107n, 107n]);
  });

  it("a reused router's per-slot bound follows a follow-list change", () => {
    // The per-slot bound caches, per output slot of offers to anyone, the neighbour slots they
    // reach (slot-bounds.ts fans). Were that list stale after C starts following B, the bound
    // would call (C, EUR) unreachable and the eager router would answer E's dear path as exact.
    // (B following C also brings C within the payer's friends of friends: both routers see it.)
    const D = pk('d');
    const g = graph(
      [offer(E, 'e', USD, EUR, { fee: 9n }), offer(B, 'b', USD, EUR), offer(C, 'c', EUR, EUR), offer(D, 'd', EUR, EUR)],
      { [A]: [B, E], [E]: [PAYEE], [C]: [D], [D]: [PAYEE] },
    );
    const routers = [new Router(g), new Router(g, { slotBoundAfter: 0 })];
    const spends = (): bigint[] => routers.map((r) => r.findRoute(q(100n)).best.spend);
    expect(spends()).toEqual([109n, 109n]);
    g.setFollows(B, [C]);
    expect(spends()).toEqual([100n, 100n]);
    expect(routers.map((r) => r.findRoute(q(100n)).exact)).toEqual([true, true]);
    g.setFollows(B, []);
    expect(spends()).toEqual([109n, 109n]);
  });

  it('a reused router sees an offer added to a slot whose lists it has read, and one removed', () => {
    // The graph keeps each slot's undominated offers (and the router their packed terms) and
    // its unbound offers in pooled buffers across queries: a new offer must reach them before
    // the next query. Were they stale, the first pass would not see 'cheap' and would answer the
    // dear path as exact; in a split, the residual pass would not see it either.
    const g = graph([offer(B, 'dear', USD, EUR, { fee: 7n, liquidity: 60n })], {
      [A]: [B, E],
      [B]: [PAYEE],
      [E]: [PAYEE],
    });
    const options = [{ firstPass: 'best-first' }, { slotBoundAfter: 0 }] as const;
    const routers = options.map((o) => new Router(g, o));
    const spends = (amount: bigint): bigint[] => routers.map((r) => r.findRoute(q(amount)).best.spend);
    const multi = (): bigint[] => routers.map((r) => r.findMultiRoute(q(100n)).spend);
    expect(spends(50n)).toEqual([57n, 57n]);
    // E's offer alone carries 40: a split of 100 is 60 through B (dear) and 40 through E
    g.upsertOffer(offer(E, 'e', USD, EUR, { fee: 1n, liquidity: 40n }));
    expect(multi()).toEqual([108n, 108n]);
    g.upsertOffer(offer(B, 'cheap', USD, EUR, { liquidity: 60n }));
    expect(spends(50n)).toEqual([50n, 50n]);
    // 60 through 'cheap', 40 through 'e' (+1)
    expect(multi()).toEqual([101n, 101n]);
    g.removeOffer(B, 'cheap');
    expect(spends(50n)).toEqual([57n, 57n]);
    expect(multi()).toEqual([108n, 108n]);
    // a liquidity change reaches the packed terms: 'low' carries 50 only once it is raised
    const h = graph([offer(B, 'low', USD, EUR, { liquidity: 10n })], { [A]: [B], [B]: [PAYEE] });
    const r = new Router(h);
    expect(() => r.findRoute(q(50n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    h.setLiquidity(B, 'low', 60n);
    expect(r.findRoute(q(50n)).best.spend).toBe(50n);
  });

  it('respects min, max and liquidity, falling back to a dearer valid path', () => {
    const cheap = offer(B, 'cheap', USD, EUR, { min: 500n });
    const dear = offer(C, 'dear', USD, EUR, { fee: 10n });
    const g = graph([cheap, dear], { [A]: [B, C], [B]: [PAYEE], [C]: [PAYEE] });
    const r = new Router(g);
    expect(r.findRoute(q(100n)).best.hops[0]!.offer).toBe('dear');
    expect(r.findRoute(q(600n)).best.hops[0]!.offer).toBe('cheap');
    g.setLiquidity(B, 'cheap', 599n);
    expect(r.findRoute(q(600n)).best.hops[0]!.offer).toBe('dear');
    g.upsertOffer({ ...dear, max: 100n });
    expect(() => r.findRoute(q(600n))).toThrow(expect.objectContaining({ code: 'no-route' }));
  });

  it('never repeats a peer, even when the cheapest walk would', () => {
    // B converts USD->BTC cheaply, C converts BTC->USD at a gain, but only via B again to EUR.
    const g = graph(
      [
        offer(B, 'b-usd-eur', USD, EUR, { fee: 50n }),
        offer(B, 'b-btc-eur', BTC, EUR),
        offer(C, 'c-usd-btc', USD, BTC),
        offer(E, 'e-usd-eur', USD, EUR, { fee: 80n }),
      ],
      { [A]: [B, C, E], [C]: [B], [B]: [PAYEE], [E]: [PAYEE] },
    );
    const r = new Router(g).findRoute(q(100n, { alternatives: 5 }));
    for (const p of [r.best, ...r.alternatives]) {
      const peers = [p.hops[0]!.from, ...p.hops.map((h) => h.to)];
      expect(new Set(peers).size).toBe(peers.length);
    }
    expect(r.best.spend).toBe(100n); // A -> C -> B -> payee
  });

  it('a budget bounds the exact search: out of it, the best valid path met comes back inexact', () => {
    // The cheapest walk A -> B -> C -> B -> payee (25) visits B twice; the best valid path is
    // A -> B -> E -> payee (50), which takes the exact search to prove.
    const g = graph(
      [
        offer(B, 'z1', USD, BTC, { rateNum: 2n }),
        offer(B, 'z2', BTC, EUR, { rateNum: 2n }),
        offer(B, 'z3', USD, EUR),
        offer(C, 'q1', BTC, BTC),
        offer(E, 'w1', BTC, EUR),
      ],
      { [A]: [B], [B]: [C, E, PAYEE], [E]: [PAYEE] },
    );
    const r = new Router(g);
    const proven = r.findRoute(q(100n));
    expect(proven.exact).toBe(true);
    expect(proven.best.spend).toBe(50n);
    expect(proven.best.hops.map((h) => h.offer)).toEqual(['z1', 'w1', null]);
    expect(r.lastStats.fallback).toBe(true);
    expect(r.lastStats.exhausted).toBe(false);
    const cut = r.findRoute(q(100n, { budget: 0 }));
    expect(cut.exact).toBe(false);
    expect(r.lastStats.exhausted).toBe(true);
    // still a valid path, whichever the search met first
    const peers = [cut.best.hops[0]!.from, ...cut.best.hops.map((h) => h.to)];
    expect(new Set(peers).size).toBe(peers.length);
    expect([50n, 100n]).toContain(cut.best.spend);
  });

  it('limits hops and the social radius', () => {
    const g = graph([offer(B, 'b', USD, BTC), offer(C, 'c', BTC, EUR)], { [A]: [B], [B]: [C], [C]: [PAYEE] });
    const r = new Router(g);
    expect(r.findRoute(q(10n)).best.hops).toHaveLength(3);
    expect(() => r.findRoute(q(10n, { maxHops: 2 }))).toThrow(expect.objectContaining({ code: 'no-route' }));
    expect(() => r.findRoute(q(10n, { maxDegree: 2 }))).toThrow(expect.objectContaining({ code: 'no-route' }));
    expect(r.findRoute(q(10n, { maxDegree: 3 })).best.spend).toBe(10n);
  });

  it('a payer holding a unit the payee accepts pays directly', () => {
    const g = graph([], {}, [USD]);
    const r = new Router(g).findRoute(q(42n));
    expect(r.best.hops).toEqual([{ from: A, to: PAYEE, unit: USD, amount: 42n, offer: null }]);
  });

  it('skips paused, closed, removed and expired offers, and updates in place', () => {
    const o = offer(B, 'b', USD, EUR, { expiration: 1000 });
    const g = graph([o], { [A]: [B], [B]: [PAYEE] });
    const r = new Router(g);
    expect(r.findRoute(q(5n, { now: 999 })).best.spend).toBe(5n);
    expect(() => r.findRoute(q(5n, { now: 1000 }))).toThrow(expect.objectContaining({ code: 'no-route' }));
    g.upsertOffer({ ...o, status: 'paused' });
    expect(() => r.findRoute(q(5n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    g.upsertOffer({ ...o, fee: 2n });
    expect(r.findRoute(q(5n)).best.spend).toBe(7n);
    g.upsertOffer({ ...o, in: BTC });
    expect(() => r.findRoute(q(5n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    g.upsertOffer(o);
    expect(g.stats().offers).toBe(1);
    expect(g.removeOffer(B, 'b')).toBe(true);
    expect(g.removeOffer(B, 'b')).toBe(false);
    expect(() => r.findRoute(q(5n))).toThrow(expect.objectContaining({ code: 'no-route' }));
  });

  it('splits over residual liquidity when one path cannot carry the amount', () => {
    const g = graph(
      [
        offer(B, 'b', USD, EUR, { liquidity: 600n }),
        offer(C, 'c', USD, EUR, { liquidity: 300n, fee: 1n }),
        offer(E, 'e', USD, EUR, { liquidity: 300n, fee: 2n }),
      ],
      { [A]: [B, C, E], [B]: [PAYEE], [C]: [PAYEE], [E]: [PAYEE] },
    );
    const r = new Router(g);
    expect(() => r.findRoute(q(1000n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    const m = r.findMultiRoute(q(1000n));
    expect(m.parts.map((p) => [p.hops[0]!.offer, p.receive])).toEqual([
      ['b', 600n],
      ['c', 275n], // not 300: what is left must still be at least amount/8
      ['e', 125n],
    ]);
    expect(m.spend).toBe(600n + 276n + 127n);
    expect(() => r.findMultiRoute(q(1000n, { maxParts: 2 }))).toThrow(expect.objectContaining({ code: 'no-route' }));
    expect(() => r.findMultiRoute(q(1300n))).toThrow(expect.objectContaining({ code: 'no-route' }));
    // the graph's own liquidity is untouched by the what-if split
    expect(r.findRoute(q(600n)).best.hops[0]!.offer).toBe('b');
    // a split starts from the graph's liquidity of the moment, not the last split's residual
    expect(r.findMultiRoute(q(1000n)).parts.map((p) => p.receive)).toEqual([600n, 275n, 125n]);
    g.setLiquidity(C, 'c', 400n);
    expect(r.findMultiRoute(q(1000n)).parts.map((p) => [p.hops[0]!.offer, p.receive])).toEqual([
      ['b', 600n],
      ['c', 400n],
    ]);
  });

  it('rejects bad queries with exact codes', () => {
    const r = new Router(graph([], {}));
    expect(() => r.findRoute(q(0n))).toThrow(expect.objectContaining({ code: 'bad-amount' }));
    expect(() => r.findRoute(q(1n << 63n))).toThrow(expect.objectContaining({ code: 'bad-amount' }));
    expect(() => r.findRoute(q(1n, { maxHops: 0 }))).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => r.findMultiRoute(q(1n, { maxParts: 9 }))).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => r.findRoute(q(1n, { budget: -1 }))).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => r.findRoute(q(1n, { budget: Number.NaN }))).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => r.findRoute(q(1n, { from: 'zz' }))).toThrow(expect.objectContaining({ code: 'bad-key' }));
    expect(() => r.findRoute(q(1n, { to: A }))).toThrow(expect.objectContaining({ code: 'no-route' }));
  });

  it('rejects bad offers with exact codes', () => {
    const g = new OfferGraph();
    expect(() => g.upsertOffer(offer(B, 'x', USD, EUR, { rateNum: 0n }))).toThrow(
      expect.objectContaining({ code: 'bad-rate' }),
    );
    expect(() => g.upsertOffer(offer(B, 'x', USD, EUR, { cutPpm: 1_000_000n }))).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
    expect(() => g.upsertOffer(offer(B, 'x', USD, EUR, { fee: -1n }))).toThrow(
      expect.objectContaining({ code: 'bad-amount' }),
    );
    expect(() => g.upsertOffer(offer(B, 'x', USD, EUR, { liquidity: 1n << 63n }))).toThrow(
      expect.objectContaining({ code: 'bad-amount' }),
    );
    expect(() => g.upsertOffer(offer(B, 'x', USD, EUR, { min: 5n, max: 4n }))).toThrow(
      expect.objectContaining({ code: 'bad-offer' }),
    );
  });

  it('reports arbitrage cycles exactly, and routes never loop through them', () => {
    const g = graph(
      [
        offer(B, 'b', USD, BTC, { rateNum: 2n }),
        offer(C, 'c', BTC, USD, { rateNum: 1n, rateDen: 2n, cutPpm: 1n }),
        offer(E, 'e', BTC, EUR, { rateNum: 11n, rateDen: 10n }),
        offer(C, 'c2', EUR, USD),
      ],
      { [A]: [B], [B]: [C] },
    );
    const cycles = findArbitrage(g);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.offers.map((o) => o.id).sort()).toEqual(['b', 'c2', 'e']);
    expect(cycles[0]!.gainNum * 10n).toBe(cycles[0]!.gainDen * 22n);
    g.upsertOffer(offer(E, 'e', BTC, EUR, { rateNum: 1n, rateDen: 2n }));
    expect(findArbitrage(g)).toEqual([]);
  });

  it('social radius and hop limit hold on a long chain with side branches (both BFS directions)', () => {
    // A -> P1 -> ... -> P30 -> PAYEE, everyone forwarding USD; every chain peer also follows
    // two leaves of its own, so the levels of the breadth-first searches run both top-down
    // (small frontiers) and bottom-up (a large share of the peers at once on the short chains).
    const chain = Array.from({ length: 30 }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
    for (const n of [3, 12, 30]) {
      const g = new OfferGraph();
      const hops = [A, ...chain.slice(0, n), PAYEE];
      for (let i = 1; i < hops.length - 1; i++) g.upsertOffer(offer(hops[i]!, `f${i}`, USD, USD, { fee: 1n }));
      for (let i = 0; i < hops.length - 1; i++) {
        const leaves = [0, 1].map((k) => (0x1000 + i * 2 + k).toString(16).padStart(64, '0'));
        g.setFollows(hops[i]!, [hops[i + 1]!, ...leaves]);
      }
      g.setAccepts(PAYEE, [USD]);
      const r = new Router(g);
      const deliver = (over: object) =>
        r.findRoute({ from: A, fromUnit: USD, to: PAYEE, amount: 100n, direct: false, ...over }).best.spend;
      // n + 1 transfers; the payee is n + 1 follow-steps away
      expect(deliver({ maxHops: n + 1, maxDegree: n + 1 })).toBe(100n + BigInt(n));
      expect(() => deliver({ maxHops: n, maxDegree: n + 1 })).toThrow(expect.objectContaining({ code: 'no-route' }));
      expect(() => deliver({ maxHops: n + 1, maxDegree: n })).toThrow(expect.objectContaining({ code: 'no-route' }));
    }
  });

  it('a router sees each follow-list change at its next query, patched or rebuilt', () => {
    // A -> P1 -> ... -> P30 -> PAYEE forwarding USD at a fee of 1 per hop, each chain peer with
    // four leaves and the payer with sixteen (~170 peers; the payer's wide first level makes the
    // next one bottom-up): a change to a few follow lists is patched into the router's rows of
    // the social graph, many changes rebuild them. Every answer must be a fresh router's.
    const key = (n: number): string => n.toString(16).padStart(64, '0');
    const chain = Array.from({ length: 30 }, (_, i) => key(i + 1));
    const hops = [A, ...chain, PAYEE];
    const g = new OfferGraph();
    for (let i = 1; i < hops.length - 1; i++) g.upsertOffer(offer(hops[i]!, `f${i}`, USD, USD, { fee: 1n }));
    const leaves = (i: number): string[] =>
      Array.from({ length: i === 0 ? 16 : 4 }, (_, k) => key(0x1000 + i * 16 + k));
    for (let i = 0; i < hops.length - 1; i++) g.setFollows(hops[i]!, [hops[i + 1]!, ...leaves(i)]);
    g.setAccepts(PAYEE, [USD]);
    const r = new Router(g);
    // tight limits: a stale view of the social graph (hop distances, radius) would cut the path
    const both = (limit = 32): [bigint | null, bigint | null] => {
      const q = { from: A, fromUnit: USD, to: PAYEE, amount: 100n, direct: false, maxHops: limit, maxDegree: limit };
      const run = (router: Router): bigint | null => {
        try {
          return router.findRoute(q).best.spend;
        } catch (e) {
          if (!isOtP2pError(e, 'no-route')) throw e;
          return null;
        }
      };
      return [run(r), run(new Router(g))];
    };
    expect(both()).toEqual([130n, 130n]);
    // a shortcut P5 -> P25 saves 19 hops: 12 transfers now
    g.setFollows(chain[4]!, [chain[5]!, chain[24]!, ...leaves(5)]);
    expect(both(12)).toEqual([111n, 111n]);
    // one of the payer's leaves starts forwarding, straight to P25: found bottom-up, through
    // P25's changed followers
    const leaf = leaves(0)[7]!;
    g.upsertOffer(offer(leaf, 'leaf', USD, USD, { fee: 1n }));
    g.setFollows(leaf, [chain[24]!]);
    expect(both(8)).toEqual([107n, 107n]);
    // a peer new to the graph, followed by P25, forwards for free straight to the payee
    const fresh = key(0x9999);
    g.upsertOffer(offer(fresh, 'free', USD, USD));
    g.setFollows(fresh, [PAYEE]);
    g.setFollows(chain[24]!, [chain[25]!, fresh, ...leaves(25)]);
    expect(both(4)).toEqual([102n, 102n]);
    // cut the way out of P25 (its follows gone, and nobody else's lead on): no route
    g.setFollows(chain[24]!, []);
    g.setFollows(fresh, []);
    g.setFollows(chain[25]!, []);
    expect(both()).toEqual([null, null]);
    // many changes at once: every chain peer follows the payee directly (a rebuild)
    for (let i = 1; i < hops.length - 1; i++) g.setFollows(hops[i]!, [PAYEE]);
    expect(both(2)).toEqual([101n, 101n]);
  });

  it('fast double arithmetic agrees with bigint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 20 }),
        fc.integer({ min: 1, max: 2 ** 20 }),
        (x, n, d) => {
          const exact = (BigInt(x) * BigInt(n) + BigInt(d) - 1n) / BigInt(d);
          const got = fastCeilMulDiv(x, n, d);
          if (exact >= 2n ** 52n) expect(got).toBe(-1);
          else expect(BigInt(got)).toBe(exact);
        },
      ),
    );
    // Rates whose reduced numerator and denominator are large (n * d >= 2^52): the answer is
    // exact or -1 (decide with bigint), never wrong; exact quotients are always left to bigint.
    let answered = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 52 - 1 }),
        fc.integer({ min: 2 ** 26, max: 2 ** 53 - 1 }),
        fc.integer({ min: 2 ** 26, max: 2 ** 53 - 1 }),
        (x, n, d) => {
          const exact = (BigInt(x) * BigInt(n) + BigInt(d) - 1n) / BigInt(d);
          const got = fastCeilMulDiv(x, n, d);
          if (got !== -1) {
            answered++;
            expect(BigInt(got)).toBe(exact);
          }
          if ((BigInt(x) * BigInt(n)) % BigInt(d) === 0n) expect(got).toBe(-1);
        },
      ),
      { numRuns: 2000 },
    );
    expect(answered).toBeGreaterThan(0);
    // Factors beyond exact doubles (a rate of 90,000 over 10^6 with a cut): n and d rounded.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 52 - 1 }),
        fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }),
        fc.bigInt({ min: 1n, max: 2n ** 80n }),
        (x, n, d) => {
          const got = fastCeilMulDiv(x, Number(n), Number(d));
          if (got !== -1) expect(BigInt(got)).toBe((BigInt(x) * n + d - 1n) / d);
        },
      ),
      { numRuns: 2000 },
    );
    // Typical amounts and rates (the multi-asset bench's: 1e6 over ~1e12) are answered in doubles.
    let fast = 0;
    for (let i = 1; i <= 1000; i++)
      if (fastCeilMulDiv(i * 7919, 1_000_000_000_000, 10_000_000 * 999_000 + i) !== -1) fast++;
    expect(fast).toBeGreaterThan(990);
    expect(fastCeilMulDiv(3 * 999_983, 999_979 * 1_000_003, 999_983 * 1_000_003)).toBe(-1); // quotient exactly 3 * 999_979
    expect(offerInput({ rateNum: 3n, rateDen: 1n, cutPpm: 0n, fee: 1n }, 300n)).toBe(101n);
  });

  it('offline file: JSON output is exactly the contractual shape', () => {
    const file = parseOffersFile({
      offers: [
        {
          pubkey: B,
          id: 'b1',
          in: USD,
          out: EUR,
          rate: ['9', '10'],
          cut_ppm: '2500',
          fee: '3',
          min: '0',
          max: '100000',
          liquidity: '5000',
        },
      ],
      follows: { [A]: [B], [B]: [PAYEE] },
      accepts: { [PAYEE]: [EUR] },
    });
    const r = new Router(buildGraph(file)).findMultiRoute(q(1000n));
    expect(routeToJson(r)).toEqual({
      spend: '1118',
      receive: '1000',
      parts: [
        {
          spend: '1118',
          receive: '1000',
          hops: [
            { from: A, to: B, unit: 'usd@n1', amount: '1118', offer: 'b1' },
            { from: B, to: PAYEE, unit: 'eur@n1', amount: '1000', offer: null },
          ],
        },
      ],
    });
  });
});
