/**
 * What the router's passes share: the graph's table, the query as validated, the labels of the
 * relaxation (per state = slot x layer), the budget meter, the liquidity in force, and the
 * scratch arrays, all declared here in one place and grouped by what they serve. Scratch arrays
 * are allocated once and grown with the graph, so queries allocate nothing in the relaxation
 * loops. Also the label and offer arithmetic every pass uses.
 */
import { PPM } from '../events/offer.ts';
import { MAX_AMOUNT } from '../core/amount.ts';
import { FAST_LIMIT, ceilDivBig, fastCeilMulDiv } from './amount.ts';
import { UnitBounds } from './bounds.ts';
import { StateHeap } from './heap.ts';
import { OfferLists } from './offer-lists.ts';
import { SlotBounds } from './slot-bounds.ts';
import { SocialIndex } from './social-index.ts';
import { NONE, grown } from './table.ts';
import type { GraphTable } from './table.ts';

/** A path as the passes hold it: peers from payer to payee, the offer fed at each peer but the payee. */
export interface Found {
  spend: bigint;
  peers: number[];
  offers: number[];
}

/** The best state a relaxation pass met where the payer pays directly. */
export interface Candidate {
  spend: bigint;
  slot: number;
  layer: number;
  exact: boolean;
}

/** The query as the passes read it (set by the router from a validated {@link RouteQuery}). */
export interface QueryState {
  payer: number;
  payee: number;
  /** The payer's unit. */
  u0: number;
  /** Hop limit, and layers per slot (H: a label has at most H - 1 transfers after it, the payer's makes H). */
  H: number;
  layers: number;
  now: number;
  budget: number;
  direct: boolean;
  /** The units the payee takes in this query (its catalog, or the query's `toUnits` among them). */
  payeeUnits: number[];
}

/**
 * Labels per state (slot s, layer t) at index s * layers + t: the least amount the slot's peer
 * must receive so that t more transfers deliver the amount, and where it came from. A label
 * counts only when its stamp is the current pass's {@link LabelState.run}.
 */
export interface LabelState {
  run: number;
  num: Float64Array;
  /** The exact value when num >= 2^52 (empty until a label first needs it: see SearchContext.setBig). */
  big: BigInt64Array;
  stamp: Int32Array;
  /** 1 when the label is achieved exactly by its predecessor chain, 0 when a minimum lifted it (a bound only). */
  exact: Uint8Array;
  /** Best-first passes: 1 when the label's predecessor chain visits no peer twice. */
  simple: Uint8Array;
  predOffer: Int32Array;
  predNext: Int32Array;
}

/** The budget of the exact search (see RouteQuery.budget). */
export interface Meter {
  /**
   * Whether best-first passes draw on the budget: the passes after the first do, each state
   * counting one plus the senders it examines (the same unit as a depth-first candidate
   * extension), so the budget bounds all the work of the exact search.
   */
  metered: boolean;
  /** Work drawn on the budget in this search, and where metered passes and the DFS stop. */
  spent: number;
  limit: number;
  exhausted: boolean;
}

/**
 * A multi-path route's residual liquidity, as an overlay on the graph's: the offers its parts
 * changed are marked, with their liquidity in `num` (exact below 2^52) and, at or above 2^52,
 * the exact value in `big`; every other offer's is the graph's. A residual's changes are the
 * few offers of its parts: a full copy of the graph's doubles cost 0.57 MB on the Lightning
 * graph (a bigint copy 0.5 MB more). Read it with {@link SearchContext.liqNum} and
 * {@link SearchContext.liqBig}.
 */
export interface Residual {
  /** Whether the residual is in force (during a multi-path split). */
  on: boolean;
  /** 1 for the offers in `num`. */
  mark: Uint8Array;
  num: Map<number, number>;
  big: Map<number, bigint>;
}

/** What {@link SearchContext.offerInput} found: the input (exact double, or its bigint twin), and exactness. */
export interface OfferInput {
  num: number;
  big: bigint;
  ex: number;
}

/** Scratch of the layered pass: the least label reaching each slot in the current layer. */
export interface LayerScratch {
  run: number;
  num: Float64Array;
  big: BigInt64Array;
  arg: Int32Array;
  exact: Uint8Array;
  stamp: Int32Array;
  touched: Int32Array;
  frontA: Int32Array;
  frontB: Int32Array;
}

