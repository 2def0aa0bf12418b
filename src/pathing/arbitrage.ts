/**
 * Arbitrage cycles among offers: a chain of open offers whose output unit feeds the next one's
 * input and returns to the first input, with a product of marginal rates
 * num * (1e6 - cut) / (den * 1e6) above 1. They are reported, never routed through (a path
 * never repeats a peer). Detection uses Bellman-Ford on -log(rate) over units; every cycle it
 * reports is then confirmed with exact integer products, so a float never decides the verdict.
 */
import { PPM } from '../events/offer.ts';
import type { UnitRef } from '../events/offer.ts';
import { graphTable } from './graph.ts';
import type { OfferGraph } from './graph.ts';

/** One arbitrage cycle. Fixed fees are left out: the gain is the marginal one, for large amounts. */
export interface ArbitrageCycle {
  offers: { pubkey: string; id: string; in: UnitRef; out: UnitRef }[];
  /** Exact gain as a rational: product of outputs over product of inputs (> 1). */
  gainNum: bigint;
  gainDen: bigint;
  /** The same gain as a float, for display only. */
  gain: number;
}

/**
 * Find up to `limit` distinct arbitrage cycles among the open, unexpired offers.
 * @param now unix seconds; offers expiring at or before are ignored (default: none expire).
 */
export function findArbitrage(graph: OfferGraph, options: { limit?: number; now?: number } = {}): ArbitrageCycle[] {
  const g = graphTable(graph);
  const limit = options.limit ?? 16;
  const now = options.now ?? Number.NEGATIVE_INFINITY;
  const U = g.unitRefs.length;
  const edges: number[] = [];
  for (let o = 0; o < g.offerCap; o++) {
    if (g.offerOpen[o] === 1 && (g.offerExp[o] as number) > now && g.offerPeer[o] !== -1) edges.push(o);
  }
  const unitIn = (o: number): number => g.slotUnit[g.offerInSlot[o] as number] as number;
  const unitOut = (o: number): number => g.slotUnit[g.offerOutSlot[o] as number] as number;
  const weight = new Float64Array(g.offerCap);
  for (const o of edges) weight[o] = -Math.log((g.fD[o] as number) / (g.fN[o] as number));
  const dist = new Float64Array(U); // virtual source at distance 0 to every unit
  const pred = new Int32Array(U).fill(-1);
  let changed: number[] = [];
  for (let i = 0; i < U; i++) {
    changed = [];
    for (const o of edges) {
      const a = unitIn(o);
      const b = unitOut(o);
      const nd = (dist[a] as number) + (weight[o] as number);
      if (nd < (dist[b] as number) - 1e-12) {
        dist[b] = nd;
        pred[b] = o;
        changed.push(b);
      }
    }
    if (changed.length === 0) return [];
  }
  const seen = new Set<string>();
  const out: ArbitrageCycle[] = [];
  for (const start of changed) {
    if (out.length >= limit) break;
    let u = start;
    for (let i = 0; i < U; i++) u = unitIn(pred[u] as number);
    const cycle: number[] = [];
    let v = u;
    do {
      const o = pred[v] as number;
      if (o < 0) break;
      cycle.push(o);
      v = unitIn(o);
    } while (v !== u && cycle.length <= U);
    if (v !== u) continue;
    cycle.reverse();
    const key = [...cycle].sort((x, y) => x - y).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    let num = 1n;
    let den = 1n;
    for (const o of cycle) {
      num *= g.numBig(o) * (PPM - g.cutBig(o));
      den *= g.denBig(o) * PPM;
    }
    if (num <= den) continue;
    out.push({
      offers: cycle.map((o) => ({
        ...graph.offerRef(o),
        in: { ...(g.unitRefs[unitIn(o)] as UnitRef) },
        out: { ...(g.unitRefs[unitOut(o)] as UnitRef) },
      })),
      gainNum: num,
      gainDen: den,
      gain: Number((num * 1_000_000n) / den) / 1_000_000,
    });
  }
  return out;
}
