/**
 * Conversion offers (kind 31562, addressable, `d` = offer id): "I take unit A on notary N1 and pay
 * out unit B on notary N2 at rate num/den minus a cut in parts per million and a fixed fee,
 * for inputs between min and max, up to my liquidity". See docs/protocol.md, "Conversion offers".
 *
 * Every number is an integer string on the wire and a bigint in code; rates are exact rationals.
 */
import { MAX_AMOUNT } from '../core/amount.ts';
import type { UnitRef } from '../core/assets.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isHex } from '../core/bytes.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent, UnsignedEvent } from './types.ts';

// Offers name their units with the one asset vocabulary (on-chain BTC is `btc@<chain>`, e.g.
// `btc@bitcoin`); re-exported because `Offer` is built from it.
export type { UnitRef } from '../core/assets.ts';
export { formatUnitRef, parseUnitRef } from '../core/assets.ts';

/** Offer lifecycle: only `open` offers are routed through. `closed` is what a withdrawal publishes. */
export type OfferStatus = 'open' | 'paused' | 'closed';

/** The statuses, in wire spelling. */
export const OFFER_STATUSES: readonly OfferStatus[] = ['open', 'paused', 'closed'];

/** Parts per million: the unit of `cutPpm`. A cut must stay below this. */
export const PPM = 1_000_000n;

/** A conversion offer as code sees it (bigints, exact rational rate). */
export interface Offer {
  /** The `d` tag. */
  id: string;
  in: UnitRef;
  out: UnitRef;
  /** Output units per input unit, as num/den (both > 0). */
  rateNum: bigint;
  rateDen: bigint;
  /** Cut in parts per million of the converted amount, 0 <= cut < 1,000,000. */
  cutPpm: bigint;
  /** Fixed fee in output base units. */
  fee: bigint;
  /** Input bounds in input base units (min <= max). */
  min: bigint;
  max: bigint;
  /** Available liquidity in output base units. */
  liquidity: bigint;
  /** NIP-40 expiration, unix seconds (required). */
  expiration: number;
  status: OfferStatus;
  /**
   * Counterparties (hex pubkeys, `to` tags): when present and non-empty, the offer's owner
   * delivers its output only to these peers (its friends, or the other side of a channel).
   * Absent or empty: anyone within the usual rules.
   */
  to?: readonly string[];
}

/** Most `to` tags an offer may carry (each ~75 bytes: the event stays far below the 60 KiB cap). */
export const MAX_COUNTERPARTIES = 256;

/**
 * An offer with its owner in JSON (integer strings, rate as `[num, den]`): the offline offers
 * file, `offer list --json` and the dashboard all use this one shape. The owner takes `in` and
 * pays out `out` at `rate[0]/rate[1]`, minus `cut_ppm` millionths and a fixed `fee` (in `out`
 * units), for inputs between `min` and `max` (in `in` units), up to `liquidity` (in `out` units).
 */
export interface OfferJson {
  pubkey: string;
  id: string;
  in: UnitRef;
  out: UnitRef;
  rate: [string, string];
  cut_ppm: string;
  fee: string;
  min: string;
  max: string;
  liquidity: string;
  status: OfferStatus;
  /** Counterparties the offer delivers to (absent: anyone). */
  to?: string[];
}

/** An offer read from an event: the author is the peer offering it. */
export interface SignedOffer extends Offer {
  pubkey: string;
  createdAt: number;
  eventId: string;
}

const INT_RE = /^(?:0|[1-9][0-9]*)$/;
const MAX_LABEL = 256;

function badOffer(message: string, field: string): OtP2pError {
  return new OtP2pError('bad-offer', message, { context: { field } });
}

function checkLabel(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL || /[\u0000-\u001f]/.test(value)) {
    throw badOffer(
      `${field} must be a non-empty string of at most ${MAX_LABEL} characters without control characters, got ${describeValue(value)}`,
      field,
    );
  }
  return value;
}

/** Parse an integer string in [min, 2^63-1]. @throws OtP2pError `code` (bad-amount by default). */
function parseInt63(value: unknown, field: string, code: 'bad-amount' | 'bad-rate' | 'bad-offer', min = 0n): bigint {
  if (typeof value !== 'string' || value.length > 19 || !INT_RE.test(value)) {
    throw new OtP2pError(code, `${field} must be a non-negative integer string, got ${describeValue(value)}`, {
      context: { field },
    });
  }
  const n = BigInt(value);
  if (n < min || n > MAX_AMOUNT) {
    throw new OtP2pError(code, `${field} must be between ${min} and ${MAX_AMOUNT}, got ${value}`, {
      context: { field, value },
    });
  }
  return n;
}

/**
 * Check an offer's fields and their relations (the rules the parser applies to events).
 * `now` (unix seconds), when given, also rejects an expired offer.
 * @throws OtP2pError `bad-offer` (labels, status, cut, min > max, malformed or repeated `to`
 *   pubkeys), `bad-rate` (zero or out of range rate), `bad-amount` (negative, non-integer,
 *   > 2^63-1 amounts), `expired`.
 */
