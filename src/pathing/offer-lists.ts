/**
 * Lists the passes read per slot, cached across queries: the senders of a slot (the slots a
 * transfer into it can come from) and the terms of a slot's relaxation list packed side by side.
 */
import { PPM } from '../events/offer.ts';
import { FAST_LIMIT } from './amount.ts';
import { NONE } from './table.ts';
import type { GraphTable } from './table.ts';

/** Doubles per offer in {@link OfferLists.packed} lists. */
export const PACK = 8;

/** Per-slot caches of senders and packed offer terms, for one graph. */
export class OfferLists {
  private readonly g: GraphTable;
  private packedLists: (Float64Array | undefined)[] = [];
  private packedSrc: (Int32Array | undefined)[] = [];
  private senderLists: (Int32Array | undefined)[] = [];
  private senderAdj: (Int32Array | undefined)[] = [];
  private senderEpoch = new Int32Array(0);
  private senderBuf = new Int32Array(64);

  constructor(table: GraphTable) {
    this.g = table;
  }

  /**
   * The terms of the offers in relaxation list `lst` of slot s, side by side, PACK doubles per
   * offer: expiration, liquidity, fee, input factor numerator and denominator, min, max, input
   * slot. The numerator is 0 for a closed offer or one whose fee is not an exact double (the
   * caller then reads the graph's own arrays). Liquidity, min and max at or above 2^52 are
   * stored rounded: they are then above every exact input, and the caller compares such
   * inputs in bigint. Kept while the graph returns the same list:
   * it builds a new one after any change to the slot's offers (liquidity included).
   */
  packed(s: number, lst: Int32Array): Float64Array {
    if (this.packedSrc[s] === lst) return this.packedLists[s] as Float64Array;
    const g = this.g;
    const out = new Float64Array(lst.length * PACK);
    for (let i = 0; i < lst.length; i++) {
      const o = lst[i] as number;
      const b = i * PACK;
      out[b] = g.offerExp[o] as number;
      out[b + 1] = g.fLiq[o] as number;
      out[b + 2] = g.fFee[o] as number;
      if (g.offerOpen[o] !== 1 || (g.fFee[o] as number) >= FAST_LIMIT) out[b + 3] = 0;
      else if (g.fastOk[o] === 1) {
        out[b + 3] = g.fN[o] as number;
        out[b + 4] = g.fD[o] as number;
      } else {
        // A factor beyond exact doubles, rounded: n * d is then above 2^53, so fastCeilMulDiv
        // takes its guarded branch, whose error bound allows for these two roundings.
        out[b + 3] = Number((g.bDen[o] as bigint) * PPM);
        out[b + 4] = Number((g.bNum[o] as bigint) * (PPM - (g.bCut[o] as bigint)));
      }
      out[b + 5] = g.fMin[o] as number;
      out[b + 6] = g.fMax[o] as number;
      out[b + 7] = g.offerInSlot[o] as number;
    }
    this.packedLists[s] = out;
    this.packedSrc[s] = lst;
    return out;
  }

  /**
   * The slots (Q, X) of R's neighbours Q for slot s = (R, X), the only slots a transfer into s
   * can come from, each followed by its peer Q (pairs, so the caller's first test reads no other
   * array). Built on first use and kept until R's adjacency changes or a slot is added anywhere
   * (a new slot may be a new sender); offer changes leave the lists valid, since callers check
   * each sender's offers.
   */
  senders(s: number): Int32Array {
    const g = this.g;
    const R = g.slotPeer[s] as number;
    const adj = g.adj[R] as Int32Array;
    const cached = this.senderLists[s];
    if (cached && this.senderAdj[s] === adj && this.senderEpoch[s] === g.slotCount) return cached;
    if (this.senderEpoch.length < g.slotCount) {
      const grown = new Int32Array(g.slotCount * 2);
      grown.set(this.senderEpoch);
      this.senderEpoch = grown;
    }
    const X = g.slotUnit[s] as number;
    let n = 0;
    const buf =
      this.senderBuf.length < adj.length * 2 ? (this.senderBuf = new Int32Array(adj.length * 4)) : this.senderBuf;
    for (let k = 0; k < adj.length; k++) {
      const Q = adj[k] as number;
      const qs = g.slotOf(Q, X);
      if (qs === NONE) continue;
      buf[n++] = qs;
      buf[n++] = Q;
    }
    const list = buf.slice(0, n);
    this.senderLists[s] = list;
    this.senderAdj[s] = adj;
    this.senderEpoch[s] = g.slotCount;
    return list;
  }
}
