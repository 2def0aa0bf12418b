/**
 * Conversion arithmetic for hops, exact in bigint: `out = floor(floor(in * num / den) * (1e6 - cut) / 1e6) - fee`,
 * and its inverse, the minimum input that yields at least a wanted output. Plus {@link OfferPolicy},
 * a {@link HopPolicy} over a peer's own conversion offers.
 */
import { ceilDiv } from '../core/amount.ts';
import { OtP2pError } from '../core/errors.ts';
import type { HopPolicy, QuoteAsk, QuoteDecision, Rate } from './ports.ts';

const PPM = 1_000_000n;

/**
 * What a hop delivers for `input` at `rate`, minus `cutPpm` parts per million and a fixed `fee`
 * (never negative).
 * @throws OtP2pError `bad-rate` when the rate is not positive or the cut is out of 0..999999.
 */
export function outputFor(input: bigint, rate: Rate, cutPpm: number, fee: bigint): bigint {
  checkTerms(rate, cutPpm);
  const converted = (input * rate.num) / rate.den;
  const afterCut = (converted * (PPM - BigInt(cutPpm))) / PPM;
  return afterCut > fee ? afterCut - fee : 0n;
}

/**
 * The smallest input for which {@link outputFor} is at least `output`.
 * @throws OtP2pError `bad-rate` as {@link outputFor}.
 */
export function minInputFor(output: bigint, rate: Rate, cutPpm: number, fee: bigint): bigint {
  checkTerms(rate, cutPpm);
  if (output <= 0n) return 0n;
  const converted = ceilDiv((output + fee) * PPM, PPM - BigInt(cutPpm));
  return ceilDiv(converted * rate.den, rate.num);
}

function checkTerms(rate: Rate, cutPpm: number): void {
  if (rate.num <= 0n || rate.den <= 0n)
    throw new OtP2pError('bad-rate', `rate must be positive, got ${rate.num}/${rate.den}`);
  if (!Number.isInteger(cutPpm) || cutPpm < 0 || cutPpm >= 1_000_000) {
    throw new OtP2pError('bad-rate', `cut must be an integer in 0..999999 ppm, got ${cutPpm}`);
  }
}

/** One of our conversion offers, as the hop policy sees it. */
export interface HopOffer {
  id: string;
  inNotary: string;
  inUnit: string;
  outNotary: string;
  outUnit: string;
  rate: Rate;
  cutPpm: number;
  fee: bigint;
  /** Bounds on the output per payment. */
  minOut: bigint;
  maxOut: bigint;
  /** How much of the out unit we are willing to pay out in total. */
  liquidity: bigint;
}

/** A {@link HopPolicy} that quotes from a fixed list of offers. */
export class OfferPolicy implements HopPolicy {
  readonly #offers: HopOffer[];
  constructor(offers: HopOffer[]) {
    this.#offers = offers;
  }

  /** Quote `ask` from the first matching offer (the named one when the ask names one). */
  quote(ask: QuoteAsk): QuoteDecision {
    const offer = this.#offers.find(
      (o) =>
        (ask.offer === undefined || o.id === ask.offer) &&
        o.inNotary === ask.inNotary &&
        o.inUnit === ask.inUnit &&
        o.outNotary === ask.outNotary &&
        o.outUnit === ask.outUnit,
    );
    if (!offer)
      return {
        ok: false,
        reason: 'no-offer',
        message: `no offer from ${ask.inUnit}@${ask.inNotary} to ${ask.outUnit}@${ask.outNotary}`,
      };
    if (ask.outAmount < offer.minOut || ask.outAmount > offer.maxOut) {
      return {
        ok: false,
        reason: 'out-of-range',
        message: `output ${ask.outAmount} outside ${offer.minOut}..${offer.maxOut}`,
      };
    }
    if (ask.outAmount > offer.liquidity)
      return { ok: false, reason: 'no-liquidity', message: `output ${ask.outAmount} over our liquidity` };
    return {
      ok: true,
      rate: offer.rate,
      cutPpm: offer.cutPpm,
      fee: offer.fee,
      minIn: minInputFor(ask.outAmount, offer.rate, offer.cutPpm, offer.fee),
      offer: offer.id,
    };
  }
}