/** Scratch of the best-first pass (per state: the senders scanned; per peer: marks). */
export interface BestFirstScratch {
  /** Neighbours of the payer carry the pass's label stamp. */
  nearPayer: Int32Array;
  /** Peers on the popped label's chain carry {@link popRun}. */
  chainMark: Int32Array;
  popRun: number;
  scanNum: Float64Array;
  scanStamp: Int32Array;
  scanExact: Uint8Array;
  scanSimple: Uint8Array;
  expStamp: Int32Array;
}

/**
 * Counters of the last search, for benchmarks: whether the exact search ran, the budget it
 * spent (`expansions`: see RouteQuery.budget), whether the budget ran out (then a `no-route`
 * means "none found within the budget"), and the best-first states expanded.
 */
export interface SearchStats {
  fallback: boolean;
  expansions: number;
  exhausted: boolean;
  states: number;
}

/** The state of one router: everything its passes read and write, declared here. */
export class SearchContext {
  readonly g: GraphTable;
  readonly social: SocialIndex;
  readonly bounds: UnitBounds;
  readonly slotBounds: SlotBounds;
  readonly lists: OfferLists;
  readonly heap = new StateHeap();
  readonly q: QueryState = {
    payer: 0,
    payee: 0,
    u0: 0,
    H: 6,
    layers: 0,
    now: Number.NEGATIVE_INFINITY,
    budget: 100_000,
    direct: true,
    payeeUnits: [],
  };
  readonly lab: LabelState = {
    run: 0,
    num: new Float64Array(0),
    big: new BigInt64Array(0),
    stamp: new Int32Array(0),
    exact: new Uint8Array(0),
    simple: new Uint8Array(0),
    predOffer: new Int32Array(0),
    predNext: new Int32Array(0),
  };
  readonly meter: Meter = { metered: false, spent: 0, limit: Number.POSITIVE_INFINITY, exhausted: false };
  readonly residual: Residual = { on: false, mark: new Uint8Array(0), num: new Map(), big: new Map() };
  readonly inp: OfferInput = { num: 0, big: 0n, ex: 0 };
  readonly layer: LayerScratch = {
    run: 0,
    num: new Float64Array(0),
    big: new BigInt64Array(0),
    arg: new Int32Array(0),
    exact: new Uint8Array(0),
    stamp: new Int32Array(0),
    touched: new Int32Array(0),
    frontA: new Int32Array(0),
    frontB: new Int32Array(0),
  };
  readonly bf: BestFirstScratch = {
    nearPayer: new Int32Array(0),
    chainMark: new Int32Array(0),
    popRun: 0,
    scanNum: new Float64Array(0),
    scanStamp: new Int32Array(0),
    scanExact: new Uint8Array(0),
    scanSimple: new Uint8Array(0),
    expStamp: new Int32Array(0),
  };
  /** The depth-first search's marks of the peers on its current path. */
  readonly dfs = { run: 0, visit: new Int32Array(0) };
  /** The cheapest valid path the last best-first pass met (null when none). */
  incumbent: Found | null = null;
  readonly stats: SearchStats = { fallback: false, expansions: 0, exhausted: false, states: 0 };

  constructor(table: GraphTable) {
    this.g = table;
    this.social = new SocialIndex(table);
    this.bounds = new UnitBounds(table);
    this.slotBounds = new SlotBounds(table);
    this.lists = new OfferLists(table);
  }

  /** Route through the graph's own liquidity (drops the residual's changes). */
  useGraphLiquidity(): void {
    const r = this.residual;
    for (const o of r.num.keys()) r.mark[o] = 0;
    r.num.clear();
    r.big.clear();
    r.on = false;
  }

  /** Route through a residual liquidity, at first the graph's own (see {@link setResidual}). */
  useResidual(): void {
    this.useGraphLiquidity();
    const r = this.residual;
    if (r.mark.length < this.g.offerCap) r.mark = new Uint8Array(grown(this.g.offerCap));
    r.on = true;
  }

  /** Set offer `o`'s residual liquidity (exact value `big`). */
  setResidual(o: number, big: bigint): void {
    const r = this.residual;
    r.mark[o] = 1;
    r.num.set(o, Number(big));
    // exact in num below 2^52 (see Residual)
    if (big >= BigInt(FAST_LIMIT)) r.big.set(o, big);
    else r.big.delete(o);
  }

  /** Whether the liquidity in force is the graph's own (not a multi-path residual). */
  graphLiquidity(): boolean {
    return !this.residual.on;
  }

