/**
 * The offline route file (what-if analysis and audits) and the contractual JSON output shape.
 *
 * File, exactly: `{ "offers": [{ "pubkey", "id", "in": {"unit","notary"}, "out": {"unit","notary"},
 * "rate": [num, den], "cut_ppm", "fee", "min", "max", "liquidity", "to"?: [pubkey, ...] }], "follows": { pubkey:
 * [pubkey, ...] }, "accepts": { pubkey: [{"unit","notary"}, ...] } }`, amounts as integer strings.
 */
import { fail, oneOf, string } from '../core/assert.ts';
import { MAX_AMOUNT } from '../core/amount.ts';
import { isRecord } from '../core/json.ts';
import { MAX_COUNTERPARTIES, formatUnitRef } from '../events/offer.ts';
import type { OfferJson, OfferStatus, UnitRef } from '../events/offer.ts';
import { OfferGraph } from './graph.ts';
import type { GraphOffer } from './graph.ts';
import type { MultiRouteResult, RoutePath } from './router.ts';

/** A parsed offline file. */
export interface OffersFile {
  offers: GraphOffer[];
  follows: Record<string, string[]>;
  accepts: Record<string, UnitRef[]>;
}

const INT_RE = /^(?:0|[1-9][0-9]*)$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** An integer given as a string (or, for rate and cut, a safe JSON integer), at most 2^63-1. */
function int(v: unknown, field: string, code: 'bad-amount' | 'bad-rate' | 'bad-offer', allowNumber: boolean): bigint {
  if (allowNumber && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  const n = BigInt(string(v, field, code, { re: INT_RE, maxLength: 19, expected: 'a non-negative integer string' }));
  if (n > MAX_AMOUNT) fail(code, field, 'at most 2^63-1', v);
  return n;
}

function pubkey(v: unknown, field: string): string {
  return string(v, field, 'bad-key', { re: HEX64, expected: 'a 64-character lowercase hex pubkey' });
}

function unitRef(v: unknown, field: string): UnitRef {
  if (!isRecord(v) || typeof v.unit !== 'string' || typeof v.notary !== 'string' || !v.unit || !v.notary) {
    fail('bad-offer', field, '{"unit","notary"} with non-empty strings', v);
  }
  return { unit: v.unit, notary: v.notary };
}

/**
 * Validate a parsed offline file.
 * @throws OtP2pError `bad-input` (shape), `bad-key` (pubkeys), `bad-offer`, `bad-rate`,
 *   `bad-amount` naming the offending field (`offers[3].min`).
 */
export function parseOffersFile(value: unknown): OffersFile {
  if (!isRecord(value)) fail('bad-input', 'file', 'a JSON object', value);
  const offersRaw = value.offers ?? [];
  if (!Array.isArray(offersRaw)) fail('bad-input', 'offers', 'an array', offersRaw);
  const offers: GraphOffer[] = offersRaw.map((o: unknown, i) => {
    const f = `offers[${i}]`;
    if (!isRecord(o)) fail('bad-input', f, 'an object', o);
    string(o.id, `${f}.id`, 'bad-offer', { minLength: 1, expected: 'a non-empty string' });
    const id = o.id as string;
    if (!Array.isArray(o.rate) || o.rate.length !== 2) fail('bad-rate', `${f}.rate`, '[num, den]', o.rate);
    const rateNum = int(o.rate[0], `${f}.rate[0]`, 'bad-rate', true);
    const rateDen = int(o.rate[1], `${f}.rate[1]`, 'bad-rate', true);
    if (rateNum === 0n || rateDen === 0n)
      fail('bad-rate', `${f}.rate`, 'two integers above zero', `${rateNum}/${rateDen}`);
    const cutPpm = int(o.cut_ppm ?? '0', `${f}.cut_ppm`, 'bad-offer', true);
    if (cutPpm >= 1_000_000n) fail('bad-offer', `${f}.cut_ppm`, 'below 1000000', cutPpm);
    const min = int(o.min ?? '0', `${f}.min`, 'bad-amount', false);
    const max = int(o.max, `${f}.max`, 'bad-amount', false);
    if (min > max) fail('bad-offer', `${f}.min`, `at most max (${max})`, min);
    const status: OfferStatus = oneOf(o.status ?? 'open', `${f}.status`, 'bad-offer', ['open', 'paused', 'closed']);
    // counterparties: the owner delivers only to these peers (absent or empty: anyone)
    let to: string[] | undefined;
    if (o.to !== undefined) {
      if (!Array.isArray(o.to) || o.to.length > MAX_COUNTERPARTIES)
        fail('bad-offer', `${f}.to`, `an array of at most ${MAX_COUNTERPARTIES} pubkeys`, o.to);
      to = o.to.map((p, k) => pubkey(p, `${f}.to[${k}]`));
      if (new Set(to).size !== to.length) fail('bad-offer', `${f}.to`, 'distinct pubkeys', o.to);
    }
    return {
      pubkey: pubkey(o.pubkey, `${f}.pubkey`),
      id,
      in: unitRef(o.in, `${f}.in`),
      out: unitRef(o.out, `${f}.out`),
      rateNum,
      rateDen,
      cutPpm,
      fee: int(o.fee ?? '0', `${f}.fee`, 'bad-amount', false),
      min,
      max,
      liquidity: int(o.liquidity, `${f}.liquidity`, 'bad-amount', false),
      status,
      ...(to !== undefined && to.length > 0 ? { to } : {}),
    };
  });
  const follows: Record<string, string[]> = {};
  const fr = value.follows ?? {};
  if (!isRecord(fr)) fail('bad-input', 'follows', 'an object of pubkey -> [pubkey]', fr);
  for (const [k, list] of Object.entries(fr)) {
    pubkey(k, `follows key`);
    if (!Array.isArray(list)) fail('bad-input', `follows[${k.slice(0, 8)}…]`, 'an array', list);
    follows[k] = list.map((p, i) => pubkey(p, `follows[${k.slice(0, 8)}…][${i}]`));
  }
  const accepts: Record<string, UnitRef[]> = {};
  const ar = value.accepts ?? {};
  if (!isRecord(ar)) fail('bad-input', 'accepts', 'an object of pubkey -> [{unit, notary}]', ar);
  for (const [k, list] of Object.entries(ar)) {
    pubkey(k, 'accepts key');
    if (!Array.isArray(list)) fail('bad-input', `accepts[${k.slice(0, 8)}…]`, 'an array', list);
    accepts[k] = list.map((u, i) => unitRef(u, `accepts[${k.slice(0, 8)}…][${i}]`));
  }
  return { offers, follows, accepts };
}

/**
 * Build a graph from offers, follow lists and catalogs (what the online mode feeds from kinds
 * 31562, 3 and 11560 as well).
 * @throws OtP2pError as {@link OfferGraph.upsertOffer}.
 */
export function buildGraph(file: OffersFile): OfferGraph {
  const g = new OfferGraph();
  g.addOffers(file.offers);
  for (const [p, list] of Object.entries(file.follows)) g.setFollows(p, list);
  for (const [p, list] of Object.entries(file.accepts)) g.setAccepts(p, list);
  return g;
}

// One offer in the offline file's shape: defined with the offer codec, re-exported for pathing users.
export type { OfferJson } from '../events/offer.ts';

/** Render an offer as the offline file writes it (the inverse of {@link parseOffersFile} for one entry). */
export function offerToJson(o: GraphOffer): OfferJson {
  return {
    pubkey: o.pubkey,
    id: o.id,
    in: { ...o.in },
    out: { ...o.out },
    rate: [o.rateNum.toString(), o.rateDen.toString()],
    cut_ppm: o.cutPpm.toString(),
    fee: o.fee.toString(),
    min: o.min.toString(),
    max: o.max.toString(),
    liquidity: o.liquidity.toString(),
    status: o.status ?? 'open',
    ...(o.to !== undefined && o.to.length > 0 ? { to: [...o.to] } : {}),
  };
}

/** The JSON shape of one path part. */
export interface RoutePathJson {
  spend: string;
  receive: string;
  hops: { from: string; to: string; unit: string; amount: string; offer: string | null }[];
}

/** The contractual `--json` shape: `{ spend, receive, parts: [{ spend, receive, hops }] }`. */
export interface RouteJson {
  spend: string;
  receive: string;
  parts: RoutePathJson[];
}

/** Render one path. */
export function pathToJson(p: RoutePath): RoutePathJson {
  return {
    spend: p.spend.toString(),
    receive: p.receive.toString(),
    hops: p.hops.map((h) => ({
      from: h.from,
      to: h.to,
      unit: formatUnitRef(h.unit),
      amount: h.amount.toString(),
      offer: h.offer,
    })),
  };
}

/** Render a route in the contractual JSON shape. */
export function routeToJson(r: MultiRouteResult): RouteJson {
  return { spend: r.spend.toString(), receive: r.receive.toString(), parts: r.parts.map(pathToJson) };
}
