/**
 * Lists the passes read per slot, cached across queries: the senders of a slot (the slots a
 * transfer into it can come from), the offers bound to a slot's peer grouped by sender, and the
 * terms of a slot's relaxation list packed side by side, each kind in a pool (one buffer each,
 * see list-pool.ts), not an array per slot.
 */
import { PPM } from '../events/offer.ts';
import { FAST_LIMIT } from './amount.ts';
import { ListPool } from './list-pool.ts';
import { NONE, grow32, growF64, grown } from './table.ts';
import type { GraphTable } from './table.ts';

/** Doubles per offer in {@link OfferLists.packed} lists. */
export const PACK = 8;

/** Per-slot caches of senders and packed offer terms, for one graph. */
export class OfferLists {
  private readonly g: GraphTable;
  private readonly senderPool = new ListPool();
  private senderAdj: (Int32Array | undefined)[] = [];
  private senderEpoch = new Int32Array(0);
  /** Per slot, an id of its senders list (a new one each time it is built). */
  private senderId = new Float64Array(0);
  private senderSeq = 0;
  /** Scratch of a senders list being built. */
  private senderBuf = new Int32Array(64);

  constructor(table: GraphTable) {
    this.g = table;
  }

  /** Per slot, the packed terms of its relaxation list, and the id of the list they were built from. */
  private readonly packedPool = new ListPool(PACK);
  private packedId = new Float64Array(0);
  /** Set by {@link packed}: entry i of the slot's relaxation list has its terms at (packedLo + i) * PACK. */
  packedLo = 0;

