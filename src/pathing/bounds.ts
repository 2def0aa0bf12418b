/**
 * A lower bound on what the payer spends to get an amount of some unit to a peer: the best-first
 * pass keys its states with it and every pass prunes labels with it.
 */
import { NONE } from './table.ts';
import type { GraphTable } from './table.ts';

/** The bound margin makes the float pruning conservative (it never cuts an optimal label). */
const MARGIN = 1 - 1e-9;

/** Per-payer affine bounds (see {@link UnitBounds.compute}), cached on the payer, unit, hop limit and graph. */
export class UnitBounds {
  private readonly g: GraphTable;
  /** Slopes F[c * U + X]. */
  F = new Float64Array(0);
  /** Intercepts B[c * U + X]. */
  B = new Float64Array(0);
  private key = '';

  constructor(table: GraphTable) {
    this.g = table;
  }

  /**
   * An affine lower bound on what the payer spends (in its unit u0) to get `a` units of X to a
   * peer through at most c more conversions: spend >= a * F[c * U + X] + B[c * U + X]. Each
   * offer of a chain turns a need b into (b + fee) * k or more (rounding and minimums only
   * add), so a chain costs its product of factors times a, plus each fixed fee times the
   * factors upstream of it: F is the least product over unit chains u0 -> ... -> X of at most c
   * offers, B the least such fee sum (a Bellman-Ford over the small unit graph with the least
   * factor and least fee-times-factor of each unit pair). The least slope and the least
   * intercept need not come from the same chain; their sum still bounds every chain. Infinity:
   * X is out of reach. Fixed fees matter: for small amounts they are most of the spend, and a
   * bound on factors alone would let the search wander through every state within them.
   */
  compute(payer: number, u0: number, H: number): void {
    const g = this.g;
    const U = g.unitRefs.length;
    const key = `${payer}:${u0}:${H}:${U}:${g.pairVersion}:${g.version}`;
    if (key === this.key) return;
    this.key = key;
    // The first conversion of any path happens at a neighbour of the payer, on an offer that
    // takes the payer's unit: its least factor and fee come from those few offers, not from
    // every offer of the pair (for most payers they are well above the graph's best).
    let A = new Float64Array(U).fill(Number.POSITIVE_INFINITY);
    let Ab = new Float64Array(U).fill(Number.POSITIVE_INFINITY);
    const nb = g.adj[payer] as Int32Array;
    for (let k = 0; k < nb.length; k++) {
      const qs = g.slotOf(nb[k] as number, u0);
      if (qs === NONE) continue;
      for (let o = g.slotInHead[qs] as number; o !== NONE; o = g.offerNextIn[o] as number) {
        if (g.offerOpen[o] !== 1) continue;
        const y = g.slotUnit[g.offerOutSlot[o] as number] as number;
        const f = (g.fN[o] as number) / (g.fD[o] as number);
        if (f < (A[y] as number)) A[y] = f;
        const fk = (g.fFee[o] as number) * f;
        if (fk < (Ab[y] as number)) Ab[y] = fk;
      }
    }
    // F[c] and B[c]: no conversion (the payer pays the label's peer in its own unit), or a
    // first conversion as above followed by at most c - 1 more over the unit pairs
    const F = new Float64Array((H + 1) * U).fill(Number.POSITIVE_INFINITY);
    const B = new Float64Array((H + 1) * U).fill(Number.POSITIVE_INFINITY);
    for (let c = 0; c <= H; c++) {
      if (c >= 2) {
        const A2 = A.slice();
        const Ab2 = Ab.slice();
        for (const [pk, k] of g.pairK) {
          const x = Math.floor(pk / 0x100000);
          const y = pk - x * 0x100000;
          const v = (A[x] as number) * k;
          if (v < (A2[y] as number)) A2[y] = v;
          const w = (A[x] as number) * (g.pairFeeK.get(pk) as number) + (Ab[x] as number);
          if (w < (Ab2[y] as number)) Ab2[y] = w;
        }
        A = A2;
        Ab = Ab2;
      }
      const cur = c * U;
      F[cur + u0] = 1;
      B[cur + u0] = 0;
      if (c === 0) continue;
      for (let x = 0; x < U; x++) {
        if ((A[x] as number) < (F[cur + x] as number)) F[cur + x] = A[x] as number;
        if ((Ab[x] as number) < (B[cur + x] as number)) B[cur + x] = Ab[x] as number;
      }
    }
    // float products of up to H ratios: a relative margin keeps the bound conservative
    for (let i = 0; i < F.length; i++) {
      F[i] = (F[i] as number) * MARGIN;
      B[i] = (B[i] as number) * MARGIN;
    }
    this.F = F;
    this.B = B;
  }
}
