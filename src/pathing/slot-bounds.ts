/**
 * A per-slot lower bound on what the payer spends to get an amount into a slot, computed
 * forwards from the payer: the best-first pass's keys take the larger of it and the per-unit
 * bound (bounds.ts), which knows only the payer's first hop and the graph's best rates.
 */
import { NONE, grown } from './table.ts';
import type { GraphTable } from './table.ts';

/** The bound margin makes the float pruning conservative (it never cuts an optimal label), as in bounds.ts. */
const MARGIN = 1 - 1e-9;

/**
 * Affine bounds per slot and conversions left: getting `a` units of X to peer R (slot s =
 * (R, X)) through at most c conversions upstream of R costs the payer at least
 * a * F[c * stride + s] + B[c * stride + s] in its own unit, or is impossible when F is
 * Infinity. A state (s, layer t) of the best-first pass has c = H - t - 1.
 *
 * Why a second bound: the per-unit bound prices every hop after the first at the graph's best
 * rate and fee, which on Lightning are a factor of 1 and a fee of 0 (some channel somewhere is
 * free), so the best-first pass is a Dijkstra on the amount alone: a payer whose neighbourhood
 * is dear makes it label every state around the payee that needs less than the answer, hubs
 * included, before it reaches the payer (the p99 of the faithful Lightning mapping: 1,500-3,500
 * states, each costing its receiver's thousands of senders). This bound prices each slot by the
 * cheapest chains from the payer that reach it in the hops left; the hop limit is what binds
 * in that tail (measured on its five slowest queries: without the layers they kept 84-95% of
 * their states, with them 10-56%).
 *
 * How: a hop-layered Bellman-Ford forwards from the payer over the transfers the passes can
 * make. A slot (R, u0) next to the payer costs F = 1, B = 0 at c = 0 (the payer pays R
 * directly); an offer o of Q taking slot (Q, Y) and giving X, whose input for an output b is at
 * least (b + fee) * f (rounding and minimums only add), delivers into (R, X) for each peer R it
 * may deliver to (those next to Q; only its counterparties when bound), so
 * F_c(R, X) <= f * F_{c-1}(Q, Y) and B_c(R, X) <= fee * f * F_{c-1}(Q, Y) + B_{c-1}(Q, Y). The
 * least slope and the least intercept need not come from the same chain; their sum still
 * bounds every chain. A sender must be within the query's limits (SocialIndex.peerLimits >= 1:
 * the passes skip the others). Limits, liquidity and expiry are ignored: leaving transfers in
 * only lowers the bound. Offers that deliver to anyone are gathered per output slot first, so
 * a hub's thousands of them reach its thousands of neighbours in one step rather than in their
 * product. Each round relaxes only the slots the previous one lowered.
 */
export class SlotBounds {
  private readonly g: GraphTable;
  /** Slopes per layer and slot (Infinity: unreachable from the payer). */
  F = new Float64Array(0);
  /** Intercepts per layer and slot. */
  B = new Float64Array(0);
  /** Slots per layer: the bound of slot s with at most c conversions is at c * stride + s. */
  stride = 0;
  private key = '';
  /**
   * The last layer computed for {@link key}: F and B hold layers 0..upTo only (a reader checks
   * c <= upTo; the layers above say nothing). The passes compute up to H - 3 (see
   * best-first.ts), so sizing F and B for H layers kept two layers of doubles no one wrote.
   */
  upTo = -1;
  /**
   * The open offers as flat edges grouped by input slot (edges of slot s: [eStart[s],
   * eStart[s + 1])): the edge's terms, and the slot delivered into (>= 0), or -2 - the offer's
   * output slot for an offer that delivers to anyone. Built once per offer version: walking
   * the offers' linked lists each time cost ~100 ns an offer in cache misses. A rebuild costs
   * ~3-4 ms of CPU on the Lightning graph: kept across liquidity changes.
   * Terms are shared: edge e's input factor and fee are terms[2 * eTerms[e]] and
   * terms[2 * eTerms[e] + 1], the same doubles as per-edge columns would hold (so the same
   * bounds), in 8 bytes an edge instead of 20 (the faithful Lightning mapping: 65,810 edges,
   * a few thousand distinct fee policies; most channels keep their node's defaults).
   */
  private eStart = new Int32Array(0);
  private eTerms = new Int32Array(0);
  private terms = new Float64Array(0);
  private eDst = new Int32Array(0);
  private edgeVersion = -1;
  /**
   * For each output slot (P, X) of offers that deliver to anyone, the slots (R, X) of P's
   * neighbours R that hold X: fanDst[fanStart[so]..fanStart[so + 1]). Looking them up at each
   * round (a walk of R's slot list per neighbour) was ~190,000 lookups and ~75% of a 7 ms
   * compute on the multi-asset graph, whose offers all deliver to anyone; the list drops the
   * neighbours without the unit. Built with the edges, and again when a follow list changes
   * (followVersion: the adjacency) or a slot appears.
   */
  private fanStart = new Int32Array(0);
  private fanDst = new Int32Array(0);
  private fanOffers = -1;
  private fanFollows = -1;
  private front = new Int32Array(0);
  private next = new Int32Array(0);
  /** Marks of the slots in the front ({@link run}) and in the next one, swapped each round. */
  private inFront = new Int32Array(0);
  private inNext = new Int32Array(0);
  private outF = new Float64Array(0);
  private outB = new Float64Array(0);
  private outMark = new Int32Array(0);
  private outList = new Int32Array(0);
  private run = 0;

