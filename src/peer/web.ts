/**
 * The offer graph of the payer's social radius, read from the persisted web (`src/web/`): a sync
 * brings the store up to date through the outbox-model engine (`syncWeb`), then the graph is
 * rebuilt from the store; a restart starts from the store, so a command only asks relays for
 * what changed since. Newest event per author (and per offer address) wins; other people's bad
 * events are skipped and logged, never fatal.
 */
import type { Clock } from '../core/clock.ts';
import { unixSeconds } from '../core/clock.ts';
import { isOtP2pError } from '../core/errors.ts';
import { parseAddress } from '../events/address.ts';
import type { Address } from '../events/address.ts';
import { catalogUnitRefs, parseCatalogEvent } from '../events/catalog.ts';
import type { Catalog } from '../events/catalog.ts';
import { Kind } from '../events/kinds.ts';
import { parseOfferEvent } from '../events/offer.ts';
import type { Offer, SignedOffer } from '../events/offer.ts';
import type { NostrEvent } from '../events/types.ts';
import type { Filter } from '../events/filter.ts';
import { personName } from '../events/names.ts';
import { queryEvents } from '../relays/query.ts';
import { OfferGraph } from '../pathing/graph.ts';
import type { GraphOffer } from '../pathing/graph.ts';
import { fetchRelayLimits } from '../relays/nip11.ts';
import type { RelayGap, Subscription, Transport } from '../relays/transport.ts';
import type { Store } from '../store/db.ts';
import { CursorStore } from '../store/cursors.ts';
import { transportQueryPort } from '../web/port.ts';
import { WebStore } from '../web/store.ts';
import { relayGapsOf } from '../web/report.ts';
import { DEFAULT_WEB_BUDGET_BYTES, syncWeb } from '../web/sync.ts';
import type { SyncOptions, SyncResult } from './types.ts';

/** The cursor row (relay '') holding when the last sync finished, so a restart knows. */
const SYNCED_AT = 'web-synced-at';

/** Authors per REQ when fetching just names. */
const AUTHORS_PER_QUERY = 200;

/**
 * What a wallet's settings make of a web sync: the routing radius (`maxDegree`), outward to the
 * mint trust depth (at least 2: the payer's friends' lists), and the byte budget. One definition
 * for the Peer and the benchmark, so the bench measures the sync a wallet runs.
 */
export function webSyncShape(s: { maxDegree: number; trustDepth: number; budgetBytes?: number | undefined }): {
  radius: number;
  forwardDepth: number;
  budget: { bytes: number };
} {
  return {
    radius: s.maxDegree,
    forwardDepth: Math.max(2, s.trustDepth),
    budget: { bytes: s.budgetBytes ?? DEFAULT_WEB_BUDGET_BYTES },
  };
}

/** Options for {@link OfferWeb}. */
export interface OfferWebOptions {
  transport: Transport;
  /** The open database holding the persisted web. */
  store: Store;
  /** Our pubkey (the root of the social radius). */
  self: string;
  clock: Clock;
  /** The social radius for routing, in follow steps. */
  maxDegree: number;
  /** The web of trust depth for mint verdicts (follow lists fetched outward this far). */
  trustDepth: number;
  /** The configured read relays (relay-list lookups, offer scans, fallback for authors). */
  relays: readonly string[];
  /** Stop the optional work past this many bytes received (default 25 MB). */
  budgetBytes?: number;
  /** Called after each change the graph absorbed (a sync, a live event). */
  onChange: (stats: { offers: number; peers: number }) => void;
  log: (line: string) => void;
}

/** The offer graph of our social radius and what it was built from. */
export class OfferWeb {
  readonly graph = new OfferGraph();
  readonly store: WebStore;
  readonly #o: OfferWebOptions;
  readonly #cursors: CursorStore;
  readonly #catalogs = new Map<string, { catalog: Catalog; createdAt: number }>();
  readonly #offers = new Map<string, { offer: SignedOffer; createdAt: number }>();
  readonly #limits = new Map<string, Promise<number | undefined>>();
  #web = new Map<string, number>();
  /** Keys whose follow list the graph holds. */
  #followed = new Set<string>();
  #lastSyncAt: number | null;
  #live: Subscription | undefined;
  #inflight: Promise<SyncResult> | undefined;

