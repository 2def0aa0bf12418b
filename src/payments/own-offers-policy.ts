/**
 * The hop policy a wallet's peer quotes with: its own published offers (kind 31562), read live, so
 * a withdrawal or a new offer changes the next quote. (`OfferPolicy` in quote.ts is the fixed-list
 * policy of tests and tools.)
 */
import { offerInput } from '../events/offer.ts';
import type { Offer } from '../events/offer.ts';
import type { HopPolicy, QuoteAsk, QuoteDecision } from './ports.ts';

/**
 * A hop policy over this peer's own open offers: a hop quotes only conversions it published,
 * within the offer's input bounds and liquidity, and only to the offer's counterparties when it
 * names them (`to`): the same rules path finding used.
 */
export class OwnOffersPolicy implements HopPolicy {
  readonly #offers: () => Iterable<Offer>;
  readonly #now: () => number;
  /** `offers`: our offers as they are now; `now`: unix seconds (expired offers are not quoted). */
  constructor(offers: () => Iterable<Offer>, now: () => number) {
    this.#offers = offers;
    this.#now = now;
  }
  /** Quote `ask` from the first open, unexpired offer for the pair that carries the amount. */
  quote(ask: QuoteAsk): QuoteDecision {
    const now = this.#now();
    let sawPair = false;
    for (const o of this.#offers()) {
      if (ask.offer !== undefined && o.id !== ask.offer) continue;
      if (
        o.in.notary !== ask.inNotary ||
        o.in.unit !== ask.inUnit ||
        o.out.notary !== ask.outNotary ||
        o.out.unit !== ask.outUnit
      )
        continue;
      if (o.status !== 'open' || o.expiration <= now) continue;
      // An offer bound to counterparties delivers to them alone (the router honours this too).
      if (o.to !== undefined && o.to.length > 0 && (ask.outTo === undefined || !o.to.includes(ask.outTo))) continue;
      sawPair = true;
      if (ask.outAmount > o.liquidity) continue;
      const minIn = offerInput(o, ask.outAmount);
      if (minIn < o.min || minIn > o.max) continue;
      return {
        ok: true,
        rate: { num: o.rateNum, den: o.rateDen },
        cutPpm: Number(o.cutPpm),
        fee: o.fee,
        minIn,
        offer: o.id,
      };
    }
    return sawPair
      ? {
          ok: false,
          reason: 'out-of-range',
          message: `no open offer carries ${ask.outAmount} of ${ask.outUnit}@${ask.outNotary}`,
        }
      : {
          ok: false,
          reason: 'no-offer',
          message: `no offer from ${ask.inUnit}@${ask.inNotary} to ${ask.outUnit}@${ask.outNotary}`,
        };
  }
}
