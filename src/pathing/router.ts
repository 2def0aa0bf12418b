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
 *
 * This module is the API (queries, their validation, and the order in which the passes run);
 * the passes live beside it: `best-first.ts` and `relax.ts` (the first pass, two ways),
 * `exact.ts` (the depth-first search), `path.ts`, `split.ts` (multi-path), over the state
 * declared in `context.ts` and the caches of `social-index.ts`, `bounds.ts`, `offer-lists.ts`.
 */
import { OtP2pError } from '../core/errors.ts';
import { MAX_AMOUNT } from '../core/amount.ts';
import { formatUnitRef } from '../events/offer.ts';
import type { UnitRef } from '../events/offer.ts';
import { bestFirst } from './best-first.ts';
import { SearchContext } from './context.ts';
import type { Candidate, Found, SearchStats } from './context.ts';
import { exactSearch } from './exact.ts';
import { graphTable } from './graph.ts';
import type { OfferGraph } from './graph.ts';
import { extract, toPath, valid } from './path.ts';
import { relaxLayered } from './relax.ts';
import { splitAmount } from './split.ts';
import { NONE } from './table.ts';

/** A route request. */
export interface RouteQuery {
  /** Payer pubkey (hex). */
  from: string;
  /** The unit the payer holds and spends. */
  fromUnit: UnitRef;
  /** Payee pubkey (hex); what it accepts comes from {@link OfferGraph.setAccepts}. */
  to: string;
  /**
   * The payee's units acceptable for this query (say, the one unit an invoice asks for): a
   * subset of what it accepts; units it does not accept are ignored. Default: every unit
   * {@link OfferGraph.setAccepts} recorded for it.
   */
  toUnits?: readonly UnitRef[];
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

/**
 * A reusable searcher bound to one graph. Its state (the labels, the budget meter, the scratch
 * arrays and the per-payer caches) lives in one {@link SearchContext}; queries allocate nothing
 * in the relaxation loops.
 */
export class Router {
  private readonly graph: OfferGraph;
  private readonly c: SearchContext;
  /** Counters of the last search, for benchmarks (see {@link SearchStats}). */
  readonly lastStats: SearchStats;
  /** How the first pass runs (both give the same answers; `layered` is the plain Bellman-Ford). */
  readonly firstPass: 'best-first' | 'layered';
  /** Re-expansions the best-first pass tolerates in deepest-first order (see heap.ts `priority`). */
  private readonly rekeyAfter: number;
  /** States a search expands before its keys also use the per-slot bound (see slot-bounds.ts). */
  private readonly slotBoundAfter: number;

  /**
   * @param options.firstPass default `best-first`; `layered` exists for tests and comparisons.
   * @param options.rekeyAfter re-expansions (plus one per 8 states) the best-first pass
   *   tolerates before its keys leave deepest-first order for the bound's (default 32); tests
   *   set 0 and Infinity to check that neither order changes an answer.
   * @param options.slotBoundAfter states a search expands before its best-first keys also use
   *   the per-slot bound (slot-bounds.ts; default 256: it costs about one sweep of the graph,
   *   worth it only for deep searches); tests set 0 and Infinity.
   */
  constructor(
    graph: OfferGraph,
    options: { firstPass?: 'best-first' | 'layered'; rekeyAfter?: number; slotBoundAfter?: number } = {},
  ) {
    this.graph = graph;
    this.c = new SearchContext(graphTable(graph));
    this.lastStats = this.c.stats;
    this.firstPass = options.firstPass ?? 'best-first';
    this.rekeyAfter = options.rekeyAfter ?? 32;
    this.slotBoundAfter = options.slotBoundAfter ?? 256;
  }

