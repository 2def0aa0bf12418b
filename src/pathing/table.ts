/**
 * The offer graph's storage: typed arrays per slot and per offer, the social lists and the
 * caches the router's hot loops read. Internal to `pathing/`: {@link OfferGraph} owns one and
 * keeps it behind its API (see `graphTable` in graph.ts); it is never exported from
 * `otp2p/pathing`, so its layout can change with the router.
 */
import type { UnitRef } from '../events/offer.ts';
import { FAST_LIMIT } from './amount.ts';
import { ListPool } from './list-pool.ts';

/** "No slot / no offer" in the linked lists and slot lookups. */
export const NONE = -1;
/** {@link GraphTable.offerTo} of an offer bound to several counterparties. */
export const MANY = -2;

/**
 * An empty array whose elements kind is already the generic one. A fresh `[]` starts as small
 * integers and changes kind on its first push of an object, which deoptimizes the code that
 * filled the previous graph's arrays (a new graph's first peers then run unoptimized for a while).
 */
export function objectArray<T>(): T[] {
  const a: T[] = [undefined as T];
  a.pop();
  return a;
}

/**
 * Length of a router's scratch for `n` slots, peers or offers: an eighth more, so a graph
 * growing one at a time reallocates rarely (twice as many, as before, left up to half unused).
 */
export function grown(n: number): number {
  return Math.max(16, n + (n >> 3));
}

