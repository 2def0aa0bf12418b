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
    const out = new Float64Array(lst.length * PACK);
    for (let i = 0; i < lst.length; i++) this.pack(out, i * PACK, lst[i] as number);
    this.packedLists[s] = out;
    this.packedSrc[s] = lst;
    return out;
  }

  /** Offer o's terms at out[b .. b + PACK) (see {@link packed}). */
  private pack(out: Float64Array, b: number, o: number): void {
    const g = this.g;
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

  private inStarts: (Int32Array | undefined)[] = [];
  private inOfferLists: (Int32Array | undefined)[] = [];
  private inPackedLists: (Float64Array | undefined)[] = [];
  /** The senders list each receiver's index was built along, and its peer's bound version then. */
  private inSrc: (Int32Array | undefined)[] = [];
  private inVersion = new Int32Array(0);

  /** Set by {@link boundIn}: sender pair k's bound offers are inOffers[inStart[k >> 1] .. inStart[(k >> 1) + 1]). */
  inStart: Int32Array = new Int32Array(1);
  /** Set by {@link boundIn}: the offers bound to the receiver, grouped by sender. */
  inOffers: Int32Array = new Int32Array(0);
  /** Set by {@link boundIn}: their terms, PACK doubles per entry of {@link inOffers} (see {@link packed}). */
  inPacked: Float64Array = new Float64Array(0);

  /**
   * The offers bound to receiver R that deliver into slot s = (R, X), grouped along
   * {@link senders}(s) (call that first): the offers of sender pair k, those of its slot (Q, X)
   * bound to R (open ones, by offer index), are inOffers[inStart[k >> 1] ..
   * inStart[(k >> 1) + 1]), their terms packed side by side in {@link inPacked}. A receiver's
   * transfers thus read contiguous memory instead of searching each sender's list of bound
   * offers for R (a hub receives over thousands of channels). Kept until the senders list
   * changes or an offer bound to R changes (GraphTable.boundVersion).
   */
  boundIn(s: number): void {
    const g = this.g;
    const senders = this.senderLists[s] as Int32Array;
    const R = g.slotPeer[s] as number;
    if (this.inSrc[s] === senders && this.inVersion[s] === g.boundVersion[R]) {
      this.inStart = this.inStarts[s] as Int32Array;
      this.inOffers = this.inOfferLists[s] as Int32Array;
      this.inPacked = this.inPackedLists[s] as Float64Array;
      return;
    }
    if (this.inVersion.length < g.slotCount) {
      const grown = new Int32Array(g.slotCount * 2);
      grown.set(this.inVersion);
      this.inVersion = grown;
    }
    const pairs = senders.length >> 1;
    const start = new Int32Array(pairs + 1);
    let n = 0;
    for (let k = 0; k < pairs; k++) {
      start[k] = n;
      const bl = g.boundList(senders[2 * k] as number);
      if (bl.recv.length === 0) continue;
      g.boundTo(bl, R);
      n += g.boundHi - g.boundLo;
    }
    start[pairs] = n;
    const offers = new Int32Array(n);
    const packed = new Float64Array(n * PACK);
    for (let k = 0; k < pairs; k++) {
      const bl = g.boundList(senders[2 * k] as number);
      if (bl.recv.length === 0) continue;
      g.boundTo(bl, R);
      for (let i = g.boundLo, at = start[k] as number; i < g.boundHi; i++, at++) {
        const o = bl.offers[i] as number;
        offers[at] = o;
        this.pack(packed, at * PACK, o);
      }
    }
    this.inStarts[s] = this.inStart = start;
    this.inOfferLists[s] = this.inOffers = offers;
    this.inPackedLists[s] = this.inPacked = packed;
    this.inSrc[s] = senders;
    this.inVersion[s] = g.boundVersion[R] as number;
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
