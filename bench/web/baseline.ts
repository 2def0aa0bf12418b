/**
 * The baseline: today's sync (`OfferWeb.sync`, src/peer/web.ts: `fetchWebOfTrust` breadth-first to
 * the social radius of 6, 200 authors per REQ, one REQ after another, from the configured relays
 * only; then catalogs and offers of every key found, 200 authors per REQ) against the same
 * modelled relays, through {@link ModelTransport}. Stopped at a budget of received bytes: past
 * it every REQ is closed at once, so the sync runs out quickly and the result says `stopped`.
 */
import { OfferWeb } from '../../src/peer/web.ts';
import type { Network } from './network.ts';
import { PAYER, keyHex } from './network.ts';
import { ModelNet } from './relay.ts';
import { ModelTransport } from './transport.ts';
import { Peak, result } from './measure.ts';
import type { ScenarioResult } from './measure.ts';
import { fullGraph, payeesOf, queriesFor, recallOf, routeCosts } from './recall.ts';

/** 2 GB of received JSON. */
export const BASELINE_BUDGET = 2e9;

/** Run the baseline cold start; `configured` are the payer's configured relays. */
export async function runBaseline(
  net: Network,
  configured: string[],
  budget = BASELINE_BUDGET,
  log: (s: string) => void = () => undefined,
): Promise<ScenarioResult> {
  const model = new ModelNet(net);
  model.budgetBytes = budget;
  const peak = new Peak();
  model.onAnswer = () => peak.sample();
  const t0 = performance.now();
  const web = new OfferWeb({
    transport: new ModelTransport(model, configured),
    self: keyHex(net, PAYER),
    clock: model.clock(),
    maxDegree: 6,
    onChange: () => undefined,
    log: () => undefined,
  });
  const synced = await web.sync();
  const wall = performance.now() - t0;
  peak.stop();
  const seconds = model.now;
  const stopped = model.counters.bytes >= budget;
  log(
    `baseline: ${stopped ? 'stopped at the budget' : 'done'} after ${seconds.toFixed(1)} modelled s, web ${synced.web} keys, ${synced.offers} offers, ${synced.catalogs} catalogs`,
  );
  // recall on what it had when it stopped (its graph), after the peak was taken
  const qs = queriesFor(net, payeesOf(net));
  const full = routeCosts(fullGraph(net), qs);
  const mine = routeCosts(web.graph, qs);
  const r = recallOf(full, mine);
  web.close();
  return {
    ...result(net, model.counters, seconds, wall, peak, r, {
      web: synced.web,
      offers: synced.offers,
      catalogs: synced.catalogs,
    }),
    stopped,
  };
}
