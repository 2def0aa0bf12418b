/**
 * Route search over an {@link OfferGraph}.
 *
 * Single path: a hop-layered Bellman-Ford searching backwards from the payee with the amount to
 * deliver. Layer t holds, per slot (peer, unit), the least amount that peer must receive in that
 * unit so that exactly t further transfers deliver the amount; labels are only compared within
 * a slot, so units never need a common price, and rates above 1 are handled (which Dijkstra's
 * settled-once rule is not). This first pass is a relaxation (it ignores peer repetition, and
 * an input below an offer's minimum is lifted to that minimum and marked inexact), so its
 * optimum is a lower bound; when that optimum is exact and the path it yields is valid it is
 * the exact optimum. By default the relaxation is solved best-first (A* over slot x layer
 * states with a lower bound on the payer's spend per unit plus fixed fees), which stops as soon as no state can
 * beat the best candidate; the plain layered sweep remains for alternatives and comparisons.
 * Otherwise a depth-first search over simple paths, pruned with lower bounds and capped by the
 * cheapest valid path met so far, finds the exact best (or a valid path when its budget ends).
 *
 * Amounts are exact: doubles while every value is an integer below 2^52, bigint beyond.
 */
import { OtP2pError } from '../core/errors.ts';
import { PPM, formatUnitRef } from '../events/offer.ts';
import type { UnitRef } from '../events/offer.ts';
import { FAST_LIMIT, MAX_AMOUNT_BIG, ceilDivBig, fastCeilMulDiv } from './amount.ts';
import { graphTable } from './graph.ts';
import type { OfferGraph } from './graph.ts';
import type { GraphTable } from './table.ts';

/** A route request. */
export interface RouteQuery {
  /** Payer pubkey (hex). */
  from: string;
  /** The unit the payer holds and spends. */
  fromUnit: UnitRef;
  /** Payee pubkey (hex); what it accepts comes from {@link OfferGraph.setAccepts}. */
  to: string;
  /** Amount to deliver, in the payee's unit. */
  amount: bigint;
  /** Most transfers on a path (default 6). */
  maxHops?: number;
  /** Social radius: follow-steps from the payer (default 6). */
  maxDegree?: number;
  /** Alternatives besides the best path (default 0). */
  alternatives?: number;
  /** Most parts for a multi-path route (default 8, at most 8). */
  maxParts?: number;
  /** Unix seconds: offers expiring at or before are skipped. Default: none expire. */
  now?: number;
  /**
   * Work the exact search may do after the first pass before it gives up exactness and answers
   * with the best valid path it met, in candidate extensions (a neighbour examined, by the
   * depth-first search or by a best-first pass, which also counts one per state and one per
   * offer weighed). Default 100,000: about 8-10 ms of exact search on the bench's multi-asset
   * graph (a unit at a hub costs more than one in the depth-first search).
   */
  budget?: number;
  /**
   * Whether a payer holding a unit the payee accepts pays directly, whatever the follows say
   * (default true, as the offline semantics require). False for networks such as Lightning,
   * where paying someone needs a channel (a follow) like any other transfer.
   */
  direct?: boolean;
}

/** One transfer between peers; `offer` is the offer of `to` this input feeds (null at the payee). */
export interface RouteHop {
  from: string;
  to: string;
  unit: UnitRef;
  amount: bigint;
  offer: string | null;
}

/** A path: what the payer spends, what the payee receives, and each transfer. */
export interface RoutePath {
  spend: bigint;
  receive: bigint;
  hops: RouteHop[];
}

/** The answer to a single-path query. */
export interface RouteResult {
  best: RoutePath;
  alternatives: RoutePath[];
  /** False only when the search budget ran out before the optimum was proven. */
  exact: boolean;
}

/** A multi-path route: parts in the order they were found. */
export interface MultiRouteResult {
  spend: bigint;
  receive: bigint;
  parts: RoutePath[];
  exact: boolean;
}

const NONE = -1;
/** Doubles per offer in {@link Router.packed} lists. */
const PACK = 8;
/** The bound margin makes the float pruning conservative (it never cuts an optimal label). */
const MARGIN = 1 - 1e-9;

/**
 * Compressed rows of the social graph (see Router.csr): row v of `out` is out[outOff[v] ..
 * outOff[v + 1]), for peers v below `n` whose `stale` flag is 0; the others' rows are the
 * graph's own lists.
 */
interface Csr {
  n: number;
  stale: Uint8Array;
  outOff: Int32Array;
  out: Int32Array;
  inOff: Int32Array;
  in: Int32Array;
  adjOff: Int32Array;
  adj: Int32Array;
}

interface Found {
  spend: bigint;
  peers: number[];
  offers: number[];
}

/**
 * A reusable searcher bound to one graph. Scratch arrays are allocated once and grown with the
 * graph, so queries allocate nothing in the relaxation loop.
 */
export class Router {
  private readonly graph: OfferGraph;
  private readonly g: GraphTable;
  private qid = 0;
  private radStamp = new Int32Array(0);
  private radDepth = new Int32Array(0);
  private queue = new Int32Array(0);
  private labNum = new Float64Array(0);
  private labBig = new BigInt64Array(0);
  private labStamp = new Int32Array(0);
  /** 1 when the label is achieved exactly by its predecessor chain, 0 when a minimum lifted it (a bound only). */
  private labExact = new Uint8Array(0);
  /** Best-first passes: 1 when the label's predecessor chain visits no peer twice. */
  private labSimple = new Uint8Array(0);
  private predOffer = new Int32Array(0);
  private predNext = new Int32Array(0);
  private dNum = new Float64Array(0);
  private dBig = new BigInt64Array(0);
  private dArg = new Int32Array(0);
  private dExact = new Uint8Array(0);
  private dStamp = new Int32Array(0);
  private touched = new Int32Array(0);
  private frontA = new Int32Array(0);
  private frontB = new Int32Array(0);
  private visit = new Int32Array(0);
  private liqNum: Float64Array;
  private liqBig: BigInt64Array;
  private resNum = new Float64Array(0);
  private resBig = new BigInt64Array(0);
  private layers = 0;
  private radiusKey = '';
  // query state
  private payer = 0;
  private payee = 0;
  private u0 = 0;
  private H = 6;
  private now = Number.NEGATIVE_INFINITY;
  private expansions = 0;
  private budget = 100_000;
  /**
   * Whether best-first passes draw on the budget: the passes after the first do, each state
   * counting one plus the senders it examines (the same unit as a depth-first candidate
   * extension), so the budget bounds all the work of the exact search.
   */
  private metered = false;
  /** Work drawn on the budget in this search, and where metered passes and the DFS stop. */
  private spent = 0;
  private meterLimit = Number.POSITIVE_INFINITY;
  private exhausted = false;
  private direct = true;
  /**
   * Counters of the last search, for benchmarks: whether the exact search ran, the budget it
   * spent (`expansions`: see {@link RouteQuery.budget}), whether the budget ran out (then a
   * `no-route` means "none found within the budget"), and the best-first states expanded.
   */
  readonly lastStats = { fallback: false, expansions: 0, exhausted: false, states: 0 };
  /** How the first pass runs (both give the same answers; `layered` is the plain Bellman-Ford). */
  readonly firstPass: 'best-first' | 'layered';

  /** Re-expansions the best-first pass tolerates in deepest-first order (see {@link priority}). */
  private readonly rekeyAfter: number;

  /**
   * @param options.firstPass default `best-first`; `layered` exists for tests and comparisons.
   * @param options.rekeyAfter re-expansions (plus one per 8 states) the best-first pass
   *   tolerates before its keys leave deepest-first order for the bound's (default 32); tests
   *   set 0 and Infinity to check that neither order changes an answer.
   */
  constructor(graph: OfferGraph, options: { firstPass?: 'best-first' | 'layered'; rekeyAfter?: number } = {}) {
    this.graph = graph;
    this.g = graphTable(graph);
    this.firstPass = options.firstPass ?? 'best-first';
    this.rekeyAfter = options.rekeyAfter ?? 32;
    this.liqNum = this.g.fLiq;
    this.liqBig = this.g.bLiq;
  }

  private ensureScratch(H: number): void {
    const g = this.g;
    const P = g.peerKeys.length;
    const S = g.slotCount;
    if (this.radStamp.length < P) {
      this.radStamp = new Int32Array(P * 2);
      this.radDepth = new Int32Array(P * 2);
      this.queue = new Int32Array(P * 2);
      this.visit = new Int32Array(P * 2);
      this.nearPayer = new Int32Array(P * 2);
      this.chainMark = new Int32Array(P * 2);
      this.radiusKey = '';
    }
    const L = (H + 1) * S;
    if (this.labStamp.length < L || this.layers !== H + 1 || this.dStamp.length < S) {
      const cap = Math.max(S * 2, 16);
      this.layers = H + 1;
      this.labNum = new Float64Array(cap * (H + 1));
      this.labBig = new BigInt64Array(cap * (H + 1));
      this.labStamp = new Int32Array(cap * (H + 1));
      this.labExact = new Uint8Array(cap * (H + 1));
      this.labSimple = new Uint8Array(cap * (H + 1));
      this.predOffer = new Int32Array(cap * (H + 1));
      this.predNext = new Int32Array(cap * (H + 1));
      this.dNum = new Float64Array(cap);
      this.dBig = new BigInt64Array(cap);
      this.dArg = new Int32Array(cap);
      this.dExact = new Uint8Array(cap);
      this.dStamp = new Int32Array(cap);
      this.touched = new Int32Array(cap);
      this.frontA = new Int32Array(cap);
      this.frontB = new Int32Array(cap);
    }
  }

