/** `peer.offers`: our conversion offers (kind 31562), the ones our hops quote from. */
import { unixSeconds } from '../core/clock.ts';
import { isOtP2pError } from '../core/errors.ts';
import { tryNormalizeRelayUrl } from '../core/relay-url.ts';
import { Kind } from '../events/kinds.ts';
import {
  buildOfferDeletion,
  buildOfferEvent,
  closedOfferPlaceholder,
  parseOfferEvent,
  validateOffer,
} from '../events/offer.ts';
import type { Offer, SignedOffer } from '../events/offer.ts';
import { parseRelayListEvent } from '../events/relay-list.ts';
import type { NostrEvent } from '../events/types.ts';
import { listedRelays } from '../relays/nip65.ts';
import { addGaps, queryEvents } from '../relays/query.ts';
import type { RelayGap } from '../relays/transport.ts';
import type { EventStore } from '../store/events.ts';
import type { PeerContext } from './context.ts';

/** How long {@link PeerOffers.published} waits for each relay's answer. */
const LOOKUP_TIMEOUT_MS = 8_000;

/** Our offers as the relays hold them ({@link PeerOffers.published}). */
export interface PublishedOffers {
  /** Our offers held by a relay or published from this data folder, withdrawn ones left out. */
  offers: SignedOffer[];
  /** Our offer events that no longer parse (expired, or malformed by another client), with why. */
  rejected: Array<{ id: string; event: string; code: string; message: string }>;
  /** Relays that did not answer in full: the list may miss offers (or withdrawals) they hold. */
  incomplete: RelayGap[];
  /** The relays asked: the configured ones and the user's NIP-65 write relays. */
  relays: string[];
}

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
    // Into the persisted web too (not only the graph): a restart must not load the offer again
    // from the store before the relays echo the deletion.
    for (const e of events) this.#ctx.web.ingest(e);
    return events;
  }

  /** A `created_at` for a new version of offer `id`: now, or one past the newest we signed. */
  #stamp(id: string, now: number): number {
    const at = Math.max(now, (this.#stamps.get(id) ?? 0) + 1);
    this.#stamps.set(id, at);
    return at;
  }

  /**
   * Our offers as the relays hold them: offers and NIP-09 deletions signed by us, read from the
   * configured relays and our NIP-65 write relays (another device may have published there), into
   * the persisted web, which applies the deletions. Offers published from this data folder that no
   * relay acknowledged yet are included (they are in the outbox). A relay that did not answer is
   * in `incomplete`: the caller must not present the list as complete.
   * @throws OtP2pError `db-error` when the web store cannot be written; the transport's `closed`.
   */
  async published(): Promise<PublishedOffers> {
    const { transport, pubkey, web, relays: configured } = this.#ctx;
    const incomplete: RelayGap[] = [];
    const mine = (kinds: number[]) => [{ kinds, authors: [pubkey] }];
    const first = await queryEvents(transport, mine([Kind.RelayList, Kind.Offer, Kind.Deletion]), LOOKUP_TIMEOUT_MS, {
      relays: [...configured],
    });
    addGaps(incomplete, first.incomplete);
    const lists = first.events.filter((e) => e.kind === Kind.RelayList);
    const newest = lists.sort((a, b) => b.created_at - a.created_at)[0];
    const known = new Set(configured.map((r) => tryNormalizeRelayUrl(r) ?? r));
    let write: string[] = [];
    try {
      write = newest ? listedRelays(parseRelayListEvent(newest), 'write') : [];
    } catch (e) {
      // our own list malformed by another client: the configured relays are still read
      if (!isOtP2pError(e)) throw e;
    }
    const extra = write.filter((r) => !known.has(r));
    const events = [...first.events];
    if (extra.length > 0) {
      const more = await queryEvents(transport, mine([Kind.Offer, Kind.Deletion]), LOOKUP_TIMEOUT_MS, {
        relays: extra,
      });
      addGaps(incomplete, more.incomplete);
      events.push(...more.events);
    }
    // Deletions last, so one newer than an offer in the same answer removes it.
    const order = (e: NostrEvent): number => (e.kind === Kind.Deletion ? 1 : 0);
    for (const e of events.sort((a, b) => order(a) - order(b) || a.created_at - b.created_at)) web.ingest(e);
    const now = unixSeconds(this.#ctx.clock);
    const offers: SignedOffer[] = [];
    const rejected: PublishedOffers['rejected'] = [];
    for (const e of web.store.eventsOfKind(Kind.Offer)) {
      if (e.pubkey !== pubkey) continue;
      try {
        offers.push(parseOfferEvent(e, now));
      } catch (err) {
        if (!isOtP2pError(err)) throw err;
        const id = e.tags.find((t) => t[0] === 'd')?.[1] ?? '';
        rejected.push({ id, event: e.id, code: err.code, message: err.message });
      }
    }
    offers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { offers, rejected, incomplete, relays: [...configured, ...extra] };
  }

  /** Our offers (open, paused and expired ones alike). */
  list(): Offer[] {
    return [...this.#own.values()];
  }
}
