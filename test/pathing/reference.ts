/**
 * An exhaustive reference router written straight from the semantics: enumerate every
 * simple path, compute amounts with the formula, keep the valid ones (a bound offer delivers only
 * to one of its `to` counterparties). Slow and obviously right.
 */
import type { OffersFile } from '../../src/pathing/file.ts';
import type { GraphOffer } from '../../src/pathing/graph.ts';
import type { UnitRef } from '../../src/events/offer.ts';

export interface RefPath {
  spend: bigint;
  peers: string[];
  offers: GraphOffer[];
}

const key = (u: UnitRef): string => `${u.unit}@${u.notary}`;

/** in = ceil((out + fee) * den * 1000000 / (num * (1000000 - cut_ppm))) */
export function refInput(o: GraphOffer, out: bigint): bigint {
  const n = (out + o.fee) * o.rateDen * 1000000n;
  const d = o.rateNum * (1000000n - o.cutPpm);
  return n % d === 0n ? n / d : n / d + 1n;
}

/** Spend needed through `offers` (payer side first) to deliver `amount`, or null. */
export function refAmounts(offers: GraphOffer[], amount: bigint, liquidity?: Map<GraphOffer, bigint>): bigint[] | null {
  const amounts: bigint[] = [amount];
  let out = amount;
  for (let i = offers.length - 1; i >= 0; i--) {
    const o = offers[i]!;
    if (out > (liquidity?.get(o) ?? o.liquidity)) return null;
    const inp = refInput(o, out);
    if (inp < o.min || inp > o.max) return null;
    amounts.unshift(inp);
    out = inp;
  }
  return amounts;
}

export function radiusOf(file: OffersFile, from: string, D: number): Set<string> {
  const seen = new Set([from]);
  let layer = [from];
  for (let d = 0; d < D; d++) {
    const next: string[] = [];
    for (const p of layer) for (const q of file.follows[p] ?? []) if (!seen.has(q)) seen.add(q), next.push(q);
    layer = next;
  }
  return seen;
}

export function adjacent(file: OffersFile, a: string, b: string): boolean {
  return (file.follows[a] ?? []).includes(b) || (file.follows[b] ?? []).includes(a);
}

/** All valid paths, cheapest first. */
export function referencePaths(
  file: OffersFile,
  from: string,
  unit: UnitRef,
  to: string,
  amount: bigint,
  H = 6,
  D = 6,
  direct = true,
): RefPath[] {
  const accepts = (file.accepts[to] ?? []).map(key);
  if (direct && accepts.includes(key(unit))) return [{ spend: amount, peers: [from, to], offers: [] }];
  const radius = radiusOf(file, from, D);
  const peers = [...new Set(file.offers.map((o) => o.pubkey).concat([to]))];
  const found: RefPath[] = [];
  const walk = (path: string[], offers: GraphOffer[], have: string): void => {
    const last = path[path.length - 1]!;
    const transfers = path.length - 1;
    if (transfers >= H) return;
    // the offer `last` runs (none at the payer) may be bound to counterparties
    const bound = offers[offers.length - 1]?.to;
    for (const q of peers) {
      if (path.includes(q) || !radius.has(q) || !adjacent(file, last, q)) continue;
      if (bound && bound.length > 0 && !bound.includes(q)) continue;
      if (q === to) {
        if (accepts.includes(have)) {
          const a = refAmounts(offers, amount);
          if (a) found.push({ spend: a[0]!, peers: [...path, q], offers: [...offers] });
        }
        continue;
      }
      for (const o of file.offers) {
        if (o.pubkey !== q || (o.status ?? 'open') !== 'open' || key(o.in) !== have) continue;
        walk([...path, q], [...offers, o], key(o.out));
      }
    }
  };
  walk([from], [], key(unit));
  return found.sort((a, b) => (a.spend < b.spend ? -1 : a.spend > b.spend ? 1 : 0));
}