  /** Validate `q` and load it into the search state. */
  private setup(q: RouteQuery): void {
    const c = this.c;
    const g = c.g;
    // The payer may be new to the graph (no offers, no follows yet): it can still pay directly.
    const payer = this.graph.peer(q.from);
    const payee = g.peerIndex.get(q.to);
    const u0 = this.graph.unit(q.fromUnit);
    if (typeof q.amount !== 'bigint' || q.amount <= 0n || q.amount > MAX_AMOUNT) {
      throw new OtP2pError('bad-amount', `amount must be an integer in [1, 2^63-1], got ${String(q.amount)}`, {
        context: { field: 'amount' },
      });
    }
    const H = q.maxHops ?? 6;
    const D = q.maxDegree ?? 6;
    if (!Number.isInteger(H) || H < 1 || H > 32)
      throw new OtP2pError('bad-input', `maxHops must be an integer in [1, 32], got ${H}`, {
        context: { field: 'maxHops' },
      });
    if (!Number.isInteger(D) || D < 0 || D > 1000)
      throw new OtP2pError('bad-input', `maxDegree must be an integer in [0, 1000], got ${D}`, {
        context: { field: 'maxDegree' },
      });
    const budget = q.budget ?? 100_000;
    if (!(Number.isSafeInteger(budget) && budget >= 0) && budget !== Number.POSITIVE_INFINITY) {
      throw new OtP2pError('bad-input', `budget must be a non-negative integer or Infinity, got ${budget}`, {
        context: { field: 'budget' },
      });
    }
    const toUnits = q.toUnits === undefined ? undefined : this.unitsOf(q.toUnits);
    if (payer === undefined || payee === undefined || u0 === undefined || payer === payee) {
      throw noRoute(
        q,
        payer === payee && payer !== undefined
          ? 'payer and payee are the same peer'
          : 'payer, payee or unit unknown to the graph',
      );
    }
    const accepted = g.accepts.get(payee) ?? [];
    const s = c.q;
    s.payer = payer;
    s.payee = payee;
    s.u0 = u0;
    s.H = H;
    s.now = q.now ?? Number.NEGATIVE_INFINITY;
    s.budget = budget;
    s.direct = q.direct ?? true;
    s.payeeUnits = toUnits === undefined ? accepted : toUnits.filter((u) => accepted.includes(u));
    this.graph.flushAdjacency();
    c.ensureScratch(H);
    c.social.radius(payer, D);
  }

  /**
   * The graph's indexes of `refs` (each once, in order), without adding units to the graph: a
   * unit it has never seen cannot be delivered.
   */
  private unitsOf(refs: readonly UnitRef[]): number[] {
    if (!Array.isArray(refs))
      throw new OtP2pError('bad-input', 'toUnits must be an array of {unit, notary}', {
        context: { field: 'toUnits' },
      });
    const g = this.c.g;
    const out: number[] = [];
    refs.forEach((r: unknown, i) => {
      const ref = r as Partial<UnitRef> | null;
      if (typeof ref !== 'object' || ref === null || typeof ref.unit !== 'string' || typeof ref.notary !== 'string') {
        throw new OtP2pError('bad-input', `toUnits[${i}] must be {unit, notary} with string fields`, {
          context: { field: `toUnits[${i}]` },
        });
      }
      const u = g.unitIndex.get(`${ref.unit}@${ref.notary}`);
      // the key can be spelt by another (unit, notary) pair when a name contains '@'
      const known = u === undefined ? undefined : g.unitRefs[u];
      if (u !== undefined && known?.unit === ref.unit && known.notary === ref.notary && !out.includes(u)) out.push(u);
    });
    return out;
  }

  /**
   * The best path (least spend in the payer's unit) and up to `alternatives` more.
   * @throws OtP2pError `no-route` when no single path can deliver the amount; `bad-amount`,
   *   `bad-input` for an invalid query.
   */
  findRoute(q: RouteQuery): RouteResult {
    const c = this.c;
    c.useGraphLiquidity();
    this.setup(q);
    const found = this.search(q.amount, Math.max(0, Math.min(q.alternatives ?? 0, 64)));
    if (found.length === 0) throw noRoute(q, 'no single path can deliver the amount within the limits');
    const paths = found.map((f) => toPath(c, f, q.amount));
    return { best: paths[0] as RoutePath, alternatives: paths.slice(1), exact: !c.meter.exhausted };
  }