export function validateOffer(offer: Offer, now?: number): Offer {
  checkLabel(offer.id, 'id');
  checkLabel(offer.in.unit, 'in.unit');
  checkLabel(offer.in.notary, 'in.notary');
  checkLabel(offer.out.unit, 'out.unit');
  checkLabel(offer.out.notary, 'out.notary');
  const big = (v: unknown, field: string, code: 'bad-amount' | 'bad-rate' | 'bad-offer', min = 0n): void => {
    if (typeof v !== 'bigint' || v < min || v > MAX_AMOUNT) {
      throw new OtP2pError(
        code,
        `${field} must be an integer between ${min} and ${MAX_AMOUNT}, got ${describeValue(v)}`,
        { context: { field } },
      );
    }
  };
  big(offer.rateNum, 'rate.num', 'bad-rate', 1n);
  big(offer.rateDen, 'rate.den', 'bad-rate', 1n);
  big(offer.cutPpm, 'cut_ppm', 'bad-offer');
  if (offer.cutPpm >= PPM) throw badOffer(`cut_ppm must be below ${PPM}, got ${offer.cutPpm}`, 'cut_ppm');
  big(offer.fee, 'fee', 'bad-amount');
  big(offer.min, 'min', 'bad-amount');
  big(offer.max, 'max', 'bad-amount');
  big(offer.liquidity, 'liquidity', 'bad-amount');
  if (offer.min > offer.max) throw badOffer(`min ${offer.min} is above max ${offer.max}`, 'min');
  if (!Number.isSafeInteger(offer.expiration) || offer.expiration <= 0) {
    throw badOffer(
      `expiration must be a positive unix time in seconds, got ${describeValue(offer.expiration)}`,
      'expiration',
    );
  }
  if (!OFFER_STATUSES.includes(offer.status))
    throw badOffer(`status must be open, paused or closed, got ${describeValue(offer.status)}`, 'status');
  if (offer.to !== undefined) checkCounterparties(offer.to);
  if (now !== undefined && offer.expiration <= now) {
    throw new OtP2pError('expired', `offer ${describeValue(offer.id)} expired at ${offer.expiration} (now ${now})`, {
      context: { field: 'expiration', expiration: offer.expiration },
    });
  }
  return offer;
}

/**
 * Build the unsigned kind-31562 template for an offer (hand it to `signEvent`).
 * @throws OtP2pError as {@link validateOffer} (with `now` = `createdAt`).
 */
export function buildOfferEvent(offer: Offer, createdAt: number): EventTemplate {
  validateOffer(offer, createdAt);
  return {
    kind: Kind.Offer,
    created_at: createdAt,
    content: '',
    tags: [
      ['d', offer.id],
      ['in', offer.in.unit, offer.in.notary],
      ['out', offer.out.unit, offer.out.notary],
      ['rate', offer.rateNum.toString(), offer.rateDen.toString()],
      ['cut', offer.cutPpm.toString()],
      ['fee', offer.fee.toString()],
      ['min', offer.min.toString()],
      ['max', offer.max.toString()],
      ['liquidity', offer.liquidity.toString()],
      ['status', offer.status],
      ['expiration', String(offer.expiration)],
      ...(offer.to ?? []).map((pk) => ['to', pk]),
    ],
  };
}

/** `to`: an array of at most MAX_COUNTERPARTIES distinct lowercase hex pubkeys. @throws OtP2pError `bad-offer`. */
function checkCounterparties(to: unknown): void {
  if (!Array.isArray(to) || to.length > MAX_COUNTERPARTIES) {
    throw badOffer(`to must be an array of at most ${MAX_COUNTERPARTIES} pubkeys, got ${describeValue(to)}`, 'to');
  }
  const seen = new Set<string>();
  to.forEach((pk: unknown, i) => {
    if (!isHex(pk, 32))
      throw badOffer(`to[${i}] must be 64 lowercase hex characters, got ${describeValue(pk)}`, `to[${i}]`);
    if (seen.has(pk)) throw badOffer(`to[${i}] repeats ${pk.slice(0, 12)}…`, `to[${i}]`);
    seen.add(pk);
  });
}

/**
 * A withdrawal: the NIP-09 deletion of the offer's address plus (built separately with
 * {@link buildOfferEvent}) a replacement carrying status `closed`, for relays that ignore deletions.
 * @throws OtP2pError `bad-key` when `pubkey` is not 32-byte hex, `bad-offer` for an empty id.
 */