export function grow32(a: Int32Array<ArrayBuffer>, n: number, fill = NONE): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.fill(fill, a.length);
  b.set(a);
  return b;
}
export function growF64(a: Float64Array<ArrayBuffer>, n: number, fill = 0): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
export function growU8(a: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** The terms kept in {@link GraphTable.bigTerms} when beyond their compact column, and their count. */
const T_NUM = 0;
const T_DEN = 1;
const T_FEE = 2;
const T_MIN = 3;
const T_MAX = 4;
const T_LIQ = 5;
const TERMS = 6;
const INT32_MAX = 0x7fffffffn;
/** 2^53 - 1: a double holds every integer up to it exactly (and rounds any above it to at least 2^53). */
const SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** The id index's overflow key of (peer, id) (a peer index is digits only, so no two pairs share one). */
function overflowKey(peer: number, id: string): string {
  return `${peer}/${id}`;
}

/** Longest bucket chain of the id index; offers past it go to {@link GraphTable.idOverflow}. */
const ID_CHAIN_MAX = 16;
/** {@link GraphTable.offerNextId} of an offer kept in the overflow map. */
const OVERFLOW = -3;

/**
 * The id index's hash of (peer, id): FNV-1a over the id's UTF-16 code units, seeded with the
 * peer, then murmur3's finalizer so the low bits the buckets use depend on every character.
 */
export function offerKeyHash(peer: number, id: string): number {
  let h = Math.imul(peer ^ 0x811c9dc5, 0x01000193) ^ id.length;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The graph's arrays and counters. Mutated only by {@link OfferGraph} (and the router's residual
 * liquidity, which copies), read directly by the router and arbitrage search.
 */
export class GraphTable {
  peerIndex = new Map<string, number>();
  peerKeys: string[] = objectArray();
  unitIndex = new Map<string, number>();
  unitRefs: UnitRef[] = objectArray();

  // slots
  slotCount = 0;
  slotPeer = new Int32Array(64);
  slotUnit = new Int32Array(64);
  slotNextOfPeer = new Int32Array(64).fill(NONE);
  slotInHead = new Int32Array(64).fill(NONE);
  slotOutHead = new Int32Array(64).fill(NONE);
  peerSlotHead = new Int32Array(64).fill(NONE);

  // offers
  offerCap = 0;
  /**
   * Offer index by (peer, id): a chained hash table over the offer arrays (a head per bucket,
   * and per offer its hash and the next offer of its bucket). A `Map` of ids per peer cost ~50
   * bytes an offer plus ~100 a peer (3.2 MB for a 65,810-offer graph of 6,978 peers); this is
   * 8 bytes an offer plus 4 per bucket (two offers a bucket at most on average), and a chain is
   * walked on integer compares before any string compare. A chain holds at most ID_CHAIN_MAX
   * offers (see {@link idOverflow}).
   */
  idHeads = new Int32Array(32).fill(NONE);
  /** Per offer, its {@link offerKeyHash} (see {@link idHeads}). */ offerHash = new Int32Array(64);
  /** Per offer, the next offer of its bucket (see {@link idHeads}). */ offerNextId = new Int32Array(64).fill(NONE);
  offerTotal = 0;
  offerIds: string[] = objectArray();
  offerPeer = new Int32Array(64).fill(NONE);
  offerInSlot = new Int32Array(64).fill(NONE);
  offerOutSlot = new Int32Array(64).fill(NONE);
  offerNextIn = new Int32Array(64).fill(NONE);
  offerNextOut = new Int32Array(64).fill(NONE);
  /** 1 = open, 0 = paused/closed/removed. */ offerOpen = new Uint8Array(64);
  offerExp = new Float64Array(64);
  /**
   * The offers' exact terms are kept compact: the rate's numerator and denominator in int32 (0
   * when beyond int32, see {@link bigTerms}), the cut (always below 1e6) in int32, and fee, min,
   * max and liquidity only as the doubles {@link fFee} .. {@link fLiq}, which are exact up to
   * 2^53 - 1. A term beyond that is in {@link bigTerms}; read exact terms through
   * {@link numBig} .. {@link liqBig}. Seven bigint columns cost 56 bytes an offer (3.7 MB for a
   * 65,810-offer graph) and almost all duplicated the doubles.
   */
  rNum = new Int32Array(64);
  /** see {@link rNum}. */ rDen = new Int32Array(64);
  /** the cut in parts per million (below 1e6). */ rCut = new Int32Array(64);
  /**
   * The exact terms that do not fit their compact column (see {@link rNum}), by
   * `offer * TERMS + term`; holds only those, so it is empty on most graphs.
   */
  bigTerms = new Map<number, bigint>();
  /** numerator of the reduced input factor den*1e6 / (num*(1e6-cut)). */ fN = new Float64Array(64);
  /** denominator of the reduced input factor. */ fD = new Float64Array(64);
  fFee = new Float64Array(64);
  fMin = new Float64Array(64);
  fMax = new Float64Array(64);
  fLiq = new Float64Array(64);
  /** 1 when fN, fD and fee are exact doubles (the double path of fastCeilMulDiv applies). */ fastOk = new Uint8Array(
    64,
  );
  freeOffers: number[] = [];
  openCount = 0;
  /**
   * The largest output/input ratio num*(1e6-cut)/(den*1e6) of any offer ever added
   * (never lowered on removal: a larger value only weakens the router's pruning bound).
   */
  maxGain = 1;
  /**
   * Per unit pair (key `inUnit * 2^20 + outUnit`), the least input factor
   * den*1e6 / (num*(1e6-cut)) of any open offer ever added for that pair (never raised on
   * removal: a smaller value only weakens the router's bound). The router turns it into a lower
   * bound on what the payer spends per unit of a label, per unit and number of conversions.
   */
  pairK = new Map<number, number>();
  /**
   * Per unit pair (same keys as {@link pairK}), the least fixed fee times input
   * factor, fee * den*1e6 / (num*(1e6-cut)), of any open offer ever added for that pair: the
   * least input an offer of the pair spends on its fixed fee alone (never raised on removal).
   */
  pairFeeK = new Map<number, number>();
  /** bumps when {@link pairK} or {@link pairFeeK} changes. */ pairVersion = 0;

  // social graph
  followOut: number[][] = objectArray();
  followIn: number[][] = objectArray();
  /** undirected union of followOut and followIn, deduplicated. */ adj: Int32Array[] = objectArray();
  followEdges = 0;
  /** payee catalogs: units each peer accepts as a payee. */ accepts = new Map<number, number[]>();
  /** bumps on every change, so a cached per-payer radius can be reused safely. */ version = 0;
  /** bumps when a follow list changes (the social graph, and the adjacency built from it). */ followVersion = 0;
  /**
   * bumps when an offer is added, changed or removed (not on a liquidity change): what reads
   * only the offers' terms, status and counterparties can be kept across liquidity updates,
   * which payments make all the time (see SlotBounds).
   */
  offerVersion = 0;
  /**
   * The peers whose follows out, follows in or adjacency changed, in order (a peer
   * once per change), so a reader can patch what it derived from them; cleared when it grows
   * past FOLLOW_LOG_MAX, which bumps {@link followLogEpoch} (readers then start over).
   */
  followLog: number[] = [];
  /** see {@link followLog}. */ followLogEpoch = 0;

  /** The slot of (peer, unit), or -1. A peer has few units: a linear walk beats a hash lookup. */
  slotOf(peer: number, unit: number): number {
    for (let s = this.peerSlotHead[peer] ?? NONE; s !== NONE; s = this.slotNextOfPeer[s] as number) {
      if (this.slotUnit[s] === unit) return s;
    }
    return NONE;
  }

  /** The slot of (peer, unit), created when missing. */
  ensureSlot(peer: number, unit: number): number {
    const found = this.slotOf(peer, unit);
    if (found !== NONE) return found;
    const s = this.slotCount++;
    const n = s + 1;
    this.slotPeer = grow32(this.slotPeer, n);
    this.slotUnit = grow32(this.slotUnit, n);
    this.slotNextOfPeer = grow32(this.slotNextOfPeer, n);
    this.slotInHead = grow32(this.slotInHead, n);
    this.slotOutHead = grow32(this.slotOutHead, n);
    this.slotPeer[s] = peer;
    this.slotUnit[s] = unit;
    this.slotInHead[s] = NONE;
    this.slotOutHead[s] = NONE;
    this.slotNextOfPeer[s] = this.peerSlotHead[peer] as number;
    this.peerSlotHead[peer] = s;
    return s;
  }

  /** Arrays grow to max(n, 2 x length): a batch larger than the current size is sized exactly. */
  growOffers(n: number): void {
    if (n <= this.offerPeer.length) return;
    this.offerPeer = grow32(this.offerPeer, n);
    this.offerHash = grow32(this.offerHash, n, 0);
    this.offerNextId = grow32(this.offerNextId, n);
    this.offerInSlot = grow32(this.offerInSlot, n);
    this.offerOutSlot = grow32(this.offerOutSlot, n);
    this.offerTo = grow32(this.offerTo, n);
    this.offerNextIn = grow32(this.offerNextIn, n);
    this.offerNextOut = grow32(this.offerNextOut, n);
    this.offerOpen = growU8(this.offerOpen, n);
    this.fastOk = growU8(this.fastOk, n);
    this.offerExp = growF64(this.offerExp, n);
    this.fN = growF64(this.fN, n);
    this.fD = growF64(this.fD, n);
    this.fFee = growF64(this.fFee, n);
    this.fMin = growF64(this.fMin, n);
    this.fMax = growF64(this.fMax, n);
    this.fLiq = growF64(this.fLiq, n);
    this.rNum = grow32(this.rNum, n, 0);
    this.rDen = grow32(this.rDen, n, 0);
    this.rCut = grow32(this.rCut, n, 0);
  }

  /** Set offer o's exact terms (rate, cut, fee, limits, liquidity: see {@link rNum}). */
  setTerms(
    o: number,
    num: bigint,
    den: bigint,
    cut: bigint,
    fee: bigint,
    min: bigint,
    max: bigint,
    liquidity: bigint,
  ): void {
    this.rNum[o] = num <= INT32_MAX ? Number(num) : 0;
    this.termBig(o, T_NUM, num, INT32_MAX);
    this.rDen[o] = den <= INT32_MAX ? Number(den) : 0;
    this.termBig(o, T_DEN, den, INT32_MAX);
    this.rCut[o] = Number(cut);
    this.fFee[o] = Number(fee);
    this.termBig(o, T_FEE, fee, SAFE_BIG);
    this.fMin[o] = Number(min);
    this.termBig(o, T_MIN, min, SAFE_BIG);
    this.fMax[o] = Number(max);
    this.termBig(o, T_MAX, max, SAFE_BIG);
    this.setLiq(o, liquidity);
  }

  /** Set offer o's liquidity (its double, and its exact value when beyond 2^53 - 1). */
  setLiq(o: number, liquidity: bigint): void {
    this.fLiq[o] = Number(liquidity);
    this.termBig(o, T_LIQ, liquidity, SAFE_BIG);
  }

  /** Forget offer o's entries in {@link bigTerms} (it was removed). */
  dropTerms(o: number): void {
    if (this.bigTerms.size === 0) return;
    for (let t = 0; t < TERMS; t++) this.bigTerms.delete(o * TERMS + t);
  }

  /** Keep term t of offer o in {@link bigTerms} when above `compact`, else drop any stale entry. */
  private termBig(o: number, t: number, v: bigint, compact: bigint): void {
    if (v > compact) this.bigTerms.set(o * TERMS + t, v);
    else if (this.bigTerms.size !== 0) this.bigTerms.delete(o * TERMS + t);
  }

  /** Term t of offer o from {@link bigTerms} (it is there: its compact column said so). */
  private bigTerm(o: number, t: number): bigint {
    return this.bigTerms.get(o * TERMS + t) as bigint;
  }

  /** Offer o's exact rate numerator. */
  numBig(o: number): bigint {
    const v = this.rNum[o] as number;
    return v !== 0 ? BigInt(v) : this.bigTerm(o, T_NUM);
  }
  /** Offer o's exact rate denominator. */
  denBig(o: number): bigint {
    const v = this.rDen[o] as number;
    return v !== 0 ? BigInt(v) : this.bigTerm(o, T_DEN);
  }
  /** Offer o's cut in parts per million. */
  cutBig(o: number): bigint {
    return BigInt(this.rCut[o] as number);
  }
  /** Offer o's exact fixed fee. */
  feeBig(o: number): bigint {
    const v = this.fFee[o] as number;
    return v <= Number.MAX_SAFE_INTEGER ? BigInt(v) : this.bigTerm(o, T_FEE);
  }
  /** Offer o's exact minimum input. */
  minBig(o: number): bigint {
    const v = this.fMin[o] as number;
    return v <= Number.MAX_SAFE_INTEGER ? BigInt(v) : this.bigTerm(o, T_MIN);
  }
  /** Offer o's exact maximum input. */
  maxBig(o: number): bigint {
    const v = this.fMax[o] as number;
    return v <= Number.MAX_SAFE_INTEGER ? BigInt(v) : this.bigTerm(o, T_MAX);
  }
  /** Offer o's exact liquidity in the graph (a query's residual liquidity may differ: see context.ts). */
  liqBig(o: number): bigint {
    const v = this.fLiq[o] as number;
    return v <= Number.MAX_SAFE_INTEGER ? BigInt(v) : this.bigTerm(o, T_LIQ);
  }

  /** The offer of `peer` with id `id` (its hash `h`, see {@link offerKeyHash}), or NONE. */
  findOffer(peer: number, id: string, h: number = offerKeyHash(peer, id)): number {
    const ids = this.offerIds;
    for (let o = this.idHeads[h & (this.idHeads.length - 1)] as number; o !== NONE; o = this.offerNextId[o] as number) {
      if (this.offerHash[o] === h && this.offerPeer[o] === peer && ids[o] === id) return o;
    }
    return this.idOverflow.size === 0 ? NONE : (this.idOverflow.get(overflowKey(peer, id)) ?? NONE);
  }

  /**
   * Enter offer `o` (its peer and id already stored, and counted in {@link offerTotal}) in the
   * id index under hash `h`.
   */
  indexOffer(o: number, h: number): void {
    this.offerHash[o] = h;
    // a resize rehashes every stored offer, o included
    if (this.offerTotal > 2 * this.idHeads.length) return this.sizeIdIndex(this.offerTotal);
    this.chainOffer(o, this.idHeads);
  }

  /** Put o at the head of its bucket in `heads`, or in the overflow map when that chain is full. */
  private chainOffer(o: number, heads: Int32Array): void {
    const b = (this.offerHash[o] as number) & (heads.length - 1);
    let n = 0;
    for (let p = heads[b] as number; p !== NONE && n < ID_CHAIN_MAX; p = this.offerNextId[p] as number) n++;
    if (n === ID_CHAIN_MAX) {
      this.idOverflow.set(overflowKey(this.offerPeer[o] as number, this.offerIds[o] as string), o);
      this.offerNextId[o] = OVERFLOW;
      return;
    }
    this.offerNextId[o] = heads[b] as number;
    heads[b] = o;
  }

  /** Take offer `o` out of the id index (before its peer is cleared). */
  unindexOffer(o: number): void {
    if (this.offerNextId[o] === OVERFLOW) {
      this.idOverflow.delete(overflowKey(this.offerPeer[o] as number, this.offerIds[o] as string));
    } else {
      const b = (this.offerHash[o] as number) & (this.idHeads.length - 1);
      let p = this.idHeads[b] as number;
      if (p === o) this.idHeads[b] = this.offerNextId[o] as number;
      else {
        while (p !== NONE && this.offerNextId[p] !== o) p = this.offerNextId[p] as number;
        if (p !== NONE) this.offerNextId[p] = this.offerNextId[o] as number;
      }
    }
    this.offerNextId[o] = NONE;
  }

  /** Size the id index for `n` offers (a power of two, at least n / 2 buckets), rehashing. */
  sizeIdIndex(n: number): void {
    let size = this.idHeads.length;
    while (2 * size < n) size *= 2;
    if (size === this.idHeads.length) return;
    const heads = new Int32Array(size).fill(NONE);
    this.idOverflow.clear();
    for (let o = 0; o < this.offerCap; o++) if (this.offerPeer[o] !== NONE) this.chainOffer(o, heads);
    this.idHeads = heads;
  }

  /**
   * Offers whose bucket already held ID_CHAIN_MAX when they were indexed, by peer and id: ids
   * made to collide under {@link offerKeyHash} (a fixed function, so an author can search for
   * them) cost that author a Map lookup each instead of making every lookup in the bucket walk
   * a chain as long as the author likes. Empty in any graph not built to collide.
   */
  idOverflow = new Map<string, number>();

  unlink(o: number): void {
    const sIn = this.offerInSlot[o] as number;
    const sOut = this.offerOutSlot[o] as number;
    if (sIn !== NONE) {
      if (this.slotInHead[sIn] === o) this.slotInHead[sIn] = this.offerNextIn[o] as number;
      else {
        let p = this.slotInHead[sIn] as number;
        while (p !== NONE && this.offerNextIn[p] !== o) p = this.offerNextIn[p] as number;
        if (p !== NONE) this.offerNextIn[p] = this.offerNextIn[o] as number;
      }
    }
    if (sOut !== NONE) {
      if (this.slotOutHead[sOut] === o) this.slotOutHead[sOut] = this.offerNextOut[o] as number;
      else {
        let p = this.slotOutHead[sOut] as number;
        while (p !== NONE && this.offerNextOut[p] !== o) p = this.offerNextOut[p] as number;
        if (p !== NONE) this.offerNextOut[p] = this.offerNextOut[o] as number;
      }
    }
    this.offerInSlot[o] = NONE;
    this.offerOutSlot[o] = NONE;
  }

  /**
   * Per offer, whom it delivers to: NONE (anyone), a peer index (its one counterparty, the
   * common case: a channel), or MANY (several, listed in {@link offerToMany}). One int per offer
   * instead of a small array each keeps a graph of bound offers as compact as an unbound one.
   */
  offerTo = new Int32Array(64).fill(NONE);
  /** The counterparties of offers whose {@link offerTo} is MANY (sorted peer indexes). */
  offerToMany = new Map<number, Int32Array>();
  /**
   * Per output slot, its open bound offers by receiver (lazy, see {@link boundTo}): one list of
   * a pool, not an array each (a channel graph has one per slot).
   */
  readonly boundLists = new ListPool();
  /**
   * Per peer, bumped whenever an open or closed offer bound to it changes (added, removed,
   * repriced, its liquidity or counterparties changed), so a reader that indexed the offers
   * delivering to a peer knows when to index them again (see OfferLists.boundIn).
   */
  boundVersion = new Int32Array(64);

  /** Record that bound offer `o` changed, for each of its counterparties (see {@link boundVersion}). */
  boundChanged(o: number): void {
    const t = this.offerTo[o] as number;
    if (t === NONE) return;
    if (t >= 0) {
      this.boundVersion[t] = (this.boundVersion[t] as number) + 1;
      return;
    }
    for (const r of this.offerToMany.get(o) as Int32Array) this.boundVersion[r] = (this.boundVersion[r] as number) + 1;
  }

  /** The range {@link boundTo} found: the offers are boundLists.data[boundLo .. boundHi). */
  boundLo = 0;
  boundHi = 0;

  /** Whether offer `o` may deliver to peer `r` (always, unless the offer is bound to others). */
  allows(o: number, r: number): boolean {
    const t = this.offerTo[o] as number;
    if (t === NONE) return true;
    if (t >= 0) return t === r;
    return (this.offerToMany.get(o) as Int32Array).includes(r);
  }

  /** The counterparties of a bound offer (empty for an unbound one). */
  counterpartiesOf(o: number): ArrayLike<number> {
    const t = this.offerTo[o] as number;
    return t === NONE ? [] : t >= 0 ? [t] : (this.offerToMany.get(o) as Int32Array);
  }

  /**
   * The open offers delivering into slot `s` that are bound to counterparties, one entry per
   * (offer, counterparty) sorted by counterparty: the slot's list in {@link boundLists} holds
   * the n counterparties, ascending, then the n offers, so the offers bound to one receiver are
   * a range. Rebuilt lazily after a change to the slot's offers.
   */
  private boundList(s: number): void {
    const pool = this.boundLists;
    if (pool.at(s) >= 0) return;
    const pairs: [number, number][] = [];
    for (let o = this.slotOutHead[s] as number; o !== NONE; o = this.offerNextOut[o] as number) {
      if (this.offerOpen[o] !== 1 || this.offerTo[o] === NONE) continue;
      const to = this.counterpartiesOf(o);
      for (let i = 0; i < to.length; i++) pairs.push([to[i] as number, o]);
    }
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const n = pairs.length;
    const at = pool.alloc(s, this.slotCount, 2 * n);
    const d = pool.data;
    for (let i = 0; i < n; i++) {
      const p = pairs[i] as [number, number];
      d[at + i] = p[0];
      d[at + n + i] = p[1];
    }
  }

  /**
   * The open offers delivering into slot `s` that are bound to peer `r` (built on first use,
   * see {@link boundList}): boundLists.data[boundLo .. boundHi); returns how many. Read the
   * pool's `data` after this call (building a list may replace it).
   */
  boundTo(s: number, r: number): number {
    this.boundList(s);
    const pool = this.boundLists;
    const recv = pool.data;
    const at = pool.at(s);
    const n = pool.len(s) >> 1;
    let lo = at;
    let hi = at + n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((recv[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < at + n && recv[end] === r) end++;
    this.boundLo = lo + n;
    this.boundHi = end + n;
    return end - lo;
  }

  /** Per output slot, its open offers minus those another one dominates (lazy, see {@link relaxList}). */
  readonly relaxLists = new ListPool();
  /**
   * Per slot, an id of its relaxation list, new each time the list is built: what a reader
   * that derived something from the list (OfferLists.packed) compares.
   */
  relaxIds = new Float64Array(0);
  private relaxSeq = 0;

  /** Per output slot, its open offers that deliver to anyone, in the slot's own order (lazy, see {@link unboundList}). */
  readonly unboundLists = new ListPool();

  /** Where the list {@link relaxList} or {@link unboundList} returned starts in its pool's `data`. */
  freeLo = 0;

  /** Drop slot s's lazy lists: its offers changed (liquidity included). */
  relaxDirty(s: number): void {
    if (s < 0) return;
    this.relaxLists.drop(s);
    this.unboundLists.drop(s);
    this.boundLists.drop(s);
  }

  /**
   * The open offers delivering into slot `s` that are bound to nobody, in the order of the
   * slot's own list: what a pass over residual liquidity (which {@link relaxList} does not
   * know) relaxes, without walking past the slot's bound offers (a channel's end holds
   * thousands). Rebuilt lazily after a change to the slot's offers. Returns how many: the list
   * is unboundLists.data[freeLo .. freeLo + n) (read `data` after this call).
   */
  unboundList(s: number): number {
    const pool = this.unboundLists;
    const at = pool.at(s);
    if (at >= 0) {
      this.freeLo = at;
      return pool.len(s);
    }
    let n = 0;
    for (let o = this.slotOutHead[s] as number; o !== NONE; o = this.offerNextOut[o] as number)
      if (this.offerOpen[o] === 1 && this.offerTo[o] === NONE) n++;
    const lo = pool.alloc(s, this.slotCount, n);
    const list = pool.data;
    let i = lo;
    for (let o = this.slotOutHead[s] as number; o !== NONE; o = this.offerNextOut[o] as number)
      if (this.offerOpen[o] === 1 && this.offerTo[o] === NONE) list[i++] = o;
    this.freeLo = lo;
    return n;
  }

  /**
   * The open offers delivering into slot `s`, without those dominated by another
   * offer with the same input slot: o' dominates o when it needs no more input for any output
   * (input factor and fee no larger) and is usable whenever o is (liquidity and max no smaller,
   * min no larger, expiring no earlier). Dropping o then never changes the least input the
   * relaxation computes for any amount (minimum lifting included). Values beyond exact doubles
   * never count as dominated. Rebuilt lazily after a change to the slot's offers (with a new
   * {@link relaxIds} entry). Returns how many: the list is relaxLists.data[freeLo .. freeLo +
   * n) (read `data` after this call).
   */
  relaxList(s: number): number {
    const pool = this.relaxLists;
    const at = pool.at(s);
    if (at >= 0) {
      this.freeLo = at;
      return pool.len(s);
    }
    const keep: number[] = [];
    const cand: number[] = [];
    for (let o = this.slotOutHead[s] as number; o !== NONE; o = this.offerNextOut[o] as number) {
      // bound offers are in boundList: they deliver to some peers only, so none dominates another
      if (this.offerOpen[o] !== 1 || this.offerTo[o] !== NONE) continue;
      const exact =
        this.fastOk[o] === 1 &&
        (this.fFee[o] as number) < FAST_LIMIT &&
        (this.fMin[o] as number) < FAST_LIMIT &&
        (this.fMax[o] as number) < FAST_LIMIT &&
        (this.fLiq[o] as number) < FAST_LIMIT;
      (exact ? cand : keep).push(o);
    }
    const fN = this.fN;
    const fD = this.fD;
    cand.sort(
      (a, b) =>
        (this.offerInSlot[a] as number) - (this.offerInSlot[b] as number) ||
        (fN[a] as number) / (fD[a] as number) - (fN[b] as number) / (fD[b] as number) ||
        (this.fFee[a] as number) - (this.fFee[b] as number),
    );
    let groupStart = keep.length;
    let groupSlot = NONE;
    for (const o of cand) {
      const sIn = this.offerInSlot[o] as number;
      if (sIn !== groupSlot) {
        groupSlot = sIn;
        groupStart = keep.length;
      }
      let dominated = false;
      for (let i = groupStart; i < keep.length; i++) {
        const p = keep[i] as number;
        // k(p) <= k(o) exactly: cross products, in bigint when they are beyond exact doubles
        const l = (fN[p] as number) * (fD[o] as number);
        const r = (fN[o] as number) * (fD[p] as number);
        if (
          l >= FAST_LIMIT || r >= FAST_LIMIT
            ? BigInt(fN[p] as number) * BigInt(fD[o] as number) > BigInt(fN[o] as number) * BigInt(fD[p] as number)
            : l > r
        )
          continue;
        if ((this.fFee[p] as number) > (this.fFee[o] as number) || (this.fLiq[p] as number) < (this.fLiq[o] as number))
          continue;
        if ((this.fMax[p] as number) < (this.fMax[o] as number) || (this.fMin[p] as number) > (this.fMin[o] as number))
          continue;
        if ((this.offerExp[p] as number) < (this.offerExp[o] as number)) continue;
        dominated = true;
        break;
      }
      if (!dominated) keep.push(o);
    }
    const lo = pool.alloc(s, this.slotCount, keep.length);
    pool.data.set(keep, lo);
    if (this.relaxIds.length < this.slotCount) {
      const ids = new Float64Array(grown(this.slotCount));
      ids.set(this.relaxIds);
      this.relaxIds = ids;
    }
    this.relaxIds[s] = ++this.relaxSeq;
    this.freeLo = lo;
    return keep.length;
  }

  /** Peers whose undirected adjacency must be rebuilt, each once (see adjDirtyMark). */
  adjDirty: number[] = [];
  /** 1 for peers in {@link adjDirty} (a flag array: cheaper than a Set on bulk loads). */
  adjDirtyMark = new Uint8Array(64);

  /** Whether `peer` accepts `unit` as a payee. */
  acceptsUnit(peer: number, unit: number): boolean {
    return this.accepts.get(peer)?.includes(unit) ?? false;
  }
}