  /** Mark peers within `D` follow-steps of the payer (outward along `follows`). Cached per payer and graph version. */
  private radius(payer: number, D: number): void {
    const key = `${payer}:${D}:${this.g.version}`;
    if (key === this.radiusKey) return;
    this.radiusKey = key;
    const stamp = ++this.qid;
    const c = this.csr();
    bfs(c.n, c.stale, c.outOff, c.out, this.g.followOut, c.inOff, c.in, this.g.followIn, payer, D, stamp, this.radStamp, this.radDepth, this.queue, this.g.peerKeys.length);
    this.radStampValue = stamp;
  }
  private radStampValue = 0;
  private csrData: Csr | null = null;
  /** Rows marked stale, where the graph's follow log was read up to, its epoch and version. */
  private csrStale = 0;
  private csrLogPos = 0;
  private csrEpoch = -1;
  private csrVersion = -1;

  /**
   * The social graph in compressed rows (follows out, follows in, and the undirected adjacency),
   * rebuilt when a follow list changes or a peer is added. Per-peer arrays are scattered over
   * the heap; the two breadth-first searches of every query sweep all peers, and over one
   * contiguous array they stay in cache, where a sweep over per-peer arrays misses on most.
   * A full rebuild costs ~4 ms on the bench graph (6,978 peers; code that runs too rarely to be
   * optimized), so a follow-list change only marks the peers it touched (from the graph's follow
   * log) as stale, and the searches read those peers' own lists; the rows are rebuilt once a
   * sixteenth of the peers are stale or new.
   */
  private csr(): Csr {
    const g = this.g;
    const P = g.peerKeys.length;
    const d = this.csrData;
    if (d && this.csrEpoch === g.followLogEpoch) {
      if (this.csrVersion === g.followVersion && d.n === P) return d;
      // Patch rather than rebuild: peers whose rows changed since (the graph logs them) and
      // peers added since are read from the graph's own lists, until they are too many.
      const log = g.followLog;
      for (let i = this.csrLogPos; i < log.length; i++) {
        const v = log[i] as number;
        if (v < d.n && d.stale[v] === 0) {
          d.stale[v] = 1;
          this.csrStale++;
        }
      }
      this.csrLogPos = log.length;
      this.csrVersion = g.followVersion;
      if ((this.csrStale + P - d.n) * 16 <= P) return d;
    }
    const rows = (lists: ArrayLike<ArrayLike<number>>): [Int32Array, Int32Array] => {
      const off = new Int32Array(P + 1);
      for (let v = 0; v < P; v++) off[v + 1] = (off[v] as number) + ((lists[v] as ArrayLike<number> | undefined)?.length ?? 0);
      const flat = new Int32Array(off[P] as number);
      for (let v = 0; v < P; v++) {
        const l = lists[v] as ArrayLike<number> | undefined;
        if (l) flat.set(l, off[v] as number);
      }
      return [off, flat];
    };
    const [outOff, out] = rows(g.followOut);
    const [inOff, inn] = rows(g.followIn);
    const [adjOff, adj] = rows(g.adj);
    this.csrData = { n: P, stale: new Uint8Array(P), outOff, out, inOff, in: inn, adjOff, adj };
    this.csrStale = 0;
    this.csrLogPos = g.followLog.length;
    this.csrEpoch = g.followLogEpoch;
    this.csrVersion = g.followVersion;
    return this.csrData;
  }

  private hopKey = '';
  private hopDist = new Int32Array(0);
  private hopStamp = new Int32Array(0);
  private hopStampValue = 0;

  /**
   * Transfers needed to reach each peer from the payer (undirected follows, up to H): a peer
   * that needs k transfers to be reached can only carry a label with at most H - k transfers
   * left, which bounds the backward search to the region both ends can reach.
   */
  private hopsFromPayer(payer: number): void {
    // cached per payer, hop limit and graph version
    const key = `${payer}:${this.H}:${this.g.version}`;
    if (key === this.hopKey) return;
    this.hopKey = key;
    const P = this.g.peerKeys.length;
    if (this.hopDist.length < P) {
      this.hopDist = new Int32Array(P * 2);
      this.hopStamp = new Int32Array(P * 2);
    }
    const stamp = ++this.qid;
    // peers at H - 1 transfers are the last that can still pass a label on
    const c = this.csr();
    bfs(c.n, c.stale, c.adjOff, c.adj, this.g.adj, c.adjOff, c.adj, this.g.adj, payer, this.H - 1, stamp, this.hopStamp, this.hopDist, this.queue, P);
    this.hopStampValue = stamp;
  }
  private dCounter = 0;
  private lim = new Int32Array(0);
  private limKey = '';

  /**
   * Per peer, the last layer at which it may take a label in this query: H minus the transfers
   * needed to reach it from the payer, or -1 when it is outside the social radius, is the payer
   * or the payee (neither sends a transfer in the middle of a path), or cannot be reached within
   * the hop limit. One array read then stands for the three tests of a sender.
   */
  private peerLimits(): Int32Array {
    this.hopsFromPayer(this.payer);
    const key = `${this.radiusKey}|${this.hopKey}|${this.payee}`;
    if (key === this.limKey) return this.lim;
    this.limKey = key;
    const P = this.g.peerKeys.length;
    if (this.lim.length < P) this.lim = new Int32Array(P * 2);
    const lim = this.lim;
    const rad = this.radStamp;
    const radOk = this.radStampValue;
    const hop = this.hopStamp;
    const hopOk = this.hopStampValue;
    const dist = this.hopDist;
    const H = this.H;
    for (let Q = 0; Q < P; Q++) lim[Q] = rad[Q] === radOk && hop[Q] === hopOk ? H - (dist[Q] as number) : -1;
    lim[this.payer] = -1;
    lim[this.payee] = -1;
    return lim;
  }

  private usable(o: number): boolean {
    return this.g.offerOpen[o] === 1 && (this.g.offerExp[o] as number) > this.now;
  }

  /** Exact input offer `o` needs for output `out` (bigint). */
  private inputBig(o: number, out: bigint): bigint {
    const g = this.g;
    const n = (out + (g.bFee[o] as bigint)) * (g.bDen[o] as bigint) * PPM;
    const d = (g.bNum[o] as bigint) * (PPM - (g.bCut[o] as bigint));
    return ceilDivBig(n, d);
  }

  /** What {@link offerInput} found: the input (exact double, or its bigint twin), and exactness. */
  private inNum = 0;
  private inBig = 0n;
  private inEx = 0;

  /**
   * The input offer o needs for it to deliver label `a` (`aBig` when a >= 2^52), read from the
   * graph and the liquidity in force (the graph's, or a multi-path route's residual): false when
   * the offer cannot carry it (closed, expired, liquidity, max). Below the offer's minimum, any
   * path through this slot delivers at least `a`, so using this offer needs an input of at
   * least max(in, min): that lifted value stays a lower bound but is not an achieved amount,
   * so exactness (`ex` in, {@link inEx} out) is lost. Results in {@link inNum}, {@link inBig}.
   */
  private offerInput(o: number, a: number, aBig: bigint, ex: number): boolean {
    const g = this.g;
    if (g.offerOpen[o] !== 1 || (g.offerExp[o] as number) <= this.now) return false;
    let inNum: number;
    let inBig = 0n;
    if (a < FAST_LIMIT && g.fastOk[o] === 1) {
      if (a > (this.liqNum[o] as number)) return false;
      const x = a + (g.fFee[o] as number);
      inNum = x < FAST_LIMIT ? fastCeilMulDiv(x, g.fN[o] as number, g.fD[o] as number) : -1;
      if (inNum < 0) {
        inBig = this.inputBig(o, BigInt(a));
        inNum = Number(inBig);
      }
    } else {
      const aB = a < FAST_LIMIT ? BigInt(a) : aBig;
      if (aB > (this.liqBig[o] as bigint)) return false;
      inBig = this.inputBig(o, aB);
      inNum = Number(inBig);
    }
    if (inNum < FAST_LIMIT) {
      if (inNum > (g.fMax[o] as number)) return false;
    } else if (inBig > (g.bMax[o] as bigint) || inBig > MAX_AMOUNT_BIG) return false;
    let inEx = ex;
    if (inNum < FAST_LIMIT ? inNum < (g.fMin[o] as number) : inBig < (g.bMin[o] as bigint)) {
      inNum = g.fMin[o] as number;
      if (inNum >= FAST_LIMIT) inBig = g.bMin[o] as bigint;
      inEx = 0;
    }
    this.inNum = inNum;
    this.inBig = inBig;
    this.inEx = inEx;
    return true;
  }

