/**
 * The `Peer` a wallet embeds: one object that composes the layers below (store, transport,
 * outbox, messaging, catalogs, offers and routes, mint transparency, payments, Bitcoin) over one
 * identity and one data folder, and tells the wallet what it must show the user through events.
 *
 * ```ts
 * const peer = await createPeer({ home, identity, relays, otApi, receiptLookup });
 * peer.on('mint-alarm', (v) => warn(v));
 * await peer.start();
 * const route = await peer.routes.find({ to: davePubkey, amount: 10_000n, unit: 'EUR' });
 * const result = await peer.payments.pay({ to: davePubkey, amount: 10_000n, unit: 'EUR' });
 * await peer.stop();
 * ```
 */
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from './core/clock.ts';
import { systemClock, unixSeconds } from './core/clock.ts';
import { OtP2pError, describeValue, isOtP2pError } from './core/errors.ts';
import type { Random } from './core/random.ts';
import { cryptoRandom } from './core/random.ts';
import type { Config } from './config.ts';
import { DEFAULT_CONFIG } from './config.ts';
import { Kind } from './events/kinds.ts';
import { signEvent, getPublicKey } from './events/sign.ts';
import type { EventTemplate, NostrEvent } from './events/types.ts';
import { EventVerifier } from './events/verify.ts';
import { buildFollowsEvent, parseFollowsEvent } from './events/follows.ts';
import { buildDmRelaysEvent } from './events/dm-relays.ts';
import { buildRelayListEvent } from './events/relay-list.ts';
import { buildOfferDeletion, buildOfferEvent, formatUnitRef, offerInput, parseOfferEvent, validateOffer } from './events/offer.ts';
import type { Offer, SignedOffer, UnitRef } from './events/offer.ts';
import { btcAssetKey, buildCatalogEvent, parseCatalogEvent } from './events/catalog.ts';
import type { BtcNetwork, Catalog } from './events/catalog.ts';
import { npubEncode } from './keys/nip19.ts';
import type { Store } from './store/db.ts';
import { openStore } from './store/db.ts';
import { EventStore } from './store/events.ts';
import { OutboxStore } from './store/outbox.ts';
import { CursorStore } from './store/cursors.ts';
import type { Transport, PublishResult, Subscription } from './relays/transport.ts';
import { RelayPool } from './relays/pool.ts';
import type { RelayStats } from './relays/pool.ts';
import { OutboxPublisher } from './relays/outbox.ts';
import { Messenger } from './messaging/messenger.ts';
import type { ChatMessage } from './messaging/nip17.ts';
import { defaultRegistry } from './messaging/protocol.ts';
import { catalogFromOt, holdingsFromAccounts } from './catalog/from-ot.ts';
import { fetchCatalog, requestCatalog, serveCatalog } from './catalog/exchange.ts';
import { negotiate } from './catalog/negotiation.ts';
import type { NegotiationResult } from './catalog/negotiation.ts';
import { OfferGraph } from './pathing/graph.ts';
import type { GraphOffer } from './pathing/graph.ts';
import { Router } from './pathing/router.ts';
import type { MultiRouteResult, RoutePath } from './pathing/router.ts';
import { findArbitrage } from './pathing/arbitrage.ts';
import type { ArbitrageCycle } from './pathing/arbitrage.ts';
import { queryEvents, fetchWebOfTrust } from './mint/collect.ts';
import { MintWatcher, ownMint } from './mint/watcher.ts';
import type { CheckResult } from './mint/watcher.ts';
import { isAlarm } from './mint/verdict.ts';
import type { MintVerdict } from './mint/verdict.ts';
import type { OtApi } from './otapi/api.ts';
import { PaymentCoordinator } from './payments/coordinator.ts';
import type { PaymentResult, CoordinatorLimits } from './payments/coordinator.ts';
import { MessengerChannel, registerPaymentMessages } from './payments/adapters/messaging.ts';
import { OtApiTransfers } from './payments/adapters/otapi.ts';
import { BitcoinTransfers, RoutingTransfers } from './payments/adapters/bitcoin.ts';
import type { BitcoinWallet } from './bitcoin/wallet.ts';
import { legsFromPath } from './payments/adapters/pathing.ts';
import type { OtAccountBinding, ReceiptLookup } from './payments/adapters/otapi.ts';
import type { HopPolicy, QuoteAsk, QuoteDecision } from './payments/ports.ts';
import type { CrashHook } from './payments/crash.ts';
import { listPayments, listMisbehaving } from './payments/store.ts';
import type { PaymentRecord } from './payments/store.ts';

/** The identity a peer acts as: its Nostr secret key (an `Identity` from `otp2p/keys` fits). */
export interface PeerIdentity {
  readonly secretKey: Uint8Array;
}

