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
import type { OfferStatus, UnitRef } from '../events/offer.ts';
import { FAST_LIMIT, MAX_AMOUNT_BIG, gcdBig } from './amount.ts';

/** An offer as the graph takes it: who offers it plus the offer's terms. */
export interface GraphOffer {
  pubkey: string;
  id: string;
  in: UnitRef;
  out: UnitRef;
  rateNum: bigint;
  rateDen: bigint;
  cutPpm: bigint;
  fee: bigint;
  min: bigint;
  max: bigint;
  liquidity: bigint;
  /** Unix seconds; absent = never expires (offline what-if files). */
  expiration?: number;
  /** Default `open`. */
  status?: OfferStatus;
}

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
  /** @internal */ peerKeys: string[] = [];
  /** @internal */ unitIndex = new Map<string, number>();
  /** @internal */ unitRefs: UnitRef[] = [];

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
  /** @internal */ offerIndex = new Map<string, number>();
  /** @internal */ offerIds: string[] = [];
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
  /** @internal 1 when fN*fD and fee are small enough for the exact double path. */ fastOk = new Uint8Array(64);
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
  /** @internal bumps when {@link pairK} changes. */ pairVersion = 0;

  // social graph
  /** @internal */ followOut: number[][] = [];
  /** @internal */ followIn: number[][] = [];
  /** @internal undirected union of followOut and followIn, deduplicated. */ adj: Int32Array[] = [];
  /** @internal */ followEdges = 0;
  /** @internal payee catalogs: units each peer accepts as a payee. */ accepts = new Map<number, number[]>();
  /** @internal bumps on every change, so a cached per-payer radius can be reused safely. */ version = 0;

  /** Index of a peer (created on first sight). @throws OtP2pError `bad-key` for a non-hex pubkey. */
  peer(pubkey: string): number {
    let p = this.peerIndex.get(pubkey);
    if (p !== undefined) return p;
    if (typeof pubkey !== 'string' || !/^[0-9a-f]{64}$/.test(pubkey)) {
      throw new OtP2pError('bad-key', `pubkey must be 64 lowercase hex characters, got ${describeValue(pubkey)}`, { context: { field: 'pubkey' } });
    }
    p = this.peerKeys.length;
    this.peerIndex.set(pubkey, p);
    this.peerKeys.push(pubkey);
    this.followOut.push([]);
    this.followIn.push([]);
    this.adj.push(new Int32Array(0));
    this.peerSlotHead = grow32(this.peerSlotHead, p + 1);
    this.peerSlotHead[p] = NONE;
    return p;
  }

  /** Index of a unit `unit@notary` (created on first sight). */
  unit(ref: UnitRef): number {
    const key = `${ref.unit}@${ref.notary}`;
    let u = this.unitIndex.get(key);
    if (u === undefined) {
      u = this.unitRefs.length;
      this.unitIndex.set(key, u);
      this.unitRefs.push({ unit: ref.unit, notary: ref.notary });
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
    const key = `${peer}\u0000${offer.id}`;
    let o = this.offerIndex.get(key);
    const sIn = this.ensureSlot(peer, this.unit(offer.in));
    const sOut = this.ensureSlot(peer, this.unit(offer.out));
    if (o === undefined) {
      o = this.freeOffers.pop() ?? this.offerCap++;
      this.growOffers(o + 1);
      this.offerIndex.set(key, o);
      this.offerIds[o] = offer.id;
    } else {
      if (this.offerOpen[o] === 1) this.openCount--;
      if (this.offerInSlot[o] !== sIn || this.offerOutSlot[o] !== sOut) this.unlink(o);
    }
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
    let n = offer.rateDen * PPM;
    let d = offer.rateNum * (PPM - offer.cutPpm);
    const g = gcdBig(n, d);
    n /= g;
    d /= g;
    this.fN[o] = Number(n);
    this.fD[o] = Number(d);
    this.fFee[o] = Number(offer.fee);
    this.fMin[o] = Number(offer.min);
    this.fMax[o] = Number(offer.max);
    this.fLiq[o] = Number(offer.liquidity);
    this.fastOk[o] = n * d < BigInt(FAST_LIMIT) && offer.fee < BigInt(FAST_LIMIT) ? 1 : 0;
    const gain = Number(d) / Number(n);
    if (open && gain > this.maxGain) this.maxGain = gain;
    if (open) {
      const pk = (this.slotUnit[sIn] as number) * 0x100000 + (this.slotUnit[sOut] as number);
      const k = Number(n) / Number(d);
      const cur = this.pairK.get(pk);
      if (cur === undefined || k < cur) {
        this.pairK.set(pk, k);
        this.pairVersion++;
      }
    }
    this.version++;
    return o;
  }

  /** Remove an offer (it stops being routed through at once). Returns whether it existed. */
  removeOffer(pubkey: string, id: string): boolean {
    const peer = this.peerIndex.get(pubkey);
    if (peer === undefined) return false;
    const key = `${peer}\u0000${id}`;
    const o = this.offerIndex.get(key);
    if (o === undefined) return false;
    this.unlink(o);
    if (this.offerOpen[o] === 1) this.openCount--;
    this.offerOpen[o] = 0;
    this.offerPeer[o] = NONE;
    this.offerIndex.delete(key);
    this.freeOffers.push(o);
    this.version++;
    return true;
  }

  /** Change an offer's available liquidity only (the cheapest update). Returns whether it existed. */
  setLiquidity(pubkey: string, id: string, liquidity: bigint): boolean {
    const peer = this.peerIndex.get(pubkey);
    const o = peer === undefined ? undefined : this.offerIndex.get(`${peer}\u0000${id}`);
    if (o === undefined) return false;
    if (liquidity < 0n || liquidity > MAX_AMOUNT_BIG) {
      throw new OtP2pError('bad-amount', `liquidity must be between 0 and ${MAX_AMOUNT_BIG}, got ${liquidity}`, { context: { field: 'liquidity' } });
    }
    this.bLiq[o] = liquidity;
    this.fLiq[o] = Number(liquidity);
    this.version++;
    return true;
  }

  /** Replace the NIP-02 follow list of `pubkey`. @throws OtP2pError `bad-key`. */
  setFollows(pubkey: string, follows: readonly string[]): void {
    const p = this.peer(pubkey);
    const next = [...new Set(follows.map((f) => this.peer(f)))].filter((q) => q !== p);
    const prev = this.followOut[p] as number[];
    const touched = new Set<number>([p]);
    for (const q of prev) {
      const list = this.followIn[q] as number[];
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      touched.add(q);
    }
    for (const q of next) {
      (this.followIn[q] as number[]).push(p);
      touched.add(q);
    }
    this.followEdges += next.length - prev.length;
    this.followOut[p] = next;
    // Adjacency is rebuilt lazily (before the next query): loading thousands of follow lists
    // would otherwise rebuild a hub's neighbour list once per follower.
    for (const x of touched) this.adjDirty.add(x);
    this.version++;
  }

  /** @internal Peers whose undirected adjacency must be rebuilt. */
  adjDirty = new Set<number>();

  /** @internal Rebuild the adjacency of peers whose follows changed (the router calls this). */
  flushAdjacency(): void {
    if (this.adjDirty.size === 0) return;
    for (const x of this.adjDirty) {
      const set = new Set<number>(this.followOut[x]);
      for (const y of this.followIn[x] as number[]) set.add(y);
      this.adj[x] = Int32Array.from(set);
    }
    this.adjDirty.clear();
  }

  /** Set what a peer accepts when paid (its catalog). @throws OtP2pError `bad-key`. */
  setAccepts(pubkey: string, units: readonly UnitRef[]): void {
    const p = this.peer(pubkey);
    const list = [...new Set(units.map((u) => this.unit(u)))];
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
      offers: this.offerIndex.size,
      openOffers: this.openCount,
      followEdges: this.followEdges,
    };
  }
}

