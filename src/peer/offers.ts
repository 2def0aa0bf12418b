/** `peer.offers`: our conversion offers (kind 31562), the ones our hops quote from. */
import { unixSeconds } from '../core/clock.ts';
import { Kind } from '../events/kinds.ts';
import {
  buildOfferDeletion,
  buildOfferEvent,
  closedOfferPlaceholder,
  parseOfferEvent,
  validateOffer,
} from '../events/offer.ts';
import type { Offer } from '../events/offer.ts';
import type { NostrEvent } from '../events/types.ts';
import type { EventStore } from '../store/events.ts';
import type { PeerContext } from './context.ts';

/** Our conversion offers. */
export class PeerOffers {
  readonly #ctx: PeerContext;
  readonly #own = new Map<string, Offer>();
  /** Newest `created_at` we signed per offer id: a replacement must be newer (NIP-01 keeps the lower id on a tie). */
  readonly #stamps = new Map<string, number>();

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext) {
    this.#ctx = ctx;
  }

  /** @internal Load the offers this data folder published before (they are quoted again). */
  async load(events: EventStore): Promise<void> {
    for (const e of await events.query({ kinds: [Kind.Offer], authors: [this.#ctx.pubkey] })) {
      try {
        const o = parseOfferEvent(e, 0);
        this.#own.set(o.id, o);
        this.#stamps.set(o.id, Math.max(e.created_at, this.#stamps.get(o.id) ?? 0));
      } catch {
        // our own expired or malformed offers are simply not quoted
      }
    }
  }

  /**
   * Publish (or replace) an offer.
   * @throws OtP2pError `bad-offer`, `bad-rate`, `bad-amount`, `expired` from validation.
   */
  async publish(offer: Offer): Promise<NostrEvent> {
    const now = unixSeconds(this.#ctx.clock);
    validateOffer(offer, now);
    const event = await this.#ctx.publish(buildOfferEvent(offer, this.#stamp(offer.id, now)));
    this.#own.set(offer.id, offer);
    this.#ctx.web.ingest(event);
    return event;
  }

  /**
   * Withdraw an offer: a closed status plus a NIP-09 deletion.
   * @throws OtP2pError `bad-offer` for an empty or oversized id.
   */
  async withdraw(id: string): Promise<NostrEvent[]> {
    const { clock, pubkey } = this.#ctx;
    const now = unixSeconds(clock);
    // The closed replacement keeps the address, for relays that ignore NIP-09; an offer this
    // data folder never saw (published elsewhere) is closed with placeholder terms.
    const cur = this.#own.get(id) ?? closedOfferPlaceholder(id, now);
    const at = this.#stamp(id, now);
    const events = [
      await this.#ctx.publish(
        buildOfferEvent({ ...cur, status: 'closed', expiration: Math.max(cur.expiration, now + 86400) }, at),
      ),
      // NIP-09 deletes every version of the address up to the deletion's time: ours included.
      await this.#ctx.publish(buildOfferDeletion(pubkey, id, at)),
    ];
    this.#own.delete(id);
    this.#ctx.web.forgetOffer(pubkey, id);
    return events;
  }

  /** A `created_at` for a new version of offer `id`: now, or one past the newest we signed. */
  #stamp(id: string, now: number): number {
    const at = Math.max(now, (this.#stamps.get(id) ?? 0) + 1);
    this.#stamps.set(id, at);
    return at;
  }

  /** Our offers (open, paused and expired ones alike). */
  list(): Offer[] {
    return [...this.#own.values()];
  }
}
