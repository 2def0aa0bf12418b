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
import { MAX_AMOUNT } from '../core/amount.ts';
import { FAST_LIMIT, gcdBig } from './amount.ts';
import { GraphTable, MANY, NONE, grow32, growU8, offerKeyHash } from './table.ts';

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
    const t = (x % y) | 0;
    x = y;
    y = t;
  }
  return x;
}

/** Every peer's adjacency before its first flush (never written: a length-0 array). */
const EMPTY_ADJ = new Int32Array(0);
/** Slots of the peer tail table a lookup reads at most (see OfferGraph.tailSlots). */
const TAIL_PROBES = 8;
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

/** Reads a graph's table (set by OfferGraph's static block: the table is a private field). */
let tableOf: (g: OfferGraph) => GraphTable;

/**
 * The storage of `g`, for the router and the arbitrage search inside `pathing/` (not exported
 * from `otp2p/pathing`: the table's layout is not an API).
 */
export function graphTable(g: OfferGraph): GraphTable {
  return tableOf(g);
}

/**
 * The mutable offer graph. Its arrays live in a {@link GraphTable} that only `pathing/` reads.
 */
export class OfferGraph {
  readonly #t = new GraphTable();
  static {
    tableOf = (g) => g.#t;
  }

  /** The slot of (peer, unit), or -1. */
  slotOf(peer: number, unit: number): number {
    return this.#t.slotOf(peer, unit);
  }

  /** Whether `peer` accepts `unit` as a payee. */
  acceptsUnit(peer: number, unit: number): boolean {
    return this.#t.acceptsUnit(peer, unit);
  }

  /** Index of a peer (created on first sight). @throws OtP2pError `bad-key` for a non-hex pubkey. */
  peer(pubkey: string): number {
    const known = typeof pubkey === 'string' ? this.knownPeer(pubkey) : NONE;
    if (known !== NONE) return known;
    if (!isKey(pubkey)) {
      throw new OtP2pError('bad-key', `pubkey must be 64 lowercase hex characters, got ${describeValue(pubkey)}`, {
        context: { field: 'pubkey' },
      });
    }
    const p = this.#t.peerKeys.length;
    this.#t.peerIndex.set(pubkey, p);
    this.#t.peerKeys.push(pubkey);
    this.peerTails = grow32(this.peerTails, p + 1, 0);
    this.peerTails[p] = hexTail(pubkey);
    if (2 * (p + 1) > this.tailSlots.length) this.sizeTails(2 * this.tailSlots.length);
    else this.placeTail(p);
    this.#t.followOut.push([]);
    this.#t.followIn.push([]);
    this.#t.adj.push(EMPTY_ADJ);
    this.#t.peerSlotHead = grow32(this.#t.peerSlotHead, p + 1);
    this.#t.peerSlotHead[p] = NONE;
    this.#t.boundVersion = grow32(this.#t.boundVersion, p + 1, 0);
    return p;
  }