  /** The liquidity of offer `o` in force, as a double (exact below 2^52). */
  liqNum(o: number): number {
    const r = this.residual;
    return r.on && r.mark[o] === 1 ? (r.num.get(o) as number) : (this.g.fLiq[o] as number);
  }

  /**
   * Size the scratch arrays for the graph and hop limit H. Labels use layers 0..H-1 only (a
   * label at layer H would need H + 1 transfers), so a slot has H layers. Arrays grow to the
   * graph's slots (peers) plus an eighth, not to twice: the labels and scans alone are ~28 bytes
   * per state, and a graph grows by a slot at a time after its bulk load. The label arrays are
   * kept when H shrinks: every pass stamps its labels afresh, so a smaller stride reads no stale
   * label.
   */
  ensureScratch(H: number): void {
    const g = this.g;
    const P = g.peerKeys.length;
    const S = g.slotCount;
    if (this.dfs.visit.length < P) {
      const n = grown(P);
      this.dfs.visit = new Int32Array(n);
      this.bf.nearPayer = new Int32Array(n);
      this.bf.chainMark = new Int32Array(n);
    }
    this.q.layers = H;
    const lab = this.lab;
    const ly = this.layer;
    if (lab.stamp.length < S * H) {
      const n = grown(S) * H;
      lab.num = new Float64Array(n);
      // allocated when a label first reaches 2^52 (see setBig): most graphs never do
      lab.big = new BigInt64Array(0);
      lab.stamp = new Int32Array(n);
      lab.exact = new Uint8Array(n);
      lab.simple = new Uint8Array(n);
      lab.predOffer = new Int32Array(n);
      lab.predNext = new Int32Array(n);
      const bf = this.bf;
      bf.scanNum = new Float64Array(n);
      bf.scanStamp = new Int32Array(n);
      bf.scanExact = new Uint8Array(n);
      bf.scanSimple = new Uint8Array(n);
      bf.expStamp = new Int32Array(n);
    }
    // the payee's seeds (seedPayee); the rest of the layered scratch waits for ensureLayered
    if (ly.frontA.length < S) ly.frontA = new Int32Array(grown(S));
  }

  /**
   * Size the layered pass's scratch (relax.ts) for the graph, after {@link ensureScratch}: a
   * router whose queries never run that pass (no alternatives, best-first) never keeps it.
   */
  ensureLayered(): void {
    const S = this.g.slotCount;
    const ly = this.layer;
    if (ly.stamp.length >= S) return;
    const n = grown(S);
    ly.num = new Float64Array(n);
    ly.big = new BigInt64Array(n);
    ly.arg = new Int32Array(n);
    ly.exact = new Uint8Array(n);
    ly.stamp = new Int32Array(n);
    ly.touched = new Int32Array(n);
    ly.frontB = new Int32Array(n);
  }

  /** The exact liquidity of offer `o` in force (see {@link Residual}). */
  liqBig(o: number): bigint {
    const v = this.liqNum(o);
    if (v < FAST_LIMIT) return BigInt(v);
    return (this.residual.on ? this.residual.big.get(o) : undefined) ?? this.g.liqBig(o);
  }

  /** Whether offer `o` is open and unexpired for this query. */
  usable(o: number): boolean {
    return this.g.offerOpen[o] === 1 && (this.g.offerExp[o] as number) > this.q.now;
  }

  /** Exact input offer `o` needs for output `out` (bigint). */
  inputBig(o: number, out: bigint): bigint {
    const g = this.g;
    const n = (out + g.feeBig(o)) * g.denBig(o) * PPM;
    const d = g.numBig(o) * (PPM - g.cutBig(o));
    return ceilDivBig(n, d);
  }

