/**
 * The offer graph: nodes are (peer, unit@notary) slots; each open offer is a conversion edge
 * inside its peer from its input slot to its output slot; transfers between peers follow the
 * NIP-02 follow relation (either direction) and are resolved at query time (they depend on the
 * payer's social radius).
 *
 * Storage is typed arrays that grow by doubling; offers are added, updated and removed in place
 * (no rebuild). Pure: no I/O, no clock reads (expiry is judged against the `now` a query passes).
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { PPM } from '../events/offer.ts';
import type { Offer, OfferStatus, UnitRef } from '../events/offer.ts';
import { FAST_LIMIT, MAX_AMOUNT_BIG, gcdBig } from './amount.ts';

/**
 * An offer as the graph takes it: who offers it plus the offer's terms (kind 31562's fields;
 * offline what-if files may leave out the expiration, meaning never, and the status, meaning open).
 */
export type GraphOffer = Omit<Offer, 'expiration' | 'status'> & {
  pubkey: string;
  expiration?: number;
  status?: OfferStatus;
};

/** Sizes of the graph, for stats and benchmarks. */
export interface GraphStats {
  peers: number;
  units: number;
  slots: number;
  offers: number;
  openOffers: number;
  followEdges: number;
}

const NONE = -1;
const FAST_BIG = BigInt(FAST_LIMIT);
/** 2^53 - 1: the largest integer every double up to it represents exactly. */
const EXACT_BIG = (1n << 53n) - 1n;
const EXACT_NUM = 2 ** 53 - 1;

const INT31 = 0x7fffffff;

/**
 * gcd of non-negative integers below 2^53 (exact doubles). Double `%` is a slow library call, so
 * once both values fit in 31 bits the loop continues in int32 arithmetic (same result).
 */
function gcdNum(a: number, b: number): number {
  while (b > INT31) {
    const t = a % b;
    a = b;
    b = t;
  }
  if (b === 0) return a;
  // one more step when a is still wide: (a, b) -> (b, a mod b), both then below 2^31
  let x = (a > INT31 ? b : a) | 0;
  let y = (a > INT31 ? a % b : b) | 0;
  while (y !== 0) {
    const t = x % y | 0;
    x = y;
    y = t;
  }
  return x;
}

/**
 * An empty array whose elements kind is already the generic one. A fresh `[]` starts as small
 * integers and changes kind on its first push of an object, which deoptimizes the code that
 * filled the previous graph's arrays (a new graph's first peers then run unoptimized for a while).
 */
function objectArray<T>(): T[] {
  const a: T[] = [undefined as T];
  a.pop();
  return a;
}

/** Every peer's adjacency before its first flush (never written: a length-0 array). */
const EMPTY_ADJ = new Int32Array(0);
/** Entries {@link OfferGraph.followLog} keeps before it starts over. */
const FOLLOW_LOG_MAX = 1 << 16;

/** The last 7 hex digits of a 64-character key as an integer (only a hash: any value works). */
function hexTail(s: string): number {
  let x = 0;
  for (let i = 57; i < 64; i++) {
    const c = s.charCodeAt(i);
    x = (x << 4) | ((c & 15) + 9 * (c >> 6));
  }
  return x & 0xfffffff;
}

/**
 * gcd(d, x) for a divisor d of 1e6 = 2^6 * 5^6 and an integer 0 <= x < 2^53: the common power
 * of two (trailing zeros) times the common power of five (at most six divisions by the constant
 * 5, which compile to multiplications), instead of a loop of general remainders.
 */
function gcdPpmDivisor(d: number, x: number): number {
  // gcd(d, x) = gcd(d, x mod d), and x mod d < 1e6 fits int32
  let y = (x > INT31 ? x % d : x) | 0;
  if (y === 0) return d;
  const dd = d | 0;
  const twos = Math.min(31 - Math.clz32(y & -y), 31 - Math.clz32(dd & -dd));
  let g = 1 << twos;
  let fives = dd >> (31 - Math.clz32(dd & -dd));
  while (fives % 5 === 0 && y % 5 === 0) {
    fives = (fives / 5) | 0;
    y = (y / 5) | 0;
    g *= 5;
  }
  return g;
}