export function buildOfferDeletion(pubkey: string, offerId: string, createdAt: number): EventTemplate {
  if (!isHex(pubkey, 32))
    throw new OtP2pError('bad-key', `pubkey must be 64 hex characters, got ${describeValue(pubkey)}`, {
      context: { field: 'pubkey' },
    });
  checkLabel(offerId, 'id');
  return {
    kind: Kind.Deletion,
    created_at: createdAt,
    content: 'offer withdrawn',
    tags: [
      ['a', `${Kind.Offer}:${pubkey}:${offerId}`],
      ['k', String(Kind.Offer)],
    ],
  };
}

function single(tags: string[][], name: string, arity: number): string[] {
  let found: string[] | undefined;
  for (const t of tags) {
    if (t[0] !== name) continue;
    if (found) throw badOffer(`tag ${name} appears more than once`, name);
    found = t;
  }
  if (!found) throw badOffer(`missing tag ${name}`, name);
  if (found.length < arity + 1) throw badOffer(`tag ${name} needs ${arity} value(s), got ${found.length - 1}`, name);
  return found;
}

/**
 * Parse a kind-31562 event (already verified: id and signature) into a {@link SignedOffer}.
 * @param now unix seconds; an offer whose expiration is at or before `now` is rejected.
 * @throws OtP2pError `bad-kind`, `bad-offer` (missing/duplicate tags, labels, status, cut,
 *   min > max, malformed or repeated `to` pubkeys), `bad-rate` (zero, non-integer or > 2^63-1 rate), `bad-amount` (fee, min, max,
 *   liquidity negative, non-integer or > 2^63-1), `expired`.
 */
export function parseOfferEvent(event: NostrEvent | (UnsignedEvent & { id?: string }), now: number): SignedOffer {
  if (event.kind !== Kind.Offer)
    throw new OtP2pError('bad-kind', `expected kind ${Kind.Offer}, got ${describeValue(event.kind)}`, {
      context: { field: 'kind' },
    });
  const tags = event.tags;
  const d = single(tags, 'd', 1)[1] as string;
  const inT = single(tags, 'in', 2);
  const outT = single(tags, 'out', 2);
  const rate = single(tags, 'rate', 2);
  const expRaw = single(tags, 'expiration', 1)[1];
  if (typeof expRaw !== 'string' || !INT_RE.test(expRaw) || expRaw.length > 15) {
    throw badOffer(`expiration must be unix seconds, got ${describeValue(expRaw)}`, 'expiration');
  }
  const status = single(tags, 'status', 1)[1];
  // counterparties: every `to` tag carries one pubkey; none means anyone
  const to: string[] = [];
  for (const t of tags) {
    if (t[0] !== 'to') continue;
    if (t.length < 2) throw badOffer(`tag to needs 1 value(s), got ${t.length - 1}`, 'to');
    to.push(t[1] as string);
  }
  const offer: Offer = {
    id: d,
    in: { unit: inT[1] as string, notary: inT[2] as string },
    out: { unit: outT[1] as string, notary: outT[2] as string },
    rateNum: parseInt63(rate[1], 'rate.num', 'bad-rate', 1n),
    rateDen: parseInt63(rate[2], 'rate.den', 'bad-rate', 1n),
    cutPpm: parseInt63(single(tags, 'cut', 1)[1], 'cut_ppm', 'bad-offer'),
    fee: parseInt63(single(tags, 'fee', 1)[1], 'fee', 'bad-amount'),
    min: parseInt63(single(tags, 'min', 1)[1], 'min', 'bad-amount'),
    max: parseInt63(single(tags, 'max', 1)[1], 'max', 'bad-amount'),
    liquidity: parseInt63(single(tags, 'liquidity', 1)[1], 'liquidity', 'bad-amount'),
    expiration: Number(expRaw),
    status: status as OfferStatus,
  };
  if (to.length > 0) offer.to = to;
  validateOffer(offer, now);
  return { ...offer, pubkey: event.pubkey, createdAt: event.created_at, eventId: event.id ?? '' };
}

/**
 * The exact input an offer needs to deliver `out`:
 * `ceil((out + fee) * den * 1000000 / (num * (1000000 - cut_ppm)))`.
 */
export function offerInput(offer: Pick<Offer, 'rateNum' | 'rateDen' | 'cutPpm' | 'fee'>, out: bigint): bigint {
  const n = (out + offer.fee) * offer.rateDen * PPM;
  const d = offer.rateNum * (PPM - offer.cutPpm);
  return (n + d - 1n) / d;
}

/**
 * What a withdrawal publishes under the offer's address besides the NIP-09 deletion: the same
 * `d`, status `closed`, no assets, so a relay that ignores deletions still replaces the open offer.
 */
export function closedOfferPlaceholder(id: string, now: number): Offer {
  const none = { unit: 'none', notary: 'none' };
  return {
    id,
    in: none,
    out: none,
    rateNum: 1n,
    rateDen: 1n,
    cutPpm: 0n,
    fee: 0n,
    min: 0n,
    max: 0n,
    liquidity: 0n,
    expiration: now + 86400,
    status: 'closed',
  };
}
