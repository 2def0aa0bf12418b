/**
 * The baseline: the sync every CLI command ran before the web engine (OfferWeb.sync at 6d86026,
 * src/peer/web.ts, replaced by the engine when web-sync was merged): `fetchWebOfTrust`
 * breadth-first to the social radius of 6, 200 authors per REQ, one REQ after another, from the
 * configured relays only; then catalogs and offers of every key found, 200 authors per REQ; the
 * graph built from all of it in memory. Same sequence here, over the same modelled relays through
 * {@link ModelTransport}. Stopped at a budget of received bytes: past it every REQ is closed at
 * once, so the sync runs out quickly and the result says `stopped`.
 */
import { isOtP2pError } from '../../src/core/errors.ts';
import { catalogUnitRefs, parseCatalogEvent } from '../../src/events/catalog.ts';
import { Kind } from '../../src/events/kinds.ts';
import { parseOfferEvent } from '../../src/events/offer.ts';
import { fetchWebOfTrust } from '../../src/mint/collect.ts';
import { OfferGraph } from '../../src/pathing/index.ts';
import { queryEvents } from '../../src/relays/query.ts';
import type { Network } from './network.ts';
import { PAYER, keyHex } from './network.ts';
import { ModelNet } from './relay.ts';
import { ModelTransport } from './transport.ts';
import { Peak, result } from './measure.ts';
import type { ScenarioResult } from './measure.ts';
import { payeesOf, queriesFor, recallOf, routeCosts } from './recall.ts';
import type { Cost } from './recall.ts';

/** 2 GB of received JSON. */
export const BASELINE_BUDGET = 2e9;

/**
 * Run the baseline cold start; `configured` are the payer's configured relays, `full` the
 * full-knowledge costs of the network (recall.ts `fullCosts`).
 */
export async function runBaseline(
  net: Network,
  configured: string[],
  full: readonly (Cost | null)[],
  budget = BASELINE_BUDGET,
  log: (s: string) => void = () => undefined,
): Promise<ScenarioResult> {
  const model = new ModelNet(net);
  model.budgetBytes = budget;
  const peak = new Peak();
  model.onAnswer = () => peak.sample();
  const t0 = performance.now();
  const transport = new ModelTransport(model, configured);
  const self = keyHex(net, PAYER);
  const graph = new OfferGraph();
  const fetched = await fetchWebOfTrust(transport, self, 6);
  for (const [author, list] of fetched.follows) graph.setFollows(author, list);
  const authors = [...new Set([self, ...fetched.web.keys()])];
  let offers = 0;
  let catalogs = 0;
  for (let i = 0; i < authors.length; i += 200) {
    const r = await queryEvents(transport, [{ kinds: [Kind.Catalog, Kind.Offer], authors: authors.slice(i, i + 200) }]);
    for (const e of r.events) {
      try {
        if (e.kind === Kind.Catalog) {
          graph.setAccepts(e.pubkey, catalogUnitRefs(parseCatalogEvent(e)));
          catalogs++;
        } else {
          const { expiration: _x, status, createdAt: _c, eventId: _i, ...o } = parseOfferEvent(e, net.now);
          if (status === 'open') graph.upsertOffer(o);
          offers++;
        }
      } catch (err) {
        if (!isOtP2pError(err)) throw err;
      }
    }
  }
  graph.flushAdjacency();
  const wall = performance.now() - t0;
  peak.stop();
  const seconds = model.now;
  const stopped = model.counters.bytes >= budget;
  log(
    `baseline: ${stopped ? 'stopped at the budget' : 'done'} after ${seconds.toFixed(1)} modelled s, web ${fetched.web.size} keys, ${offers} offers, ${catalogs} catalogs`,
  );
  // recall on what it had when it stopped (its graph), after the peak was taken
  const qs = queriesFor(net, payeesOf(net));
  const r = recallOf(full, routeCosts(graph, qs));
  return {
    ...result(net, model.counters, seconds, wall, peak, r, { web: fetched.web.size, offers, catalogs }),
    stopped,
  };
}
