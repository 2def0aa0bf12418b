/**
 * The best-first first pass: the same relaxation as the layered pass (relax.ts: same labels per
 * slot and layer, same lifting of minimums, so the same optimum), solved best-first instead of
 * layer by layer, as A* over slot x layer states keyed by a lower bound on the payer's spend.
 */
import { FAST_LIMIT, fastCeilMulDiv } from './amount.ts';
import { MAX_AMOUNT } from '../core/amount.ts';
import type { Candidate, SearchContext } from './context.ts';
import { priority, stopAt } from './heap.ts';
import { PACK } from './offer-lists.ts';
import { extract, valid } from './path.ts';
import { NONE, grown } from './table.ts';
import type { GraphTable } from './table.ts';

/** How a best-first pass runs (see {@link bestFirst}). */
export interface BestFirstOptions {
  /** The spend of a known valid path: label every state whose bound is below it. */
  cap?: number;
  /** The simple pass (a heuristic that keeps every label's path simple). */
  simple?: boolean;
  /** Only candidates cheaper than this matter (the simple pass). */
  below?: number;
  /** Re-expansions tolerated in deepest-first order (see Router's `rekeyAfter`). */
  rekeyAfter: number;
  /** States of the search after which keys also use the per-slot bound (see Router's `slotBoundAfter`). */
  slotBoundAfter: number;
}

/**
 * States (slot, layer) are keyed by `label * F + B`, a lower bound on the payer's spend (see
 * UnitBounds), rounded up to whole units (see {@link priority}); the bound is consistent (an
 * expansion never lowers it), so the search stops as soon as no key left can beat the best
 * candidate, whatever order it expanded them in. A label is skipped when the same slot already
 * holds a label at most as large with at most as many transfers. Labels are only written for
 * the states it reaches, so the layers are not bounds for the exact search: the router reruns
 * it with a cap (or the layered pass unpruned) before that.
 *
 * With `simple`, a label is never extended to a peer already on its own path (walked through
 * the predecessors), nor lifted to an offer's minimum. That is a heuristic, not a relaxation: a
 * label may have pushed out another whose path avoided that peer, so its answer is a valid path
 * but proves nothing. It finds a good path where the relaxed optimum visits a peer twice or
 * breaks a minimum, to cap the exact search.
 *
 * Without a cap, the cheapest valid path met on the way is left in `c.incumbent`.
 */
