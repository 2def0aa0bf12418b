/**
 * The web sync engine (src/web/, `syncWeb`) against the modelled relays: its query port is
 * {@link ModelNet.query}, its clock the model's virtual clock (so its time budget runs in
 * modelled time), its store a real SQLite file that the warm restart opens again.
 */
import { openStore } from '../../src/store/db.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { WebStore, syncWeb } from '../../src/web/index.ts';
import type { WebSyncReport } from '../../src/web/index.ts';
import { DEFAULT_CONFIG } from '../../src/config.ts';
import { webSyncShape } from '../../src/peer/web.ts';
import { OfferGraph } from '../../src/pathing/index.ts';
import { parseCatalogEvent, catalogUnitRefs } from '../../src/events/catalog.ts';
import { parseOfferEvent } from '../../src/events/offer.ts';
import { Kind } from '../../src/events/kinds.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import type { Network } from './network.ts';
import { PAYER, eventOf, followsOf, keyHex } from './network.ts';
import { ModelNet, eventJsonSize } from './relay.ts';
import { Peak, result } from './measure.ts';
import type { ScenarioResult } from './measure.ts';
import { payeesOf, queriesFor, recallOf, routeCosts } from './recall.ts';
import type { Cost } from './recall.ts';

/**
 * The options the library's `Peer` gives the engine with the default config (`webSyncShape`, the
 * one definition), so the bench measures the sync a wallet runs. NIP-11 `max_limit` is not
 * modelled (no `limitOf`).
 */
export const PEER_SYNC = webSyncShape(DEFAULT_CONFIG);

/**
 * The wallet's graph from its store, as a route would see it: every held offer and catalog, and
 * the held follow lists of the keys proven within the radius (the router decides the radius
 * from these links alone, so a peer not proven within it is not routed through).
 */
export function graphFromStore(web: WebStore, self: string, radius: number, now: number): OfferGraph {
  const g = new OfferGraph();
  for (const k of [self, ...web.distances(self, radius).keys()]) {
    const l = web.followsOf(k);
    if (l.length > 0) g.setFollows(k, l);
  }
  for (const e of web.eventsOfKind(Kind.Catalog)) {
    try {
      g.setAccepts(e.pubkey, catalogUnitRefs(parseCatalogEvent(e)));
    } catch (err) {
      if (!isOtP2pError(err)) throw err;
    }
  }
  for (const e of web.eventsOfKind(Kind.Offer)) {
    try {
      const { expiration: _x, status, createdAt: _c, eventId: _i, ...o } = parseOfferEvent(e, now);
      if (status === 'open') g.upsertOffer(o);
    } catch (err) {
      if (!isOtP2pError(err)) throw err;
    }
  }
  g.flushAdjacency();
  return g;
}

/**
 * Run one sync of the engine (cold: empty `dbPath`; warm: the file a cold run left); `full` are
 * the full-knowledge costs of this state of the network (recall.ts `fullCosts`).
 */
