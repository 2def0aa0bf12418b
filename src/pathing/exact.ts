/**
 * The exact search: depth-first over simple paths from the payer, pruned with the lower bounds
 * the last unpruned (or capped) relaxation pass left in the labels.
 */
import { FAST_LIMIT, fastCeilMulDiv } from './amount.ts';
import type { Found, SearchContext } from './context.ts';
import { amountsOnPath } from './path.ts';
import { NONE } from './table.ts';

/**
 * Keeps the `keep` cheapest complete paths; `incumbent` (a known valid path) makes the cutoff
 * tight from the start, `limit` keeps only paths cheaper than it (the labels are lower bounds
 * below it only). Draws on the meter's budget: when it runs out the meter is marked exhausted
 * and the paths met so far are returned.
 */
export function exactSearch(
  c: SearchContext,
  amount: bigint,
  keep: number,
  incumbent: Found | null,
  limit: bigint | null = null,
): Found[] {
  const g = c.g;
  const q = c.q;
  const meter = c.meter;
  const lab = c.lab;
  const L = q.layers;
  const stamp = lab.run;
  const H = q.H;
  const payer = q.payer;
  const payee = q.payee;
  const u0 = q.u0;
  const payeeUnits = q.payeeUnits;
  const rad = c.social.radStamp;
  const radOk = c.social.radValue;
  // a known valid path makes the cutoff tight from the start (labels above it were capped away)
  const top: Found[] = incumbent ? [incumbent] : [];
  const visitStamp = ++c.dfs.run;
  const visit = c.dfs.visit;
  const peers: number[] = [payer];
  const offers: number[] = [];
  let expansions = 0;
  // what the budget has left after the passes before (see Meter.metered)
  const allowance = meter.limit - meter.spent;
  visit[payer] = visitStamp;
  // only paths cheaper than `limit` matter (the labels are lower bounds below it only)
  const cutoff = (): bigint | null => (top.length < keep ? limit : (top[top.length - 1] as Found).spend);
  // least label over layers 0..r of slot s (exact), or null
  const bound = (s: number, r: number): bigint | null => {
    let best: bigint | null = null;
    for (let t = 0; t <= r; t++) {
      const j = s * L + t;
      if (lab.stamp[j] !== stamp) continue;
      const v = c.labValue(j);
      if (best === null || v < best) best = v;
    }
    return best;
  };
  // spend to get `need` to the last peer through the prefix offers, upper limits only
  const prefix = (need: bigint): bigint | null => {
    let out = need;
    for (let i = offers.length - 1; i >= 0; i--) {
      const o = offers[i] as number;
      if (out > c.liqBig(o)) return null;
      out = c.inputBig(o, out);
      if (out > g.maxBig(o)) return null;
      // the next hop needs at least `need`, so this offer needs at least its minimum
      const mn = g.minBig(o);
      if (out < mn) out = mn;
    }
    return out;
  };
  // The same bound in doubles where every value is exact: -1 when a limit is broken, NaN when
  // a value leaves exact doubles (then the bigint version decides).
  const prefixNum = (need: number): number => {
    let out = need;
    for (let i = offers.length - 1; i >= 0; i--) {
      const o = offers[i] as number;
      if (g.fastOk[o] !== 1 || (g.fMax[o] as number) >= FAST_LIMIT || (g.fMin[o] as number) >= FAST_LIMIT)
        return Number.NaN;
      if (out > c.liqNum(o)) return -1;
      const x = out + (g.fFee[o] as number);
      const inp = x < FAST_LIMIT ? fastCeilMulDiv(x, g.fN[o] as number, g.fD[o] as number) : -1;
      if (inp < 0) return Number.NaN;
      if (inp > (g.fMax[o] as number)) return -1;
      out = Math.max(inp, g.fMin[o] as number);
    }
    return out;
  };
  // Whether extending to slot s2 (with r more layers allowed) can still beat the cutoff.
  const promising = (s2: number, r: number): boolean => {
    let mNum = -1;
    for (let t = 0; t <= r; t++) {
      const j = s2 * L + t;
      if (lab.stamp[j] === stamp && (mNum < 0 || (lab.num[j] as number) < mNum)) mNum = lab.num[j] as number;
    }
    if (mNum < 0) return false;
    const cut = cutoff();
    if (mNum < FAST_LIMIT) {
      const lb = prefixNum(mNum);
      // exact integers below 2^52 on both sides (NaN: an offer off the fast path, use bigints)
      if (!Number.isNaN(lb)) return lb >= 0 && (cut === null || lb < Number(cut));
    }
    const m = bound(s2, r);
    const lbB = m === null ? null : prefix(m);
    return lbB !== null && (cut === null || lbB < cut);
  };
  const record = (): void => {
    const spend = amountsOnPath(c, offers, amount);
    if (spend === null) return;
    const cut = cutoff();
    if (cut !== null && spend >= cut) return;
    const f: Found = { spend, peers: [...peers], offers: [...offers] };
    let i = top.length;
    while (i > 0 && (top[i - 1] as Found).spend > spend) i--;
    top.splice(i, 0, f);
    if (top.length > keep) top.pop();
  };
  // Whether slot s2 holds a label within layers 0..r: without one no path through it can beat
  // the cutoff (see bestFirst), whatever the prefix.
  const labelled = (s2: number, r: number): boolean => {
    const j0 = s2 * L;
    for (let t = 0; t <= r; t++) if (lab.stamp[j0 + t] === stamp) return true;
    return false;
  };
  const outs: number[][] = [];
  const step = (s: number, d: number): void => {
    if (meter.exhausted) return;
    if (++expansions > allowance) {
      meter.exhausted = true;
      return;
    }
    const r = H - d - 1;
    // The output slots (Q, Y) of Q's usable offers that take this slot's unit, each once: the
    // next peer is a neighbour with a slot for Y (see senders), so neighbours are examined once
    // per unit rather than once per offer, and those without a label once in all.
    const out = (outs[d] ??= []);
    out.length = 0;
    for (let o = g.slotInHead[s] as number; o !== NONE; o = g.offerNextIn[o] as number) {
      if (!c.usable(o)) continue;
      const so = g.offerOutSlot[o] as number;
      if (!out.includes(so)) out.push(so);
    }
    for (let u = 0; u < out.length; u++) {
      const so = out[u] as number;
      const Y = g.slotUnit[so] as number;
      // a pool's buffer, valid for this loop even when the calls below build other lists
      const next = c.lists.senders(so);
      const kEnd = c.lists.sendHi;
      for (let k = c.lists.sendLo; k < kEnd; k += 2) {
        const s2 = next[k] as number;
        const Q2 = next[k + 1] as number;
        if (rad[Q2] !== radOk || visit[Q2] === visitStamp) continue;
        // the budget counts candidate extensions, so hubs (many offers x many neighbours) are bounded too
        if (++expansions > allowance) {
          meter.exhausted = true;
          return;
        }
        const toPayee = Q2 === payee;
        if (toPayee ? d + 1 > H || !payeeUnits.includes(Y) : d + 2 > H || g.slotInHead[s2] === NONE || !labelled(s2, r))
          continue;
        peers.push(Q2);
        if (!toPayee) visit[Q2] = visitStamp;
        for (let o = g.slotInHead[s] as number; o !== NONE; o = g.offerNextIn[o] as number) {
          if (g.offerOutSlot[o] !== so || !c.usable(o) || !g.allows(o, Q2)) continue;
          if (++expansions > allowance) {
            meter.exhausted = true;
            break;
          }
          offers.push(o);
          if (toPayee) record();
          else if (promising(s2, r)) step(s2, d + 1);
          offers.pop();
          if (meter.exhausted) break;
        }
        visit[Q2] = 0;
        peers.pop();
        if (meter.exhausted) return;
      }
    }
  };
  const nb = g.adj[payer] as Int32Array;
  for (let k = 0; k < nb.length; k++) {
    const Q = nb[k] as number;
    if (rad[Q] !== radOk) continue;
    if (Q === payee) {
      if (payeeUnits.includes(u0)) {
        peers.push(Q);
        record();
        peers.pop();
      }
      continue;
    }
    const s = g.slotOf(Q, u0);
    if (s === NONE || g.slotInHead[s] === NONE || H < 2) continue;
    const m = bound(s, H - 1);
    if (m === null) continue;
    const cut = cutoff();
    if (cut !== null && m >= cut) continue;
    visit[Q] = visitStamp;
    peers.push(Q);
    step(s, 1);
    peers.pop();
    visit[Q] = 0;
  }
  meter.spent += expansions;
  return top;
}