export function bestFirst(c: SearchContext, amount: bigint, opts: BestFirstOptions): Candidate | null {
  const cap = opts.cap;
  const simple = opts.simple ?? false;
  const g = c.g;
  const q = c.q;
  // labels (and scan marks) are slot-major: state (slot s, layer t) is s * L + t
  const L = q.layers;
  const H = q.H;
  const U = g.unitRefs.length;
  c.bounds.compute(q.payer, q.u0, q.H);
  const F = c.bounds.F;
  const B = c.bounds.B;
  const lim = c.social.peerLimits(q.payer, q.payee, q.H);
  // The per-slot bound (slot-bounds.ts) costs about a graph sweep, more than most searches
  // spend in all: it is computed once the first pass has expanded `slotBoundAfter` states (so
  // a query's keys never depend on earlier queries' caches). Only the first pass uses it: the
  // passes after it run on the budget, and their order decides what a query whose budget runs
  // out answers (measured: with the bound there too, 4 of 1,000 multi-asset queries proven
  // before lost their proof, as many others gained one); the deep searches of the Lightning
  // tail are first passes.
  const sbAfter = cap === undefined && !simple && !c.meter.metered ? opts.slotBoundAfter : Number.POSITIVE_INFINITY;
  const sb = c.slotBounds;
  const sbKey = `${c.social.limitsKey}:${q.u0}:${H}:${g.version}`;
  let SF = sb.F;
  let SB = sb.B;
  let SS = sb.stride;
  // the last layer of the per-slot bound computed (the layers above it say nothing)
  let ST = sb.upTo;
  let sbOn = false;
  // Layer t reads the bound with H - t - 1 conversions. Layers 0 and 1 (the payee's own slots
  // and its neighbours') never get it: a deep search has expanded most of them when it turns
  // the bound on, and the few left keep the per-unit bound, which costs a few more states
  // (lightning-bound, 1,000 queries: +0.9%, same answers) where their two rounds, the costly
  // last ones over most of a small-world graph, were ~40% of the bound's time.
  const slotBoundOn = (): void => {
    sb.compute(q.payer, q.u0, H, lim, sbKey, H - 3);
    SF = sb.F;
    SB = sb.B;
    SS = sb.stride;
    ST = sb.upTo;
    sbOn = true;
  };
  const lab = c.lab;
  const stamp = ++lab.run;
  const labNum = lab.num;
  const labStamp = lab.stamp;
  const labExact = lab.exact;
  const labSimple = lab.simple;
  const slotUnit = g.slotUnit;
  const bf = c.bf;
  const scanNum = bf.scanNum;
  const scanStamp = bf.scanStamp;
  const scanExact = bf.scanExact;
  const scanSimple = bf.scanSimple;
  const expStamp = bf.expStamp;
  const useDom = c.graphLiquidity();
  const meter = c.meter;
  const metered = meter.metered;
  const stats = c.stats;
  const inp = c.inp;
  const now = q.now;
  const u0 = q.u0;
  const nearPayer = bf.nearPayer;
  const freeHas = freeOffers(g);
  const nbPayer = g.adj[q.payer] as Int32Array;
  for (let k = 0; k < nbPayer.length; k++) nearPayer[nbPayer[k] as number] = stamp;
  const heap = c.heap;
  heap.clear();
  if (stats.states > sbAfter) slotBoundOn();
  const amtNum = Number(amount);
  const seeds = c.seedPayee(amount, stamp);
  for (let i = 0; i < seeds; i++) {
    const s = c.layer.frontA[i] as number;
    let raw =
      amtNum * (F[(H - 1) * U + (slotUnit[s] as number)] as number) +
      (B[(H - 1) * U + (slotUnit[s] as number)] as number);
    if (sbOn && H - 1 <= ST) raw = slotRaw(raw, amtNum, SF[(H - 1) * SS + s] as number, SB[(H - 1) * SS + s] as number);
    if (raw !== Number.POSITIVE_INFINITY) heap.push(priority(raw, H / (H + 2), true), s * L, amtNum);
  }
  let bestNum = Number.POSITIVE_INFINITY;
  let bestBig = 0n;
  let bestSlot = NONE;
  let bestLayer = NONE;
  let bestExact = 0;
  let bestSimple = 0;
  // States at or above `stop` cannot matter (see priority): no candidate below the best (or
  // equal to it, when the best is exact) comes from them.
  // With a cap (the spend of a known valid path) every state whose bound is below it is
  // expanded, so the labels left are exact lower bounds for the exact search wherever they
  // can matter (a state never labelled cannot lead to a path cheaper than the cap, the only
  // ones the exact search looks for).
  // `below`: only candidates cheaper than a path already known matter (the simple pass); one
  // that spends as much would change nothing.
  let stop = stopAt(cap ?? opts.below ?? Number.POSITIVE_INFINITY, true);
  if (cap === undefined) c.incumbent = null;
  let incNum = Number.POSITIVE_INFINITY;
  // Deepest-first ties (see priority) can expand a state before its best label arrives; when
  // such re-expansions pile up, the keys switch to the bound's order, which has almost none.
  let deep = true;
  let again = 0;
  const boundKey = (m: number, v: number): number => {
    const l = m % L;
    const s = (m - l) / L;
    const x = (H - l - 1) * U + (slotUnit[s] as number);
    const raw = v * (F[x] as number) + (B[x] as number);
    const y = (H - l - 1) * SS + s;
    return priority(sbOn && H - l - 1 <= ST ? slotRaw(raw, v, SF[y] as number, SB[y] as number) : raw, 0, false);
  };
  // the key an entry was pushed with, with the per-slot bound (when the pass switches to it)
  const pushKey = (m: number, v: number): number => {
    if (!deep) return boundKey(m, v);
    const l = m % L;
    const s = (m - l) / L;
    const x = (H - l - 1) * U + (slotUnit[s] as number);
    const y = (H - l - 1) * SS + s;
    const r0 = v * (F[x] as number) + (B[x] as number);
    const raw = H - l - 1 <= ST ? slotRaw(r0, v, SF[y] as number, SB[y] as number) : r0;
    const tie =
      l === 0 ? H / (H + 2) : simple ? (H - l) / (H + 2) : (H - (lim[g.slotPeer[s] as number] as number)) / (H + 2);
    return priority(raw, tie, true);
  };
  while (heap.size > 0) {
    const pr = heap.pop();
    if (pr >= stop) break;
    const j = heap.popIdx;
    const a = heap.popVal;
    if (labStamp[j] !== stamp || labNum[j] !== a) continue;
    stats.states++;
    if (!sbOn && stats.states > sbAfter) {
      // a deep search: from here on the keys are the larger of the two bounds
      slotBoundOn();
      heap.rekey(pushKey);
    }
    if (expStamp[j] === stamp && deep && ++again > opts.rekeyAfter + (stats.states >> 3)) {
      deep = false;
      // the popped state is expanded below whatever its key: order never decides correctness
      heap.rekey(boundKey);
    }
    expStamp[j] = stamp;
    const layer = j % L;
    const s = (j - layer) / L;
    const ex = labExact[j] as number;
    const aBig = a < FAST_LIMIT ? 0n : (lab.big[j] as bigint);
    const R = g.slotPeer[s] as number;
    const X = slotUnit[s] as number;
    const t = layer + 1;
    const popId = ++bf.popRun;
    // whether this label's chain visits no peer twice (always, in the simple pass)
    const sim = simple ? 1 : (labSimple[j] as number);
    if (sim === 1) markChain(c, s, layer, popId);
    // The payer pays this state directly when it is next to R and holds X.
    if (X === u0 && nearPayer[R] === stamp) {
      const better = a < bestNum || (a >= FAST_LIMIT && bestNum >= FAST_LIMIT && aBig < bestBig);
      // ties go to an exact label (a lifted one is only a bound), then to a simple chain
      const tie =
        a === bestNum &&
        (a < FAST_LIMIT || aBig === bestBig) &&
        (ex > bestExact || (ex === bestExact && sim > bestSimple));
      if (better || tie) {
        bestNum = a;
        bestBig = a < FAST_LIMIT ? BigInt(a) : aBig;
        bestSlot = s;
        bestLayer = layer;
        bestExact = ex;
        bestSimple = sim;
        // While the best repeats a peer, states that tie with it go on: one of them may be a
        // valid path that spends as little, the answer without any fallback pass.
        if (cap === undefined) stop = stopAt(bestNum, ex === 1 && sim === 1);
      }
      // Remember the cheapest valid path met on the way: should the relaxed optimum repeat
      // a peer, its spend caps the exact search. Checked only when it would improve.
      if (cap === undefined && ex === 1 && (incNum === Number.POSITIVE_INFINITY || a < incNum)) {
        const f = extract(c, s, layer, a < FAST_LIMIT ? BigInt(a) : aBig);
        if (valid(c, f, amount)) {
          c.incumbent = f;
          incNum = a;
        }
      }
    }
    if (t >= H) continue;
    // Transfers into R carry X, so only neighbours holding a slot for X can send them.
    const senders = c.lists.senders(s);
    const sLo = c.lists.sendLo;
    const sHi = c.lists.sendHi;
    // a simple pass that has not met a path yet goes on: without one there is no answer
    if (metered && (meter.spent += ((sHi - sLo) >> 1) + 1) > meter.limit && (bestSlot !== NONE || !simple)) {
      meter.exhausted = true;
      break;
    }
    // the senders' offers bound to R, grouped by sender (see OfferLists.boundIn)
    c.lists.boundIn(s);
    const inStart = c.lists.inStart;
    const inAt = c.lists.inAt;
    const inOffers = c.lists.inOffers;
    const inPacked = useDom ? c.lists.inPacked : null;
    const fNew = (H - t - 1) * U;
    for (let k = sLo; k < sHi; k += 2) {
      // most senders are too far from the payer for the transfers left: one read settles it
      const limQ = lim[senders[k + 1] as number] as number;
      if (limQ < t) continue;
      const qs = senders[k] as number;
      if (g.slotOutHead[qs] === NONE) continue;
      const onChain = bf.chainMark[senders[k + 1] as number] === popId;
      if (simple && onChain) continue;
      // the child's chain is simple when this one is and the sender is not on it
      const csim = sim === 1 && !onChain ? 1 : 0;
      // Q's offers bound to counterparties deliver into R only when R is one
      const bLo = inStart[inAt + ((k - sLo) >> 1)] as number;
      const bHi = inStart[inAt + ((k - sLo) >> 1) + 1] as number;
      // The offers that deliver to anyone: the undominated ones (GraphTable.relaxList), or
      // with residual liquidity (multi-path parts), which those lists do not know, all of them.
      // (most slots of a graph of bound offers have none: one byte says so, see freeOffers)
      // (both lists are empty together: the undominated offers are never all dominated)
      let nFree = 0;
      let free = NO_OFFERS;
      let freeLo = 0;
      if (freeHas[qs] !== 1) {
        nFree = useDom ? g.relaxList(qs) : g.unboundList(qs);
        free = useDom ? g.relaxLists.data : g.unboundLists.data;
        freeLo = g.freeLo;
        if (freeHas[qs] === 0) freeHas[qs] = nFree === 0 ? 1 : 2;
      }
      // already scanned with a label at most this large and at most as many transfers: the
      // unbound offers can give nothing new (a scan from another receiver says nothing of the
      // offers bound to R). Without unbound offers there is nothing to skip (a residual pass
      // still counts its scans in the budget, as it always has).
      let seen = useDom && nFree === 0;
      if (a < FAST_LIMIT && !seen) {
        const m0 = qs * L;
        for (let l2 = 1; l2 <= t; l2++) {
          const m = m0 + l2;
          if (
            scanStamp[m] === stamp &&
            ((scanNum[m] as number) < a ||
              (scanNum[m] === a && (scanExact[m] as number) >= ex && (scanSimple[m] as number) >= sim))
          ) {
            seen = true;
            break;
          }
        }
        if (!seen) {
          const m = m0 + t;
          scanStamp[m] = stamp;
          scanNum[m] = a;
          scanExact[m] = ex;
          scanSimple[m] = sim;
        }
      }
      // pass 0: the offers that deliver to anyone; pass 1: those bound to R
      for (let pass = seen ? 1 : 0; pass < (bLo < bHi ? 2 : 1); pass++) {
        const lst = pass === 1 ? inOffers : free;
        // the terms side by side (one cache line per offer instead of nine arrays)
        const pk = pass === 1 ? inPacked : useDom ? c.lists.packed(qs) : null;
        // entry li's terms are at (li + pOff) * PACK
        const pOff = pass === 1 || !useDom ? 0 : c.lists.packedLo - freeLo;
        const end = pass === 1 ? bHi : freeLo + nFree;
        // each offer weighed counts too: hubs are many senders, and busy senders many offers
        if (metered) meter.spent += pass === 1 ? bHi - bLo : useDom ? nFree : 4;
        for (let li = pass === 1 ? bLo : freeLo; li < end; li++) {
          const o = lst[li] as number;
          let inNum: number;
          let inBig = 0n;
          let inEx = ex;
          let sIn: number;
          const b = (li + pOff) * PACK;
          if (pk && a < FAST_LIMIT && (pk[b + 3] as number) > 0) {
            // open, exact-double terms (see OfferLists.packed): no bigint unless the quotient is undecided
            if ((pk[b] as number) <= now || a > (pk[b + 1] as number)) continue;
            const x = a + (pk[b + 2] as number);
            inNum = x < FAST_LIMIT ? fastCeilMulDiv(x, pk[b + 3] as number, pk[b + 4] as number) : -1;
            if (inNum < 0) {
              inBig = c.inputBig(o, BigInt(a));
              inNum = Number(inBig);
            }
            // a packed max or min at or above 2^52 is inexact, but then above any exact input
            if (inNum < FAST_LIMIT) {
              if (inNum > (pk[b + 6] as number)) continue;
            } else if (inBig > g.maxBig(o) || inBig > MAX_AMOUNT) continue;
            if (inNum < FAST_LIMIT ? inNum < (pk[b + 5] as number) : inBig < g.minBig(o)) {
              inNum = pk[b + 5] as number;
              if (inNum >= FAST_LIMIT) inBig = g.minBig(o);
              inEx = 0;
            }
            sIn = pk[b + 7] as number;
          } else {
            if (!c.offerInput(o, a, aBig, ex)) continue;
            inNum = inp.num;
            inBig = inp.big;
            inEx = inp.ex;
            sIn = g.offerInSlot[o] as number;
          }
          // the simple pass looks for a valid path: a lifted input is not one
          if (simple && inEx === 0) continue;
          let raw =
            inNum * (F[fNew + (slotUnit[sIn] as number)] as number) + (B[fNew + (slotUnit[sIn] as number)] as number);
          if (sbOn && H - t - 1 <= ST) {
            const y = (H - t - 1) * SS + sIn;
            raw = slotRaw(raw, inNum, SF[y] as number, SB[y] as number);
          }
          if (raw === Number.POSITIVE_INFINITY) continue;
          // ties: the simple pass goes deepest first, the others nearest to the payer first
          // (sIn is the sender's own slot: an offer takes its input at its peer)
          const p2 = priority(raw, simple ? (H - t) / (H + 2) : (H - limQ) / (H + 2), deep);
          if (p2 >= stop) continue;
          // a label at most as large with fewer transfers already covers this one
          if (inNum < FAST_LIMIT && coveredBelow(c, sIn, t, stamp, inNum, inEx, csim)) continue;
          const j2 = sIn * L + t;
          if (!c.improves(j2, stamp, inNum, inBig, inEx, csim)) continue;
          c.setLabel(j2, stamp, inNum, inBig, inEx, o, s, csim);
          heap.push(p2, j2, inNum);
        }
      }
    }
  }
  if (bestSlot === NONE) return null;
  return {
    spend: bestNum < FAST_LIMIT ? BigInt(bestNum) : bestBig,
    slot: bestSlot,
    layer: bestLayer,
    exact: bestExact === 1,
  };
}

