/**
 * Paths: reading one out of the labels, checking it, pricing it exactly along its offers, and
 * turning it into the public {@link RoutePath}.
 */
import type { UnitRef } from '../events/offer.ts';
import type { Found, SearchContext } from './context.ts';
import type { RouteHop, RoutePath } from './router.ts';

/** The path of state (slot, layer)'s predecessor chain, from the payer. */
export function extract(c: SearchContext, slot: number, layer: number, spend: bigint): Found {
  const g = c.g;
  const L = c.q.layers;
  const peers = [c.q.payer];
  const offers: number[] = [];
  let s = slot;
  for (let t = layer; t > 0; t--) {
    peers.push(g.slotPeer[s] as number);
    const j = s * L + t;
    offers.push(c.lab.predOffer[j] as number);
    s = c.lab.predNext[j] as number;
  }
  peers.push(g.slotPeer[s] as number);
  return { spend, peers, offers };
}

/**
 * Whether `f` visits no peer twice, delivers through each bound offer only to one of its
 * counterparties, and spends exactly its `spend` to deliver `amount`.
 */
export function valid(c: SearchContext, f: Found, amount: bigint): boolean {
  const seen = new Set(f.peers);
  if (seen.size !== f.peers.length) return false;
  // offers[i] belongs to peers[i + 1] and delivers to peers[i + 2]
  for (let i = 0; i < f.offers.length; i++)
    if (!c.g.allows(f.offers[i] as number, f.peers[i + 2] as number)) return false;
  return amountsOnPath(c, f.offers, amount) === f.spend;
}

/** Spend needed to deliver `deliver` through `offers` (payer side first), or null when a limit is broken. */
export function amountsOnPath(c: SearchContext, offers: readonly number[], deliver: bigint): bigint | null {
  const g = c.g;
  let out = deliver;
  for (let i = offers.length - 1; i >= 0; i--) {
    const o = offers[i] as number;
    if (!c.usable(o) || out > c.liqBig(o)) return null;
    const inp = c.inputBig(o, out);
    if (inp < g.minBig(o) || inp > g.maxBig(o)) return null;
    out = inp;
  }
  return out;
}

/** The largest x in [lo, hi] this path can deliver (feasibility along a path is an interval). */
export function largestOnPath(c: SearchContext, f: Found, lo: bigint, hi: bigint): bigint {
  if (amountsOnPath(c, f.offers, hi) !== null) return hi;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (amountsOnPath(c, f.offers, mid) !== null) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The public form of `f` delivering `deliver`: each transfer with its unit and amount. */
export function toPath(c: SearchContext, f: Found, deliver: bigint): RoutePath {
  const g = c.g;
  const hops: RouteHop[] = [];
  const amounts: bigint[] = new Array<bigint>(f.offers.length + 1);
  let out = deliver;
  amounts[f.offers.length] = deliver;
  for (let i = f.offers.length - 1; i >= 0; i--) {
    out = c.inputBig(f.offers[i] as number, out);
    amounts[i] = out;
  }
  for (let i = 0; i < f.peers.length - 1; i++) {
    const o = f.offers[i];
    const unit = i === 0 ? c.q.u0 : (g.slotUnit[g.offerOutSlot[f.offers[i - 1] as number] as number] as number);
    hops.push({
      from: g.peerKeys[f.peers[i] as number] as string,
      to: g.peerKeys[f.peers[i + 1] as number] as string,
      unit: { ...(g.unitRefs[unit] as UnitRef) },
      amount: amounts[i] as bigint,
      offer: o === undefined ? null : (g.offerIds[o] as string),
    });
  }
  return { spend: amounts[0] as bigint, receive: deliver, hops };
}