export async function runEngine(
  net: Network,
  configured: string[],
  dbPath: string,
  full: readonly (Cost | null)[],
  log: (s: string) => void = () => undefined,
): Promise<ScenarioResult> {
  const model = new ModelNet(net);
  const store = await openStore(dbPath);
  const peak = new Peak();
  model.onAnswer = () => peak.sample();
  const phases: Record<string, { seconds: number; reqs: number; bytes: number }> = {};
  let phase = '';
  const t0 = performance.now();
  const web = new WebStore(store);
  const clock = model.clock();
  const cursors = new CursorStore(store, clock);
  const self = keyHex(net, PAYER);
  const report: WebSyncReport = await syncWeb({
    query: (relay, filters) => model.query(relay, filters),
    store: web,
    cursors,
    clock,
    self,
    relays: configured,
    ...PEER_SYNC,
    onProgress: (p) => {
      if (p.phase !== phase) {
        phase = p.phase;
        log(
          `  (${phase} begins at ${model.now.toFixed(2)} modelled s, ${model.counters.reqs} REQs, ${(model.counters.bytes / 1e6).toFixed(2)} MB, wall ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
      }
      phases[phase] = { seconds: model.now, reqs: model.counters.reqs, bytes: model.counters.bytes };
    },
  });
  const wall = performance.now() - t0;
  peak.stop();
  const seconds = model.now;
  const c = model.counters;
  // per phase: what each cost (cumulative marks -> differences)
  const perPhase: Record<string, { seconds: number; reqs: number; bytes: number }> = {};
  let prev = { seconds: 0, reqs: 0, bytes: 0 };
  for (const [name, at] of Object.entries(phases)) {
    perPhase[name] = {
      seconds: Math.round((at.seconds - prev.seconds) * 100) / 100,
      reqs: at.reqs - prev.reqs,
      bytes: at.bytes - prev.bytes,
    };
    prev = at;
  }
  log(
    `engine: ${seconds.toFixed(2)} modelled s, ${(c.bytes / 1e6).toFixed(2)} MB, ${c.reqs} REQs (${c.capped} capped), wall ${(wall / 1000).toFixed(1)} s; web ${report.webSize} keys, unproven ${report.unproven.length}, gaps ${report.gaps.length}${report.budgetExhausted ? ', budget exhausted' : ''}`,
  );
  for (const [name, p] of Object.entries(perPhase))
    log(`  phase ${name}: ${p.seconds} s, ${p.reqs} REQs, ${(p.bytes / 1e6).toFixed(2)} MB`);
  // Recall as `otp2p route <payee>` would see it: the route command reads the payee too (`extra`),
  // here all 200 payees in one sync after the measured one (its cost is reported apart).
  const payees = payeesOf(net);
  const qs = queriesFor(net, payees);
  const before = { ...c, perRelay: [...c.perRelay], now: model.now };
  const routeRead = await syncWeb({
    query: (relay, filters) => model.query(relay, filters),
    store: web,
    cursors,
    clock,
    self,
    relays: configured,
    ...PEER_SYNC,
    extra: payees.map((p) => keyHex(net, p)),
  });
  const payeeRead = {
    seconds: Math.round((model.now - before.now) * 100) / 100,
    reqs: c.reqs - before.reqs,
    bytes: c.bytes - before.bytes,
    unproven: routeRead.unproven.length,
  };
  log(
    `  route-time reads of the ${payees.length} payees (not in the figures above): ${payeeRead.seconds} s, ${payeeRead.reqs} REQs, ${(payeeRead.bytes / 1e6).toFixed(2)} MB`,
  );
  const g = graphFromStore(web, self, 6, net.now);
  const mine = routeCosts(g, qs);
  const r = recallOf(full, mine);
  // Diagnostic for the engine: the recall if the follow lists of every offer publisher were held
  // too (the links between consecutive hops of a route), and what those lists weigh (one copy).
  let publisherListBytes = 0;
  for (const k of net.offerKeys) {
    const l = followsOf(net, k);
    publisherListBytes += eventJsonSize(
      eventOf(net, { key: k, kind: Kind.Follows, sub: 0, createdAt: net.followCreated[k]! }),
    );
    g.setFollows(
      keyHex(net, k),
      Array.from(l, (t) => keyHex(net, t)),
    );
  }
  g.flushAdjacency();
  const withLists = recallOf(full, routeCosts(g, qs));
  log(
    `  diagnostic: recall with every offer publisher's follow list held too: ${withLists.recall.toFixed(3)} (${withLists.found}/${withLists.routes}); those ${net.offerKeys.length} lists weigh ${(publisherListBytes / 1e6).toFixed(2)} MB (one copy each)`,
  );
  const counts = web.counts();
  await store.close();
  return result(net, before, seconds, wall, peak, r, {
    phases: perPhase,
    payee_reads: payeeRead,
    recall_with_publisher_lists: withLists,
    publisher_list_bytes: publisherListBytes,
    web_size: report.webSize,
    unproven: report.unproven.length,
    gaps: report.gaps.length,
    budget_exhausted: report.budgetExhausted,
    engine_reqs: report.reqs,
    engine_bytes: report.bytes,
    store: counts,
  });
}