const NO_OFFERS = new Int32Array(0);
const freeCache = new WeakMap<GraphTable, { version: number; slots: number; has: Uint8Array }>();

/**
 * Per slot of `g`: 0 not known yet, 1 no open offer that delivers to anyone, 2 some. Whether a
 * slot's relaxation list (and its unbound list) is empty changes only with an offer's status,
 * counterparties or slots, which bump `offerVersion`, or with a new slot: reading one byte
 * instead of the slot's cached list (a pointer and an object per sender, most of them empty
 * on a graph of bound offers, such as Lightning's channels): a profile put ~12% of a deep
 * search on those reads.
 */
function freeOffers(g: GraphTable): Uint8Array {
  let f = freeCache.get(g);
  if (!f || f.version !== g.offerVersion || f.slots !== g.slotCount) {
    const has = f && f.has.length >= g.slotCount ? f.has.fill(0) : new Uint8Array(grown(g.slotCount));
    f = { version: g.offerVersion, slots: g.slotCount, has };
    freeCache.set(g, f);
  }
  return f.has;
}

/**
 * The larger of a state's per-unit bound `raw` and its per-slot bound v * f + b (Infinity when
 * the slot cannot be reached from the payer: f is Infinity, and v * f + b would be NaN at v = 0).
 */
function slotRaw(raw: number, v: number, f: number, b: number): number {
  if (f === Number.POSITIVE_INFINITY) return f;
  const r = v * f + b;
  return r > raw ? r : raw;
}

/** Mark the peers of state (s, layer)'s predecessor chain with `popId`. */
function markChain(c: SearchContext, s: number, layer: number, popId: number): void {
  const g = c.g;
  const L = c.q.layers;
  const mark = c.bf.chainMark;
  const predNext = c.lab.predNext;
  let cs = s;
  for (let tt = layer; tt > 0; tt--) {
    mark[g.slotPeer[cs] as number] = popId;
    cs = predNext[cs * L + tt] as number;
  }
  mark[g.slotPeer[cs] as number] = popId;
}

/** Whether slot sIn holds, in pass `stamp`, a label at most `inNum` with fewer than t transfers (and no worse flags). */
function coveredBelow(
  c: SearchContext,
  sIn: number,
  t: number,
  stamp: number,
  inNum: number,
  inEx: number,
  csim: number,
): boolean {
  const lab = c.lab;
  const L = c.q.layers;
  for (let l2 = 0; l2 < t; l2++) {
    const m = sIn * L + l2;
    if (
      lab.stamp[m] === stamp &&
      ((lab.num[m] as number) < inNum ||
        (lab.num[m] === inNum && (lab.exact[m] as number) >= inEx && (lab.simple[m] as number) >= csim))
    )
      return true;
  }
  return false;
}
