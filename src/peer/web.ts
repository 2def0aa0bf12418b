/**
 * Graph ingestion: verified follow lists, catalogs, offers and NIP-09 deletions of the social
 * radius become the {@link OfferGraph} the router searches, plus the views a wallet shows (who
 * follows whom, who accepts what, which offers are known). Newest event per author (and per offer
 * address) wins; other people's bad events are skipped and logged, never fatal.
 */
import type { Clock } from '../core/clock.ts';
import { unixSeconds } from '../core/clock.ts';
import { isOtP2pError } from '../core/errors.ts';
import { parseAddress } from '../events/address.ts';
import type { Address } from '../events/address.ts';
import { parseCatalogEvent } from '../events/catalog.ts';
import type { Catalog } from '../events/catalog.ts';
import { parseFollowsEvent } from '../events/follows.ts';
import { Kind } from '../events/kinds.ts';
import { parseOfferEvent } from '../events/offer.ts';
import type { Offer, SignedOffer } from '../events/offer.ts';
import type { NostrEvent } from '../events/types.ts';
import type { Filter } from '../events/filter.ts';
import { fetchWebOfTrust, queryEvents } from '../mint/collect.ts';
import { OfferGraph } from '../pathing/graph.ts';
import type { GraphOffer } from '../pathing/graph.ts';
import type { RelayGap, Subscription, Transport } from '../relays/transport.ts';
import type { SyncOptions, SyncResult } from './types.ts';
import { catalogUnitRefs } from '../events/catalog.ts';
import { NameBook } from './names.ts';

const GRAPH_KINDS = [Kind.Follows, Kind.Metadata, Kind.Catalog, Kind.Offer, Kind.Deletion];

/** Authors per catalog/offer query during a sync. */
const AUTHORS_PER_QUERY = 200;

/** Options for {@link OfferWeb}. */
export interface OfferWebOptions {
  transport: Transport;
  /** Our pubkey (the root of the social radius). */
  self: string;
  clock: Clock;
  /** Follow degrees fetched (the social radius). */
  maxDegree: number;
  /** Called after each change the graph absorbed (a sync, a live event). */
  onChange: (stats: { offers: number; peers: number }) => void;
  log: (line: string) => void;
}

/** The offer graph of our social radius and what it was built from. */
export class OfferWeb {
  readonly graph = new OfferGraph();
  /** Petnames and profile names of the web (kind 0 comes with catalogs and offers). */
  readonly names: NameBook;
  readonly #o: OfferWebOptions;
  readonly #catalogs = new Map<string, { catalog: Catalog; createdAt: number }>();
  readonly #follows = new Map<string, { list: string[]; createdAt: number }>();
  readonly #offers = new Map<string, { offer: SignedOffer; createdAt: number }>();
  #web = new Map<string, number>();
  #lastSyncAt: number | null = null;
  #live: Subscription | undefined;

  constructor(options: OfferWebOptions) {
    this.#o = options;
    this.names = new NameBook(options.self);
  }