  /**
   * The input offer o needs for it to deliver label `a` (`aBig` when a >= 2^52), read from the
   * graph and the liquidity in force: false when the offer cannot carry it (closed, expired,
   * liquidity, max). Below the offer's minimum, any path through this slot delivers at least
   * `a`, so using this offer needs an input of at least max(in, min): that lifted value stays a
   * lower bound but is not an achieved amount, so exactness (`ex` in, {@link inp}.ex out) is
   * lost. Results in {@link inp}.
   */
  offerInput(o: number, a: number, aBig: bigint, ex: number): boolean {
    const g = this.g;
    if (g.offerOpen[o] !== 1 || (g.offerExp[o] as number) <= this.q.now) return false;
    let inNum: number;
    let inBig = 0n;
    if (a < FAST_LIMIT && g.fastOk[o] === 1) {
      if (a > this.liqNum(o)) return false;
      const x = a + (g.fFee[o] as number);
      inNum = x < FAST_LIMIT ? fastCeilMulDiv(x, g.fN[o] as number, g.fD[o] as number) : -1;
      if (inNum < 0) {
        inBig = this.inputBig(o, BigInt(a));
        inNum = Number(inBig);
      }
    } else {
      const aB = a < FAST_LIMIT ? BigInt(a) : aBig;
      if (aB > this.liqBig(o)) return false;
      inBig = this.inputBig(o, aB);
      inNum = Number(inBig);
    }
    if (inNum < FAST_LIMIT) {
      if (inNum > (g.fMax[o] as number)) return false;
    } else if (inBig > g.maxBig(o) || inBig > MAX_AMOUNT) return false;
    let inEx = ex;
    if (inNum < FAST_LIMIT ? inNum < (g.fMin[o] as number) : inBig < g.minBig(o)) {
      inNum = g.fMin[o] as number;
      if (inNum >= FAST_LIMIT) inBig = g.minBig(o);
      inEx = 0;
    }
    const r = this.inp;
    r.num = inNum;
    r.big = inBig;
    r.ex = inEx;
    return true;
  }

  // ---- labels (value = number when < 2^52, else number approx + exact bigint twin) ----

  /**
   * Label the payee's slots for this query (when the payee is within the social radius, like
   * every peer on a path but the payer) with the amount, exactly, at layer 0 of pass `stamp`;
   * the slots go to the start of the layered scratch's `frontA`. Returns how many.
   */
  seedPayee(amount: bigint, stamp: number): number {
    const g = this.g;
    const q = this.q;
    const lab = this.lab;
    const units = this.social.within(q.payee) ? q.payeeUnits : [];
    let n = 0;
    for (const u of units) {
      const s = g.slotOf(q.payee, u);
      if (s === NONE) continue;
      const j = s * q.layers;
      lab.num[j] = Number(amount);
      if ((lab.num[j] as number) >= FAST_LIMIT) this.setBig(j, amount);
      lab.stamp[j] = stamp;
      lab.exact[j] = 1;
      lab.simple[j] = 1;
      this.layer.frontA[n++] = s;
    }
    return n;
  }

  /**
   * Whether a label (inNum, its bigint twin inBig when >= 2^52, exactness inEx) improves state j
   * in pass `stamp`: j has none yet, or a larger one, or the same value only as a bound (ties go
   * to an exact label: a lifted one is only a bound).
   */
  improves(j: number, stamp: number, inNum: number, inBig: bigint, inEx: number, inSimple = 0): boolean {
    const lab = this.lab;
    if (lab.stamp[j] !== stamp) return true;
    const cur = lab.num[j] as number;
    // doubles order bigints monotonically: a smaller double is a smaller amount
    if (inNum !== cur) return inNum < cur;
    if (inNum >= FAST_LIMIT && inBig !== lab.big[j]) return inBig < (lab.big[j] as bigint);
    const curEx = lab.exact[j] as number;
    // then an exact label over a bound, then (best-first) a simple chain over one that repeats a peer
    return inEx > curEx || (inEx === curEx && inSimple > (lab.simple[j] as number));
  }

  /** Set state j's label and where it came from; true when j had no label in pass `stamp`. */
  setLabel(
    j: number,
    stamp: number,
    inNum: number,
    inBig: bigint,
    inEx: number,
    offer: number,
    nextSlot: number,
    simple = 0,
  ): boolean {
    const lab = this.lab;
    const fresh = lab.stamp[j] !== stamp;
    lab.stamp[j] = stamp;
    lab.num[j] = inNum;
    lab.exact[j] = inEx;
    lab.simple[j] = simple;
    if (inNum >= FAST_LIMIT) this.setBig(j, inBig);
    lab.predOffer[j] = offer;
    lab.predNext[j] = nextSlot;
    return fresh;
  }

  /**
   * Record state j's exact label (at or above 2^52). The bigint twins are allocated on first
   * use, for every state at once (so none written before is lost); readers look at them only
   * when the label's double is at or above 2^52, and read `lab.big` afresh each time.
   */
  private setBig(j: number, v: bigint): void {
    const lab = this.lab;
    if (lab.big.length === 0) lab.big = new BigInt64Array(lab.stamp.length);
    lab.big[j] = v;
  }

  /** The exact value of state i's label. */
  labValue(i: number): bigint {
    const v = this.lab.num[i] as number;
    return v < FAST_LIMIT ? BigInt(v) : (this.lab.big[i] as bigint);
  }
}