  constructor(options: OfferWebOptions) {
    this.#o = options;
    this.store = new WebStore(options.store);
    this.#cursors = new CursorStore(options.store, options.clock);
    this.#lastSyncAt = this.#cursors.load('', SYNCED_AT) ?? null;
    if (this.#lastSyncAt !== null) this.#load();
  }

  /** Unix seconds of the last sync (persisted across restarts), or null before the first. */
  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }

  /** Sizes for status reports. */
  counts(): SyncResult {
    return { web: this.#web.size, offers: this.#offers.size, catalogs: this.#catalogs.size };
  }

  /** The follow distance of each key proven within the social radius (from the persisted web). */
  web(): ReadonlyMap<string, number> {
    return this.#web;
  }

  /** The keys within `depth` follow steps (the mint web of trust), from the persisted web. */
  trustWeb(depth = this.#o.trustDepth): Set<string> {
    const out = new Set<string>();
    for (const [k, d] of this.#web) if (d <= depth) out.add(k);
    return out;
  }

  /** Follow lists held for us and the keys within the radius (author -> follows). */
  followLists(): ReadonlyMap<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const k of [this.#o.self, ...this.#web.keys()]) {
      const list = this.store.followsOf(k);
      if (list.length > 0) out.set(k, list);
    }
    return out;
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
   * Bring the persisted web up to date (cold: everything the design asks for; warm: only what
   * changed since, by `since`) and rebuild the graph from it; with `live`, keep one subscription
   * open so the store and the graph follow changes.
   * @throws OtP2pError `db-error` when the store cannot be written.
   */
  async sync(options: SyncOptions = {}): Promise<SyncResult> {
    // One sync at a time over one store: a caller without payees of its own joins the running one.
    if (this.#inflight && !options.extra?.length) {
      const r = await this.#inflight;
      if (options.live && !this.#live) this.#subscribeLive();
      return r;
    }
    const run = this.#syncNow(options);
    this.#inflight = run;
    try {
      return await run;
    } finally {
      if (this.#inflight === run) this.#inflight = undefined;
    }
  }

  async #syncNow(options: SyncOptions): Promise<SyncResult> {
    const { transport, self, clock } = this.#o;
    const report = await syncWeb({
      query: transportQueryPort(transport),
      store: this.store,
      cursors: this.#cursors,
      clock,
      self,
      relays: this.#o.relays,
      ...webSyncShape(this.#o),
      ...(options.extra ? { extra: options.extra } : {}),
      limitOf: (relay) => this.#limitOf(relay),
      onProgress: (p) => options.onProgress?.(p.done, Math.max(p.total, p.done), p.phase),
    });
    this.#lastSyncAt = unixSeconds(clock);
    this.#cursors.save('', SYNCED_AT, this.#lastSyncAt);
    this.#cursors.flush();
    this.#load();
    if (options.live && !this.#live) this.#subscribeLive();
    this.#changed();
    return {
      ...this.counts(),
      incomplete: relayGapsOf(report.gaps),
      reqs: report.reqs,
      bytes: report.bytes,
      budgetExhausted: report.budgetExhausted,
      unproven: report.unproven.length,
    };
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
      this.store.ingest(r.events);
    }
    return gaps;
  }

  /**
   * The name to show a person for `pubkey` (see `events/names.ts`): the user's petname from our
   * own follow list, else the name the key claims in its profile, else a short npub.
   * @throws OtP2pError `bad-hex` (or `wrong-length`) when `pubkey` is not 64 lowercase hex characters.
   */
  nameOf(pubkey: string): string {
    const claimed = this.store.nameOf(pubkey);
    return personName(pubkey, {
      petname: this.store.petnameOf(this.#o.self, pubkey),
      ...(claimed !== undefined ? { profile: { name: claimed } } : {}),
    });
  }

  /** Absorb one verified event (ours as we publish it, or one from a live subscription). */
  ingest(e: NostrEvent): void {
    this.store.ingest([e]);
    if (e.kind === Kind.Follows && (e.pubkey === this.#o.self || this.#web.has(e.pubkey)))
      this.graph.setFollows(e.pubkey, this.store.followsOf(e.pubkey));
    this.#apply(e);
    this.graph.flushAdjacency();
    this.#changed();
  }

  /**
   * Absorb a batch of verified events after our own follow list changed (a follow or unfollow),
   * recompute the follow distances from the lists known, and report one change: the graph is up to
   * date without a sync.
   */
  absorb(events: readonly NostrEvent[]): void {
    this.store.ingest(events);
    // Distances, follows, catalogs and offers again from the store: a new friend's offers (and
    // those of the people they follow) join the graph, an unfollowed one's leave it.
    this.#load();
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
    this.#cursors.flush();
  }

  /** A relay's NIP-11 `max_limit`: asked only of a socket transport's own relays, once each. */
  #limitOf(relay: string): Promise<number | undefined> {
    if (typeof (this.#o.transport as { limits?: unknown }).limits !== 'function') return Promise.resolve(undefined);
    let l = this.#limits.get(relay);
    if (!l) {
      l = fetchRelayLimits(relay).then((x) => x.maxLimit);
      this.#limits.set(relay, l);
    }
    return l;
  }

  /**
   * Live changes: offers, catalogs and their deletions from anyone (rare kinds), follow and relay
   * lists of us and the keys within the trust depth; all through the store.
   */
  #subscribeLive(): void {
    const { transport, self, clock } = this.#o;
    const near = [self, ...this.trustWeb(Math.max(1, this.#o.trustDepth - 1))];
    const since = unixSeconds(clock);
    this.#live = transport.subscribe(
      [
        { kinds: [Kind.Catalog, Kind.Offer, Kind.Deletion], since },
        { kinds: [Kind.Metadata, Kind.Follows, Kind.RelayList], authors: near, since },
      ],
      { onevent: (e) => this.ingest(e) },
      { cursorKey: `graph:${self}`, relays: [...this.#o.relays] },
    );
  }

  #changed(): void {
    this.#o.onChange({ offers: this.#offers.size, peers: this.#web.size });
  }

  /**
   * Rebuild distances, follows, catalogs and offers from the store. Offers of keys not proven
   * within the radius are not loaded: they are not routed through.
   */
  #load(): void {
    const self = this.#o.self;
    this.#web = this.store.distances(self, this.#o.maxDegree);
    // What left the store (deleted offers, keys now outside the radius) leaves the graph too.
    const lists = new Set<string>();
    for (const k of [self, ...this.#web.keys()]) {
      const list = this.store.followsOf(k);
      if (list.length === 0) continue;
      lists.add(k);
      this.graph.setFollows(k, list);
    }
    for (const k of this.#followed) if (!lists.has(k)) this.graph.setFollows(k, []);
    this.#followed = lists;
    const offers = new Set<string>();
    for (const e of this.store.eventsOfKind(Kind.Catalog)) this.#apply(e);
    for (const e of this.store.eventsOfKind(Kind.Offer)) {
      this.#apply(e);
      offers.add(`${e.pubkey}:${e.tags.find((t) => t[0] === 'd')?.[1] ?? ''}`);
    }
    for (const [key, { offer }] of this.#offers)
      if (!offers.has(key) || !this.#inRadius(key.slice(0, 64))) this.forgetOffer(key.slice(0, 64), offer.id);
    this.graph.flushAdjacency();
  }

  #inRadius(pubkey: string): boolean {
    return pubkey === this.#o.self || this.#web.has(pubkey);
  }

  #apply(e: NostrEvent): void {
    try {
      if (e.kind === Kind.Catalog) {
        const cur = this.#catalogs.get(e.pubkey);
        if (cur && cur.createdAt > e.created_at) return;
        this.setCatalog(e.pubkey, parseCatalogEvent(e), e.created_at);
      } else if (e.kind === Kind.Offer) {
        if (!this.#inRadius(e.pubkey)) return;
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