/** @throws OtP2pError as {@link OfferGraph.upsertOffer}. */
function checkTerms(o: GraphOffer): void {
  const inRange = (v: unknown, min: bigint): boolean => typeof v === 'bigint' && v >= min && v <= MAX_AMOUNT_BIG;
  if (typeof o.id !== 'string' || o.id.length === 0) throw new OtP2pError('bad-offer', `offer id must be a non-empty string, got ${describeValue(o.id)}`, { context: { field: 'id' } });
  if (!inRange(o.rateNum, 1n) || !inRange(o.rateDen, 1n)) {
    throw new OtP2pError('bad-rate', `rate must be two integers in [1, 2^63-1], got ${describeValue(o.rateNum)}/${describeValue(o.rateDen)}`, { context: { field: 'rate', offer: o.id } });
  }
  if (!inRange(o.cutPpm, 0n) || o.cutPpm >= PPM) throw new OtP2pError('bad-offer', `cut_ppm must be in [0, 1000000), got ${describeValue(o.cutPpm)}`, { context: { field: 'cut_ppm', offer: o.id } });
  for (const f of ['fee', 'min', 'max', 'liquidity'] as const) {
    if (!inRange(o[f], 0n)) throw new OtP2pError('bad-amount', `${f} must be an integer in [0, 2^63-1], got ${describeValue(o[f])}`, { context: { field: f, offer: o.id } });
  }
  if (o.min > o.max) throw new OtP2pError('bad-offer', `min ${o.min} is above max ${o.max}`, { context: { field: 'min', offer: o.id } });
  for (const u of [o.in, o.out]) {
    if (!u || typeof u.unit !== 'string' || typeof u.notary !== 'string' || !u.unit || !u.notary) {
      throw new OtP2pError('bad-offer', `offer ${describeValue(o.id)} needs in/out units with unit and notary`, { context: { field: 'unit', offer: o.id } });
    }
  }
}