/** Options for {@link createPeer}. */
export interface CreatePeerOptions {
  /** Data folder: the database lives here (created 0700 when missing). */
  home: string;
  identity: PeerIdentity;
  /** Relays to read from and publish to (default: the configuration's). */
  relays?: string[];
  /** A transport to use instead of a `RelayPool` over `relays` (tests, other networks). */
  transport?: Transport;
  /** The wallet's OT API: accounts, mints, transfers (may span notaries, see `combineOtApis`). */
  otApi?: OtApi;
  /** How this peer checks that an OT transfer to it really happened (needed to be paid). */
  receiptLookup?: ReceiptLookup;
  /**
   * On-chain BTC legs (`btc@bitcoin`): the wallet pays and is paid (fresh addresses in quotes);
   * an incoming transfer counts after `confirmations` (default: the configuration's).
   */
  bitcoin?: { wallet: BitcoinWallet; confirmations?: number };
  /** Configuration overrides (limits, radius, k, ...). */
  config?: Partial<Config>;
  /** Payment limits and timings. */
  paymentLimits?: Partial<CoordinatorLimits>;
  clock?: Clock;
  random?: Random;
  /** Crash hook for the payments crash tests. */
  crash?: CrashHook;
  /** Diagnostics (never secrets). */
  log?: (line: string) => void;
}

/** What a wallet must show its user. */
export interface PeerEvents {
  /** A mint verdict that needs the user's attention (`equivocation` or `rare`). */
  'mint-alarm': [verdict: MintVerdict];
  /** A chat message arrived (NIP-17, verified). */
  dm: [message: ChatMessage];
  /** A payment this peer takes part in changed state. */
  payment: [payment: PaymentRecord];
  /** Relay connectivity changed or was sampled. */
  'relay-health': [health: RelayHealth[]];
  /** The offer graph changed (offers, follows or catalogs arrived). */
  graph: [stats: { offers: number; peers: number }];
  /** A warning worth a line in a log (e.g. a DM sent to non-DM relays). */
  warning: [message: string];
}

/** Health of one relay. */
export interface RelayHealth {
  url: string;
  connected: boolean;
  stats?: RelayStats;
}

/** What `status()` reports. */
export interface PeerStatus {
  pubkey: string;
  npub: string;
  relays: RelayHealth[];
  outbox: { pending: number; acked: number; failed: number };
  sync: { web: number; offers: number; catalogs: number; lastSyncAt: number | null };
  alarms: MintVerdict[];
  payments: { total: number; inFlight: number };
}

/** A route request by the payer. */
export interface FindRouteRequest {
  /** Payee pubkey (hex). */
  to: string;
  /** Amount the payee must receive, in base units of the payee's unit. */
  amount: bigint;
  /** Restrict what the payee receives: a unit ID, `unit@notary`, or a TLA from the payee's catalog. */
  unit?: string;
  /** Restrict what the payer spends (`unit@notary`); default: any unit the payer holds. */
  fromUnit?: string;
  maxHops?: number;
  /** Most parts for a multi-path route (1 = single path). */
  maxParts?: number;
}

/** A route found for the payer, with the unit it spends. */
export interface FoundRoute extends MultiRouteResult {
  fromUnit: UnitRef;
}

/** A payment request by the payer. */
export interface PayRequestByPeer extends FindRouteRequest {
  /** Most the payer accepts to spend above the route's quote (in the spent unit). */
  maxFee?: bigint;
  /**
   * Pay this route (from {@link Peer.routes.find}, e.g. the one a user confirmed) instead of
   * finding one afresh; `to` and `amount` must match it.
   */
  route?: FoundRoute;
}

/**
 * A hop policy over this peer's own open offers: a hop quotes only conversions it published,
 * within the offer's input bounds and liquidity (the same rules path finding used).
 */
export class OwnOffersPolicy implements HopPolicy {
  readonly #offers: () => Iterable<Offer>;
  readonly #now: () => number;
  constructor(offers: () => Iterable<Offer>, now: () => number) {
    this.#offers = offers;
    this.#now = now;
  }
  quote(ask: QuoteAsk): QuoteDecision {
    const now = this.#now();
    let sawPair = false;
    for (const o of this.#offers()) {
      if (ask.offer !== undefined && o.id !== ask.offer) continue;
      if (o.in.notary !== ask.inNotary || o.in.unit !== ask.inUnit || o.out.notary !== ask.outNotary || o.out.unit !== ask.outUnit) continue;
      if (o.status !== 'open' || o.expiration <= now) continue;
      sawPair = true;
      if (ask.outAmount > o.liquidity) continue;
      const minIn = offerInput(o, ask.outAmount);
      if (minIn < o.min || minIn > o.max) continue;
      return { ok: true, rate: { num: o.rateNum, den: o.rateDen }, cutPpm: Number(o.cutPpm), fee: o.fee, minIn, offer: o.id };
    }
    return sawPair
      ? { ok: false, reason: 'out-of-range', message: `no open offer carries ${ask.outAmount} of ${ask.outUnit}@${ask.outNotary}` }
      : { ok: false, reason: 'no-offer', message: `no offer from ${ask.inUnit}@${ask.inNotary} to ${ask.outUnit}@${ask.outNotary}` };
  }
}