function grow32(a: Int32Array<ArrayBuffer>, n: number, fill = NONE): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.fill(fill, a.length);
  b.set(a);
  return b;
}
function growF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growBig(a: BigInt64Array<ArrayBuffer>, n: number): BigInt64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new BigInt64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growU8(a: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/**
 * The mutable offer graph. Fields marked internal are read directly by the router's hot loop.
 */
export class OfferGraph {
  /** @internal */ peerIndex = new Map<string, number>();
  /** @internal */ peerKeys: string[] = objectArray();
  /** @internal */ unitIndex = new Map<string, number>();
  /** @internal */ unitRefs: UnitRef[] = objectArray();

  // slots
  /** @internal */ slotCount = 0;
  /** @internal */ slotPeer = new Int32Array(64);
  /** @internal */ slotUnit = new Int32Array(64);
  /** @internal */ slotNextOfPeer = new Int32Array(64).fill(NONE);
  /** @internal */ slotInHead = new Int32Array(64).fill(NONE);
  /** @internal */ slotOutHead = new Int32Array(64).fill(NONE);
  /** @internal */ peerSlotHead = new Int32Array(64).fill(NONE);

  // offers
  /** @internal */ offerCap = 0;
  /** @internal Offer index by id, one map per peer (no composite key string to build and hash). */
  offerIndex: (Map<string, number> | undefined)[] = objectArray();
  /** @internal */ offerTotal = 0;
  /** @internal */ offerIds: string[] = objectArray();
  /** @internal */ offerPeer = new Int32Array(64).fill(NONE);
  /** @internal */ offerInSlot = new Int32Array(64).fill(NONE);
  /** @internal */ offerOutSlot = new Int32Array(64).fill(NONE);
  /** @internal */ offerNextIn = new Int32Array(64).fill(NONE);
  /** @internal */ offerNextOut = new Int32Array(64).fill(NONE);
  /** @internal 1 = open, 0 = paused/closed/removed. */ offerOpen = new Uint8Array(64);
  /** @internal */ offerExp = new Float64Array(64);
  /** @internal */ bNum = new BigInt64Array(64);
  /** @internal */ bDen = new BigInt64Array(64);
  /** @internal */ bCut = new BigInt64Array(64);
  /** @internal */ bFee = new BigInt64Array(64);
  /** @internal */ bMin = new BigInt64Array(64);
  /** @internal */ bMax = new BigInt64Array(64);
  /** @internal */ bLiq = new BigInt64Array(64);
  /** @internal numerator of the reduced input factor den*1e6 / (num*(1e6-cut)). */ fN = new Float64Array(64);
  /** @internal denominator of the reduced input factor. */ fD = new Float64Array(64);
  /** @internal */ fFee = new Float64Array(64);
  /** @internal */ fMin = new Float64Array(64);
  /** @internal */ fMax = new Float64Array(64);
  /** @internal */ fLiq = new Float64Array(64);
  /** @internal 1 when fN, fD and fee are exact doubles (the double path of fastCeilMulDiv applies). */ fastOk = new Uint8Array(64);
  /** @internal */ freeOffers: number[] = [];
  /** @internal */ openCount = 0;
  /**
   * @internal The largest output/input ratio num*(1e6-cut)/(den*1e6) of any offer ever added
   * (never lowered on removal: a larger value only weakens the router's pruning bound).
   */
  maxGain = 1;
  /**
   * @internal Per unit pair (key `inUnit * 2^20 + outUnit`), the least input factor
   * den*1e6 / (num*(1e6-cut)) of any open offer ever added for that pair (never raised on
   * removal: a smaller value only weakens the router's bound). The router turns it into a lower
   * bound on what the payer spends per unit of a label, per unit and number of conversions.
   */
  pairK = new Map<number, number>();
  /**
   * @internal Per unit pair (same keys as {@link pairK}), the least fixed fee times input
   * factor, fee * den*1e6 / (num*(1e6-cut)), of any open offer ever added for that pair: the
   * least input an offer of the pair spends on its fixed fee alone (never raised on removal).
   */
  pairFeeK = new Map<number, number>();
  /** @internal bumps when {@link pairK} or {@link pairFeeK} changes. */ pairVersion = 0;

  // social graph
  /** @internal */ followOut: number[][] = objectArray();
  /** @internal */ followIn: number[][] = objectArray();
  /** @internal undirected union of followOut and followIn, deduplicated. */ adj: Int32Array[] = objectArray();
  /** @internal */ followEdges = 0;
  /** @internal payee catalogs: units each peer accepts as a payee. */ accepts = new Map<number, number[]>();
  /** @internal bumps on every change, so a cached per-payer radius can be reused safely. */ version = 0;
  /** @internal bumps when a follow list changes (the social graph, and the adjacency built from it). */ followVersion = 0;
  /**
   * @internal The peers whose follows out, follows in or adjacency changed, in order (a peer
   * once per change), so a reader can patch what it derived from them; cleared when it grows
   * past FOLLOW_LOG_MAX, which bumps {@link followLogEpoch} (readers then start over).
   */
  followLog: number[] = [];
  /** @internal see {@link followLog}. */ followLogEpoch = 0;

  /** Index of a peer (created on first sight). @throws OtP2pError `bad-key` for a non-hex pubkey. */
  peer(pubkey: string): number {
    // Fast path: the last 7 hex digits as a small integer key, confirmed by comparing the whole
    // key. Hashing a fresh 64-character string for the Map costs several times more, and follow
    // lists arrive as fresh strings. Any miss or shared tail falls back to the Map.
    const tail = typeof pubkey === 'string' && pubkey.length === 64 ? hexTail(pubkey) : -1;
    if (tail >= 0) {
      const q = this.peerByTail.get(tail);
      if (q !== undefined && q >= 0 && this.peerKeys[q] === pubkey) return q;
    }
    let p = this.peerIndex.get(pubkey);
    if (p !== undefined) return p;
    if (typeof pubkey !== 'string' || !/^[0-9a-f]{64}$/.test(pubkey)) {
      throw new OtP2pError('bad-key', `pubkey must be 64 lowercase hex characters, got ${describeValue(pubkey)}`, { context: { field: 'pubkey' } });
    }
    p = this.peerKeys.length;
    this.peerIndex.set(pubkey, p);
    // keep offerIndex dense (a peer seen first in a follow list would leave a hole otherwise)
    if (this.offerIndex.length === p) this.offerIndex.push(undefined);
    // a tail two peers share is marked -1: both then always take the Map
    this.peerByTail.set(tail, this.peerByTail.has(tail) ? -1 : p);
    this.peerKeys.push(pubkey);
    this.followOut.push([]);
    this.followIn.push([]);
    this.adj.push(EMPTY_ADJ);
    this.peerSlotHead = grow32(this.peerSlotHead, p + 1);
    this.peerSlotHead[p] = NONE;
    return p;
  }

  /** Peer by the last 7 hex digits of its key, or -1 when several peers share them. */
  private peerByTail = new Map<number, number>();

  private lastUnitRef: UnitRef | null = null;
  private lastUnit = 0;

  /** Index of a unit `unit@notary` (created on first sight). */
  unit(ref: UnitRef): number {
    // bulk loads repeat the same ref objects: skip building the key string for them
    if (ref === this.lastUnitRef && this.unitRefs[this.lastUnit]?.unit === ref.unit && this.unitRefs[this.lastUnit]?.notary === ref.notary) return this.lastUnit;
    const u = this.unitSlow(ref);
    this.lastUnitRef = ref;
    this.lastUnit = u;
    return u;
  }

  /** Units by notary then unit name: two lookups of strings whose hashes are cached, no key built. */
  private unitByNotary = new Map<string, Map<string, number>>();

  private unitSlow(ref: UnitRef): number {
    let byName = this.unitByNotary.get(ref.notary);
    if (byName === undefined) this.unitByNotary.set(ref.notary, (byName = new Map()));
    let u = byName.get(ref.unit);
    if (u === undefined) {
      const key = `${ref.unit}@${ref.notary}`;
      // a unit name containing '@' can spell the same key as another (unit, notary) pair
      u = this.unitIndex.get(key);
      if (u === undefined) {
        u = this.unitRefs.length;
        this.unitIndex.set(key, u);
        this.unitRefs.push({ unit: ref.unit, notary: ref.notary });
      }
      byName.set(ref.unit, u);
    }
    return u;
  }

  /** The slot of (peer, unit), or -1. A peer has few units: a linear walk beats a hash lookup. */
  slotOf(peer: number, unit: number): number {
    for (let s = this.peerSlotHead[peer] ?? NONE; s !== NONE; s = this.slotNextOfPeer[s] as number) {
      if (this.slotUnit[s] === unit) return s;
    }
    return NONE;
  }

  /** @internal The slot of (peer, unit), created when missing. */
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

  /**
   * Add many offers at once (each as {@link upsertOffer}): the typed arrays are sized once for
   * the batch instead of doubling, which keeps a large initial load fast and its memory tight.
   * @throws OtP2pError as {@link upsertOffer} (offers before the bad one stay added).
   */
  addOffers(offers: readonly GraphOffer[]): void {
    this.growOffers(this.offerCap + offers.length);
    for (const o of offers) this.upsertOffer(o);
  }

  /** Arrays grow to max(n, 2 x length): a batch larger than the current size is sized exactly. */
  private growOffers(n: number): void {
    if (n <= this.offerPeer.length) return;
    this.offerPeer = grow32(this.offerPeer, n);
    this.offerInSlot = grow32(this.offerInSlot, n);
    this.offerOutSlot = grow32(this.offerOutSlot, n);
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
    this.bNum = growBig(this.bNum, n);
    this.bDen = growBig(this.bDen, n);
    this.bCut = growBig(this.bCut, n);
    this.bFee = growBig(this.bFee, n);
    this.bMin = growBig(this.bMin, n);
    this.bMax = growBig(this.bMax, n);
    this.bLiq = growBig(this.bLiq, n);
  }

  private unlink(o: number): void {
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
   * Add or replace (same pubkey and id) an offer, in place. Paused and closed offers are kept
   * but never routed through.
   * @throws OtP2pError `bad-key` (pubkey), `bad-rate` (num or den < 1), `bad-offer` (cut outside
   *   [0, 1e6), min > max), `bad-amount` (negative or > 2^63-1 amounts).
   */
  upsertOffer(offer: GraphOffer): number {
    checkTerms(offer);
    const peer = this.peer(offer.pubkey);
    let byId = this.offerIndex[peer];
    if (byId === undefined) this.offerIndex[peer] = byId = new Map();
    let o = byId.get(offer.id);
    const sIn = this.ensureSlot(peer, this.unit(offer.in));
    const sOut = this.ensureSlot(peer, this.unit(offer.out));
    if (o === undefined) {
      o = this.freeOffers.pop() ?? this.offerCap++;
      this.growOffers(o + 1);
      byId.set(offer.id, o);
      this.offerTotal++;
      // append when the index is new (a bulk load): keeps the array packed
      if (o === this.offerIds.length) this.offerIds.push(offer.id);
      else this.offerIds[o] = offer.id;
    } else {
      if (this.offerOpen[o] === 1) this.openCount--;
      const oldOut = this.offerOutSlot[o] as number;
      if (oldOut !== NONE) this.relaxDirty(oldOut);
      if (this.offerInSlot[o] !== sIn || this.offerOutSlot[o] !== sOut) this.unlink(o);
    }
    this.relaxDirty(sOut);
    if (this.offerInSlot[o] !== sIn) {
      this.offerInSlot[o] = sIn;
      this.offerNextIn[o] = this.slotInHead[sIn] as number;
      this.slotInHead[sIn] = o;
      this.offerOutSlot[o] = sOut;
      this.offerNextOut[o] = this.slotOutHead[sOut] as number;
      this.slotOutHead[sOut] = o;
    }
    this.offerPeer[o] = peer;
    const open = (offer.status ?? 'open') === 'open';
    this.offerOpen[o] = open ? 1 : 0;
    if (open) this.openCount++;
    this.offerExp[o] = offer.expiration ?? Number.POSITIVE_INFINITY;
    this.bNum[o] = offer.rateNum;
    this.bDen[o] = offer.rateDen;
    this.bCut[o] = offer.cutPpm;
    this.bFee[o] = offer.fee;
    this.bMin[o] = offer.min;
    this.bMax[o] = offer.max;
    this.bLiq[o] = offer.liquidity;
    // the reduced input factor n/d = den*1e6 / (num*(1e6-cut))
    let nf: number;
    let df: number;
    let exact: boolean;
    if (offer.rateDen <= EXACT_BIG && offer.rateNum <= EXACT_BIG) {
      // Exact doubles, no bigint temporaries: reduce factor by factor so that every gcd runs on
      // values of at most the terms' width (mostly int32 steps; a gcd on the 1e12-wide
      // products would take many slow double remainders). With a = den/g0 and b = num/g0
      // coprime, P = 1e6, C = 1e6 - cut: (a*P)/(b*C) reduced is (a/g1 * P'/g3) / (b/g2 * C'/g3)
      // where g1 = gcd(a, C), g2 = gcd(P, b), P' = P/g2, C' = C/g1, g3 = gcd(P', C'). The two
      // final products round as Number() of the exact bigint products would (both round to
      // nearest), and they are exact exactly when they stay at or below 2^53 - 1.
      const den = Number(offer.rateDen);
      const num = Number(offer.rateNum);
      // denominators dividing 1e6 (1, 100, 1e6, ...) are the common case: their gcds need no
      // division loop (see gcdPpmDivisor)
      const denPpm = den <= 1_000_000 && 1_000_000 % den === 0;
      const g0 = den === num ? den : denPpm ? gcdPpmDivisor(den, num) : gcdNum(den, num);
      const a = den / g0;
      const b = num / g0;
      const C = 1_000_000 - Number(offer.cutPpm);
      const g1 = a === 1 ? 1 : denPpm ? gcdPpmDivisor(a, C) : gcdNum(C, a);
      const g2 = b === 1 ? 1 : gcdPpmDivisor(1_000_000, b);
      const P1 = 1_000_000 / g2;
      const C1 = C / g1;
      const g3 = gcdPpmDivisor(P1, C1);
      nf = (a / g1) * (P1 / g3);
      df = (b / g2) * (C1 / g3);
      exact = nf <= EXACT_NUM && df <= EXACT_NUM;
    } else {
      let n = offer.rateDen * PPM;
      let d = offer.rateNum * (PPM - offer.cutPpm);
      const g = gcdBig(n, d);
      n /= g;
      d /= g;
      nf = Number(n);
      df = Number(d);
      exact = n <= EXACT_BIG && d <= EXACT_BIG;
    }
    this.fN[o] = nf;
    this.fD[o] = df;
    this.fFee[o] = Number(offer.fee);
    this.fMin[o] = Number(offer.min);
    this.fMax[o] = Number(offer.max);
    this.fLiq[o] = Number(offer.liquidity);
    // n and d exact doubles: fastCeilMulDiv decides the rest (exactly, or -1 for bigint)
    this.fastOk[o] = exact && offer.fee < FAST_BIG ? 1 : 0;
    const gain = df / nf;
    if (open && gain > this.maxGain) this.maxGain = gain;
    if (open) {
      const pk = (this.slotUnit[sIn] as number) * 0x100000 + (this.slotUnit[sOut] as number);
      const k = nf / df;
      const cur = this.pairK.get(pk);
      if (cur === undefined || k < cur) {
        this.pairK.set(pk, k);
        this.pairVersion++;
      }
      const fk = Number(offer.fee) * k;
      const curFk = this.pairFeeK.get(pk);
      if (curFk === undefined || fk < curFk) {
        this.pairFeeK.set(pk, fk);
        this.pairVersion++;
      }
    }
    this.version++;
    return o;
  }

  /** @internal Per output slot, its open offers minus those another one dominates (lazy). */
  relaxLists: (Int32Array | null)[] = [];

  private relaxDirty(s: number): void {
    if (s >= 0 && s < this.relaxLists.length) this.relaxLists[s] = null;
  }

  /**
   * @internal The open offers delivering into slot `s`, without those dominated by another
   * offer with the same input slot: o' dominates o when it needs no more input for any output
   * (input factor and fee no larger) and is usable whenever o is (liquidity and max no smaller,
   * min no larger, expiring no earlier). Dropping o then never changes the least input the
   * relaxation computes for any amount (minimum lifting included). Values beyond exact doubles
   * never count as dominated. Rebuilt lazily after a change to the slot's offers.
   */
  relaxList(s: number): Int32Array {
    if (this.relaxLists.length <= s) for (let i = this.relaxLists.length; i < this.slotCount; i++) this.relaxLists.push(null);
    const cached = this.relaxLists[s];
    if (cached) return cached;
    const keep: number[] = [];
    const cand: number[] = [];
    for (let o = this.slotOutHead[s] as number; o !== NONE; o = this.offerNextOut[o] as number) {
      if (this.offerOpen[o] !== 1) continue;
      const exact = this.fastOk[o] === 1 && (this.fFee[o] as number) < FAST_LIMIT && (this.fMin[o] as number) < FAST_LIMIT && (this.fMax[o] as number) < FAST_LIMIT && (this.fLiq[o] as number) < FAST_LIMIT;
      (exact ? cand : keep).push(o);
    }
    const fN = this.fN;
    const fD = this.fD;
    cand.sort((a, b) => (this.offerInSlot[a] as number) - (this.offerInSlot[b] as number) || (fN[a] as number) / (fD[a] as number) - (fN[b] as number) / (fD[b] as number) || (this.fFee[a] as number) - (this.fFee[b] as number));
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
        if (l >= FAST_LIMIT || r >= FAST_LIMIT ? BigInt(fN[p] as number) * BigInt(fD[o] as number) > BigInt(fN[o] as number) * BigInt(fD[p] as number) : l > r) continue;
        if ((this.fFee[p] as number) > (this.fFee[o] as number) || (this.fLiq[p] as number) < (this.fLiq[o] as number)) continue;
        if ((this.fMax[p] as number) < (this.fMax[o] as number) || (this.fMin[p] as number) > (this.fMin[o] as number)) continue;
        if ((this.offerExp[p] as number) < (this.offerExp[o] as number)) continue;
        dominated = true;
        break;
      }
      if (!dominated) keep.push(o);
    }
    const list = Int32Array.from(keep);
    this.relaxLists[s] = list;
    return list;
  }

  /** Remove an offer (it stops being routed through at once). Returns whether it existed. */
  removeOffer(pubkey: string, id: string): boolean {
    const peer = this.peerIndex.get(pubkey);
    if (peer === undefined) return false;
    const byId = this.offerIndex[peer];
    const o = byId?.get(id);
    if (o === undefined) return false;
    if ((this.offerOutSlot[o] as number) !== NONE) this.relaxDirty(this.offerOutSlot[o] as number);
    this.unlink(o);
    if (this.offerOpen[o] === 1) this.openCount--;
    this.offerOpen[o] = 0;
    this.offerPeer[o] = NONE;
    byId?.delete(id);
    this.offerTotal--;
    this.freeOffers.push(o);
    this.version++;
    return true;
  }

  /** Change an offer's available liquidity only (the cheapest update). Returns whether it existed. */
  setLiquidity(pubkey: string, id: string, liquidity: bigint): boolean {
    const peer = this.peerIndex.get(pubkey);
    const o = peer === undefined ? undefined : this.offerIndex[peer]?.get(id);
    if (o === undefined) return false;
    if (liquidity < 0n || liquidity > MAX_AMOUNT_BIG) {
      throw new OtP2pError('bad-amount', `liquidity must be between 0 and ${MAX_AMOUNT_BIG}, got ${liquidity}`, { context: { field: 'liquidity' } });
    }
    this.bLiq[o] = liquidity;
    this.fLiq[o] = Number(liquidity);
    this.relaxDirty(this.offerOutSlot[o] as number);
    this.version++;
    return true;
  }

  /** Replace the NIP-02 follow list of `pubkey`. @throws OtP2pError `bad-key`. */
  setFollows(pubkey: string, follows: readonly string[]): void {
    const p = this.peer(pubkey);
    // dedupe with a per-call stamp instead of a Set (bulk loads call this thousands of times)
    const stamp = ++this.followStampValue;
    const next: number[] = [];
    for (const f of follows) {
      const q = this.peer(f);
      if (q === p) continue;
      if (this.followStamp.length <= q) this.followStamp = grow32(this.followStamp, q + 1, 0);
      if (this.followStamp[q] === stamp) continue;
      this.followStamp[q] = stamp;
      next.push(q);
    }
    const prev = this.followOut[p] as number[];
    // Adjacency is rebuilt lazily (before the next query): loading thousands of follow lists
    // would otherwise rebuild a hub's neighbour list once per follower.
    if (this.adjDirtyMark.length < this.peerKeys.length) this.adjDirtyMark = growU8(this.adjDirtyMark, this.peerKeys.length);
    const dirty = this.adjDirtyMark;
    const dirtyList = this.adjDirty;
    if (dirty[p] === 0) (dirty[p] = 1), dirtyList.push(p);
    if (this.followLog.length + prev.length + next.length + 1 > FOLLOW_LOG_MAX) {
      this.followLog = [];
      this.followLogEpoch++;
    }
    const log = this.followLog;
    log.push(p);
    for (const q of prev) log.push(q);
    for (const q of next) log.push(q);
    for (const q of prev) {
      const list = this.followIn[q] as number[];
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      if (dirty[q] === 0) (dirty[q] = 1), dirtyList.push(q);
    }
    const followIn = this.followIn;
    for (const q of next) {
      (followIn[q] as number[]).push(p);
      if (dirty[q] === 0) (dirty[q] = 1), dirtyList.push(q);
    }
    this.followEdges += next.length - prev.length;
    this.followOut[p] = next;
    this.version++;
    this.followVersion++;
  }

  private followStamp = new Int32Array(64);
  private followStampValue = 0;

  /** @internal Peers whose undirected adjacency must be rebuilt, each once (see adjDirtyMark). */
  adjDirty: number[] = [];
  /** @internal 1 for peers in {@link adjDirty} (a flag array: cheaper than a Set on bulk loads). */
  adjDirtyMark = new Uint8Array(64);

  /** @internal Rebuild the adjacency of peers whose follows changed (the router calls this). */
  flushAdjacency(): void {
    if (this.adjDirty.length === 0) return;
    const P = this.peerKeys.length;
    // dedupe with a stamp array instead of a Set per peer (thousands of peers on a bulk load)
    const mark = new Int32Array(P).fill(NONE);
    let buf = new Int32Array(64);
    for (const x of this.adjDirty) {
      const out = this.followOut[x] as number[];
      const inn = this.followIn[x] as number[];
      if (buf.length < out.length + inn.length) buf = new Int32Array((out.length + inn.length) * 2);
      let n = 0;
      for (const y of out) if (mark[y] !== x) (mark[y] = x), (buf[n++] = y);
      for (const y of inn) if (mark[y] !== x) (mark[y] = x), (buf[n++] = y);
      this.adj[x] = buf.slice(0, n);
    }
    for (const x of this.adjDirty) this.adjDirtyMark[x] = 0;
    this.adjDirty.length = 0;
  }

  /** Set what a peer accepts when paid (its catalog). @throws OtP2pError `bad-key`. */
  setAccepts(pubkey: string, units: readonly UnitRef[]): void {
    const p = this.peer(pubkey);
    // catalogs are short: dedupe with includes (a Set for long ones), in order of first appearance
    let list: number[] = [];
    if (units.length <= 16) {
      for (const ref of units) {
        const u = this.unit(ref);
        if (!list.includes(u)) list.push(u);
      }
      // an array grown by push keeps room for 17: a copy is sized exactly (thousands of peers)
      list = list.slice();
    } else list = [...new Set(units.map((u) => this.unit(u)))];
    for (const u of list) this.ensureSlot(p, u);
    this.accepts.set(p, list);
    this.version++;
  }

  /** Whether `peer` accepts `unit` as a payee. */
  acceptsUnit(peer: number, unit: number): boolean {
    return this.accepts.get(peer)?.includes(unit) ?? false;
  }

  /** The public id (pubkey, offer id) of offer index `o`. */
  offerRef(o: number): { pubkey: string; id: string } {
    return { pubkey: this.peerKeys[this.offerPeer[o] as number] as string, id: this.offerIds[o] as string };
  }

  /** Sizes. */
  stats(): GraphStats {
    return {
      peers: this.peerKeys.length,
      units: this.unitRefs.length,
      slots: this.slotCount,
      offers: this.offerTotal,
      openOffers: this.openCount,
      followEdges: this.followEdges,
    };
  }
}

