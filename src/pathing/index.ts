/**
 * otp2p/pathing: the offer graph and route search (pure: no I/O, no clock reads).
 *
 * Online use (the Peer facade): feed verified offers (kind 31562, `parseOfferEvent`), follow
 * lists (kind 3) and catalogs (kind 11560) into one {@link OfferGraph} as they arrive
 * (`upsertOffer`, `removeOffer`, `setFollows`, `setAccepts`), then ask a {@link Router} bound to
 * it: `new Router(graph).findMultiRoute({ from, fromUnit, to, amount, now })`.
 */
export { OfferGraph } from './graph.ts';
export type { GraphOffer, GraphStats } from './graph.ts';
export { Router } from './router.ts';
export type { MultiRouteResult, RouteHop, RoutePath, RouteQuery, RouteResult } from './router.ts';
export { findArbitrage } from './arbitrage.ts';
export type { ArbitrageCycle } from './arbitrage.ts';
export { buildGraph, offerToJson, parseOffersFile, pathToJson, routeToJson } from './file.ts';
export type { OfferJson, OffersFile, RouteJson, RoutePathJson } from './file.ts';