  /**
   * A route that may split the amount: one path when one can carry it, else a greedy split over
   * residual liquidity into at most `maxParts` (<= 8) parts, each at least ceil(amount / 8).
   * @throws OtP2pError `no-route` when no split works; `bad-amount`, `bad-input`.
   */
  findMultiRoute(q: RouteQuery): MultiRouteResult {
    const maxParts = q.maxParts ?? 8;
    if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 8) {
      throw new OtP2pError('bad-input', `parts must be an integer in [1, 8], got ${maxParts}`, {
        context: { field: 'parts' },
      });
    }
    const c = this.c;
    this.setup(q);
    c.useGraphLiquidity();
    const first = this.search(q.amount, 0);
    if (first[0]) {
      const p = toPath(c, first[0], q.amount);
      return { spend: p.spend, receive: p.receive, parts: [p], exact: !c.meter.exhausted };
    }
    if (maxParts === 1) throw noRoute(q, 'no single path can deliver the amount and only one part is allowed');
    const split = splitAmount(c, q.amount, maxParts, (x) => this.search(x, 0)[0]);
    if (split.rest > 0n)
      throw noRoute(q, `no split into at most ${maxParts} parts of at least ${split.minPart} can deliver the amount`);
    let spend = 0n;
    for (const p of split.parts) spend += p.spend;
    return { spend, receive: q.amount, parts: split.parts, exact: split.exact };
  }

  private bestFirst(amount: bigint, cap?: number, simple = false, below = Number.POSITIVE_INFINITY): Candidate | null {
    return bestFirst(this.c, amount, {
      cap,
      simple,
      below,
      rekeyAfter: this.rekeyAfter,
      slotBoundAfter: this.slotBoundAfter,
    });
  }

  /** Best paths (up to 1 + alternatives), exact unless the budget ran out. */
  private search(amount: bigint, alternatives: number): Found[] {
    const c = this.c;
    const q = c.q;
    const meter = c.meter;
    const stats = c.stats;
    meter.exhausted = false;
    if (q.direct && q.payeeUnits.includes(q.u0)) {
      // A payer holding a unit the payee accepts pays directly.
      return [{ spend: amount, peers: [q.payer, q.payee], offers: [] }];
    }
    stats.fallback = false;
    meter.spent = 0;
    meter.limit = q.budget;
    stats.expansions = 0;
    stats.exhausted = false;
    stats.states = 0;
    c.incumbent = null;
    if (!this.endsCanConnect()) return [];
    const relaxed =
      alternatives === 0 && this.firstPass === 'best-first'
        ? this.bestFirst(amount)
        : relaxLayered(c, amount, alternatives === 0);
    if (!relaxed) return [];
    if (alternatives === 0) {
      if (relaxed.exact) {
        const f = extract(c, relaxed.slot, relaxed.layer, relaxed.spend);
        if (valid(c, f, amount)) return [f];
      }
      // The relaxed optimum repeats a peer or breaks a minimum. The best valid path the first
      // pass met, or a better one from a pass that keeps every label's path simple, caps the
      // exact search: bounds are recomputed unpruned up to its spend. Everything from here on
      // draws on the budget (see Meter.metered), so a query whose proof is out of reach still
      // ends soon, with the best valid path met and `exact` false: the simple pass may use half
      // of it (more only until it meets a path), the capped pass up to 90%, the depth-first
      // search the rest.
      let inc = c.incumbent as Found | null;
      // the relaxed optimum bounds every path: a valid path that reaches it is the answer
      if (inc && inc.spend <= relaxed.spend) return [inc];
      const budget = q.budget;
      meter.metered = true;
      try {
        if (this.firstPass === 'best-first') {
          meter.limit = Math.floor(budget / 2);
          const simple = this.bestFirst(amount, undefined, true, inc ? Number(inc.spend) : Number.POSITIVE_INFINITY);
          // a heuristic cut short proves nothing wrong: exactness is the exact search's to lose
          meter.exhausted = false;
          const met = c.incumbent as Found | null;
          if (met && (!inc || met.spend < inc.spend)) inc = met;
          if (simple?.exact) {
            const f = extract(c, simple.slot, simple.layer, simple.spend);
            if ((!inc || f.spend < inc.spend) && valid(c, f, amount)) inc = f;
          }
        }
        // the relaxed optimum bounds every path: a valid path that reaches it is the answer
        if (inc && inc.spend <= relaxed.spend) return [inc];
        stats.fallback = true;
        if (meter.spent >= budget) {
          meter.exhausted = true;
          return inc ? [inc] : [];
        }
        let partial = false;
        if (this.firstPass === 'best-first') {
          if (!inc) return this.widening(amount, relaxed.spend);
          meter.limit = Math.floor(budget * 0.9);
          this.bestFirst(amount, Number(inc.spend));
          // Cut short, the labels bound nothing and no proof is left; the depth-first search
          // still looks for a cheaper valid path through the states they cover.
          partial = meter.exhausted;
          meter.exhausted = false;
          meter.limit = budget;
        } else relaxLayered(c, amount, false, inc ? Number(inc.spend) : Number.POSITIVE_INFINITY);
        const out = exactSearch(c, amount, 1, inc);
        if (partial) meter.exhausted = true;
        return out;
      } finally {
        meter.metered = false;
        stats.expansions = meter.spent;
        stats.exhausted = meter.exhausted;
      }
    }
    stats.fallback = true;
    const out = exactSearch(c, amount, alternatives + 1, null);
    stats.expansions = meter.spent;
    stats.exhausted = meter.exhausted;
    return out;
  }

