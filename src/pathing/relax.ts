/**
 * The layered first pass: a relaxed hop-layered Bellman-Ford from the payee backwards (see
 * router.ts for the relaxation it solves). Kept for alternatives, for the exact search's bounds
 * when the first pass is `layered`, and for comparisons with the best-first pass.
 */
import { FAST_LIMIT } from './amount.ts';
import type { Candidate, SearchContext } from './context.ts';
import { NONE } from './table.ts';

/**
 * Fills layers 0..H of the labels; returns the best payer candidate or null. With `prune`,
 * labels that cannot beat the best candidate are dropped (then layers are not usable as
 * bounds); labels whose bound is above `cap` (a known valid path's spend) are dropped too.
 */
export function relaxLayered(
  c: SearchContext,
  amount: bigint,
  prune: boolean,
  cap = Number.POSITIVE_INFINITY,
): Candidate | null {
  const g = c.g;
  const q = c.q;
  c.ensureLayered();
  const lim = c.social.peerLimits(q.payer, q.payee, q.H);
  // a known valid path's spend: labels whose bound is above it cannot matter to the exact search
  const capNum = cap * (1 + 1e-12);
  const L = q.layers;
  const H = q.H;
  const lab = c.lab;
  const stamp = ++lab.run;
  const labNum = lab.num;
  const labExact = lab.exact;
  const ly = c.layer;
  const dExact = ly.exact;
  const dNum = ly.num;
  const dBig = ly.big;
  const dArg = ly.arg;
  const dStamp = ly.stamp;
  const payer = q.payer;
  const u0 = q.u0;
  c.bounds.compute(q.payer, q.u0, q.H);
  const F = c.bounds.F;
  const B = c.bounds.B;
  const U = g.unitRefs.length;
  const slotUnit = g.slotUnit;
  const inp = c.inp;
  let front = ly.frontA;
  let next = ly.frontB;
  let nFront = c.seedPayee(amount, stamp);
  let bestNum = Number.POSITIVE_INFINITY;
  let bestBig = 0n;
  let bestSlot = NONE;
  let bestLayer = NONE;
  let bestExact = 0;
  for (let t = 1; t <= H; t++) {
    // labels are slot-major: state (slot s, layer t) is s * L + t
    const dStampV = ++ly.run;
    let nTouched = 0;
    // factor bounding spend from a layer-(t-1) label: up to H - t conversions upstream
    const fPrev = (H - t) * U;
    const fNew = Math.max(0, H - t - 1) * U;
    let nNext = 0;
    for (let i = 0; i < nFront; i++) {
      const s = front[i] as number;
      const js = L * s + t - 1;
      const a = labNum[js] as number;
      const ex = labExact[js] as number;
      const lbA = a * (F[fPrev + (slotUnit[s] as number)] as number) + (B[fPrev + (slotUnit[s] as number)] as number);
      if ((prune && lbA > bestNum) || lbA > capNum) continue;
      const R = g.slotPeer[s] as number;
      const X = g.slotUnit[s] as number;
      const nb = g.adj[R] as Int32Array;
      for (let k = 0; k < nb.length; k++) {
        const Q = nb[k] as number;
        // the payer is within its own radius; it pays a label in its unit directly
        if (Q === payer) {
          if (X !== u0) continue;
          // ties go to an exact label: a lifted one is only a bound
          const better = a < bestNum || (a >= FAST_LIMIT && bestNum >= FAST_LIMIT && c.labValue(js) < bestBig);
          if (better || (ex > bestExact && a === bestNum && (a < FAST_LIMIT || c.labValue(js) === bestBig))) {
            bestNum = a;
            bestBig = c.labValue(js);
            bestSlot = s;
            bestLayer = t - 1;
            bestExact = ex;
          }
          continue;
        }
        // Q gets a label with t transfers done (see peerLimits: radius, hop distance, payee)
        if (t === H || (lim[Q] as number) < t) continue;
        const qs = g.slotOf(Q, X);
        if (qs === NONE || g.slotOutHead[qs] === NONE) continue;
        // Q's offers bound to R are relaxed from R's label alone: they deliver to no other peer
        if (g.boundTo(qs, R) > 0) {
          const bound = g.boundLists.data;
          for (let k2 = g.boundLo, end = g.boundHi; k2 < end; k2++) {
            const o = bound[k2] as number;
            if (!c.offerInput(o, a, a < FAST_LIMIT ? 0n : (lab.big[js] as bigint), ex)) continue;
            const sIn = g.offerInSlot[o] as number;
            const lbIn =
              inp.num * (F[fNew + (slotUnit[sIn] as number)] as number) +
              (B[fNew + (slotUnit[sIn] as number)] as number);
            if ((prune && lbIn > bestNum) || lbIn > capNum) continue;
            const j = L * sIn + t;
            if (!c.improves(j, stamp, inp.num, inp.big, inp.ex)) continue;
            if (c.setLabel(j, stamp, inp.num, inp.big, inp.ex, o, s)) next[nNext++] = sIn;
          }
        }
        if (dStamp[qs] !== dStampV) {
          dStamp[qs] = dStampV;
          dNum[qs] = a;
          if (a >= FAST_LIMIT) dBig[qs] = lab.big[js] as bigint;
          dArg[qs] = s;
          dExact[qs] = ex;
          ly.touched[nTouched++] = qs;
        } else {
          const cur = dNum[qs] as number;
          const less = a < cur || (a >= FAST_LIMIT && a === cur && (lab.big[js] as bigint) < (dBig[qs] as bigint));
          const tie = a === cur && (a < FAST_LIMIT || (lab.big[js] as bigint) === (dBig[qs] as bigint));
          if (less || (tie && ex > (dExact[qs] as number))) {
            dNum[qs] = a;
            if (a >= FAST_LIMIT) dBig[qs] = lab.big[js] as bigint;
            dArg[qs] = s;
            dExact[qs] = ex;
          }
        }
      }
    }
    for (let i = 0; i < nTouched; i++) {
      const qs = ly.touched[i] as number;
      const a = dNum[qs] as number;
      const aEx = dExact[qs] as number;
      for (let o = g.slotOutHead[qs] as number; o !== NONE; o = g.offerNextOut[o] as number) {
        // bound offers were relaxed above, from their receivers' labels only
        if (g.offerTo[o] !== NONE) continue;
        if (!c.offerInput(o, a, a < FAST_LIMIT ? 0n : (dBig[qs] as bigint), aEx)) continue;
        const inNum = inp.num;
        const inBig = inp.big;
        const inEx = inp.ex;
        const sIn = g.offerInSlot[o] as number;
        const lbIn =
          inNum * (F[fNew + (slotUnit[sIn] as number)] as number) + (B[fNew + (slotUnit[sIn] as number)] as number);
        if ((prune && lbIn > bestNum) || lbIn > capNum) continue;
        const j = L * sIn + t;
        if (!c.improves(j, stamp, inNum, inBig, inEx)) continue;
        if (c.setLabel(j, stamp, inNum, inBig, inEx, o, dArg[qs] as number)) next[nNext++] = sIn;
      }
    }
    const tmp = front;
    front = next;
    next = tmp;
    nFront = nNext;
    if (nFront === 0 && t < H) {
      // nothing left to extend; later layers stay empty
      break;
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