  constructor(table: GraphTable) {
    this.g = table;
  }

  /** Flatten the open offers into edges by input slot (see {@link eStart}). */
  private edges(): void {
    const g = this.g;
    // offers' terms, status and counterparties (offerVersion) and the slots they may deliver
    // into (slotCount: a new slot can give a counterparty the unit an offer delivers); liquidity
    // changes, the most frequent, keep the edges
    if (this.edgeVersion === g.offerVersion && this.eStart.length === g.slotCount + 1) return;
    this.edgeVersion = g.offerVersion;
    const S = g.slotCount;
    const start = new Int32Array(S + 1);
    const n = g.offerCap;
    let m = 0;
    for (let o = 0; o < n; o++) {
      if (g.offerOpen[o] !== 1) continue;
      const t = g.offerTo[o] as number;
      const k = t >= NONE ? 1 : (g.offerToMany.get(o) as Int32Array).length;
      const sIn = g.offerInSlot[o] as number;
      start[sIn + 1] = (start[sIn + 1] as number) + k;
      m += k;
    }
    for (let s = 0; s < S; s++) start[s + 1] = (start[s + 1] as number) + (start[s] as number);
    const pos = start.slice(0, S);
    const eTerms = new Int32Array(m);
    const eDst = new Int32Array(m);
    // distinct (factor, fee) pairs by their bits, in an open-addressing table of twice the offers
    let cap = 16;
    while (cap < 2 * n) cap *= 2;
    const slots = new Int32Array(cap).fill(NONE);
    let terms = new Float64Array(64);
    const pair = new Float64Array(2);
    const bits = new Uint32Array(pair.buffer);
    let nt = 0;
    for (let o = 0; o < n; o++) {
      if (g.offerOpen[o] !== 1) continue;
      const sIn = g.offerInSlot[o] as number;
      const so = g.offerOutSlot[o] as number;
      const X = g.slotUnit[so] as number;
      const k = (g.fN[o] as number) / (g.fD[o] as number);
      const fee = g.fFee[o] as number;
      pair[0] = k;
      pair[1] = fee;
      const b0 = bits[0] as number;
      const b1 = bits[1] as number;
      const b2 = bits[2] as number;
      const b3 = bits[3] as number;
      let h = Math.imul(
        b0 ^ Math.imul(b1, 0x9e3779b1) ^ Math.imul(b2, 0x85ebca6b) ^ Math.imul(b3, 0xc2b2ae35),
        0x27d4eb2f,
      );
      h = (h ^ (h >>> 15)) & (cap - 1);
      let id = NONE;
      for (;;) {
        const x = slots[h] as number;
        if (x === NONE) break;
        if (Object.is(terms[2 * x], k) && Object.is(terms[2 * x + 1], fee)) {
          id = x;
          break;
        }
        h = (h + 1) & (cap - 1);
      }
      if (id === NONE) {
        id = nt++;
        slots[h] = id;
        if (2 * nt > terms.length) {
          const t2 = new Float64Array(terms.length * 2);
          t2.set(terms);
          terms = t2;
        }
        terms[2 * id] = k;
        terms[2 * id + 1] = fee;
      }
      const t = g.offerTo[o] as number;
      const to = t === NONE ? null : g.counterpartiesOf(o);
      for (let r = 0; r < (to ? to.length : 1); r++) {
        const i = pos[sIn] as number;
        pos[sIn] = i + 1;
        eTerms[i] = id;
        // a counterparty without a slot for the unit cannot receive: an edge to nowhere
        eDst[i] = to ? g.slotOf(to[r] as number, X) : -2 - so;
      }
    }
    // edges to nowhere relax nothing: dropped, keeping the grouping by input slot
    let w = 0;
    for (let s = 0; s < S; s++) {
      const lo = start[s] as number;
      const hi = start[s + 1] as number;
      start[s] = w;
      for (let e = lo; e < hi; e++) {
        if (eDst[e] === NONE) continue;
        eTerms[w] = eTerms[e] as number;
        eDst[w++] = eDst[e] as number;
      }
    }
    start[S] = w;
    this.eStart = start;
    this.eTerms = w === m ? eTerms : eTerms.slice(0, w);
    this.terms = terms.slice(0, 2 * nt);
    this.eDst = w === m ? eDst : eDst.slice(0, w);
  }