  private setup(q: RouteQuery): void {
    const g = this.g;
    // The payer may be new to the graph (no offers, no follows yet): it can still pay directly.
    const payer = this.graph.peer(q.from);
    const payee = g.peerIndex.get(q.to);
    const u0 = this.graph.unit(q.fromUnit);
    if (typeof q.amount !== 'bigint' || q.amount <= 0n || q.amount > MAX_AMOUNT_BIG) {
      throw new OtP2pError('bad-amount', `amount must be an integer in [1, 2^63-1], got ${String(q.amount)}`, { context: { field: 'amount' } });
    }
    const H = q.maxHops ?? 6;
    const D = q.maxDegree ?? 6;
    if (!Number.isInteger(H) || H < 1 || H > 32) throw new OtP2pError('bad-input', `maxHops must be an integer in [1, 32], got ${H}`, { context: { field: 'maxHops' } });
    if (!Number.isInteger(D) || D < 0 || D > 1000) throw new OtP2pError('bad-input', `maxDegree must be an integer in [0, 1000], got ${D}`, { context: { field: 'maxDegree' } });
    const budget = q.budget ?? 100_000;
    if (!(Number.isSafeInteger(budget) && budget >= 0) && budget !== Number.POSITIVE_INFINITY) {
      throw new OtP2pError('bad-input', `budget must be a non-negative integer or Infinity, got ${budget}`, { context: { field: 'budget' } });
    }
    if (payer === undefined || payee === undefined || u0 === undefined || payer === payee) {
      throw noRoute(q, payer === payee && payer !== undefined ? 'payer and payee are the same peer' : 'payer, payee or unit unknown to the graph');
    }
    this.payer = payer;
    this.payee = payee;
    this.u0 = u0;
    this.H = H;
    this.now = q.now ?? Number.NEGATIVE_INFINITY;
    this.budget = budget;
    this.direct = q.direct ?? true;
    this.graph.flushAdjacency();
    this.ensureScratch(H);
    this.radius(payer, D);
  }

  /**
   * The best path (least spend in the payer's unit) and up to `alternatives` more.
   * @throws OtP2pError `no-route` when no single path can deliver the amount; `bad-amount`,
   *   `bad-input` for an invalid query.
   */
  findRoute(q: RouteQuery): RouteResult {
    this.liqNum = this.g.fLiq;
    this.liqBig = this.g.bLiq;
    this.setup(q);
    const found = this.search(q.amount, Math.max(0, Math.min(q.alternatives ?? 0, 64)));
    if (found.length === 0) throw noRoute(q, 'no single path can deliver the amount within the limits');
    const paths = found.map((f) => this.toPath(f, q.amount));
    return { best: paths[0] as RoutePath, alternatives: paths.slice(1), exact: !this.exhausted };
  }

