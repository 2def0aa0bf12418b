/**
 * The offline route file (what-if analysis and audits) and the contractual JSON output shape.
 *
 * File, exactly: `{ "offers": [{ "pubkey", "id", "in": {"unit","notary"}, "out": {"unit","notary"},
 * "rate": [num, den], "cut_ppm", "fee", "min", "max", "liquidity" }], "follows": { pubkey:
 * [pubkey, ...] }, "accepts": { pubkey: [{"unit","notary"}, ...] } }`, amounts as integer strings.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isRecord } from '../core/json.ts';
import { MAX_AMOUNT_BIG } from './amount.ts';
import { formatUnitRef } from '../events/offer.ts';
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

function bad(code: 'bad-input' | 'bad-offer' | 'bad-rate' | 'bad-amount' | 'bad-key', message: string, field: string): OtP2pError {
  return new OtP2pError(code, message, { context: { field } });
}

/** An integer given as a string (or, for rate and cut, a safe JSON integer). */
function int(v: unknown, field: string, code: 'bad-amount' | 'bad-rate' | 'bad-offer', allowNumber: boolean): bigint {
  if (allowNumber && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== 'string' || v.length > 19 || !INT_RE.test(v)) throw bad(code, `${field} must be a non-negative integer string, got ${describeValue(v)}`, field);
  const n = BigInt(v);
  if (n > MAX_AMOUNT_BIG) throw bad(code, `${field} must be at most 2^63-1, got ${v}`, field);
  return n;
}

function pubkey(v: unknown, field: string): string {
  if (typeof v !== 'string' || !HEX64.test(v)) throw bad('bad-key', `${field} must be a 64-character lowercase hex pubkey, got ${describeValue(v)}`, field);
  return v;
}

function unitRef(v: unknown, field: string): UnitRef {
  if (!isRecord(v) || typeof v.unit !== 'string' || typeof v.notary !== 'string' || !v.unit || !v.notary) {
    throw bad('bad-offer', `${field} must be {"unit","notary"} with non-empty strings`, field);
  }
  return { unit: v.unit, notary: v.notary };
}

/**
 * Validate a parsed offline file.
 * @throws OtP2pError `bad-input` (shape), `bad-key` (pubkeys), `bad-offer`, `bad-rate`,
 *   `bad-amount` naming the offending field (`offers[3].min`).
 */
export function parseOffersFile(value: unknown): OffersFile {
  if (!isRecord(value)) throw bad('bad-input', 'offers file must be a JSON object', 'file');
  const offersRaw = value.offers ?? [];
  if (!Array.isArray(offersRaw)) throw bad('bad-input', 'offers must be an array', 'offers');
  const offers: GraphOffer[] = offersRaw.map((o: unknown, i) => {
    const f = `offers[${i}]`;
    if (!isRecord(o)) throw bad('bad-input', `${f} must be an object`, f);
    if (typeof o.id !== 'string' || o.id.length === 0) throw bad('bad-offer', `${f}.id must be a non-empty string`, `${f}.id`);
    if (!Array.isArray(o.rate) || o.rate.length !== 2) throw bad('bad-rate', `${f}.rate must be [num, den]`, `${f}.rate`);
    const rateNum = int(o.rate[0], `${f}.rate[0]`, 'bad-rate', true);
    const rateDen = int(o.rate[1], `${f}.rate[1]`, 'bad-rate', true);
    if (rateNum === 0n || rateDen === 0n) throw bad('bad-rate', `${f}.rate must not contain zero`, `${f}.rate`);
    const cutPpm = int(o.cut_ppm ?? '0', `${f}.cut_ppm`, 'bad-offer', true);
    if (cutPpm >= 1_000_000n) throw bad('bad-offer', `${f}.cut_ppm must be below 1000000, got ${cutPpm}`, `${f}.cut_ppm`);
    const min = int(o.min ?? '0', `${f}.min`, 'bad-amount', false);
    const max = int(o.max, `${f}.max`, 'bad-amount', false);
    if (min > max) throw bad('bad-offer', `${f}.min ${min} is above max ${max}`, `${f}.min`);
    const status = (o.status ?? 'open') as OfferStatus;
    if (status !== 'open' && status !== 'paused' && status !== 'closed') throw bad('bad-offer', `${f}.status must be open, paused or closed`, `${f}.status`);
    return {
      pubkey: pubkey(o.pubkey, `${f}.pubkey`),
      id: o.id,
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
    };
  });
  const follows: Record<string, string[]> = {};
  const fr = value.follows ?? {};
  if (!isRecord(fr)) throw bad('bad-input', 'follows must be an object of pubkey -> [pubkey]', 'follows');
  for (const [k, list] of Object.entries(fr)) {
    pubkey(k, `follows key`);
    if (!Array.isArray(list)) throw bad('bad-input', `follows[${k.slice(0, 8)}…] must be an array`, 'follows');
    follows[k] = list.map((p, i) => pubkey(p, `follows[${k.slice(0, 8)}…][${i}]`));
  }
  const accepts: Record<string, UnitRef[]> = {};
  const ar = value.accepts ?? {};
  if (!isRecord(ar)) throw bad('bad-input', 'accepts must be an object of pubkey -> [{unit, notary}]', 'accepts');
  for (const [k, list] of Object.entries(ar)) {
    pubkey(k, 'accepts key');
    if (!Array.isArray(list)) throw bad('bad-input', `accepts[${k.slice(0, 8)}…] must be an array`, 'accepts');
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
    hops: p.hops.map((h) => ({ from: h.from, to: h.to, unit: formatUnitRef(h.unit), amount: h.amount.toString(), offer: h.offer })),
  };
}

/** Render a route in the contractual JSON shape. */
export function routeToJson(r: MultiRouteResult): RouteJson {
  return { spend: r.spend.toString(), receive: r.receive.toString(), parts: r.parts.map(pathToJson) };
}