const GRAPH_KINDS = [Kind.Follows, Kind.Catalog, Kind.Offer, Kind.Deletion];

/** The embeddable peer. Create it with {@link createPeer}. */
export class Peer extends EventEmitter<PeerEvents> {
  readonly pubkey: string;
  readonly npub: string;
  readonly home: string;
  readonly config: Config;
  readonly store: Store;
  readonly events: EventStore;
  readonly transport: Transport;
  readonly outbox: OutboxPublisher;
  readonly outboxStore: OutboxStore;
  readonly messenger: Messenger;
  readonly coordinator: PaymentCoordinator;
  readonly otApi: OtApi | undefined;
  readonly graph = new OfferGraph();
  readonly #router: Router;
  readonly #sk: Uint8Array;
  readonly #clock: Clock;
  readonly #ownsTransport: boolean;
  readonly #relays: string[];
  readonly #log: (line: string) => void;
  readonly #ownOffers = new Map<string, Offer>();
  readonly #catalogs = new Map<string, { catalog: Catalog; createdAt: number }>();
  readonly #follows = new Map<string, { list: string[]; createdAt: number }>();
  readonly #offers = new Map<string, { offer: SignedOffer; createdAt: number }>();
  #web = new Map<string, number>();
  #lastSyncAt: number | null = null;
  #alarms: MintVerdict[] = [];
  #live: Subscription | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #paymentTimer: NodeJS.Timeout | undefined;
  /** Last state seen per payment id (emits `payment` on change). */
  readonly #paymentStates = new Map<string, string>();
  #started = false;
  #accounts: OtAccountBinding[] = [];
  #transfers: OtApiTransfers | undefined;
  #btc: BitcoinTransfers | undefined;

