/**
 * `npm run bench -- pathing [--json] [--queries N] [--rounds R] [--build-only] [--answers FILE] [--only NAME] [--write-offers FILE] [--slowest N]`: the offer graph and router on the real
 * Lightning channel graph (../shared/bench-data, see its README) and on a seeded multi-asset
 * variant of it.
 *
 * Three graphs (`--only lightning|lightning-bound|multi-asset` runs one). `lightning-bound` is
 * the faithful mapping (see lnBoundVariant: each offer bound to its channel's other end) and is
 * the one whose figures stand for Lightning; `lightning` below lets a node forward at its
 * cheapest channel's terms to any neighbour, an easier problem kept for comparison.
 *
 * Mapping: every enabled half-channel from -> to is an offer of `from` (rate 1, cut = fee_ppm,
 * fee = fee_base_msat, min/max = htlc_min/htlc_max, liquidity = a seeded 10-90% split of the
 * capacity). Follows: each node follows its channel peers, so transfers run along channels.
 * Every node takes msat, so the social radius is set wide (D = 20 follow-steps, the whole
 * connected graph) and queries run with `direct: false` (paying someone needs a channel).
 * The multi-asset variant gives each node 2-3 of 4 assets and turns each half-channel into a
 * conversion between two of its node's assets at reference prices +-1% (rates above and below 1).
 *
 * Timing: each query's time is the least of R rounds (default 3) over the whole query set, the
 * baselines' too. The router's queries are also timed in CPU time (process.cpuUsage around
 * each query, microsecond resolution, least of R rounds): on a machine shared with other work,
 * wall time counts the moments the process waited for a core, CPU time does not. The load
 * average is printed with each variant's figures. A round runs every query once in order, so no query runs twice in a row and
 * the per-payer caches (social radius, hop distances, bounds) are cold every time; what the
 * least of three removes is a neighbour's burst on a shared machine, which single timings turn
 * into a p99 of its own. `--rounds 1` gives single timings.
 *
 * `--slowest N`: also prints the N single-path queries of most CPU time, with the states the
 * best-first passes expanded, hops and amount (where a tail comes from).
 *
 * `--write-offers FILE`: no timing; writes the graph named by `--only` (default lightning-bound)
 * as an offline offers file for `otp2p route --offers FILE` (offers with their `to`, follows,
 * catalogs), and its first 20 seeded queries to FILE.queries.json, so the CLI can be tried on
 * the graph the figures come from (with --no-direct and --max-degree 20, as the bench queries).
 *
 * `--answers FILE`: no timing; writes every query's answer (single path, multi-path, and for the
 * first 200 queries two alternatives and the layered first pass) in a canonical JSON line per
 * query, so a refactoring of the router can be checked to answer exactly as before (`diff`).
 *
 * Baselines: ngraph.path (A* without heuristic) and graphology-shortest-path (bidirectional
 * Dijkstra) on the same node graph with fee-only weights (fee_base + fee_ppm * amount / 1e6,
 * cheapest channel per pair). They cannot do exact amounts, min/max/liquidity limits, hop
 * limits, rates or unit changes: they answer an easier question.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import createGraph from 'ngraph.graph';
import ngraphPath from 'ngraph.path';
import { DirectedGraph } from 'graphology';
import { dijkstra } from 'graphology-shortest-path';
import { OfferGraph, Router, findArbitrage, offerToJson } from '../src/pathing/index.ts';
import type { GraphOffer, MultiRouteResult, RoutePath, RouteQuery, RouteResult } from '../src/pathing/index.ts';
import { isOtP2pError } from '../src/core/errors.ts';
import { quantile, round } from './_stats.ts';
import {
  ASSETS,
  DATA,
  channelDijkstra,
  lnBoundVariant,
  lnVariant,
  loadChannels,
  multiVariant,
  pk,
  rng,
} from './pathing-graphs.ts';
import type { HalfChannel, Variant } from './pathing-graphs.ts';

export function build(v: Variant): OfferGraph {
  const g = new OfferGraph();
  g.addOffers(v.offers);
  for (const [p, l] of v.followKeys) g.setFollows(p, l);
  for (const [p, l] of v.acceptKeys) g.setAccepts(p, l);
  g.flushAdjacency();
  return g;
}

/** A real collector, so the memory figure is what the graph retains (not build garbage). */
const gc: (() => void) | undefined = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