/** @throws OtP2pError as {@link OfferGraph.upsertOffer}. */
function inRange(v: unknown, min: bigint): boolean {
  return typeof v === 'bigint' && v >= min && v <= MAX_AMOUNT_BIG;
}

function checkTerms(o: GraphOffer): void {
  if (typeof o.id !== 'string' || o.id.length === 0) throw new OtP2pError('bad-offer', `offer id must be a non-empty string, got ${describeValue(o.id)}`, { context: { field: 'id' } });
  if (!inRange(o.rateNum, 1n) || !inRange(o.rateDen, 1n)) {
    throw new OtP2pError('bad-rate', `rate must be two integers in [1, 2^63-1], got ${describeValue(o.rateNum)}/${describeValue(o.rateDen)}`, { context: { field: 'rate', offer: o.id } });
  }
  if (!inRange(o.cutPpm, 0n) || o.cutPpm >= PPM) throw new OtP2pError('bad-offer', `cut_ppm must be in [0, 1000000), got ${describeValue(o.cutPpm)}`, { context: { field: 'cut_ppm', offer: o.id } });
  // named reads on the common path (a keyed read per field costs more); the loop finds the
  // first bad field for the error
  if (!inRange(o.fee, 0n) || !inRange(o.min, 0n) || !inRange(o.max, 0n) || !inRange(o.liquidity, 0n)) {
    for (const f of AMOUNT_FIELDS) {
      if (!inRange(o[f], 0n)) throw new OtP2pError('bad-amount', `${f} must be an integer in [0, 2^63-1], got ${describeValue(o[f])}`, { context: { field: f, offer: o.id } });
    }
  }
  if (o.min > o.max) throw new OtP2pError('bad-offer', `min ${o.min} is above max ${o.max}`, { context: { field: 'min', offer: o.id } });
  if (!goodUnit(o.in) || !goodUnit(o.out)) {
    throw new OtP2pError('bad-offer', `offer ${describeValue(o.id)} needs in/out units with unit and notary`, { context: { field: 'unit', offer: o.id } });
  }
}

/** Checked in this order (a constant: no array built per offer). */
const AMOUNT_FIELDS = ['fee', 'min', 'max', 'liquidity'] as const;

function goodUnit(u: UnitRef | undefined): boolean {
  return !!u && typeof u.unit === 'string' && typeof u.notary === 'string' && !!u.unit && !!u.notary;
}