  /**
   * The exact search when no valid path is known: look below caps 1% and 5% above the relaxed
   * optimum `floor` (which bounds every path), each round exact below its cap and given a
   * quarter of the budget, so a path that exists near the optimum is found without labelling
   * everything reachable first; failing that, the unpruned search with what is left.
   */
  private widening(amount: bigint, floor: bigint): Found[] {
    const c = this.c;
    const meter = c.meter;
    const budget = c.q.budget;
    let met: Found | null = null;
    for (const widen of [0.01, 0.05]) {
      const cap = Math.ceil(Number(floor) * (1 + widen));
      meter.limit = Math.min(budget, meter.spent + Math.floor(budget / 4));
      this.bestFirst(amount, cap);
      if (!meter.exhausted) {
        const found = exactSearch(c, amount, 1, null, BigInt(cap));
        if (found[0] && !meter.exhausted) return found;
        // out of budget below this cap: a path it met still caps the search below
        if (found[0] && (!met || found[0].spend < met.spend)) met = found[0];
      }
      meter.exhausted = false;
    }
    meter.limit = budget;
    this.bestFirst(amount, met ? Number(met.spend) : Number.POSITIVE_INFINITY);
    if (meter.exhausted) return met ? [met] : [];
    return exactSearch(c, amount, 1, met);
  }

  /**
   * Necessary conditions checked before any search: some peer next to the payer takes the
   * payer's unit, and some peer next to the payee delivers a unit the payee takes. Both look
   * at two neighbourhoods only, yet they settle most unreachable queries at once (where nobody
   * around the payer takes what it holds, a search would first label everything it can reach
   * backwards from the payee).
   */
  private endsCanConnect(): boolean {
    const c = this.c;
    const g = c.g;
    const { payer, payee, u0, H } = c.q;
    const social = c.social;
    const accepted = social.within(payee) ? c.q.payeeUnits : [];
    if (accepted.length === 0) return false;
    let first = false;
    const nbPayer = g.adj[payer] as Int32Array;
    for (let k = 0; k < nbPayer.length && !first; k++) {
      const Q = nbPayer[k] as number;
      if (!social.within(Q)) continue;
      if (Q === payee) first = accepted.includes(u0);
      else if (H >= 2) {
        const s = g.slotOf(Q, u0);
        first = s !== NONE && g.slotInHead[s] !== NONE;
      }
    }
    if (!first) return false;
    const nbPayee = g.adj[payee] as Int32Array;
    for (let k = 0; k < nbPayee.length; k++) {
      const Q = nbPayee[k] as number;
      if (!social.within(Q)) continue;
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
}

function noRoute(q: RouteQuery, why: string): OtP2pError {
  return new OtP2pError(
    'no-route',
    `no route from ${q.from.slice(0, 12)}… to ${q.to.slice(0, 12)}… for ${q.amount}: ${why}`,
    {
      context: { from: q.from, to: q.to, amount: String(q.amount), unit: formatUnitRef(q.fromUnit) },
    },
  );
}