  /** @internal Use {@link createPeer}. */
  constructor(parts: {
    options: CreatePeerOptions;
    store: Store;
    transport: Transport;
    ownsTransport: boolean;
    config: Config;
    relays: string[];
    accounts: OtAccountBinding[];
  }) {
    super();
    const o = parts.options;
    this.#sk = o.identity.secretKey;
    this.pubkey = getPublicKey(this.#sk);
    this.npub = npubEncode(this.pubkey);
    this.home = resolve(o.home);
    this.config = parts.config;
    this.store = parts.store;
    this.transport = parts.transport;
    this.#ownsTransport = parts.ownsTransport;
    this.#relays = parts.relays;
    this.#clock = o.clock ?? systemClock;
    this.#log = o.log ?? (() => {});
    this.otApi = o.otApi;
    this.#accounts = parts.accounts;
    this.events = new EventStore(this.store, { clock: this.#clock });
    this.outboxStore = new OutboxStore(this.store, this.#clock);
    this.outbox = new OutboxPublisher({
      store: this.outboxStore,
      transport: this.transport,
      relays: this.#relays,
      clock: this.#clock,
      ...(o.random ? { random: o.random } : {}),
    });
    registerPaymentMessages(defaultRegistry);
    this.messenger = new Messenger({
      transport: this.transport,
      secretKey: this.#sk,
      store: this.store,
      clock: this.#clock,
      random: o.random ?? cryptoRandom,
      outbox: this.outbox,
      inboxRelays: this.#relays,
      discoveryRelays: this.#relays,
      onWarning: (m) => this.emit('warning', m),
    });
    this.messenger.onChat((m) => this.emit('dm', m));
    this.#router = new Router(this.graph);
    if (o.otApi) {
      const apis: Record<string, OtApi> = {};
      for (const a of this.#accounts) apis[a.notary] = o.otApi;
      this.#transfers = new OtApiTransfers({
        apis,
        accounts: this.#accounts,
        lookup: o.receiptLookup ?? (async () => undefined),
      });
    }
    if (o.bitcoin) {
      this.#btc = new BitcoinTransfers({ wallet: o.bitcoin.wallet, store: this.store, confirmations: o.bitcoin.confirmations ?? this.config.confirmations, clock: this.#clock });
    }
    const limits: Partial<CoordinatorLimits> = {
      maxDegree: this.config.maxDegree,
      maxHops: this.config.maxHops,
      maxExposurePerPeer: BigInt(this.config.maxExposurePerPeer),
      ...o.paymentLimits,
    };
    this.coordinator = new PaymentCoordinator({
      store: this.store,
      self: this.pubkey,
      limits,
      tickMs: 500,
      ...(o.crash ? { crash: o.crash } : {}),
      log: (line) => this.#log(`payments: ${line}`),
      ports: {
        channel: new MessengerChannel(this.messenger),
        transfers: this.#btc ? new RoutingTransfers({ ...(this.#transfers ? { ot: this.#transfers } : {}), bitcoin: this.#btc }) : (this.#transfers ?? noTransfers),
        clock: this.#clock,
        random: o.random ?? cryptoRandom,
        policy: new OwnOffersPolicy(() => this.#ownOffers.values(), () => unixSeconds(this.#clock)),
        social: { degreeOf: (pk) => (pk === this.pubkey ? 0 : this.#web.get(pk)) },
      },
    });
  }

  /** Sign a template with the identity key. */
  sign(template: EventTemplate): NostrEvent {
    return signEvent(template, this.#sk, this.pubkey);
  }

  /**
   * Connect, re-arm the outbox, resume in-flight payments, answer DM catalog requests, and keep
   * the inbox and the offer graph live. Idempotent.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#loadOwn();
    this.outbox.start();
    serveCatalog(this.messenger, async () => this.catalog.build());
    await this.messenger.start();
    // quotes hand out fresh addresses: learn which ones were paid since the wallet's saved state
    await this.#btc?.wallet.sync().catch((e: unknown) => this.emit('warning', `bitcoin wallet sync failed: ${isOtP2pError(e) ? e.code : 'error'}`));
    await this.coordinator.start();
    this.#healthTimer = setInterval(() => this.emit('relay-health', this.relayHealth()), 5_000);
    this.#healthTimer.unref();
    // Payments change state from inbound messages too (as a hop or payee): one cheap query a
    // second on a small table tells the wallet about every transition.
    await this.#watchPayments();
    this.#paymentTimer = setInterval(() => void this.#watchPayments().catch(() => undefined), 1_000);
    this.#paymentTimer.unref();
  }

  /** Stop subscriptions and timers, wait for the outbox to settle briefly, close. Nothing is lost: pending work resumes on the next start. */
  async stop(): Promise<void> {
    clearInterval(this.#healthTimer);
    clearInterval(this.#paymentTimer);
    this.#live?.close();
    this.#live = undefined;
    if (this.#started) {
      await Promise.race([this.outbox.idle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await this.coordinator.stop();
      this.messenger.stop();
      this.outbox.stop();
    }
    this.#started = false;
    if (this.#ownsTransport) await this.transport.close();
    await this.store.close();
  }

  /**
   * Sign, store locally and queue an event in the persistent outbox (durable on return).
   * With `wait`, resolves once every relay acknowledged or refused it.
   */
  async publish(template: EventTemplate, options: { wait?: boolean } = {}): Promise<NostrEvent> {
    const event = this.sign(template);
    this.events.insert(event);
    this.outbox.publish(event);
    if (options.wait) await this.outbox.idle();
    return event;
  }

  /** Wait until the outbox has nothing due (every event acknowledged, parked, or waiting for a retry). */
  async flush(): Promise<void> {
    await this.outbox.idle();
  }

  /** Publish our relay lists: NIP-65 (kind 10002) and NIP-17 DM relays (kind 10050). */
  async announceRelays(relays: string[] = this.#relays): Promise<void> {
    const now = unixSeconds(this.#clock);
    await this.publish(buildRelayListEvent(relays.map((url) => ({ url, read: true, write: true })), now));
    await this.publish(buildDmRelaysEvent(relays, now));
  }

  /** Replace our follow list (NIP-02). */
  async follow(pubkeys: string[]): Promise<NostrEvent> {
    return this.publish(buildFollowsEvent([...new Set(pubkeys)].map((pubkey) => ({ pubkey })), unixSeconds(this.#clock)));
  }

  /** Health of every relay the transport knows. */
  relayHealth(): RelayHealth[] {
    const t = this.transport;
    if (t instanceof RelayPool) {
      const stats = t.stats();
      return this.#relays.map((url) => {
        const s = stats[url];
        return { url, connected: t.isConnected(url), ...(s ? { stats: s } : {}) };
      });
    }
    return this.#relays.map((url) => ({ url, connected: true }));
  }

  /** A summary for `otp2p status` and dashboards. */
  async status(): Promise<PeerStatus> {
    const counts = this.outboxStore.counts();
    const payments = await listPayments(this.store.db);
    return {
      pubkey: this.pubkey,
      npub: this.npub,
      relays: this.relayHealth(),
      outbox: { pending: counts.pending, acked: counts.acked, failed: counts.failed },
      sync: { web: this.#web.size, offers: this.#offers.size, catalogs: this.#catalogs.size, lastSyncAt: this.#lastSyncAt },
      alarms: this.#alarms,
      payments: { total: payments.length, inFlight: payments.filter((p) => !isTerminal(p)).length },
    };
  }

  /** The follow distance of each key in our social radius (from the last sync). */
  web(): ReadonlyMap<string, number> {
    return this.#web;
  }

  /** Follow lists known from the last sync (author -> follows). */
  followLists(): ReadonlyMap<string, readonly string[]> {
    return new Map([...this.#follows].map(([k, v]) => [k, v.list]));
  }

  /** Offers known from the last sync (ours included). */
  knownOffers(): SignedOffer[] {
    return [...this.#offers.values()].map((x) => x.offer);
  }

  /** Public catalogs known from the last sync. */
  knownCatalogs(): ReadonlyMap<string, Catalog> {
    return new Map([...this.#catalogs].map(([k, v]) => [k, v.catalog]));
  }

  /**
   * Fetch follows (up to the social radius), catalogs and offers of the web, and build the offer
   * graph. With `live`, keep a subscription open so the graph follows changes (the daemon).
   * `extra` pubkeys (e.g. a payee outside the web) are fetched too.
   */
  async sync(options: { live?: boolean; extra?: string[]; onProgress?: (done: number, total: number) => void } = {}): Promise<{ web: number; offers: number; catalogs: number }> {
    const fetched = await fetchWebOfTrust(this.transport, this.pubkey, this.config.maxDegree);
    this.#web = fetched.web;
    for (const [author, list] of fetched.follows) this.#applyFollows(author, list, 0);
    const authors = [...new Set([this.pubkey, ...this.#web.keys(), ...(options.extra ?? [])])];
    const chunk = 200;
    for (let i = 0; i < authors.length; i += chunk) {
      const part = authors.slice(i, i + chunk);
      for (const e of await queryEvents(this.transport, [{ kinds: [Kind.Catalog, Kind.Offer], authors: part }])) this.#ingestGraphEvent(e);
      options.onProgress?.(Math.min(i + chunk, authors.length), authors.length);
    }
    this.graph.flushAdjacency();
    this.#lastSyncAt = unixSeconds(this.#clock);
    if (options.live && !this.#live) {
      this.#live = this.transport.subscribe(
        [{ kinds: GRAPH_KINDS, authors, since: unixSeconds(this.#clock) }],
        {
          onevent: (e) => {
            this.#ingestGraphEvent(e);
            this.graph.flushAdjacency();
            this.emit('graph', { offers: this.#offers.size, peers: this.#web.size });
          },
        },
        { cursorKey: `graph:${this.pubkey}` },
      );
    }
    this.emit('graph', { offers: this.#offers.size, peers: this.#web.size });
    return { web: this.#web.size, offers: this.#offers.size, catalogs: this.#catalogs.size };
  }

  #applyFollows(author: string, list: string[], createdAt: number): void {
    const cur = this.#follows.get(author);
    if (cur && cur.createdAt > createdAt) return;
    this.#follows.set(author, { list, createdAt });
    this.graph.setFollows(author, list);
  }

  #ingestGraphEvent(e: NostrEvent): void {
    try {
      if (e.kind === Kind.Follows) {
        this.#applyFollows(e.pubkey, parseFollowsEvent(e).follows.map((f) => f.pubkey), e.created_at);
      } else if (e.kind === Kind.Catalog) {
        const cur = this.#catalogs.get(e.pubkey);
        if (cur && cur.createdAt > e.created_at) return;
        const catalog = parseCatalogEvent(e);
        this.#catalogs.set(e.pubkey, { catalog, createdAt: e.created_at });
        this.graph.setAccepts(e.pubkey, catalogUnitRefs(catalog));
      } else if (e.kind === Kind.Offer) {
        const offer = parseOfferEvent(e, unixSeconds(this.#clock));
        const key = `${e.pubkey}:${offer.id}`;
        const cur = this.#offers.get(key);
        if (cur && cur.createdAt > e.created_at) return;
        this.#offers.set(key, { offer, createdAt: e.created_at });
        if (offer.status === 'open') this.graph.upsertOffer(toGraphOffer(e.pubkey, offer));
        else this.graph.removeOffer(e.pubkey, offer.id);
      } else if (e.kind === Kind.Deletion) {
        for (const t of e.tags) {
          if (t[0] !== 'a' || !t[1]) continue;
          const [kind, pk, d] = t[1].split(':');
          if (Number(kind) !== Kind.Offer || pk !== e.pubkey || d === undefined) continue;
          this.#offers.delete(`${pk}:${d}`);
          this.graph.removeOffer(pk, d);
        }
      }
    } catch (err) {
      // Other people's events: a bad one is skipped, never fatal.
      if (!isOtP2pError(err)) throw err;
      this.#log(`skipped kind ${e.kind} from ${e.pubkey.slice(0, 8)}: ${err.code}`);
    }
  }

  async #loadOwn(): Promise<void> {
    const mine = await this.events.query({ kinds: [Kind.Offer], authors: [this.pubkey] });
    for (const e of mine) {
      try {
        const o = parseOfferEvent(e, 0);
        this.#ownOffers.set(o.id, o);
      } catch {
        // our own expired or malformed offers are simply not quoted
      }
    }
  }

  /** Emit `payment` for every payment whose state changed since the last look. */
  async #watchPayments(): Promise<void> {
    for (const p of await listPayments(this.store.db, 200)) {
      const key = `${p.state}:${p.updatedAt}`;
      if (this.#paymentStates.get(p.id) === key) continue;
      const known = this.#paymentStates.has(p.id) || this.#paymentTimer !== undefined;
      this.#paymentStates.set(p.id, key);
      if (known) this.emit('payment', p);
    }
  }

  /** Catalogs: what we accept, and what others accept. */
  readonly catalog = {
    /** Our catalog, built from the OT wallet (notaries and units of our accounts). */
    build: async (): Promise<Catalog> => {
      // With a Bitcoin wallet attached, on-chain BTC is accepted (last in preference).
      const btc = this.#btc ? BTC_NETWORK_OF[this.config.network] : undefined;
      if (!this.otApi) return { notaries: [], units: [], preference: btc ? [btcAssetKey(btc)] : [], ...(btc ? { btc: { network: btc } } : {}) };
      return catalogFromOt(this.otApi, btc ? { btc } : {});
    },
    /** Publish our public catalog (kind 11560). */
    publish: async (catalog?: Catalog): Promise<NostrEvent> => {
      const c = catalog ?? (await this.catalog.build());
      const event = await this.publish(buildCatalogEvent(c, unixSeconds(this.#clock)));
      this.#catalogs.set(this.pubkey, { catalog: c, createdAt: event.created_at });
      this.graph.setAccepts(this.pubkey, catalogUnitRefs(c));
      return event;
    },
    /** A peer's public catalog from the relays. */
    fetch: async (pubkey: string): Promise<Catalog | undefined> => (await fetchCatalog(this.transport, pubkey))?.catalog,
    /** A peer's private catalog, asked for over DM. */
    request: async (pubkey: string): Promise<Catalog> => requestCatalog(this.messenger, pubkey),
    /** Rank the assets we and `pubkey` can settle in; `no-common-asset` hands over to path finding. */
    negotiate: async (pubkey: string, options: { amount?: bigint; unit?: string } = {}): Promise<NegotiationResult> => {
      const mine = await this.catalog.build();
      const theirs = await this.catalog.fetch(pubkey);
      if (!theirs) throw new OtP2pError('not-found', `no catalog published by ${pubkey}`, { context: { pubkey } });
      const holdings = this.otApi ? holdingsFromAccounts(await this.otApi.listAccounts()) : new Map<string, bigint>();
      return negotiate(mine, theirs, { holdings, ...(options.amount !== undefined ? { amount: options.amount } : {}), ...(options.unit ? { unit: options.unit } : {}) });
    },
  };

  /** Our conversion offers (kind 31562). */
  readonly offers = {
    /**
     * Publish (or replace) an offer.
     * @throws OtP2pError `bad-offer`, `bad-rate`, `bad-amount`, `expired` from validation.
     */
    publish: async (offer: Offer): Promise<NostrEvent> => {
      const now = unixSeconds(this.#clock);
      validateOffer(offer, now);
      const event = await this.publish(buildOfferEvent(offer, now));
      this.#ownOffers.set(offer.id, offer);
      this.#ingestGraphEvent(event);
      this.graph.flushAdjacency();
      return event;
    },
    /** Withdraw an offer: a closed status plus a NIP-09 deletion. */
    withdraw: async (id: string): Promise<NostrEvent[]> => {
      const now = unixSeconds(this.#clock);
      // The closed replacement keeps the address, for relays that ignore NIP-09; an offer this
      // data folder never saw (published elsewhere) is closed with placeholder terms.
      const cur = this.#ownOffers.get(id) ?? closedPlaceholder(id, now);
      const events = [
        await this.publish(buildOfferEvent({ ...cur, status: 'closed', expiration: Math.max(cur.expiration, now + 86400) }, now)),
        await this.publish(buildOfferDeletion(this.pubkey, id, now)),
      ];
      this.#ownOffers.delete(id);
      this.#offers.delete(`${this.pubkey}:${id}`);
      this.graph.removeOffer(this.pubkey, id);
      return events;
    },
    /** Our offers. */
    list: (): Offer[] => [...this.#ownOffers.values()],
  };

  /** Path finding over the offers of our social radius. */
  readonly routes = {
    /**
     * Find a route to `to` delivering `amount` (multi-path when one path is too small).
     * Syncs first when the graph has never been synced.
     * @throws OtP2pError `no-route` when none exists, `bad-input` for an unknown unit.
     */
    find: async (req: FindRouteRequest): Promise<FoundRoute> => {
      if (this.#lastSyncAt === null || !this.#catalogs.has(req.to)) await this.sync({ extra: [req.to] });
      const payeeAccepts = this.#catalogs.get(req.to);
      if (!payeeAccepts) throw new OtP2pError('no-route', `the payee ${req.to.slice(0, 12)}… publishes no catalog, so nothing says what it accepts`, { context: { to: req.to } });
      const all = catalogUnitRefs(payeeAccepts.catalog);
      const wanted = req.unit === undefined ? all : resolveUnit(req.unit, payeeAccepts.catalog, all);
      const fromUnits = req.fromUnit !== undefined ? [parseRef(req.fromUnit)] : await this.#holdings();
      if (fromUnits.length === 0) throw new OtP2pError('no-route', 'we hold no funds in any unit', { context: {} });
      let last: unknown;
      for (const fromUnit of fromUnits) {
        try {
          const q = {
            from: this.pubkey,
            fromUnit,
            to: req.to,
            toUnits: wanted,
            amount: req.amount,
            maxHops: req.maxHops ?? this.config.maxHops,
            maxDegree: this.config.maxDegree,
            maxParts: req.maxParts ?? 8,
            now: unixSeconds(this.#clock),
          };
          const result = (req.maxParts ?? 8) <= 1 ? single(this.#router.findRoute(q)) : this.#router.findMultiRoute(q);
          return { ...result, fromUnit };
        } catch (err) {
          if (!isOtP2pError(err, 'no-route')) throw err;
          last = err;
        }
      }
      throw last;
    },
    /** Arbitrage cycles among the known offers (reported, never routed through). */
    arbitrage: (): ArbitrageCycle[] => findArbitrage(this.graph),
  };

  /** Units we hold, largest balance first (what we can spend). */
  async #holdings(): Promise<UnitRef[]> {
    if (!this.otApi) return [];
    const accounts = await this.otApi.listAccounts();
    return accounts
      .filter((a) => a.unitId !== undefined && (a.balance ?? 0n) > 0n)
      .sort((a, b) => ((b.balance ?? 0n) > (a.balance ?? 0n) ? 1 : -1))
      .map((a) => ({ unit: a.unitId as string, notary: a.notaryId }));
  }

  /** Payments: pay along a route, history. */
  readonly payments = {
    /**
     * Find a route and pay it; resolves when the payment succeeded, failed or was refunded.
     * A multi-part route pays each part as its own payment (each with its own receipt).
     * @throws OtP2pError `no-route`, `bad-input` (a given route for another payee or amount), or the coordinator's refusal codes (`exposure-limit`, `fee-too-high`, ...).
     */
    pay: async (req: PayRequestByPeer): Promise<{ route: FoundRoute; results: PaymentResult[] }> => {
      if (req.route && (req.route.receive !== req.amount || req.route.parts.some((p) => p.hops.at(-1)?.to !== req.to))) {
        throw new OtP2pError('bad-input', 'the given route does not deliver the requested amount to the payee', { context: { to: req.to } });
      }
      const route = req.route ?? (await this.routes.find(req));
      const results: PaymentResult[] = [];
      for (const part of route.parts) {
        const result = await this.coordinator.pay({ route: legsFromPath(part), amount: part.receive, ...(req.maxFee !== undefined ? { maxFee: req.maxFee } : {}) });
        results.push(result);
      }
      await this.#watchPayments();
      return { route, results };
    },
    /** Every payment this peer took part in, newest first. */
    list: async (): Promise<PaymentRecord[]> => listPayments(this.store.db),
    /** Peers reported for holding payments until expiry (avoided in later routing). */
    misbehaving: async () => listMisbehaving(this.store.db),
  };

  /** Direct messages (NIP-17). */
  readonly dms = {
    send: async (to: string, text: string) => this.messenger.sendChat(to, text),
    /** Fetch stored wraps once and return the chats received so far. */
    read: async (): Promise<ChatMessage[]> => {
      const chats: ChatMessage[] = [];
      const off = this.messenger.onChat((m) => chats.push(m));
      try {
        await this.messenger.fetch();
      } finally {
        off();
      }
      return chats;
    },
  };

  /** Mint transparency. */
  readonly mint = {
    /** Pull attestations from the web of trust and compare with our mints; emits `mint-alarm`. */
    check: async (): Promise<CheckResult> => {
      const result = await this.#watcher().check(await this.#ownMints());
      this.#alarms = result.verdicts.filter(isAlarm);
      for (const v of this.#alarms) this.emit('mint-alarm', v);
      return result;
    },
    /** Publish our attestations that join a herd of at least k (or all with `force`). */
    attest: async (force = false) => {
      const own = await this.#ownMints();
      const watcher = this.#watcher();
      const { verdicts } = await watcher.check(own);
      return watcher.attest(own, verdicts, force);
    },
    /** The last alarms found by `check`. */
    alarms: (): MintVerdict[] => this.#alarms,
  };

  #mintWatcher: MintWatcher | undefined;
  #watcher(): MintWatcher {
    this.#mintWatcher ??= new MintWatcher({
      transport: this.transport,
      self: this.pubkey,
      signer: (t) => this.sign(t),
      clock: this.#clock,
      k: this.config.attestersK,
      depth: this.config.trustDepth,
    });
    return this.#mintWatcher;
  }

  readonly #firstSeen = new Map<string, number>();
  async #ownMints() {
    if (!this.otApi) return [];
    const now = unixSeconds(this.#clock);
    return (await this.otApi.listMints()).map((m) => {
      const key = `${m.notaryId}:${m.unitId}:${m.series}`;
      if (!this.#firstSeen.has(key)) this.#firstSeen.set(key, now);
      return ownMint(m, this.#firstSeen.get(key) as number);
    });
  }

  /** Publish one event to the given relays now, bypassing the outbox (diagnostics). */
  async publishNow(event: NostrEvent, relays?: string[]): Promise<PublishResult[]> {
    return this.transport.publish(event, relays);
  }
}

function closedPlaceholder(id: string, now: number): Offer {
  const none = { unit: 'none', notary: 'none' };
  return { id, in: none, out: none, rateNum: 1n, rateDen: 1n, cutPpm: 0n, fee: 0n, min: 0n, max: 0n, liquidity: 0n, expiration: now + 86400, status: 'closed' };
}

/** The catalog's name for each configured Bitcoin network. */
const BTC_NETWORK_OF: Record<Config['network'], BtcNetwork> = { mainnet: 'bitcoin', testnet: 'testnet', regtest: 'regtest' };

const noTransfers = {
  transfer: async () => {
    throw new OtP2pError('unknown-account', 'this peer has no OT wallet attached');
  },
  verifyIncoming: async () => null,
  account: () => undefined,
};

function isTerminal(p: PaymentRecord): boolean {
  return ['succeeded', 'failed', 'refunded', 'forwarded', 'rejected', 'expired', 'fulfilled'].includes(p.state);
}

function single(r: { best: RoutePath; exact: boolean }): MultiRouteResult {
  return { spend: r.best.spend, receive: r.best.receive, parts: [r.best], exact: r.exact };
}

/** The unit refs a catalog accepts (BTC as `btc@bitcoin`). */
export function catalogUnitRefs(c: Catalog): UnitRef[] {
  const refs = c.units.map((u) => ({ unit: u.id, notary: u.notary }));
  if (c.btc) refs.push({ unit: 'btc', notary: 'bitcoin' });
  return refs;
}

function parseRef(text: string): UnitRef {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new OtP2pError('bad-input', `unit must be <unit>@<notary>, got ${describeValue(text)}`, { context: { field: 'unit' } });
  return { unit: text.slice(0, at), notary: text.slice(at + 1) };
}

/** Resolve a unit the user typed (ID, `unit@notary`, or TLA) against the payee's catalog. */
function resolveUnit(text: string, c: Catalog, all: UnitRef[]): UnitRef[] {
  if (text.includes('@')) {
    const ref = parseRef(text);
    return all.filter((u) => u.unit === ref.unit && u.notary === ref.notary);
  }
  const lower = text.toLowerCase();
  const byId = all.filter((u) => u.unit === text);
  if (byId.length) return byId;
  const byTla = c.units.filter((u) => u.tla.toLowerCase() === lower).map((u) => ({ unit: u.id, notary: u.notary }));
  if (byTla.length) return byTla;
  if (lower === 'btc' && c.btc) return [{ unit: 'btc', notary: 'bitcoin' }];
  throw new OtP2pError('no-route', `the payee does not accept ${describeValue(text)}; it accepts ${all.map(formatUnitRef).join(', ') || 'nothing'}`, { context: { unit: text } });
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

/**
 * Create a peer over a data folder. Opens (and migrates) the database; connects nothing until
 * {@link Peer.start}.
 * @throws OtP2pError `no-relays` when neither relays nor a transport are given, `db-error`.
 */
export async function createPeer(options: CreatePeerOptions): Promise<Peer> {
  const home = resolve(options.home);
  if (!existsSync(home)) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
  }
  const config: Config = { ...DEFAULT_CONFIG, ...options.config };
  const relays = options.relays ?? config.relays;
  if (!options.transport && relays.length === 0) throw new OtP2pError('no-relays', 'a peer needs relays or a transport');
  const store = await openStore(join(home, 'otp2p.sqlite'));
  let transport = options.transport;
  const ownsTransport = transport === undefined;
  if (!transport) {
    const sk = options.identity.secretKey;
    const pubkey = getPublicKey(sk);
    transport = new RelayPool({
      relays,
      verifier: new EventVerifier({ ...(options.clock ? { clock: options.clock } : {}) }),
      cursors: new CursorStore(store, options.clock),
      signer: (t) => signEvent(t, sk, pubkey),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }
  const accounts: OtAccountBinding[] = [];
  if (options.otApi) {
    for (const a of await options.otApi.listAccounts()) {
      if (a.unitId === undefined || a.type === 'issuer') continue;
      if (accounts.some((x) => x.notary === a.notaryId && x.unit === a.unitId)) continue;
      accounts.push({ notary: a.notaryId, unit: a.unitId, account: a.id });
    }
  }
  return new Peer({ options, store, transport, ownsTransport, config, relays, accounts });
}