  /**
   * The index of the peer whose key is `pubkey`, or NONE (nothing is created).
   *
   * Fast path: the last 7 hex digits as an integer, looked up in {@link tailSlots} and confirmed
   * by comparing the whole key. Hashing a fresh 64-character string for the Map costs several
   * times more (follow lists and counterparties arrive as fresh strings), and an integer table
   * is a few cache lines where a Map of integers was a fifth of a build's peer lookups.
   */
  private knownPeer(pubkey: string): number {
    if (pubkey.length === 64) {
      const tail = hexTail(pubkey);
      const slots = this.tailSlots;
      const mask = slots.length - 1;
      for (let i = 0; i < TAIL_PROBES; i++) {
        const q = slots[(tail + i) & mask] as number;
        // a free slot in reach: the key was never placed, nor left to the Map (its reach was full)
        if (q === NONE) return NONE;
        if (this.peerTails[q] === tail && this.#t.peerKeys[q] === pubkey) return q;
      }
    }
    return this.#t.peerIndex.get(pubkey) ?? NONE;
  }

  /**
   * Peers by the tail of their key (see {@link knownPeer}), open addressing: a peer sits in the
   * first free slot of the TAIL_PROBES from its tail, or in none when all are taken (then only
   * the Map finds it). Slots are never freed, so a free slot in reach proves a key unknown.
   * At most half full. The bounded reach is what keeps keys crafted to share tails (cheap to
   * grind) from making lookups slow: past it they cost one Map lookup, as before the table.
   */
  private tailSlots = new Int32Array(64).fill(NONE);
  /** Per peer, the tail of its key. */
  private peerTails = new Int32Array(64);

  private placeTail(p: number): void {
    const tail = this.peerTails[p] as number;
    const slots = this.tailSlots;
    const mask = slots.length - 1;
    for (let i = 0; i < TAIL_PROBES; i++) {
      if (slots[(tail + i) & mask] === NONE) {
        slots[(tail + i) & mask] = p;
        return;
      }
    }
  }

  private sizeTails(n: number): void {
    this.tailSlots = new Int32Array(n).fill(NONE);
    for (let p = 0; p < this.#t.peerKeys.length; p++) this.placeTail(p);
  }

  private lastUnitRef: UnitRef | null = null;
  private lastUnit = 0;

  /** Index of a unit `unit@notary` (created on first sight). */
  unit(ref: UnitRef): number {
    // bulk loads repeat the same ref objects: skip building the key string for them
    if (
      ref === this.lastUnitRef &&
      this.#t.unitRefs[this.lastUnit]?.unit === ref.unit &&
      this.#t.unitRefs[this.lastUnit]?.notary === ref.notary
    )
      return this.lastUnit;
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
      u = this.#t.unitIndex.get(key);
      if (u === undefined) {
        u = this.#t.unitRefs.length;
        this.#t.unitIndex.set(key, u);
        this.#t.unitRefs.push({ unit: ref.unit, notary: ref.notary });
      }
      byName.set(ref.unit, u);
    }
    return u;
  }

  /**
   * Add many offers at once (each as {@link upsertOffer}): the typed arrays are sized once for
   * the batch instead of doubling, which keeps a large initial load fast and its memory tight.
   * @throws OtP2pError as {@link upsertOffer} (offers before the bad one stay added).
   */
  addOffers(offers: readonly GraphOffer[]): void {
    this.#t.growOffers(this.#t.offerCap + offers.length);
    this.#t.sizeIdIndex(this.#t.offerTotal + offers.length);
    for (const o of offers) this.upsertOffer(o);
  }

  /**
   * Add or replace (same pubkey and id) an offer, in place. Paused and closed offers are kept
   * but never routed through.
   * A bound offer (`to` listing counterparties) delivers only to those peers.
   * @throws OtP2pError `bad-key` (pubkey, a `to` entry), `bad-rate` (num or den < 1), `bad-offer`
   *   (cut outside [0, 1e6), min > max, `to` not an array), `bad-amount` (negative or > 2^63-1
   *   amounts).
   */
  upsertOffer(offer: GraphOffer): number {
    const to0 = this.checkTerms(offer);
    const peer = this.peer(offer.pubkey);
    const h = offerKeyHash(peer, offer.id);
    let o = this.#t.findOffer(peer, offer.id, h);
    const sIn = this.#t.ensureSlot(peer, this.unit(offer.in));
    const sOut = this.#t.ensureSlot(peer, this.unit(offer.out));
    if (o === NONE) {
      o = this.#t.freeOffers.pop() ?? this.#t.offerCap++;
      this.#t.growOffers(o + 1);
      this.#t.offerTotal++;
      // append when the index is new (a bulk load): keeps the array packed
      if (o === this.#t.offerIds.length) this.#t.offerIds.push(offer.id);
      else this.#t.offerIds[o] = offer.id;
      this.#t.offerPeer[o] = peer;
      this.#t.indexOffer(o, h);
    } else {
      // its old counterparties lose it (the new ones are told below)
      this.#t.boundChanged(o);
      if (this.#t.offerOpen[o] === 1) this.#t.openCount--;
      const oldOut = this.#t.offerOutSlot[o] as number;
      if (oldOut !== NONE) this.#t.relaxDirty(oldOut);
      if (this.#t.offerInSlot[o] !== sIn || this.#t.offerOutSlot[o] !== sOut) this.#t.unlink(o);
    }
    this.#t.relaxDirty(sOut);
    if (this.#t.offerInSlot[o] !== sIn) {
      this.#t.offerInSlot[o] = sIn;
      this.#t.offerNextIn[o] = this.#t.slotInHead[sIn] as number;
      this.#t.slotInHead[sIn] = o;
      this.#t.offerOutSlot[o] = sOut;
      this.#t.offerNextOut[o] = this.#t.slotOutHead[sOut] as number;
      this.#t.slotOutHead[sOut] = o;
    }
    this.#t.offerPeer[o] = peer;
    const open = (offer.status ?? 'open') === 'open';
    this.#t.offerOpen[o] = open ? 1 : 0;
    if (open) this.#t.openCount++;
    this.#t.offerExp[o] = offer.expiration ?? Number.POSITIVE_INFINITY;
    this.#t.setTerms(o, offer.rateNum, offer.rateDen, offer.cutPpm, offer.fee, offer.min, offer.max, offer.liquidity);
    this.setCounterparties(o, offer.to, to0);
    this.#t.boundChanged(o);
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
    this.#t.fN[o] = nf;
    this.#t.fD[o] = df;
    // n and d exact doubles: fastCeilMulDiv decides the rest (exactly, or -1 for bigint)
    this.#t.fastOk[o] = exact && offer.fee < FAST_BIG ? 1 : 0;
    const gain = df / nf;
    if (open && gain > this.#t.maxGain) this.#t.maxGain = gain;
    if (open) {
      const pk = (this.#t.slotUnit[sIn] as number) * 0x100000 + (this.#t.slotUnit[sOut] as number);
      const k = nf / df;
      const cur = this.#t.pairK.get(pk);
      if (cur === undefined || k < cur) {
        this.#t.pairK.set(pk, k);
        this.#t.pairVersion++;
      }
      const fk = Number(offer.fee) * k;
      const curFk = this.#t.pairFeeK.get(pk);
      if (curFk === undefined || fk < curFk) {
        this.#t.pairFeeK.set(pk, fk);
        this.#t.pairVersion++;
      }
    }
    this.#t.version++;
    this.#t.offerVersion++;
    return o;
  }

  /**
   * Record offer o's counterparties (checked by checkTerms); none or an empty list: anyone.
   * `to0`: the peer of a lone counterparty when checkTerms found it already known, else NONE.
   */
  private setCounterparties(o: number, to: readonly string[] | undefined, to0: number): void {
    const t = this.#t;
    if (t.offerTo[o] === MANY) t.offerToMany.delete(o);
    if (to === undefined || to.length === 0) t.offerTo[o] = NONE;
    else if (to.length === 1) t.offerTo[o] = to0 !== NONE ? to0 : this.peer(to[0] as string);
    else {
      const list = Int32Array.from(new Set(to.map((pk) => this.peer(pk)))).sort();
      if (list.length === 1) t.offerTo[o] = list[0] as number;
      else {
        t.offerTo[o] = MANY;
        t.offerToMany.set(o, list);
      }
    }
  }

  /** Remove an offer (it stops being routed through at once). Returns whether it existed. */
  removeOffer(pubkey: string, id: string): boolean {
    const peer = this.#t.peerIndex.get(pubkey);
    if (peer === undefined || typeof id !== 'string') return false;
    const o = this.#t.findOffer(peer, id);
    if (o === NONE) return false;
    if ((this.#t.offerOutSlot[o] as number) !== NONE) this.#t.relaxDirty(this.#t.offerOutSlot[o] as number);
    this.#t.unlink(o);
    if (this.#t.offerOpen[o] === 1) this.#t.openCount--;
    this.#t.offerOpen[o] = 0;
    this.#t.boundChanged(o);
    this.setCounterparties(o, undefined, NONE);
    this.#t.unindexOffer(o);
    this.#t.dropTerms(o);
    this.#t.offerPeer[o] = NONE;
    this.#t.offerTotal--;
    this.#t.freeOffers.push(o);
    this.#t.version++;
    this.#t.offerVersion++;
    return true;
  }

  /** Change an offer's available liquidity only (the cheapest update). Returns whether it existed. */
  setLiquidity(pubkey: string, id: string, liquidity: bigint): boolean {
    const peer = this.#t.peerIndex.get(pubkey);
    const o = peer === undefined || typeof id !== 'string' ? NONE : this.#t.findOffer(peer, id);
    if (o === NONE) return false;
    if (liquidity < 0n || liquidity > MAX_AMOUNT) {
      throw new OtP2pError('bad-amount', `liquidity must be between 0 and ${MAX_AMOUNT}, got ${liquidity}`, {
        context: { field: 'liquidity' },
      });
    }
    this.#t.setLiq(o, liquidity);
    this.#t.relaxDirty(this.#t.offerOutSlot[o] as number);
    this.#t.boundChanged(o);
    this.#t.version++;
    return true;
  }

  /** Replace the NIP-02 follow list of `pubkey`. @throws OtP2pError `bad-key`. */
  setFollows(pubkey: string, follows: readonly string[]): void {
    const p = this.peer(pubkey);
    // dedupe with a per-call stamp instead of a Set (bulk loads call this thousands of times)
    const stamp = ++this.followStampValue;
    const scratch = this.followScratch;
    let n = 0;
    for (const f of follows) {
      const q = this.peer(f);
      if (q === p) continue;
      if (this.followStamp.length <= q) this.followStamp = grow32(this.followStamp, q + 1, 0);
      if (this.followStamp[q] === stamp) continue;
      this.followStamp[q] = stamp;
      scratch[n++] = q;
    }
    // a copy sized exactly: an array grown by push keeps room for half again (or 17 entries),
    // which over thousands of short lists was most of their memory
    const next = scratch.slice(0, n);
    const prev = this.#t.followOut[p] as number[];
    // Adjacency is rebuilt lazily (before the next query): loading thousands of follow lists
    // would otherwise rebuild a hub's neighbour list once per follower.
    if (this.#t.adjDirtyMark.length < this.#t.peerKeys.length)
      this.#t.adjDirtyMark = growU8(this.#t.adjDirtyMark, this.#t.peerKeys.length);
    const dirty = this.#t.adjDirtyMark;
    const dirtyList = this.#t.adjDirty;
    if (dirty[p] === 0) (dirty[p] = 1), dirtyList.push(p);
    if (this.#t.followLog.length + prev.length + next.length + 1 > FOLLOW_LOG_MAX) {
      this.#t.followLog = [];
      this.#t.followLogEpoch++;
    }
    const log = this.#t.followLog;
    log.push(p);
    for (const q of prev) log.push(q);
    for (const q of next) log.push(q);
    for (const q of prev) {
      const list = this.#t.followIn[q] as number[];
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      if (dirty[q] === 0) (dirty[q] = 1), dirtyList.push(q);
    }
    const followIn = this.#t.followIn;
    for (const q of next) {
      (followIn[q] as number[]).push(p);
      if (dirty[q] === 0) (dirty[q] = 1), dirtyList.push(q);
    }
    this.#t.followEdges += next.length - prev.length;
    this.#t.followOut[p] = next;
    this.#t.version++;
    this.#t.followVersion++;
  }

  private followStamp = new Int32Array(64);
  /** setFollows' list before it is copied (never shrinks; plain numbers, as the lists are). */
  private followScratch: number[] = [];
  private followStampValue = 0;

  /** @internal Rebuild the adjacency of peers whose follows changed (the router calls this). */
  flushAdjacency(): void {
    if (this.#t.adjDirty.length === 0) return;
    const t = this.#t;
    const P = t.peerKeys.length;
    const dirty = t.adjDirty;
    // dedupe with a stamp array instead of a Set per peer (thousands of peers on a bulk load)
    const mark = new Int32Array(P).fill(NONE);
    let total = 0;
    for (const x of dirty) total += (t.followOut[x] as number[]).length + (t.followIn[x] as number[]).length;
    // Every dirty peer's list goes into one buffer, then each gets a view of one exactly sized
    // copy: a typed array of its own per peer costs ~260 bytes over its data, a view ~130.
    const buf = new Int32Array(total);
    const end = new Int32Array(dirty.length);
    let n = 0;
    for (let i = 0; i < dirty.length; i++) {
      const x = dirty[i] as number;
      const out = t.followOut[x] as number[];
      let inn = t.followIn[x] as number[];
      for (const y of out) if (mark[y] !== x) (mark[y] = x), (buf[n++] = y);
      for (const y of inn) if (mark[y] !== x) (mark[y] = x), (buf[n++] = y);
      end[i] = n;
      // followIn grew by push (setFollows of the peers following x): drop its slack
      if (inn.length > 0) t.followIn[x] = inn = inn.slice();
    }
    const pool = n === total ? buf : buf.slice(0, n);
    let start = 0;
    for (let i = 0; i < dirty.length; i++) {
      const x = dirty[i] as number;
      const e = end[i] as number;
      t.adj[x] = e === start ? EMPTY_ADJ : pool.subarray(start, e);
      start = e;
      t.adjDirtyMark[x] = 0;
    }
    dirty.length = 0;
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
    // a catalog of one unit is the common case: its peers share one list (never written to)
    if (list.length === 1) {
      const u = list[0] as number;
      list = this.singleAccepts[u] ??= list;
    }
    for (const u of list) this.#t.ensureSlot(p, u);
    this.#t.accepts.set(p, list);
    this.#t.version++;
  }

  /**
   * Check an offer's terms before anything is changed. Returns the peer of a lone counterparty
   * when its key is already interned (found, it needs no character check), else NONE.
   * @throws OtP2pError as {@link upsertOffer}.
   */
  private checkTerms(o: GraphOffer): number {
    if (typeof o.id !== 'string' || o.id.length === 0)
      throw new OtP2pError('bad-offer', `offer id must be a non-empty string, got ${describeValue(o.id)}`, {
        context: { field: 'id' },
      });
    if (!inRange(o.rateNum, 1n) || !inRange(o.rateDen, 1n)) {
      throw new OtP2pError(
        'bad-rate',
        `rate must be two integers in [1, 2^63-1], got ${describeValue(o.rateNum)}/${describeValue(o.rateDen)}`,
        { context: { field: 'rate', offer: o.id } },
      );
    }
    if (!inRange(o.cutPpm, 0n) || o.cutPpm >= PPM)
      throw new OtP2pError('bad-offer', `cut_ppm must be in [0, 1000000), got ${describeValue(o.cutPpm)}`, {
        context: { field: 'cut_ppm', offer: o.id },
      });
    // named reads on the common path (a keyed read per field costs more); the loop finds the
    // first bad field for the error
    if (!inRange(o.fee, 0n) || !inRange(o.min, 0n) || !inRange(o.max, 0n) || !inRange(o.liquidity, 0n)) {
      for (const f of AMOUNT_FIELDS) {
        if (!inRange(o[f], 0n))
          throw new OtP2pError('bad-amount', `${f} must be an integer in [0, 2^63-1], got ${describeValue(o[f])}`, {
            context: { field: f, offer: o.id },
          });
      }
    }
    if (o.min > o.max)
      throw new OtP2pError('bad-offer', `min ${o.min} is above max ${o.max}`, {
        context: { field: 'min', offer: o.id },
      });
    let to0 = NONE;
    if (o.to !== undefined) {
      if (!Array.isArray(o.to))
        throw new OtP2pError('bad-offer', `to must be an array of pubkeys, got ${describeValue(o.to)}`, {
          context: { field: 'to', offer: o.id },
        });
      for (let i = 0; i < o.to.length; i++) {
        const pk: unknown = o.to[i];
        // a key already interned was checked when it was
        const known = typeof pk === 'string' ? this.knownPeer(pk) : NONE;
        if (i === 0) to0 = known;
        if (known === NONE && !isKey(pk)) {
          throw new OtP2pError('bad-key', `to[${i}] must be 64 lowercase hex characters, got ${describeValue(pk)}`, {
            context: { field: `to[${i}]`, offer: o.id },
          });
        }
      }
    }
    if (!goodUnit(o.in) || !goodUnit(o.out)) {
      throw new OtP2pError('bad-offer', `offer ${describeValue(o.id)} needs in/out units with unit and notary`, {
        context: { field: 'unit', offer: o.id },
      });
    }
    return o.to?.length === 1 ? to0 : NONE;
  }

  /** Per unit, the catalog list of peers accepting that unit alone (see setAccepts). */
  private singleAccepts: number[][] = [];

  /** The public id (pubkey, offer id) of offer index `o`. */
  offerRef(o: number): { pubkey: string; id: string } {
    return { pubkey: this.#t.peerKeys[this.#t.offerPeer[o] as number] as string, id: this.#t.offerIds[o] as string };
  }

  /** Sizes. */
  stats(): GraphStats {
    return {
      peers: this.#t.peerKeys.length,
      units: this.#t.unitRefs.length,
      slots: this.#t.slotCount,
      offers: this.#t.offerTotal,
      openOffers: this.#t.openCount,
      followEdges: this.#t.followEdges,
    };
  }
}

/** @throws OtP2pError as {@link OfferGraph.upsertOffer}. */
function inRange(v: unknown, min: bigint): boolean {
  return typeof v === 'bigint' && v >= min && v <= MAX_AMOUNT;
}

/**
 * Whether `v` is 64 lowercase hex characters (as `/^[0-9a-f]{64}$/`). A loop over the
 * character codes: a graph of channels checks one counterparty per offer, and the regular
 * expression with its per-offer closure was a tenth of such a build.
 */
function isKey(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = v.charCodeAt(i);
    // '0'-'9' are 48-57, 'a'-'f' are 97-102 (>>> 0 turns a code below either range into a large number)
    if ((c - 48) >>> 0 > 9 && (c - 97) >>> 0 > 5) return false;
  }
  return true;
}

/** Checked in this order (a constant: no array built per offer). */
const AMOUNT_FIELDS = ['fee', 'min', 'max', 'liquidity'] as const;

function goodUnit(u: UnitRef | undefined): boolean {
  return !!u && typeof u.unit === 'string' && typeof u.notary === 'string' && !!u.unit && !!u.notary;
}