  /**
   * A route that may split the amount: one path when one can carry it, else a greedy split over
   * residual liquidity into at most `maxParts` (<= 8) parts, each at least ceil(amount / 8).
   * @throws OtP2pError `no-route` when no split works; `bad-amount`, `bad-input`.
   */
  findMultiRoute(q: RouteQuery): MultiRouteResult {
    const maxParts = q.maxParts ?? 8;
    if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 8) {
      throw new OtP2pError('bad-input', `parts must be an integer in [1, 8], got ${maxParts}`, { context: { field: 'parts' } });
    }
    const g = this.g;
    this.setup(q);
    this.liqNum = g.fLiq;
    this.liqBig = g.bLiq;
    const first = this.search(q.amount, 0);
    if (first[0]) {
      const p = this.toPath(first[0], q.amount);
      return { spend: p.spend, receive: p.receive, parts: [p], exact: !this.exhausted };
    }
    if (maxParts === 1) throw noRoute(q, 'no single path can deliver the amount and only one part is allowed');
    // Residual liquidity: copies of the graph's arrays, reused across queries.
    const n = g.offerCap;
    if (this.resNum.length < n) {
      this.resNum = new Float64Array(Math.max(n, 16) * 2);
      this.resBig = new BigInt64Array(Math.max(n, 16) * 2);
    }
    this.resNum.set(g.fLiq.subarray(0, n));
    this.resBig.set(g.bLiq.subarray(0, n));
    this.liqNum = this.resNum;
    this.liqBig = this.resBig;
    let exact = !this.exhausted;
    try {
      const minPart = ceilDivBig(q.amount, 8n);
      let rest = q.amount;
      const parts: RoutePath[] = [];
      let tryWhole = false; // the whole amount was just tried above
      while (rest > 0n) {
        if (parts.length >= maxParts) break;
        const whole = tryWhole ? this.search(rest, 0)[0] : undefined;
        tryWhole = true;
        exact &&= !this.exhausted;
        if (whole) {
          parts.push(this.commit(whole, rest));
          rest = 0n;
          break;
        }
        if (parts.length === maxParts - 1 || rest < 2n * minPart) break;
        const small = this.search(minPart, 0)[0];
        exact &&= !this.exhausted;
        if (!small) break;
        const take = this.largestOnPath(small, minPart, rest - minPart);
        const f = this.amountsOnPath(small.offers, take);
        if (!f) break;
        parts.push(this.commit({ ...small, spend: f }, take));
        rest -= take;
      }
      if (rest > 0n) throw noRoute(q, `no split into at most ${maxParts} parts of at least ${minPart} can deliver the amount`);
      let spend = 0n;
      for (const p of parts) spend += p.spend;
      return { spend, receive: q.amount, parts, exact };
    } finally {
      this.liqNum = g.fLiq;
      this.liqBig = g.bLiq;
    }
  }

  /** Record a part: its path, and the liquidity it uses up. */
  private commit(f: Found, deliver: bigint): RoutePath {
    const p = this.toPath(f, deliver);
    let out = deliver;
    for (let i = f.offers.length - 1; i >= 0; i--) {
      const o = f.offers[i] as number;
      const left = (this.liqBig[o] as bigint) - out;
      this.liqBig[o] = left;
      this.liqNum[o] = Number(left);
      out = this.inputBig(o, out);
    }
    return p;
  }

  /** The largest x in [lo, hi] this path can deliver (feasibility along a path is an interval). */
  private largestOnPath(f: Found, lo: bigint, hi: bigint): bigint {
    if (this.amountsOnPath(f.offers, hi) !== null) return hi;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (this.amountsOnPath(f.offers, mid) !== null) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** Spend needed to deliver `deliver` through `offers` (payer side first), or null when a limit is broken. */
  private amountsOnPath(offers: number[], deliver: bigint): bigint | null {
    let out = deliver;
    for (let i = offers.length - 1; i >= 0; i--) {
      const o = offers[i] as number;
      if (!this.usable(o) || out > (this.liqBig[o] as bigint)) return null;
      const inp = this.inputBig(o, out);
      if (inp < (this.g.bMin[o] as bigint) || inp > (this.g.bMax[o] as bigint)) return null;
      out = inp;
    }
    return out;
  }

  private toPath(f: Found, deliver: bigint): RoutePath {
    const g = this.g;
    const hops: RouteHop[] = [];
    const amounts: bigint[] = new Array<bigint>(f.offers.length + 1);
    let out = deliver;
    amounts[f.offers.length] = deliver;
    for (let i = f.offers.length - 1; i >= 0; i--) {
      out = this.inputBig(f.offers[i] as number, out);
      amounts[i] = out;
    }
    for (let i = 0; i < f.peers.length - 1; i++) {
      const o = f.offers[i];
      const unit = i === 0 ? this.u0 : (g.slotUnit[g.offerOutSlot[f.offers[i - 1] as number] as number] as number);
      hops.push({
        from: g.peerKeys[f.peers[i] as number] as string,
        to: g.peerKeys[f.peers[i + 1] as number] as string,
        unit: { ...(g.unitRefs[unit] as UnitRef) },
        amount: amounts[i] as bigint,
        offer: o === undefined ? null : (g.offerIds[o] as string),
      });
    }
    return { spend: amounts[0] as bigint, receive: deliver, hops };
  }

  // ---- label helpers (value = number when < 2^52, else number approx + exact bigint twin) ----

  /**
   * Label the payee's accepted slots (when the payee is within the social radius, like every
   * peer on a path but the payer) with the amount, exactly, at layer 0 of search `stamp`; the
   * slots go to the start of {@link frontA}. Returns how many.
   */
  private seedPayee(amount: bigint, stamp: number): number {
    const g = this.g;
    const units = this.radStamp[this.payee] === this.radStampValue ? (g.accepts.get(this.payee) ?? []) : [];
    let n = 0;
    for (const u of units) {
      const s = g.slotOf(this.payee, u);
      if (s === NONE) continue;
      const j = s * this.layers;
      this.labNum[j] = Number(amount);
      this.labBig[j] = amount;
      this.labStamp[j] = stamp;
      this.labExact[j] = 1;
      this.labSimple[j] = 1;
      this.frontA[n++] = s;
    }
    return n;
  }

  /**
   * Whether a label (inNum, its bigint twin inBig when >= 2^52, exactness inEx) improves state j
   * in search `stamp`: j has none yet, or a larger one, or the same value only as a bound
   * (ties go to an exact label: a lifted one is only a bound).
   */
  private improves(j: number, stamp: number, inNum: number, inBig: bigint, inEx: number, inSimple = 0): boolean {
    if (this.labStamp[j] !== stamp) return true;
    const cur = this.labNum[j] as number;
    // doubles order bigints monotonically: a smaller double is a smaller amount
    if (inNum !== cur) return inNum < cur;
    if (inNum >= FAST_LIMIT && inBig !== this.labBig[j]) return inBig < (this.labBig[j] as bigint);
    const curEx = this.labExact[j] as number;
    // then an exact label over a bound, then (best-first) a simple chain over one that repeats a peer
    return inEx > curEx || (inEx === curEx && inSimple > (this.labSimple[j] as number));
  }

  /** Set state j's label and where it came from; true when j had no label in search `stamp`. */
  private setLabel(j: number, stamp: number, inNum: number, inBig: bigint, inEx: number, offer: number, nextSlot: number, simple = 0): boolean {
    const fresh = this.labStamp[j] !== stamp;
    this.labStamp[j] = stamp;
    this.labNum[j] = inNum;
    this.labExact[j] = inEx;
    this.labSimple[j] = simple;
    if (inNum >= FAST_LIMIT) this.labBig[j] = inBig;
    this.predOffer[j] = offer;
    this.predNext[j] = nextSlot;
    return fresh;
  }

  private labValue(i: number): bigint {
    const v = this.labNum[i] as number;
    return v < FAST_LIMIT ? BigInt(v) : (this.labBig[i] as bigint);
  }

  /**
   * Pass 1: relaxed hop-layered Bellman-Ford. Fills layers 0..H; returns the best payer
   * candidate as [spend, slot, layer] or null. With `prune`, labels that cannot beat the best
   * candidate are dropped (then layers are not usable as bounds).
   */
  private relax(amount: bigint, prune: boolean, cap = Number.POSITIVE_INFINITY): { spend: bigint; slot: number; layer: number; exact: boolean } | null {
    const g = this.g;
    // before the stamp: a breadth-first search it may run takes stamps of its own
    const lim = this.peerLimits();
    // a known valid path's spend: labels whose bound is above it cannot matter to the exact search
    const capNum = cap * (1 + 1e-12);
    const L = this.layers;
    const H = this.H;
    const stamp = ++this.qid;
    const labNum = this.labNum;
    const labBig = this.labBig;
    const labExact = this.labExact;
    const dExact = this.dExact;
    const dNum = this.dNum;
    const dBig = this.dBig;
    const dArg = this.dArg;
    const dStamp = this.dStamp;
    const payer = this.payer;
    const u0 = this.u0;
    const F = this.unitBounds();
    const B = this.fFixed;
    const U = g.unitRefs.length;
    const slotUnit = g.slotUnit;
    let front = this.frontA;
    let next = this.frontB;
    let nFront = this.seedPayee(amount, stamp);
    let bestNum = Number.POSITIVE_INFINITY;
    let bestBig = 0n;
    let bestSlot = NONE;
    let bestLayer = NONE;
    let bestExact = 0;
    for (let t = 1; t <= H; t++) {
      // labels are slot-major: state (slot s, layer t) is s * L + t
      const dStampV = ++this.dCounter;
      let nTouched = 0;
      // factor bounding spend from a layer-(t-1) label: up to H - t conversions upstream
      const fPrev = (H - t) * U;
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
            const better = a < bestNum || (a >= FAST_LIMIT && bestNum >= FAST_LIMIT && this.labValue(js) < bestBig);
            if (better || (ex > bestExact && a === bestNum && (a < FAST_LIMIT || this.labValue(js) === bestBig))) {
              bestNum = a;
              bestBig = this.labValue(js);
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
          if (dStamp[qs] !== dStampV) {
            dStamp[qs] = dStampV;
            dNum[qs] = a;
            if (a >= FAST_LIMIT) dBig[qs] = labBig[js] as bigint;
            dArg[qs] = s;
            dExact[qs] = ex;
            this.touched[nTouched++] = qs;
          } else {
            const cur = dNum[qs] as number;
            const less = a < cur || (a >= FAST_LIMIT && a === cur && (labBig[js] as bigint) < (dBig[qs] as bigint));
            const tie = a === cur && (a < FAST_LIMIT || (labBig[js] as bigint) === (dBig[qs] as bigint));
            if (less || (tie && ex > (dExact[qs] as number))) {
              dNum[qs] = a;
              if (a >= FAST_LIMIT) dBig[qs] = labBig[js] as bigint;
              dArg[qs] = s;
              dExact[qs] = ex;
            }
          }
        }
      }
      let nNext = 0;
      const fNew = Math.max(0, H - t - 1) * U;
      for (let i = 0; i < nTouched; i++) {
        const qs = this.touched[i] as number;
        const a = dNum[qs] as number;
        const aEx = dExact[qs] as number;
        for (let o = g.slotOutHead[qs] as number; o !== NONE; o = g.offerNextOut[o] as number) {
          if (!this.offerInput(o, a, a < FAST_LIMIT ? 0n : (dBig[qs] as bigint), aEx)) continue;
          const inNum = this.inNum;
          const inBig = this.inBig;
          const inEx = this.inEx;
          const sIn = g.offerInSlot[o] as number;
          const lbIn = inNum * (F[fNew + (slotUnit[sIn] as number)] as number) + (B[fNew + (slotUnit[sIn] as number)] as number);
          if ((prune && lbIn > bestNum) || lbIn > capNum) continue;
          const j = L * sIn + t;
          if (!this.improves(j, stamp, inNum, inBig, inEx)) continue;
          if (this.setLabel(j, stamp, inNum, inBig, inEx, o, dArg[qs] as number)) next[nNext++] = sIn;
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
    return { spend: bestNum < FAST_LIMIT ? BigInt(bestNum) : bestBig, slot: bestSlot, layer: bestLayer, exact: bestExact === 1 };
  }

  private fBound = new Float64Array(0);
  private fFixed = new Float64Array(0);
  private fKey = '';

  /**
   * An affine lower bound on what the payer spends (in its unit) to get `a` units of X to a
   * peer through at most c more conversions: spend >= a * F[c * U + X] + B[c * U + X], with B
   * left in {@link fFixed}. Each offer of a chain turns a need b into (b + fee) * k or more
   * (rounding and minimums only add), so a chain costs its product of factors times a, plus
   * each fixed fee times the factors upstream of it: F is the least product over unit chains
   * u0 -> ... -> X of at most c offers, B the least such fee sum (a Bellman-Ford over the small
   * unit graph with the least factor and least fee-times-factor of each unit pair). The least
   * slope and the least intercept need not come from the same chain; their sum still bounds
   * every chain. Infinity: X is out of reach. Fixed fees matter: for small amounts they are
   * most of the spend, and a bound on factors alone would let the search wander through every
   * state within them.
   */
  private unitBounds(): Float64Array {
    const g = this.g;
    const U = g.unitRefs.length;
    const H = this.H;
    const u0 = this.u0;
    const key = `${this.payer}:${u0}:${H}:${U}:${g.pairVersion}:${g.version}`;
    if (key === this.fKey) return this.fBound;
    this.fKey = key;
    // The first conversion of any path happens at a neighbour of the payer, on an offer that
    // takes the payer's unit: its least factor and fee come from those few offers, not from
    // every offer of the pair (for most payers they are well above the graph's best).
    let A = new Float64Array(U).fill(Number.POSITIVE_INFINITY);
    let Ab = new Float64Array(U).fill(Number.POSITIVE_INFINITY);
    const nb = g.adj[this.payer] as Int32Array;
    for (let k = 0; k < nb.length; k++) {
      const qs = g.slotOf(nb[k] as number, u0);
      if (qs === NONE) continue;
      for (let o = g.slotInHead[qs] as number; o !== NONE; o = g.offerNextIn[o] as number) {
        if (g.offerOpen[o] !== 1) continue;
        const y = g.slotUnit[g.offerOutSlot[o] as number] as number;
        const f = (g.fN[o] as number) / (g.fD[o] as number);
        if (f < (A[y] as number)) A[y] = f;
        const fk = (g.fFee[o] as number) * f;
        if (fk < (Ab[y] as number)) Ab[y] = fk;
      }
    }
    // F[c] and B[c]: no conversion (the payer pays the label's peer in its own unit), or a
    // first conversion as above followed by at most c - 1 more over the unit pairs
    const F = new Float64Array((H + 1) * U).fill(Number.POSITIVE_INFINITY);
    const B = new Float64Array((H + 1) * U).fill(Number.POSITIVE_INFINITY);
    for (let c = 0; c <= H; c++) {
      if (c >= 2) {
        const A2 = A.slice();
        const Ab2 = Ab.slice();
        for (const [pk, k] of g.pairK) {
          const x = Math.floor(pk / 0x100000);
          const y = pk - x * 0x100000;
          const v = (A[x] as number) * k;
          if (v < (A2[y] as number)) A2[y] = v;
          const w = (A[x] as number) * (g.pairFeeK.get(pk) as number) + (Ab[x] as number);
          if (w < (Ab2[y] as number)) Ab2[y] = w;
        }
        A = A2;
        Ab = Ab2;
      }
      const cur = c * U;
      F[cur + u0] = 1;
      B[cur + u0] = 0;
      if (c === 0) continue;
      for (let x = 0; x < U; x++) {
        if ((A[x] as number) < (F[cur + x] as number)) F[cur + x] = A[x] as number;
        if ((Ab[x] as number) < (B[cur + x] as number)) B[cur + x] = Ab[x] as number;
      }
    }
    // float products of up to H ratios: a relative margin keeps the bound conservative
    for (let i = 0; i < F.length; i++) {
      F[i] = (F[i] as number) * MARGIN;
      B[i] = (B[i] as number) * MARGIN;
    }
    this.fBound = F;
    this.fFixed = B;
    return F;
  }

  /** The cheapest valid path the last best-first pass met (null when none). */
  private incumbent: Found | null = null;
  private nearPayer = new Int32Array(0);
  private popCounter = 0;
  private chainMark = new Int32Array(0);
  private hPrio = new Float64Array(1024);
  private hIdx = new Int32Array(1024);
  private hVal = new Float64Array(1024);
  private scanNum = new Float64Array(0);
  private scanStamp = new Int32Array(0);
  private scanExact = new Uint8Array(0);
  private scanSimple = new Uint8Array(0);
  private expStamp = new Int32Array(0);

  /**
   * The same relaxation as {@link relax} (same labels per slot and layer, same lifting of
   * minimums, so the same optimum), solved best-first instead of layer by layer: states
   * (slot, layer) are keyed by `label * F + B`, a lower bound on the payer's spend (see
   * {@link unitBounds}), rounded up to whole units (see {@link priority}); the bound is
   * consistent (an expansion never lowers it), so the search stops as soon as no key left can
   * beat the best candidate, whatever order it expanded them in. A label is skipped
   * when the same slot already holds a label at most as large with at most as many transfers.
   * Labels are only written for the states it reaches, so the layers are not bounds for the
   * exact search: {@link search} reruns it with a cap (or {@link relax} unpruned) before that.
   *
   * With `simple`, a label is never extended to a peer already on its own path (walked through
   * the predecessors), nor lifted to an offer's minimum. That is a heuristic, not a
   * relaxation: a label may have pushed out another whose path avoided that peer, so its
   * answer is a valid path but proves nothing. It finds a good path where the relaxed optimum
   * visits a peer twice or breaks a minimum, to cap the exact search.
   */
  private bestFirst(amount: bigint, cap?: number, simple = false, below = Number.POSITIVE_INFINITY): { spend: bigint; slot: number; layer: number; exact: boolean } | null {
    const g = this.g;
    // labels (and scan marks) are slot-major: state (slot s, layer t) is s * L + t
    const L = this.layers;
    const H = this.H;
    const U = g.unitRefs.length;
    const F = this.unitBounds();
    const B = this.fFixed;
    // before the stamp: a breadth-first search it may run takes stamps of its own
    const lim = this.peerLimits();
    const stamp = ++this.qid;
    const labNum = this.labNum;
    const labBig = this.labBig;
    const labStamp = this.labStamp;
    const labExact = this.labExact;
    const slotUnit = g.slotUnit;
    if (this.scanStamp.length < labStamp.length) {
      this.scanNum = new Float64Array(labStamp.length);
      this.scanStamp = new Int32Array(labStamp.length);
      this.scanExact = new Uint8Array(labStamp.length);
      this.scanSimple = new Uint8Array(labStamp.length);
      this.expStamp = new Int32Array(labStamp.length);
    }
    const scanNum = this.scanNum;
    const useDom = this.liqNum === g.fLiq;
    const metered = this.metered;
    const scanStamp = this.scanStamp;
    const scanExact = this.scanExact;
    const scanSimple = this.scanSimple;
    const labSimple = this.labSimple;
    const payer = this.payer;
    const u0 = this.u0;
    const nearPayer = this.nearPayer;
    const nbPayer = g.adj[payer] as Int32Array;
    for (let k = 0; k < nbPayer.length; k++) nearPayer[nbPayer[k] as number] = stamp;
    let hn = 0;
    const push = (prio: number, j: number, val: number): void => {
      if (hn === this.hPrio.length) {
        const n = hn * 2;
        const p2 = new Float64Array(n);
        p2.set(this.hPrio);
        this.hPrio = p2;
        const i2 = new Int32Array(n);
        i2.set(this.hIdx);
        this.hIdx = i2;
        const v2 = new Float64Array(n);
        v2.set(this.hVal);
        this.hVal = v2;
      }
      const hp = this.hPrio;
      const hi = this.hIdx;
      const hv = this.hVal;
      let i = hn++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if ((hp[up] as number) <= prio) break;
        hp[i] = hp[up] as number;
        hi[i] = hi[up] as number;
        hv[i] = hv[up] as number;
        i = up;
      }
      hp[i] = prio;
      hi[i] = j;
      hv[i] = val;
    };
    /** Move the entry at i down to its place (after a pop, or when the keys are recomputed). */
    const siftDown = (start: number): void => {
      const hp = this.hPrio;
      const hi = this.hIdx;
      const hv = this.hVal;
      const lp = hp[start] as number;
      const li = hi[start] as number;
      const lv = hv[start] as number;
      let i = start;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= hn) break;
        if (c + 1 < hn && (hp[c + 1] as number) < (hp[c] as number)) c++;
        if ((hp[c] as number) >= lp) break;
        hp[i] = hp[c] as number;
        hi[i] = hi[c] as number;
        hv[i] = hv[c] as number;
        i = c;
      }
      hp[i] = lp;
      hi[i] = li;
      hv[i] = lv;
    };
    let popIdx = 0;
    let popVal = 0;
    const pop = (): number => {
      const hp = this.hPrio;
      const hi = this.hIdx;
      const hv = this.hVal;
      const top = hp[0] as number;
      popIdx = hi[0] as number;
      popVal = hv[0] as number;
      hn--;
      if (hn > 0) {
        hp[0] = hp[hn] as number;
        hi[0] = hi[hn] as number;
        hv[0] = hv[hn] as number;
        siftDown(0);
      }
      return top;
    };
    const amtNum = Number(amount);
    const seeds = this.seedPayee(amount, stamp);
    for (let i = 0; i < seeds; i++) {
      const s = this.frontA[i] as number;
      const raw = amtNum * (F[(H - 1) * U + (slotUnit[s] as number)] as number) + (B[(H - 1) * U + (slotUnit[s] as number)] as number);
      if (raw !== Number.POSITIVE_INFINITY) push(priority(raw, H / (H + 2), true), s * L, amtNum);
    }
    let bestNum = Number.POSITIVE_INFINITY;
    let bestBig = 0n;
    let bestSlot = NONE;
    let bestLayer = NONE;
    let bestExact = 0;
    let bestSimple = 0;
    // States at or above `stop` cannot matter (see priority): no candidate below the best (or
    // equal to it, when the best is exact) comes from them.
    // With a cap (the spend of a known valid path) every state whose bound is below it is
    // expanded, so the labels left are exact lower bounds for the exact search wherever they
    // can matter (a state never labelled cannot lead to a path cheaper than the cap, the only
    // ones the exact search looks for).
    // `below`: only candidates cheaper than a path already known matter (the simple pass); one
    // that spends as much would change nothing.
    let stop = stopAt(cap ?? below, true);
    if (cap === undefined) this.incumbent = null;
    let incNum = Number.POSITIVE_INFINITY;
    // Deepest-first ties (see priority) can expand a state before its best label arrives; when
    // such re-expansions pile up, the keys switch to the bound's order, which has almost none.
    let deep = true;
    let again = 0;
    const expStamp = this.expStamp;
    while (hn > 0) {
      const pr = pop();
      if (pr >= stop) break;
      const j = popIdx;
      if (labStamp[j] !== stamp || labNum[j] !== popVal) continue;
      this.lastStats.states++;
      if (expStamp[j] === stamp && deep && ++again > this.rekeyAfter + (this.lastStats.states >> 3)) {
        deep = false;
        // the popped state is expanded below whatever its key: order never decides correctness
        const hp = this.hPrio;
        const hi = this.hIdx;
        const hv = this.hVal;
        for (let i = 0; i < hn; i++) {
          const m = hi[i] as number;
          const l = m % L;
          const c = (H - l - 1) * U + (slotUnit[(m - l) / L] as number);
          hp[i] = priority((hv[i] as number) * (F[c] as number) + (B[c] as number), 0, false);
        }
        for (let i = (hn >> 1) - 1; i >= 0; i--) siftDown(i);
      }
      expStamp[j] = stamp;
      const layer = j % L;
      const s = (j - layer) / L;
      const a = popVal;
      const ex = labExact[j] as number;
      const aBig = a < FAST_LIMIT ? 0n : (labBig[j] as bigint);
      const R = g.slotPeer[s] as number;
      const X = slotUnit[s] as number;
      const t = layer + 1;
      const popId = ++this.popCounter;
      // whether this label's chain visits no peer twice (always, in the simple pass)
      const sim = simple ? 1 : (labSimple[j] as number);
      if (sim === 1) {
        let cs = s;
        for (let tt = layer; tt > 0; tt--) {
          this.chainMark[g.slotPeer[cs] as number] = popId;
          cs = this.predNext[cs * L + tt] as number;
        }
        this.chainMark[g.slotPeer[cs] as number] = popId;
      }
      // The payer pays this state directly when it is next to R and holds X.
      if (X === u0 && nearPayer[R] === stamp) {
        const better = a < bestNum || (a >= FAST_LIMIT && bestNum >= FAST_LIMIT && aBig < bestBig);
        // ties go to an exact label (a lifted one is only a bound), then to a simple chain
        const tie = a === bestNum && (a < FAST_LIMIT || aBig === bestBig) && (ex > bestExact || (ex === bestExact && sim > bestSimple));
        if (better || tie) {
          bestNum = a;
          bestBig = a < FAST_LIMIT ? BigInt(a) : aBig;
          bestSlot = s;
          bestLayer = layer;
          bestExact = ex;
          bestSimple = sim;
          // While the best repeats a peer, states that tie with it go on: one of them may be a
          // valid path that spends as little, the answer without any fallback pass.
          if (cap === undefined) stop = stopAt(bestNum, ex === 1 && sim === 1);
        }
        // Remember the cheapest valid path met on the way: should the relaxed optimum repeat
        // a peer, its spend caps the exact search. Checked only when it would improve.
        if (cap === undefined && ex === 1 && (incNum === Number.POSITIVE_INFINITY || a < incNum)) {
          const f = this.extract(s, layer, a < FAST_LIMIT ? BigInt(a) : aBig);
          if (this.valid(f, amount)) {
            this.incumbent = f;
            incNum = a;
          }
        }
      }
      if (t >= H) continue;
      // Transfers into R carry X, so only neighbours holding a slot for X can send them.
      const senders = this.senders(s);
      // a simple pass that has not met a path yet goes on: without one there is no answer
      if (metered && (this.spent += (senders.length >> 1) + 1) > this.meterLimit && (bestSlot !== NONE || !simple)) {
        this.exhausted = true;
        break;
      }
      for (let k = 0; k < senders.length; k += 2) {
        // most senders are too far from the payer for the transfers left: one read settles it
        if ((lim[senders[k + 1] as number] as number) < t) continue;
        const qs = senders[k] as number;
        if (g.slotOutHead[qs] === NONE) continue;
        const onChain = this.chainMark[senders[k + 1] as number] === popId;
        if (simple && onChain) continue;
        // the child's chain is simple when this one is and the sender is not on it
        const csim = sim === 1 && !onChain ? 1 : 0;
        // already scanned with a label at most this large and at most as many transfers
        if (a < FAST_LIMIT) {
          let seen = false;
          const m0 = qs * L;
          for (let l2 = 1; l2 <= t; l2++) {
            const m = m0 + l2;
            if (scanStamp[m] === stamp && ((scanNum[m] as number) < a || (scanNum[m] === a && (scanExact[m] as number) >= ex && (scanSimple[m] as number) >= sim))) {
              seen = true;
              break;
            }
          }
          if (seen) continue;
          const m = m0 + t;
          scanStamp[m] = stamp;
          scanNum[m] = a;
          scanExact[m] = ex;
          scanSimple[m] = sim;
        }
        const fNew = (H - t - 1) * U;
        // dominated offers never give a smaller label (see OfferGraph.relaxList); not with
        // residual liquidity (multi-path parts), which the lists do not know about
        const lst = useDom ? g.relaxList(qs) : null;
        // the list's terms side by side (one cache line per offer instead of nine arrays)
        const pk = lst ? this.packed(qs, lst) : null;
        // each offer weighed counts too: hubs are many senders, and busy senders many offers
        if (metered) this.spent += lst ? lst.length : 4;
        let li = 0;
        for (let o = lst ? (lst.length > 0 ? (lst[0] as number) : NONE) : (g.slotOutHead[qs] as number); o !== NONE; o = lst ? (++li < lst.length ? (lst[li] as number) : NONE) : (g.offerNextOut[o] as number)) {
          let inNum: number;
          let inBig = 0n;
          let inEx = ex;
          let sIn: number;
          const b = li * PACK;
          if (pk && a < FAST_LIMIT && (pk[b + 3] as number) > 0) {
            // open, exact-double terms (see packed): no bigint unless the quotient is undecided
            if ((pk[b] as number) <= this.now || a > (pk[b + 1] as number)) continue;
            const x = a + (pk[b + 2] as number);
            inNum = x < FAST_LIMIT ? fastCeilMulDiv(x, pk[b + 3] as number, pk[b + 4] as number) : -1;
            if (inNum < 0) {
              inBig = this.inputBig(o, BigInt(a));
              inNum = Number(inBig);
            }
            // a packed max or min at or above 2^52 is inexact, but then above any exact input
            if (inNum < FAST_LIMIT) {
              if (inNum > (pk[b + 6] as number)) continue;
            } else if (inBig > (g.bMax[o] as bigint) || inBig > MAX_AMOUNT_BIG) continue;
            if (inNum < FAST_LIMIT ? inNum < (pk[b + 5] as number) : inBig < (g.bMin[o] as bigint)) {
              inNum = pk[b + 5] as number;
              if (inNum >= FAST_LIMIT) inBig = g.bMin[o] as bigint;
              inEx = 0;
            }
            sIn = pk[b + 7] as number;
          } else {
            if (!this.offerInput(o, a, aBig, ex)) continue;
            inNum = this.inNum;
            inBig = this.inBig;
            inEx = this.inEx;
            sIn = g.offerInSlot[o] as number;
          }
          // the simple pass looks for a valid path: a lifted input is not one
          if (simple && inEx === 0) continue;
          const raw = inNum * (F[fNew + (slotUnit[sIn] as number)] as number) + (B[fNew + (slotUnit[sIn] as number)] as number);
          if (raw === Number.POSITIVE_INFINITY) continue;
          // ties: the simple pass goes deepest first, the others nearest to the payer first
          const p2 = priority(raw, simple ? (H - t) / (H + 2) : (H - (lim[g.slotPeer[sIn] as number] as number)) / (H + 2), deep);
          if (p2 >= stop) continue;
          // a label at most as large with fewer transfers already covers this one
          if (inNum < FAST_LIMIT) {
            let dom = false;
            for (let l2 = 0; l2 < t; l2++) {
              const m = sIn * L + l2;
              if (labStamp[m] === stamp && ((labNum[m] as number) < inNum || (labNum[m] === inNum && (labExact[m] as number) >= inEx && (labSimple[m] as number) >= csim))) {
                dom = true;
                break;
              }
            }
            if (dom) continue;
          }
          const j2 = sIn * L + t;
          if (!this.improves(j2, stamp, inNum, inBig, inEx, csim)) continue;
          this.setLabel(j2, stamp, inNum, inBig, inEx, o, s, csim);
          push(p2, j2, inNum);
        }
      }
    }
    if (bestSlot === NONE) return null;
    return { spend: bestNum < FAST_LIMIT ? BigInt(bestNum) : bestBig, slot: bestSlot, layer: bestLayer, exact: bestExact === 1 };
  }

  private packedLists: (Float64Array | undefined)[] = [];
  private packedSrc: (Int32Array | undefined)[] = [];

  /**
   * The terms of the offers in relaxation list `lst` of slot s, side by side, PACK doubles per
   * offer: expiration, liquidity, fee, input factor numerator and denominator, min, max, input
   * slot. The numerator is 0 for a closed offer or one whose fee is not an exact double (the
   * caller then reads the graph's own arrays). Liquidity, min and max at or above 2^52 are
   * stored rounded: they are then above every exact input, and the caller compares such
   * inputs in bigint. Kept while the graph returns the same list:
   * it builds a new one after any change to the slot's offers (liquidity included).
   */
  private packed(s: number, lst: Int32Array): Float64Array {
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

  private senderLists: (Int32Array | undefined)[] = [];
  private senderAdj: (Int32Array | undefined)[] = [];
  private senderEpoch = new Int32Array(0);

  /**
   * The slots (Q, X) of R's neighbours Q for slot s = (R, X), the only slots a transfer into s
   * can come from, each followed by its peer Q (pairs, so the caller's first test reads no other
   * array). Built on first use and kept until R's adjacency changes or a slot is added anywhere
   * (a new slot may be a new sender); offer changes leave the lists valid, since callers check
   * each sender's offers.
   */
  private senders(s: number): Int32Array {
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
    const buf = this.senderBuf.length < adj.length * 2 ? (this.senderBuf = new Int32Array(adj.length * 4)) : this.senderBuf;
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
  private senderBuf = new Int32Array(64);

  /** Best paths (up to 1 + alternatives), exact unless the budget ran out. */
  private search(amount: bigint, alternatives: number): Found[] {
    const g = this.g;
    this.exhausted = false;
    if (this.direct && g.acceptsUnit(this.payee, this.u0)) {
      // A payer holding a unit the payee accepts pays directly.
      return [{ spend: amount, peers: [this.payer, this.payee], offers: [] }];
    }
    this.lastStats.fallback = false;
    this.spent = 0;
    this.meterLimit = this.budget;
    this.lastStats.expansions = 0;
    this.lastStats.exhausted = false;
    this.lastStats.states = 0;
    this.incumbent = null;
    if (!this.endsCanConnect()) return [];
    const relaxed = alternatives === 0 && this.firstPass === 'best-first' ? this.bestFirst(amount) : this.relax(amount, alternatives === 0);
    if (!relaxed) return [];
    if (alternatives === 0) {
      if (relaxed.exact) {
        const f = this.extract(relaxed.slot, relaxed.layer, relaxed.spend);
        if (this.valid(f, amount)) return [f];
      }
      // The relaxed optimum repeats a peer or breaks a minimum. The best valid path the first
      // pass met, or a better one from a pass that keeps every label's path simple, caps the
      // exact search: bounds are recomputed unpruned up to its spend. Everything from here on
      // draws on the budget (see metered), so a query whose proof is out of reach still ends
      // soon, with the best valid path met and `exact` false: the simple pass may use half of
      // it (more only until it meets a path), the capped pass up to 90%, the depth-first search
      // the rest.
      let inc = this.incumbent as Found | null;
      // the relaxed optimum bounds every path: a valid path that reaches it is the answer
      if (inc && inc.spend <= relaxed.spend) return [inc];
      const budget = this.budget;
      this.metered = true;
      try {
        if (this.firstPass === 'best-first') {
          this.meterLimit = Math.floor(budget / 2);
          const simple = this.bestFirst(amount, undefined, true, inc ? Number(inc.spend) : Number.POSITIVE_INFINITY);
          // a heuristic cut short proves nothing wrong: exactness is the exact search's to lose
          this.exhausted = false;
          const met = this.incumbent as Found | null;
          if (met && (!inc || met.spend < inc.spend)) inc = met;
          if (simple?.exact) {
            const f = this.extract(simple.slot, simple.layer, simple.spend);
            if ((!inc || f.spend < inc.spend) && this.valid(f, amount)) inc = f;
          }
        }
        // the relaxed optimum bounds every path: a valid path that reaches it is the answer
        if (inc && inc.spend <= relaxed.spend) return [inc];
        this.lastStats.fallback = true;
        if (this.spent >= budget) {
          this.exhausted = true;
          return inc ? [inc] : [];
        }
        let partial = false;
        if (this.firstPass === 'best-first') {
          if (!inc) return this.widening(amount, relaxed.spend);
          this.meterLimit = Math.floor(budget * 0.9);
          this.bestFirst(amount, Number(inc.spend));
          // Cut short, the labels bound nothing and no proof is left; the depth-first search
          // still looks for a cheaper valid path through the states they cover.
          partial = this.exhausted;
          this.exhausted = false;
          this.meterLimit = budget;
        } else this.relax(amount, false, inc ? Number(inc.spend) : Number.POSITIVE_INFINITY);
        const out = this.dfs(amount, 1, inc);
        if (partial) this.exhausted = true;
        return out;
      } finally {
        this.metered = false;
        this.lastStats.expansions = this.spent;
        this.lastStats.exhausted = this.exhausted;
      }
    }
    this.lastStats.fallback = true;
    const out = this.dfs(amount, alternatives + 1, null);
    this.lastStats.expansions = this.spent;
    this.lastStats.exhausted = this.exhausted;
    return out;
  }

  /**
   * The exact search when no valid path is known: look below caps 1% and 5% above the relaxed
   * optimum `floor` (which bounds every path), each round exact below its cap and given a
   * quarter of the budget, so a path that exists near the optimum is found without labelling
   * everything reachable first; failing that, the unpruned search with what is left.
   */
  private widening(amount: bigint, floor: bigint): Found[] {
    const budget = this.budget;
    let met: Found | null = null;
    for (const widen of [0.01, 0.05]) {
      const cap = Math.ceil(Number(floor) * (1 + widen));
      this.meterLimit = Math.min(budget, this.spent + Math.floor(budget / 4));
      this.bestFirst(amount, cap);
      if (!this.exhausted) {
        const found = this.dfs(amount, 1, null, BigInt(cap));
        if (found[0] && !this.exhausted) return found;
        // out of budget below this cap: a path it met still caps the search below
        if (found[0] && (!met || found[0].spend < met.spend)) met = found[0];
      }
      this.exhausted = false;
    }
    this.meterLimit = budget;
    this.bestFirst(amount, met ? Number(met.spend) : Number.POSITIVE_INFINITY);
    if (this.exhausted) return met ? [met] : [];
    return this.dfs(amount, 1, met);
  }

  /**
   * Necessary conditions checked before any search: some peer next to the payer takes the
   * payer's unit, and some peer next to the payee delivers a unit the payee accepts. Both look
   * at two neighbourhoods only, yet they settle most unreachable queries at once (where nobody
   * around the payer takes what it holds, a search would first label everything it can reach
   * backwards from the payee).
   */
  private endsCanConnect(): boolean {
    const g = this.g;
    const rad = this.radStamp;
    const radOk = this.radStampValue;
    const payer = this.payer;
    const payee = this.payee;
    const u0 = this.u0;
    const accepted = rad[payee] === radOk ? (g.accepts.get(payee) ?? []) : [];
    if (accepted.length === 0) return false;
    let first = false;
    const nbPayer = g.adj[payer] as Int32Array;
    for (let k = 0; k < nbPayer.length && !first; k++) {
      const Q = nbPayer[k] as number;
      if (rad[Q] !== radOk) continue;
      if (Q === payee) first = accepted.includes(u0);
      else if (this.H >= 2) {
        const s = g.slotOf(Q, u0);
        first = s !== NONE && g.slotInHead[s] !== NONE;
      }
    }
    if (!first) return false;
    const nbPayee = g.adj[payee] as Int32Array;
    for (let k = 0; k < nbPayee.length; k++) {
      const Q = nbPayee[k] as number;
      if (rad[Q] !== radOk) continue;
      for (const X of accepted) {
        if (Q === payer) {
          if (X === u0) return true;
          continue;
        }
        const s = g.slotOf(Q, X);
        if (s !== NONE && g.slotOutHead[s] !== NONE) return true;
      }
    }
    return false;
  }

  private extract(slot: number, layer: number, spend: bigint): Found {
    const g = this.g;
    const L = this.layers;
    const peers = [this.payer];
    const offers: number[] = [];
    let s = slot;
    for (let t = layer; t > 0; t--) {
      peers.push(g.slotPeer[s] as number);
      const j = s * L + t;
      offers.push(this.predOffer[j] as number);
      s = this.predNext[j] as number;
    }
    peers.push(g.slotPeer[s] as number);
    return { spend, peers, offers };
  }

  private valid(f: Found, amount: bigint): boolean {
    const seen = new Set(f.peers);
    if (seen.size !== f.peers.length) return false;
    return this.amountsOnPath(f.offers, amount) === f.spend;
  }

  /**
   * Exact search over simple paths from the payer, pruned by the relaxed lower bounds of the
   * last unpruned {@link relax} run. Keeps the `keep` cheapest complete paths.
   */
  private dfs(amount: bigint, keep: number, incumbent: Found | null, limit: bigint | null = null): Found[] {
    const g = this.g;
    const L = this.layers;
    const stamp = this.qid;
    const H = this.H;
    // a known valid path makes the cutoff tight from the start (labels above it were capped away)
    const top: Found[] = incumbent ? [incumbent] : [];
    const visitStamp = ++this.qid;
    const visit = this.visit;
    const peers: number[] = [this.payer];
    const offers: number[] = [];
    this.expansions = 0;
    // what the budget has left after the passes before (see metered)
    const allowance = this.meterLimit - this.spent;
    visit[this.payer] = visitStamp;
    // only paths cheaper than `limit` matter (the labels are lower bounds below it only)
    const cutoff = (): bigint | null => (top.length < keep ? limit : (top[top.length - 1] as Found).spend);
    // least label over layers 0..r of slot s (exact), or null
    const bound = (s: number, r: number): bigint | null => {
      let best: bigint | null = null;
      for (let t = 0; t <= r; t++) {
        const j = s * L + t;
        if (this.labStamp[j] !== stamp) continue;
        const v = this.labValue(j);
        if (best === null || v < best) best = v;
      }
      return best;
    };
    // spend to get `need` to the last peer through the prefix offers, upper limits only
    const prefix = (need: bigint): bigint | null => {
      let out = need;
      for (let i = offers.length - 1; i >= 0; i--) {
        const o = offers[i] as number;
        if (out > (this.liqBig[o] as bigint)) return null;
        out = this.inputBig(o, out);
        if (out > (g.bMax[o] as bigint)) return null;
        // the next hop needs at least `need`, so this offer needs at least its minimum
        const mn = g.bMin[o] as bigint;
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
        if (g.fastOk[o] !== 1 || (g.fMax[o] as number) >= FAST_LIMIT || (g.fMin[o] as number) >= FAST_LIMIT) return Number.NaN;
        if (out > (this.liqNum[o] as number)) return -1;
        const x = out + (g.fFee[o] as number);
        const inp = x < FAST_LIMIT ? fastCeilMulDiv(x, g.fN[o] as number, g.fD[o] as number) : -1;
        if (inp < 0) return Number.NaN;
        if (inp > (g.fMax[o] as number)) return -1;
        out = inp < (g.fMin[o] as number) ? (g.fMin[o] as number) : inp;
      }
      return out;
    };
    // Whether extending to slot s2 (with r more layers allowed) can still beat the cutoff.
    const promising = (s2: number, r: number): boolean => {
      let mNum = -1;
      for (let t = 0; t <= r; t++) {
        const j = s2 * L + t;
        if (this.labStamp[j] === stamp && (mNum < 0 || (this.labNum[j] as number) < mNum)) mNum = this.labNum[j] as number;
      }
      if (mNum < 0) return false;
      const c = cutoff();
      if (mNum < FAST_LIMIT) {
        const lb = prefixNum(mNum);
        // exact integers below 2^52 on both sides
        if (lb === lb) return lb >= 0 && (c === null || lb < Number(c));
      }
      const m = bound(s2, r);
      const lbB = m === null ? null : prefix(m);
      return lbB !== null && (c === null || lbB < c);
    };
    const record = (): void => {
      const spend = this.amountsOnPath(offers, amount);
      if (spend === null) return;
      const c = cutoff();
      if (c !== null && spend >= c) return;
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
      for (let t = 0; t <= r; t++) if (this.labStamp[j0 + t] === stamp) return true;
      return false;
    };
    const outs: number[][] = [];
    const step = (s: number, d: number): void => {
      if (this.exhausted) return;
      if (++this.expansions > allowance) {
        this.exhausted = true;
        return;
      }
      const r = H - d - 1;
      // The output slots (Q, Y) of Q's usable offers that take this slot's unit, each once: the
      // next peer is a neighbour with a slot for Y (see senders), so neighbours are examined once
      // per unit rather than once per offer, and those without a label once in all.
      const out = (outs[d] ??= []);
      out.length = 0;
      for (let o = g.slotInHead[s] as number; o !== NONE; o = g.offerNextIn[o] as number) {
        if (!this.usable(o)) continue;
        const so = g.offerOutSlot[o] as number;
        if (!out.includes(so)) out.push(so);
      }
      for (let u = 0; u < out.length; u++) {
        const so = out[u] as number;
        const Y = g.slotUnit[so] as number;
        const next = this.senders(so);
        for (let k = 0; k < next.length; k += 2) {
          const s2 = next[k] as number;
          const Q2 = next[k + 1] as number;
          if (this.radStamp[Q2] !== this.radStampValue || visit[Q2] === visitStamp) continue;
          // the budget counts candidate extensions, so hubs (many offers x many neighbours) are bounded too
          if (++this.expansions > allowance) {
            this.exhausted = true;
            return;
          }
          const toPayee = Q2 === this.payee;
          if (toPayee ? d + 1 > H || !g.acceptsUnit(Q2, Y) : d + 2 > H || g.slotInHead[s2] === NONE || !labelled(s2, r)) continue;
          peers.push(Q2);
          if (!toPayee) visit[Q2] = visitStamp;
          for (let o = g.slotInHead[s] as number; o !== NONE; o = g.offerNextIn[o] as number) {
            if (g.offerOutSlot[o] !== so || !this.usable(o)) continue;
            if (++this.expansions > allowance) {
              this.exhausted = true;
              break;
            }
            offers.push(o);
            if (toPayee) record();
            else if (promising(s2, r)) step(s2, d + 1);
            offers.pop();
            if (this.exhausted) break;
          }
          visit[Q2] = 0;
          peers.pop();
          if (this.exhausted) return;
        }
      }
    };
    const nb = g.adj[this.payer] as Int32Array;
    for (let k = 0; k < nb.length; k++) {
      const Q = nb[k] as number;
      if (this.radStamp[Q] !== this.radStampValue) continue;
      if (Q === this.payee) {
        if (g.acceptsUnit(Q, this.u0)) {
          peers.push(Q);
          record();
          peers.pop();
        }
        continue;
      }
      const s = g.slotOf(Q, this.u0);
      if (s === NONE || g.slotInHead[s] === NONE || H < 2) continue;
      const m = bound(s, H - 1);
      if (m === null) continue;
      const c = cutoff();
      if (c !== null && m >= c) continue;
      visit[Q] = visitStamp;
      peers.push(Q);
      step(s, 1);
      peers.pop();
      visit[Q] = 0;
    }
    this.spent += this.expansions;
    return top;
  }
}

/**
 * Breadth-first depths from `src`, up to `maxDepth` steps along the compressed rows `out`
 * (whose reverse is `inn`, see {@link Csr}): sets stamp[v] = mark and depth[v] for every peer v
 * reached; `n` is the number of peers.
 * Direction-optimizing (Beamer, Asanović, Patterson 2012): once a level's frontier is a large
 * share of the peers, the next level is found bottom-up, each unreached peer looking through
 * its reverse neighbours for one in the frontier and stopping at the first. On small-world
 * graphs (the Lightning graph is one) most edge checks of the middle levels are skipped.
 */
function bfs(
  rows: number,
  stale: Uint8Array,
  outOff: Int32Array,
  out: Int32Array,
  outLists: ArrayLike<ArrayLike<number>>,
  inOff: Int32Array,
  inn: Int32Array,
  inLists: ArrayLike<ArrayLike<number>>,
  src: number,
  maxDepth: number,
  mark: number,
  stamp: Int32Array,
  depth: Int32Array,
  queue: Int32Array,
  n: number,
): void {
  stamp[src] = mark;
  depth[src] = 0;
  queue[0] = src;
  let levelStart = 0;
  let levelEnd = 1;
  let tail = 1;
  for (let d = 0; d < maxDepth && levelStart < levelEnd; d++) {
    if ((levelEnd - levelStart) * 20 > n) {
      for (let v = 0; v < n; v++) {
        if (stamp[v] === mark) continue;
        // a compressed row, or the peer's own list when its row is stale (see Csr)
        const fresh = v < rows && stale[v] === 0;
        const list = fresh ? inn : (inLists[v] as ArrayLike<number>);
        const end = fresh ? (inOff[v + 1] as number) : list.length;
        for (let k = fresh ? (inOff[v] as number) : 0; k < end; k++) {
          const u = list[k] as number;
          if (stamp[u] === mark && depth[u] === d) {
            stamp[v] = mark;
            depth[v] = d + 1;
            queue[tail++] = v;
            break;
          }
        }
      }
    } else {
      for (let i = levelStart; i < levelEnd; i++) {
        const u = queue[i] as number;
        const fresh = u < rows && stale[u] === 0;
        const list = fresh ? out : (outLists[u] as ArrayLike<number>);
        const end = fresh ? (outOff[u + 1] as number) : list.length;
        for (let k = fresh ? (outOff[u] as number) : 0; k < end; k++) {
          const v = list[k] as number;
          if (stamp[v] === mark) continue;
          stamp[v] = mark;
          depth[v] = d + 1;
          queue[tail++] = v;
        }
      }
    }
    levelStart = levelEnd;
    levelEnd = tail;
  }
}

/** Below this, a priority carries its bound's ceiling and a tie-break in its fraction. */
const PRIO_INT = 2 ** 40;

/**
 * The best-first heap key of a state whose spend bound is `raw`. A spend is a whole number of
 * the payer's base units, so it is at least ceil(raw): that ceiling is the key's integer part,
 * and the stop rule compares it with the best candidate's spend as integers. For small amounts
 * (a payer whose unit is coarse pays a few units whatever the route) this ends the search as
 * soon as a path at the bound's ceiling is met, where the bound alone would leave every state
 * below that spend to expand. The fraction orders states sharing a ceiling: with `deep`, the
 * caller's `tie` in [0, 1), so that a path at that spend is met soonest (any of them may hold
 * the cheapest path): the hop distance from the payer over H + 2 in the first pass (nearest
 * first, measured: about a quarter fewer states than deepest first), (H - layer) / (H + 2) in
 * the simple pass (deepest first: nearest first lets its chain rule strand it far more often);
 * otherwise the bound's own fraction, the plain A* order. Beyond 2^40 the fraction would not
 * survive rounding, and the key is the bound itself.
 */
function priority(raw: number, tie: number, deep: boolean): number {
  if (raw >= PRIO_INT) return raw;
  return Math.ceil(raw) + (deep ? tie : (raw - Math.floor(raw)) * 0.999);
}

/**
 * The least key (see {@link priority}) at which states stop mattering, given a path that spends
 * `v`: keys whose integer part is `v` may still bring a path that spends as much, which matters
 * only when the known one is not exact (`exact` false) or when `v` is a cap that paths up to and
 * including it must be labelled for. Beyond exact doubles a relative slack stands in for ones.
 */
function stopAt(v: number, exact: boolean): number {
  if (v >= FAST_LIMIT) return v * (1 + 1e-12);
  return exact ? v : v + 1;
}

function noRoute(q: RouteQuery, why: string): OtP2pError {
  return new OtP2pError('no-route', `no route from ${q.from.slice(0, 12)}… to ${q.to.slice(0, 12)}… for ${q.amount}: ${why}`, {
    context: { from: q.from, to: q.to, amount: String(q.amount), unit: formatUnitRef(q.fromUnit) },
  });
}