function heapMb(): number {
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 1048576;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * The measured build: two warm-up builds (JIT), four timed ones, then a fifth timed one that is
 * kept and measured for memory, each from a collected heap (the previous builds' garbage is not
 * this build's cost). One build is a single ~100 ms sample that a neighbour's burst can move by
 * half, so the figure is the median of the five.
 */
function measureBuild(v: Variant): { g: OfferGraph; buildMs: number; minMs: number; maxMs: number; memoryMb: number } {
  build(v);
  build(v);
  const runs: number[] = [];
  for (let i = 0; i < 4; i++) {
    heapMb();
    const s = process.hrtime.bigint();
    build(v);
    runs.push(ms(s));
  }
  const before = heapMb();
  const t0 = process.hrtime.bigint();
  const g = build(v);
  runs.push(ms(t0));
  const memoryMb = heapMb() - before;
  return { g, buildMs: quantile(runs, 0.5), minMs: Math.min(...runs), maxMs: Math.max(...runs), memoryMb };
}

/** The seeded queries of a variant (the same for every run). */
function makeQueries(v: Variant, queries: number): RouteQuery[] {
  const qr = rng(42);
  const qs: RouteQuery[] = [];
  while (qs.length < queries) {
    const a = v.nodes[Math.floor(qr() * v.nodes.length)] as number;
    const b = v.nodes[Math.floor(qr() * v.nodes.length)] as number;
    if (a === b) continue;
    // log-uniform 10^4 .. 10^8 msat (0.00001 .. 1 mBTC-ish) in the payee's first accepted unit
    const msat = 10 ** (4 + qr() * 4);
    const unit = (v.accepts.get(b) as { unit: string; notary: string }[])[0] as { unit: string; notary: string };
    const price = ASSETS.find((x) => x.ref.unit === unit.unit)?.price ?? 1;
    const amount = BigInt(Math.max(1, Math.round(msat / price)));
    qs.push({
      from: pk(a),
      fromUnit: v.holds.get(a) as { unit: string; notary: string },
      to: pk(b),
      amount,
      maxHops: 6,
      maxDegree: 20,
      direct: false,
    });
  }
  return qs;
}

/** An answer or the error code, as one canonical JSON value (bigints as strings). */
function canon(f: () => unknown): string {
  let v: unknown;
  try {
    v = f();
  } catch (e) {
    if (!isOtP2pError(e)) throw e;
    v = { error: e.code };
  }
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

const pathOf = (p: RoutePath): unknown => ({ spend: p.spend, receive: p.receive, hops: p.hops });

/**
 * One line per query: the single-path answer, its counters, the multi-path answer and, for the
 * first 200 queries, two alternatives and the layered first pass. `lastStats` is included so that
 * a refactoring that answers the same but works differently shows up too.
 */
function answerLines(name: string, g: OfferGraph, qs: RouteQuery[]): string[] {
  const router = new Router(g);
  const layered = new Router(g, { firstPass: 'layered' });
  const out: string[] = [];
  qs.forEach((q, i) => {
    const single = canon(() => {
      const r: RouteResult = router.findRoute(q);
      return { best: pathOf(r.best), alternatives: r.alternatives.map(pathOf), exact: r.exact };
    });
    const stats = JSON.stringify(router.lastStats);
    const multi = canon(() => {
      const r: MultiRouteResult = router.findMultiRoute(q);
      return { spend: r.spend, receive: r.receive, parts: r.parts.map(pathOf), exact: r.exact };
    });
    let extra = '';
    if (i < 200) {
      const alt = canon(() => router.findRoute({ ...q, alternatives: 2 }));
      const lay = canon(() => layered.findRoute(q));
      extra = ` alt=${alt} layered=${lay}`;
    }
    out.push(`${name}#${i} single=${single} stats=${stats} multi=${multi}${extra}`);
  });
  return out;
}

function runVariant(
  v: Variant,
  chans: HalfChannel[],
  queries: number,
  rounds: number,
  log: (s: string) => void,
  answers?: string[],
  slowest = 0,
): Record<string, unknown> {
  // answers need the same graph state as the timed run (the update loop below included), not the timing
  const { g, buildMs, minMs, maxMs, memoryMb } = answers
    ? { g: build(v), buildMs: 0, minMs: 0, maxMs: 0, memoryMb: 0 }
    : measureBuild(v);
  const stats = g.stats();
  log(
    `${v.name}: ${stats.peers} peers, ${stats.offers} offers, ${stats.slots} slots, ${stats.units} units, ${stats.followEdges} follows; build ${round(buildMs)} ms (median of 5, ${round(minMs)}-${round(maxMs)}), ~${round(memoryMb)} MB`,
  );

  // Incremental updates: liquidity changes, fee changes (full upsert), remove + re-add.
  const r = rng(7);
  const N = 20_000;
  const picks = Array.from({ length: N }, () => v.offers[Math.floor(r() * v.offers.length)] as GraphOffer);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const o = picks[i] as GraphOffer;
    const k = i % 3;
    if (k === 0) g.setLiquidity(o.pubkey, o.id, o.liquidity / 2n);
    else if (k === 1) g.upsertOffer({ ...o, fee: o.fee + 1n });
    else {
      g.removeOffer(o.pubkey, o.id);
      g.upsertOffer(o);
    }
  }
  const updateUs = (ms(t0) * 1000) / N;
  for (const o of picks) g.upsertOffer(o); // restore
  log(`${v.name}: update ${round(updateUs, 2)} us per change (liquidity, fee, remove+add)`);

  const cycles = findArbitrage(g, { limit: 8 });
  log(
    `${v.name}: ${cycles.length} arbitrage cycle(s) reported${cycles[0] ? ` (first: ${cycles[0].offers.length} offers, gain ${cycles[0].gain})` : ''}`,
  );

  const qs = makeQueries(v, queries);
  if (answers) {
    answers.push(...answerLines(v.name, g, qs));
    return {};
  }
  // what the router keeps across queries (senders lists, bound-offer index, packed terms, the
  // per-slot bound's edges) counts in memory too: measured once every query has run
  const beforeRouter = heapMb();
  const router = new Router(g);
  const single_ = (q: RouteQuery): RouteResult => router.findRoute(q);
  const timeAll = (
    f: (q: RouteQuery) => { exact: boolean },
  ): {
    p50_ms: number;
    p99_ms: number;
    cpu_p50_ms: number;
    cpu_p90_ms: number;
    cpu_p99_ms: number;
    found: number;
    fallback: number;
    inexact: number;
    unknown: number;
  } => {
    for (let i = 0; i < Math.min(50, qs.length); i++) {
      try {
        f(qs[i] as RouteQuery);
      } catch {
        // warm-up
      }
    }
    const t = qs.map(() => Number.POSITIVE_INFINITY);
    const cpu = qs.map(() => Number.POSITIVE_INFINITY);
    const states = qs.map(() => 0);
    const hops = qs.map(() => 0);
    let found = 0;
    let fallback = 0;
    let inexact = 0;
    let unknown = 0;
    for (let pass = 0; pass < rounds; pass++) {
      for (let i = 0; i < qs.length; i++) {
        const c0 = process.cpuUsage();
        const s = process.hrtime.bigint();
        let ok = false;
        let exact = true;
        try {
          const r = f(qs[i] as RouteQuery);
          exact = r.exact;
          if (pass === 0) hops[i] = 'best' in r ? (r.best as RoutePath).hops.length : 0;
          ok = true;
        } catch (e) {
          if (!isOtP2pError(e, 'no-route')) throw e;
        }
        t[i] = Math.min(t[i] as number, ms(s));
        const c1 = process.cpuUsage(c0);
        cpu[i] = Math.min(cpu[i] as number, (c1.user + c1.system) / 1000);
        // answers are the same every round: count them once
        if (pass > 0) continue;
        states[i] = router.lastStats.states;
        if (ok) found++;
        if (ok && !exact) inexact++;
        // no path found, but the exact search's budget ran out: not a proof that none exists
        if (!ok && router.lastStats.exhausted) unknown++;
        if (router.lastStats.fallback) fallback++;
      }
    }
    if (slowest > 0 && f === single_) {
      const order = qs.map((_, i) => i).sort((x, y) => (cpu[y] as number) - (cpu[x] as number));
      log(
        `${v.name}: states expanded per single-path query p50 ${quantile(states, 0.5)}, p90 ${quantile(states, 0.9)}, p99 ${quantile(states, 0.99)}, max ${Math.max(...states)}; the ${slowest} of most CPU time:`,
      );
      for (const i of order.slice(0, slowest)) {
        const q = qs[i] as RouteQuery;
        log(
          `  #${i} CPU ${round(cpu[i] as number, 2)} ms, wall ${round(t[i] as number, 2)} ms, ${states[i]} states, ${hops[i] || 'no'} hops, amount ${q.amount}`,
        );
      }
    }
    return {
      p50_ms: round(quantile(t, 0.5), 3),
      p99_ms: round(quantile(t, 0.99), 3),
      cpu_p50_ms: round(quantile(cpu, 0.5), 3),
      cpu_p90_ms: round(quantile(cpu, 0.9), 3),
      cpu_p99_ms: round(quantile(cpu, 0.99), 3),
      found,
      fallback,
      inexact,
      unknown,
    };
  };
  const load = (): string =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  const loadStart = load();
  const single = timeAll(single_);
  log(`${v.name}: times are the least of ${rounds} round(s) per query; load average ${loadStart} at the start`);
  log(
    `${v.name}: single path p50 ${single.p50_ms} ms, p99 ${single.p99_ms} ms (CPU p50 ${single.cpu_p50_ms}, p90 ${single.cpu_p90_ms}, p99 ${single.cpu_p99_ms} ms), found ${single.found}/${qs.length} (exact search needed ${single.fallback}x, budget ran out ${single.inexact}x with a path, ${single.unknown}x without)`,
  );
  let versusDijkstra: Record<string, number> | undefined;
  if (v.name === 'lightning-bound') {
    // otp2p's fee against the exact cheapest over the channels (a lower bound for any valid route)
    const cheapest = channelDijkstra(chans);
    const c = { compared: 0, equal: 0, above: 0, below: 0, otp2pNone: 0, dijkstraNone: 0 };
    const ratios: number[] = [];
    for (const q of qs) {
      const lb = cheapest(Number.parseInt(q.from, 16), Number.parseInt(q.to, 16), Number(q.amount));
      let fee: number | null = null;
      try {
        fee = Number(router.findRoute(q).best.spend - q.amount);
      } catch (e) {
        if (!isOtP2pError(e, 'no-route')) throw e;
      }
      if (fee === null) c.otp2pNone++;
      if (lb === Number.POSITIVE_INFINITY) c.dijkstraNone++;
      if (fee === null || lb === Number.POSITIVE_INFINITY) continue;
      c.compared++;
      if (fee === lb) c.equal++;
      else if (fee > lb) c.above++, ratios.push(lb === 0 ? Number.POSITIVE_INFINITY : fee / lb);
      else c.below++;
    }
    versusDijkstra = { ...c, median_ratio_when_above: round(quantile(ratios, 0.5), 3) };
    log(
      `${v.name}: versus the exact cheapest channel route (Dijkstra on fee weights, no limits): ${c.equal}/${c.compared} equal, ${c.above} dearer (median x${round(quantile(ratios, 0.5), 3)}), ${c.below} cheaper (only where the first transfer is a follow without the payer's own channel); no route: otp2p ${c.otp2pNone}, Dijkstra ${c.dijkstraNone}`,
    );
  }
  const multi = timeAll((q) => router.findMultiRoute(q));
  log(
    `${v.name}: multi-path  p50 ${multi.p50_ms} ms, p99 ${multi.p99_ms} ms (CPU p50 ${multi.cpu_p50_ms}, p99 ${multi.cpu_p99_ms} ms), found ${multi.found}/${qs.length}`,
  );
  const routerMb = heapMb() - beforeRouter;
  const loadEnd = load();
  log(
    `${v.name}: the router's caches after all queries ~${round(routerMb)} MB (graph + router ~${round(memoryMb + routerMb)} MB); load average ${loadEnd}`,
  );

  // Baselines: same node graph, fee-only weights at the query's amount, cheapest channel per pair.
  const best = new Map<string, HalfChannel>();
  for (const c of chans) {
    const k = `${c.from}>${c.to}`;
    const cur = best.get(k);
    if (!cur || c.feeBase + c.feePpm < cur.feeBase + cur.feePpm) best.set(k, c);
  }
  const ng = createGraph<unknown, HalfChannel>();
  const gg = new DirectedGraph();
  for (const c of best.values()) {
    ng.addLink(c.from, c.to, c);
    if (!gg.hasNode(String(c.from))) gg.addNode(String(c.from));
    if (!gg.hasNode(String(c.to))) gg.addNode(String(c.to));
    gg.addDirectedEdge(String(c.from), String(c.to), { base: Number(c.feeBase), ppm: Number(c.feePpm) });
  }
  let amountMsat = 0;
  const ngFinder = ngraphPath.aStar(ng, {
    oriented: true,
    distance: (_a, _b, link) => Number(link.data.feeBase) + (Number(link.data.feePpm) * amountMsat) / 1e6 + 1,
  });
  const baseline = (f: (a: number, b: number) => unknown): { p50_ms: number; p99_ms: number } => {
    const t = qs.map(() => Number.POSITIVE_INFINITY);
    for (let pass = 0; pass < rounds; pass++) {
      for (let i = 0; i < qs.length; i++) {
        const q = qs[i] as RouteQuery;
        amountMsat = Number(q.amount);
        const a = Number.parseInt(q.from, 16);
        const b = Number.parseInt(q.to, 16);
        const s = process.hrtime.bigint();
        f(a, b);
        t[i] = Math.min(t[i] as number, ms(s));
      }
    }
    // the first 20 queries of the first round warm the JIT up
    const rest = rounds > 1 ? t : t.slice(20);
    return { p50_ms: round(quantile(rest, 0.5), 3), p99_ms: round(quantile(rest, 0.99), 3) };
  };
  const ngraph = baseline((a, b) => ngFinder.find(a, b));
  const graphology = baseline((a, b) =>
    dijkstra.bidirectional(
      gg,
      String(a),
      String(b),
      (_e: string, attr: Record<string, unknown>) =>
        (attr.base as number) + ((attr.ppm as number) * amountMsat) / 1e6 + 1,
    ),
  );
  log(
    `${v.name}: baselines (fee-only weights, no amounts/limits/rates): ngraph.path p50 ${ngraph.p50_ms} ms p99 ${ngraph.p99_ms} ms; graphology p50 ${graphology.p50_ms} ms p99 ${graphology.p99_ms} ms`,
  );
  log(
    `${v.name}: ratio single p50 / ngraph p50 = ${round(single.p50_ms / ngraph.p50_ms, 2)}, / graphology p50 = ${round(single.p50_ms / graphology.p50_ms, 2)}`,
  );
  return {
    graph: stats,
    rounds,
    build_ms: round(buildMs, 1),
    update_us: round(updateUs, 2),
    memory_mb: round(memoryMb, 1),
    router_caches_mb: round(routerMb, 1),
    memory_with_router_mb: round(memoryMb + routerMb, 1),
    load: { start: loadStart, end: loadEnd },
    arbitrage_cycles: cycles.length,
    single,
    multi,
    baselines: { ngraph, graphology },
    ...(versusDijkstra ? { versus_dijkstra: versusDijkstra } : {}),
    ratio: { ngraph: round(single.p50_ms / ngraph.p50_ms, 2), graphology: round(single.p50_ms / graphology.p50_ms, 2) },
  };
}

/**
 * `--build-only`: load + build of a variant (the same measured build as the full run), for quick
 * iterations on the graph's build path. A function of its own so nothing of one variant is still
 * referenced while the next one is measured.
 */
function buildOnly(v: Variant, log: (s: string) => void): Record<string, unknown> {
  const { g, buildMs, minMs, maxMs, memoryMb } = measureBuild(v);
  const stats = g.stats();
  log(
    `${v.name}: ${stats.peers} peers, ${stats.offers} offers, ${stats.slots} slots; build ${round(buildMs)} ms (median of 5, ${round(minMs)}-${round(maxMs)}), ~${round(memoryMb)} MB`,
  );
  return { graph: stats, build_ms: round(buildMs, 1), memory_mb: round(memoryMb, 1) };
}

export default async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const count = (flag: string, dflt: number): number => {
    const i = args.indexOf(flag);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) {
      process.stderr.write(`pathing bench: ${flag} must be a positive integer, got ${String(args[i + 1])}\n`);
      process.exit(2);
    }
    return v;
  };
  const queries = count('--queries', 1000);
  const rounds = count('--rounds', 3);
  const log = (s: string): void => {
    if (json) process.stderr.write(`${s}\n`);
    else process.stdout.write(`${s}\n`);
  };
  if (!existsSync(DATA)) {
    log(
      `pathing bench: ${join('..', 'shared', 'bench-data', 'ln-20260203-halfchannels.csv.gz')} not found (looked at ${DATA}); nothing to measure.`,
    );
    if (json) process.stdout.write(`${JSON.stringify({ skipped: 'bench data absent' })}\n`);
    return;
  }
  let t0 = process.hrtime.bigint();
  const chans = loadChannels();
  log(`loaded ${chans.length} enabled half-channels in ${round(ms(t0))} ms (gunzip + CSV parse, not part of build)`);
  const out: Record<string, unknown> = {};
  if (args.includes('--build-only')) {
    const oi = args.indexOf('--only');
    for (const make of [lnVariant, lnBoundVariant, multiVariant]) {
      const v = make(chans);
      if (oi >= 0 && v.name !== args[oi + 1]) continue;
      out[v.name] = buildOnly(v, log);
    }
    if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const wi = args.indexOf('--write-offers');
  if (wi >= 0) {
    const file = args[wi + 1];
    if (!file) {
      process.stderr.write('pathing bench: --write-offers needs a file name\n');
      process.exit(2);
    }
    const oi = args.indexOf('--only');
    const name = oi >= 0 ? args[oi + 1] : 'lightning-bound';
    const makers: Record<string, (c: HalfChannel[]) => Variant> = {
      lightning: lnVariant,
      'lightning-bound': lnBoundVariant,
      'multi-asset': multiVariant,
    };
    const make = name === undefined ? undefined : makers[name];
    if (!make) {
      process.stderr.write(`pathing bench: no graph named ${String(name)}\n`);
      process.exit(2);
    }
    const v = make(chans);
    const toUnit = (u: { unit: string; notary: string }): string => `${u.unit}@${u.notary}`;
    writeFileSync(
      file,
      JSON.stringify({
        offers: v.offers.map(offerToJson),
        follows: Object.fromEntries(v.followKeys),
        accepts: Object.fromEntries(v.acceptKeys),
      }),
    );
    const qs = makeQueries(v, Math.min(queries, 20)).map((q) => ({
      from: q.from,
      unit: toUnit(q.fromUnit),
      to: q.to,
      amount: q.amount.toString(),
    }));
    writeFileSync(`${file}.queries.json`, `${JSON.stringify(qs, null, 1)}\n`);
    log(
      `wrote ${v.name} (${v.offers.length} offers) to ${file} and ${qs.length} of its queries to ${file}.queries.json`,
    );
    return;
  }
  const ai = args.indexOf('--answers');
  const answersFile = ai >= 0 ? args[ai + 1] : undefined;
  if (ai >= 0 && !answersFile) {
    process.stderr.write('pathing bench: --answers needs a file name\n');
    process.exit(2);
  }
  const answers: string[] | undefined = answersFile ? [] : undefined;
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? args[oi + 1] : undefined;
  const si = args.indexOf('--slowest');
  for (const make of [lnVariant, lnBoundVariant, multiVariant]) {
    t0 = process.hrtime.bigint();
    const v = make(chans);
    if (only !== undefined && v.name !== only) continue;
    out[v.name] = runVariant(v, chans, queries, rounds, log, answers, si >= 0 ? count('--slowest', 0) : 0);
  }
  if (answersFile && answers) {
    writeFileSync(answersFile, `${answers.join('\n')}\n`);
    log(`wrote ${answers.length} answers to ${answersFile}`);
    return;
  }
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
}