  /** The neighbour slots each output slot of offers to anyone reaches (see {@link fanStart}). */
  private fans(): void {
    const g = this.g;
    const S = g.slotCount;
    // edges() ran first: a new slot or offer change rebuilt eDst, so both keys cover it
    if (this.fanOffers === this.edgeVersion && this.fanFollows === g.followVersion && this.fanStart.length === S + 1)
      return;
    this.fanOffers = this.edgeVersion;
    this.fanFollows = g.followVersion;
    const eDst = this.eDst;
    const isOut = new Uint8Array(S);
    let total = 0;
    for (let e = 0; e < eDst.length; e++) {
      const d = eDst[e] as number;
      if (d >= NONE) continue;
      const so = -2 - d;
      if (isOut[so] === 1) continue;
      isOut[so] = 1;
      total += (g.adj[g.slotPeer[so] as number] as Int32Array).length;
    }
    const start = new Int32Array(S + 1);
    const dst = new Int32Array(total);
    let w = 0;
    for (let so = 0; so < S; so++) {
      start[so] = w;
      if (isOut[so] !== 1) continue;
      const X = g.slotUnit[so] as number;
      const adj = g.adj[g.slotPeer[so] as number] as Int32Array;
      for (let k = 0; k < adj.length; k++) {
        const d = g.slotOf(adj[k] as number, X);
        if (d !== NONE) dst[w++] = d;
      }
    }
    start[S] = w;
    this.fanStart = start;
    this.fanDst = w === total ? dst : dst.slice(0, w);
  }