  /** Unix seconds of the last sync, or null before the first. */
  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }

  /** Sizes for status reports. */
  counts(): SyncResult {
    return { web: this.#web.size, offers: this.#offers.size, catalogs: this.#catalogs.size };
  }

  /** The follow distance of each key in the social radius (from the last sync). */
  web(): ReadonlyMap<string, number> {
    return this.#web;
  }

  /** Follow lists known (author -> follows). */
  followLists(): ReadonlyMap<string, readonly string[]> {
    return new Map([...this.#follows].map(([k, v]) => [k, v.list]));
  }

  /** Offers known (ours included). */
  knownOffers(): SignedOffer[] {
    return [...this.#offers.values()].map((x) => x.offer);
  }

  /** Public catalogs known. */
  knownCatalogs(): ReadonlyMap<string, Catalog> {
    return new Map([...this.#catalogs].map(([k, v]) => [k, v.catalog]));
  }

  /** The catalog `pubkey` published, when known. */
  catalogOf(pubkey: string): Catalog | undefined {
    return this.#catalogs.get(pubkey)?.catalog;
  }

  /**
   * Fetch follows (up to the social radius), catalogs and offers of the web and rebuild the
   * graph from them; with `live`, keep one subscription open so the graph follows changes.
   */
  async sync(options: SyncOptions = {}): Promise<SyncResult> {
    const { transport, self, clock } = this.#o;
    const fetched = await fetchWebOfTrust(transport, self, this.#o.maxDegree);
    this.#web = fetched.web;
    // No answer is not an empty answer: what a relay did not send is reported with the counts.
    const gaps = new Map<string, RelayGap>();
    for (const g of fetched.incomplete) gaps.set(`${g.relay} ${g.reason}`, g);
    for (const [author, list] of fetched.follows) this.#applyFollows(author, list, 0);
    const authors = [...new Set([self, ...this.#web.keys(), ...(options.extra ?? [])])];
    for (let i = 0; i < authors.length; i += AUTHORS_PER_QUERY) {
      const part = authors.slice(i, i + AUTHORS_PER_QUERY);
      const filters: Filter[] = [{ kinds: [Kind.Catalog, Kind.Offer, Kind.Metadata], authors: part }];
      // Our own follow list for its petnames (the walk above keeps only who follows whom).
      if (i === 0) filters.push({ kinds: [Kind.Follows], authors: [self], limit: 1 });
      const r = await queryEvents(transport, filters);
      for (const g of r.incomplete) gaps.set(`${g.relay} ${g.reason}`, g);
      for (const e of r.events) this.#ingest(e);
      options.onProgress?.(Math.min(i + AUTHORS_PER_QUERY, authors.length), authors.length);
    }
    this.graph.flushAdjacency();
    this.#lastSyncAt = unixSeconds(clock);
    if (options.live && !this.#live) {
      this.#live = transport.subscribe(
        [{ kinds: GRAPH_KINDS, authors, since: unixSeconds(clock) }],
        { onevent: (e) => this.ingest(e) },
        { cursorKey: `graph:${self}` },
      );
    }
    this.#changed();
    return { ...this.counts(), incomplete: [...gaps.values()] };
  }

  /**
   * Fetch the profiles (kind 0) of `pubkeys` and our own follow list (for its petnames), for
   * commands that show people without a full sync (`dm read`). Returns the relays that did not
   * answer: a name that did not arrive is shown as a short npub, which is still the truth.
   */
  async fetchNames(pubkeys: readonly string[]): Promise<RelayGap[]> {
    const { transport, self } = this.#o;
    const gaps: RelayGap[] = [];
    const authors = [...new Set(pubkeys)];
    for (let i = 0; i === 0 || i < authors.length; i += AUTHORS_PER_QUERY) {
      const filters: Filter[] = [{ kinds: [Kind.Follows], authors: [self], limit: 1 }];
      const part = authors.slice(i, i + AUTHORS_PER_QUERY);
      if (part.length > 0) filters.push({ kinds: [Kind.Metadata], authors: part });
      const r = await queryEvents(transport, filters);
      gaps.push(...r.incomplete);
      for (const e of r.events)
        if (!this.names.absorb(e)) this.#o.log(`skipped kind ${e.kind} from ${e.pubkey.slice(0, 8)}: malformed`);
    }
    return gaps;
  }

  /** Absorb one verified event (ours as we publish it, or one from a live subscription). */
  ingest(e: NostrEvent): void {
    this.#ingest(e);
    this.graph.flushAdjacency();
    this.#changed();
  }

  /** Our own catalog, as we published it. */
  setCatalog(pubkey: string, catalog: Catalog, createdAt: number): void {
    this.#catalogs.set(pubkey, { catalog, createdAt });
    this.graph.setAccepts(pubkey, catalogUnitRefs(catalog));
  }

  /** Forget an offer (our own withdrawal, before the relays echo it). */
  forgetOffer(pubkey: string, id: string): void {
    this.#offers.delete(`${pubkey}:${id}`);
    this.graph.removeOffer(pubkey, id);
  }

  /** Close the live subscription. */
  close(): void {
    this.#live?.close();
    this.#live = undefined;
  }

  #changed(): void {
    this.#o.onChange({ offers: this.#offers.size, peers: this.#web.size });
  }

  #applyFollows(author: string, list: string[], createdAt: number): void {
    const cur = this.#follows.get(author);
    if (cur && cur.createdAt > createdAt) return;
    this.#follows.set(author, { list, createdAt });
    this.graph.setFollows(author, list);
  }

  #ingest(e: NostrEvent): void {
    try {
      if (e.kind === Kind.Metadata || e.kind === Kind.Follows) {
        if (!this.names.absorb(e)) this.#o.log(`skipped kind ${e.kind} from ${e.pubkey.slice(0, 8)}: malformed`);
      }
      if (e.kind === Kind.Follows) {
        this.#applyFollows(
          e.pubkey,
          parseFollowsEvent(e).follows.map((f) => f.pubkey),
          e.created_at,
        );
      } else if (e.kind === Kind.Catalog) {
        const cur = this.#catalogs.get(e.pubkey);
        if (cur && cur.createdAt > e.created_at) return;
        this.setCatalog(e.pubkey, parseCatalogEvent(e), e.created_at);
      } else if (e.kind === Kind.Offer) {
        const offer = parseOfferEvent(e, unixSeconds(this.#o.clock));
        const key = `${e.pubkey}:${offer.id}`;
        const cur = this.#offers.get(key);
        if (cur && cur.createdAt > e.created_at) return;
        this.#offers.set(key, { offer, createdAt: e.created_at });
        if (offer.status === 'open') this.graph.upsertOffer(toGraphOffer(e.pubkey, offer));
        else this.graph.removeOffer(e.pubkey, offer.id);
      } else if (e.kind === Kind.Deletion) {
        for (const t of e.tags) {
          if (t[0] !== 'a' || !t[1]) continue;
          // The offer id (the `d` part) may itself contain ':', so never split the address.
          const a = addressOrUndefined(t[1]);
          if (a?.kind !== Kind.Offer || a.pubkey !== e.pubkey) continue;
          this.forgetOffer(a.pubkey, a.d);
        }
      }
    } catch (err) {
      // Other people's events: a bad one is skipped, never fatal.
      if (!isOtP2pError(err)) throw err;
      this.#o.log(`skipped kind ${e.kind} from ${e.pubkey.slice(0, 8)}: ${err.code}`);
    }
  }
}

/** A deletion's `a` value as an address, or undefined when malformed (that tag alone is skipped). */
function addressOrUndefined(value: string): Address | undefined {
  try {
    return parseAddress(value, 'a');
  } catch {
    return undefined;
  }
}

function toGraphOffer(pubkey: string, o: Offer): GraphOffer {
  return {
    pubkey,
    id: o.id,
    in: o.in,
    out: o.out,
    rateNum: o.rateNum,
    rateDen: o.rateDen,
    cutPpm: o.cutPpm,
    fee: o.fee,
    min: o.min,
    max: o.max,
    liquidity: o.liquidity,
    ...(o.to !== undefined ? { to: o.to } : {}),
    expiration: o.expiration,
    status: o.status,
  };
}
