/**
 * Route recall of a synced wallet: over 200 payees that publish a catalog (a third of them also
 * publish offers), the share of the routes a full-knowledge search finds (every offer, catalog
 * and follow list of the network, the same router and rules) that the wallet's own graph also
 * finds at the same cost (spend no higher).
 */
import { isOtP2pError } from '../../src/core/errors.ts';
import { OfferGraph, Router } from '../../src/pathing/index.ts';
import type { RouteQuery } from '../../src/pathing/index.ts';
import { catalogUnitRefs } from '../../src/events/catalog.ts';
import type { Network } from './network.ts';
import { PAYER, acceptedAssets, advance, catalogOf, followsOf, hash32, keyHex, offerOf, rng } from './network.ts';

/** Payees of the recall figure: `n` distinct catalog publishers, seeded. */
export function payeesOf(net: Network, n = 200): number[] {
  const r = rng(hash32(net.seed, 0x9a7ee));
  const pool = [...net.catalogKeys];
  const out: number[] = [];
  const want = Math.min(n, pool.length);
  while (out.length < want) {
    const j = Math.floor(r() * pool.length);
    out.push(pool[j]!);
    pool[j] = pool[pool.length - 1]!;
    pool.pop();
  }
  return out;
}

/** One query per payee: the payer (holding the first asset) pays 10-1000 (reference units) in the payee's first unit. */
export function queriesFor(net: Network, payees: readonly number[]): RouteQuery[] {
  const r = rng(hash32(net.seed, 0x4e7));
  return payees.map((p) => {
    const a = net.assets[acceptedAssets(net, p)[0]!]!;
    const amount = BigInt(Math.max(1, Math.round((10 ** (1 + 2 * r()) * 100) / a.price)));
    return {
      from: keyHex(net, PAYER),
      fromUnit: net.assets[0]!.ref,
      to: keyHex(net, p),
      toUnits: [a.ref],
      amount,
      maxHops: 6,
      maxDegree: 6,
      now: net.now,
    };
  });
}

/** The full-knowledge graph: every follow list, catalog and current offer of the network. */
export function fullGraph(net: Network): OfferGraph {
  const g = new OfferGraph();
  for (let i = 0; i < net.keys; i++) {
    const l = followsOf(net, i);
    const keys = new Array<string>(l.length);
    for (let j = 0; j < l.length; j++) keys[j] = keyHex(net, l[j]!);
    g.setFollows(keyHex(net, i), keys);
  }
  for (const k of net.catalogKeys) g.setAccepts(keyHex(net, k), catalogUnitRefs(catalogOf(net, k)));
  for (let o = 0; o < net.offerOwner.length; o++) putOffer(g, net, o);
  g.flushAdjacency();
  return g;
}

/** Add or replace offer `o` of the network in `g` (its current terms). */
function putOffer(g: OfferGraph, net: Network, o: number): void {
  const { expiration: _e, status: _s, ...offer } = offerOf(net, o);
  g.upsertOffer({ ...offer, pubkey: keyHex(net, net.offerOwner[o]!) });
}

/** The full-knowledge best routes of the payees, before and after {@link advance}. */
export interface FullCosts {
  base: (Cost | null)[];
  advanced: (Cost | null)[];
}

/**
 * The full-knowledge costs of both states of the network with one graph: built for `net`, then
 * updated with what {@link advance} changes (follow lists and offers), so the scenarios need not
 * build it again (building it is most of a scenario's own CPU at 10^5 keys). Advances `net`
 * (with `hour`: the scenarios' simulated hour unless a test asks for more change).
 */
export function fullCosts(net: Network, hour: (n: Network) => void = advance): FullCosts {
  const g = fullGraph(net);
  const base = routeCosts(g, queriesFor(net, payeesOf(net)));
  const versions = net.offerVersion.slice();
  hour(net);
  for (const [k, l] of net.followOverride)
    g.setFollows(
      keyHex(net, k),
      Array.from(l, (t) => keyHex(net, t)),
    );
  for (let o = 0; o < versions.length; o++) if (versions[o] !== net.offerVersion[o]) putOffer(g, net, o);
  g.flushAdjacency();
  return { base, advanced: routeCosts(g, queriesFor(net, payeesOf(net))) };
}

/** Costs as JSON (bigint spends as strings), for the scenario processes. */
export const costsToJson = (c: FullCosts): string =>
  JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** The inverse of {@link costsToJson}. */
export function costsFromJson(s: string): FullCosts {
  const parse = (l: ({ spend: string; hops: number } | null)[]): (Cost | null)[] =>
    l.map((c) => (c === null ? null : { spend: BigInt(c.spend), hops: c.hops }));
  const j = JSON.parse(s) as { base: []; advanced: [] };
  return { base: parse(j.base), advanced: parse(j.advanced) };
}

/** The best route's spend and number of transfers, per query (null: none). */
export interface Cost {
  spend: bigint;
  hops: number;
}

/** The best route per query (null: none). */
export function routeCosts(g: OfferGraph, qs: readonly RouteQuery[]): (Cost | null)[] {
  const router = new Router(g);
  return qs.map((q) => {
    try {
      const best = router.findRoute(q).best;
      return { spend: best.spend, hops: best.hops.length };
    } catch (e) {
      if (isOtP2pError(e)) return null;
      throw e;
    }
  });
}

/** What the recall figure is made of. */
export interface Recall {
  /** Routes the full-knowledge search found. */
  routes: number;
  /** Of those, found by the wallet at the same cost or cheaper. */
  found: number;
  /** Of the full search's routes, how many take more than one transfer (through offers). */
  viaOffers: number;
  recall: number;
}

/** Compare the wallet's costs with the full-knowledge costs. */
export function recallOf(full: readonly (Cost | null)[], synced: readonly (Cost | null)[]): Recall {
  let routes = 0;
  let found = 0;
  let viaOffers = 0;
  full.forEach((c, i) => {
    if (c === null) return;
    routes++;
    if (c.hops > 1) viaOffers++;
    const s = synced[i];
    if (s !== null && s !== undefined && s.spend <= c.spend) found++;
  });
  return { routes, found, viaOffers, recall: routes === 0 ? 0 : found / routes };
}