  /**
   * The terms of the offers in slot s's relaxation list (GraphTable.relaxList, call that first),
   * side by side, PACK doubles per offer: expiration, liquidity, fee, input factor numerator
   * and denominator, min, max, input slot; returns the pool's doubles (see {@link packedLo}).
   * The numerator is 0 for a closed offer or one whose fee is not an exact double (the
   * caller then reads the graph's own arrays). Liquidity, min and max at or above 2^52 are
   * stored rounded: they are then above every exact input, and the caller compares such
   * inputs in bigint. Kept while the graph keeps the same list: it builds a new one after any
   * change to the slot's offers (liquidity included).
   */
  packed(s: number): Float64Array {
    const g = this.g;
    const pool = this.packedPool;
    const id = g.relaxIds[s] as number;
    if (this.packedId[s] === id && pool.at(s) >= 0) {
      this.packedLo = pool.at(s);
      return pool.wideData;
    }
    this.packedId = growF64(this.packedId, grown(g.slotCount));
    const lst = g.relaxLists.data;
    const lo = g.relaxLists.at(s);
    const n = g.relaxLists.len(s);
    const at = pool.alloc(s, g.slotCount, n);
    const out = pool.wideData;
    for (let i = 0; i < n; i++) this.pack(out, (at + i) * PACK, lst[lo + i] as number);
    this.packedId[s] = id;
    this.packedLo = at;
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
      out[b + 3] = Number(g.denBig(o) * PPM);
      out[b + 4] = Number(g.numBig(o) * (PPM - g.cutBig(o)));
    }
    out[b + 5] = g.fMin[o] as number;
    out[b + 6] = g.fMax[o] as number;
    out[b + 7] = g.offerInSlot[o] as number;
  }

  /** Per receiving slot, the start of each sender pair's bound offers in {@link inPool}, then the end. */
  private readonly startPool = new ListPool();
  /** Per receiving slot, the offers bound to its peer, grouped by sender, and their packed terms. */
  private readonly inPool = new ListPool(PACK);
  /** The senders list each receiver's index was built along, and its peer's bound version then. */
  private inSrc = new Float64Array(0);
  private inVersion = new Int32Array(0);

  /** Set by {@link senders}: the list is the pairs at data[sendLo .. sendHi). */
  sendLo = 0;
  sendHi = 0;
  /**
   * Set by {@link boundIn}: sender pair k (its entries at sendLo + 2k in the senders list) has
   * its bound offers at inOffers[inStart[inAt + k] .. inStart[inAt + k + 1]).
   */
  inStart: Int32Array = new Int32Array(0);
  inAt = 0;
  /** Set by {@link boundIn}: the offers bound to the receiver, grouped by sender. */
  inOffers: Int32Array = new Int32Array(0);
  /** Set by {@link boundIn}: their terms, PACK doubles per entry of {@link inOffers} (see {@link packed}). */
  inPacked: Float64Array = new Float64Array(0);

  /**
   * The offers bound to receiver R that deliver into slot s = (R, X), grouped along
   * {@link senders}(s) (call that first): the offers of sender pair k, those of its slot (Q, X)
   * bound to R (open ones, by offer index), are a range of {@link inOffers} (see {@link inStart}),
   * their terms packed side by side in {@link inPacked}. A receiver's transfers thus read
   * contiguous memory instead of searching each sender's list of bound offers for R (a hub
   * receives over thousands of channels). Kept until the senders list changes or an offer bound
   * to R changes (GraphTable.boundVersion).
   */
  boundIn(s: number): void {
    const g = this.g;
    const R = g.slotPeer[s] as number;
    const inPool = this.inPool;
    const startPool = this.startPool;
    if (
      this.inSrc[s] === this.senderId[s] &&
      this.inVersion[s] === g.boundVersion[R] &&
      inPool.at(s) >= 0 &&
      startPool.at(s) >= 0
    ) {
      this.inStart = startPool.data;
      this.inAt = startPool.at(s);
      this.inOffers = inPool.data;
      this.inPacked = inPool.wideData;
      return;
    }
    const S = g.slotCount;
    if (this.inVersion.length < S) {
      this.inVersion = grow32(this.inVersion, grown(S), 0);
      this.inSrc = growF64(this.inSrc, grown(S), -1);
    }
    const senders = this.senderPool.data;
    const lo = this.senderPool.at(s);
    const pairs = this.senderPool.len(s) >> 1;
    let n = 0;
    for (let k = 0; k < pairs; k++) n += g.boundTo(senders[lo + 2 * k] as number, R);
    const startAt = startPool.alloc(s, S, pairs + 1);
    let at = inPool.alloc(s, S, n);
    const start = startPool.data;
    const offers = inPool.data;
    const packed = inPool.wideData;
    for (let k = 0; k < pairs; k++) {
      start[startAt + k] = at;
      if (g.boundTo(senders[lo + 2 * k] as number, R) === 0) continue;
      const bound = g.boundLists.data;
      for (let i = g.boundLo; i < g.boundHi; i++, at++) {
        const o = bound[i] as number;
        offers[at] = o;
        this.pack(packed, at * PACK, o);
      }
    }
    start[startAt + pairs] = at;
    this.inStart = start;
    this.inAt = startAt;
    this.inOffers = offers;
    this.inPacked = packed;
    this.inSrc[s] = this.senderId[s] as number;
    this.inVersion[s] = g.boundVersion[R] as number;
  }

  /**
   * The slots (Q, X) of R's neighbours Q for slot s = (R, X), the only slots a transfer into s
   * can come from, each followed by its peer Q (pairs, so the caller's first test reads no other
   * array): returns the pool's buffer, the list being its entries [sendLo, sendHi). Built on
   * first use and kept until R's adjacency changes or a slot is added anywhere (a new slot may be
   * a new sender); offer changes leave the lists valid, since callers check each sender's
   * offers. The buffer returned stays valid for the caller even when later calls replace it.
   */
  senders(s: number): Int32Array {
    const g = this.g;
    const R = g.slotPeer[s] as number;
    const adj = g.adj[R] as Int32Array;
    const pool = this.senderPool;
    const at = pool.at(s);
    if (at >= 0 && this.senderAdj[s] === adj && this.senderEpoch[s] === g.slotCount) {
      this.sendLo = at;
      this.sendHi = at + pool.len(s);
      return pool.data;
    }
    const S = g.slotCount;
    if (this.senderEpoch.length < S) {
      this.senderEpoch = grow32(this.senderEpoch, grown(S), 0);
      this.senderId = growF64(this.senderId, grown(S));
    }
    const X = g.slotUnit[s] as number;
    let n = 0;
    const buf =
      this.senderBuf.length < adj.length * 2 ? (this.senderBuf = new Int32Array(adj.length * 2)) : this.senderBuf;
    for (let k = 0; k < adj.length; k++) {
      const Q = adj[k] as number;
      const qs = g.slotOf(Q, X);
      if (qs === NONE) continue;
      buf[n++] = qs;
      buf[n++] = Q;
    }
    const lo = pool.alloc(s, S, n);
    const d = pool.data;
    d.set(buf.subarray(0, n), lo);
    this.senderAdj[s] = adj;
    this.senderEpoch[s] = S;
    this.senderId[s] = ++this.senderSeq;
    this.sendLo = lo;
    this.sendHi = lo + n;
    return d;
  }
}