  /**
   * Compute the bounds for a payer holding unit u0, hop limit H and sender limits `lim`
   * (SocialIndex.peerLimits), layers 0..upTo (at most that many conversions); `key` names
   * those inputs and the graph version for the cache.
   */
  compute(payer: number, u0: number, H: number, lim: Int32Array, key: string, upTo = H - 1): void {
    const last = Math.max(0, Math.min(upTo, H - 1));
    if (key === this.key && last === this.upTo) return;
    this.key = key;
    this.upTo = last;
    this.edges();
    this.fans();
    const g = this.g;
    const S = g.slotCount;
    if (this.front.length < S) {
      const n = grown(S);
      this.front = new Int32Array(n);
      this.next = new Int32Array(n);
      this.inFront = new Int32Array(n);
      this.inNext = new Int32Array(n);
      this.outF = new Float64Array(n);
      this.outB = new Float64Array(n);
      this.outMark = new Int32Array(n);
      this.outList = new Int32Array(n);
    }
    if (this.F.length < S * (last + 1)) {
      // sized exactly: computed in deep searches only, so a growing graph reallocates rarely
      this.F = new Float64Array(S * (last + 1));
      this.B = new Float64Array(S * (last + 1));
    }
    this.stride = S;
    const F = this.F;
    const B = this.B;
    F.fill(Number.POSITIVE_INFINITY, 0, S);
    B.fill(Number.POSITIVE_INFINITY, 0, S);
    let front = this.front;
    let next = this.next;
    let inFront = this.inFront;
    let inNext = this.inNext;
    const outF = this.outF;
    const outB = this.outB;
    const outMark = this.outMark;
    const outList = this.outList;
    const eStart = this.eStart;
    const eTerms = this.eTerms;
    const terms = this.terms;
    const eDst = this.eDst;
    const slotPeer = g.slotPeer;
    const fanStart = this.fanStart;
    const fanDst = this.fanDst;
    let nf = 0;
    let mark = ++this.run;
    const nb = g.adj[payer] as Int32Array;
    for (let k = 0; k < nb.length; k++) {
      const s = g.slotOf(nb[k] as number, u0);
      if (s === NONE || inFront[s] === mark) continue;
      // The float products and sums along chains are conservative with a relative margin:
      // every slope and intercept is a sum of products that each start from the seed's slope,
      // so seeding it with the margin instead of 1 scales them all (no pass over the layers).
      F[s] = MARGIN;
      B[s] = 0;
      inFront[s] = mark;
      front[nf++] = s;
    }
    // Layers above `upTo` are not computed (nor allocated): the caller keys the states that
    // would read them with the per-unit bound alone (see best-first.ts). The last rounds are the
    // costly ones: by then most of a small-world graph is within reach of the payer.
    for (let round = 1; round <= last; round++) {
      const prev = mark;
      mark = ++this.run;
      // layer `round` (at most `round` conversions) starts as layer round - 1
      const lo = (round - 1) * S;
      const cur = round * S;
      F.copyWithin(cur, lo, lo + S);
      B.copyWithin(cur, lo, lo + S);
      let nn = 0;
      let no = 0;
      // A large front is read in slot order: the edges, grouped by input slot, are then read
      // in one forward sweep instead of at thousands of places.
      const dense = nf * 8 > S;
      const n = dense ? S : nf;
      for (let i = 0; i < n; i++) {
        let sIn: number;
        if (dense) {
          if (inFront[i] !== prev) continue;
          sIn = i;
        } else sIn = front[i] as number;
        // the payer and peers beyond the query's limits never send (see peerLimits)
        if ((lim[slotPeer[sIn] as number] as number) < 1) continue;
        const fIn = F[lo + sIn] as number;
        const bIn = B[lo + sIn] as number;
        const hi = eStart[sIn + 1] as number;
        for (let e = eStart[sIn] as number; e < hi; e++) {
          const p = 2 * (eTerms[e] as number);
          const f = (terms[p] as number) * fIn;
          const b = (terms[p + 1] as number) * f + bIn;
          const d = eDst[e] as number;
          if (d >= 0) {
            let changed = false;
            if (f < (F[cur + d] as number)) {
              F[cur + d] = f;
              changed = true;
            }
            if (b < (B[cur + d] as number)) {
              B[cur + d] = b;
              changed = true;
            }
            if (changed && inNext[d] !== mark) {
              inNext[d] = mark;
              next[nn++] = d;
            }
          } else if (d < NONE) {
            const so = -2 - d;
            if (outMark[so] !== mark) {
              outMark[so] = mark;
              outF[so] = f;
              outB[so] = b;
              outList[no++] = so;
            } else {
              if (f < (outF[so] as number)) outF[so] = f;
              if (b < (outB[so] as number)) outB[so] = b;
            }
          }
        }
      }
      // offers that deliver to anyone reach every neighbour of their peer holding the unit
      for (let i = 0; i < no; i++) {
        const so = outList[i] as number;
        const f = outF[so] as number;
        const b = outB[so] as number;
        const fanHi = fanStart[so + 1] as number;
        for (let k = fanStart[so] as number; k < fanHi; k++) {
          const d = fanDst[k] as number;
          let changed = false;
          if (f < (F[cur + d] as number)) {
            F[cur + d] = f;
            changed = true;
          }
          if (b < (B[cur + d] as number)) {
            B[cur + d] = b;
            changed = true;
          }
          if (changed && inNext[d] !== mark) {
            inNext[d] = mark;
            next[nn++] = d;
          }
        }
      }
      const swap = front;
      front = next;
      next = swap;
      const swapMarks = inFront;
      inFront = inNext;
      inNext = swapMarks;
      nf = nn;
    }
    this.front = front;
    this.next = next;
    this.inFront = inFront;
    this.inNext = inNext;
  }
}
