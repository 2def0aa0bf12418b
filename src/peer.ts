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
 *
 * The capabilities live in `src/peer/`: {@link PeerCatalog}, {@link PeerOffers},
 * {@link PeerRoutes}, {@link PeerPayments}, {@link PeerDms}, {@link PeerMint}; graph ingestion in
 * {@link OfferWeb}. The parts themselves (database, transport, outbox, messenger, coordinator,
 * graph) are not public: otp2p's own tools reach them through `src/peer/internals.ts`.
 */
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from './core/clock.ts';
import { systemClock, unixSeconds } from './core/clock.ts';
import { OtP2pError, isOtP2pError } from './core/errors.ts';
import { cryptoRandom } from './core/random.ts';
import type { Config } from './config.ts';
import { DEFAULT_CONFIG } from './config.ts';
import { signEvent, getPublicKey } from './events/sign.ts';
import type { EventTemplate, NostrEvent } from './events/types.ts';
import { EventVerifier } from './events/verify.ts';
import { buildFollowsEvent } from './events/follows.ts';
import { buildDmRelaysEvent } from './events/dm-relays.ts';
import { buildRelayListEvent } from './events/relay-list.ts';
import type { Catalog } from './events/catalog.ts';
import type { SignedOffer } from './events/offer.ts';
import { npubEncode } from './keys/nip19.ts';
import type { Store } from './store/db.ts';
import { openStore } from './store/db.ts';
import { EventStore } from './store/events.ts';
import { OutboxStore } from './store/outbox.ts';
import { CursorStore } from './store/cursors.ts';
import type { Transport, PublishResult } from './relays/transport.ts';
import { RelayPool } from './relays/pool.ts';
import { OutboxPublisher } from './relays/outbox.ts';
import { Messenger } from './messaging/messenger.ts';
import { defaultRegistry } from './messaging/protocol.ts';
import { serveCatalog } from './catalog/exchange.ts';
import type { OtApi } from './otapi/api.ts';
import { PaymentCoordinator } from './payments/coordinator.ts';
import { isTerminal } from './payments/states.ts';
import type { CoordinatorLimits } from './payments/coordinator.ts';
import { MessengerChannel, registerPaymentMessages } from './payments/adapters/messaging.ts';
import { OtApiTransfers } from './payments/adapters/otapi.ts';
import type { OtAccountBinding } from './payments/adapters/otapi.ts';
import { BitcoinTransfers, RoutingTransfers } from './payments/adapters/bitcoin.ts';
import { OwnOffersPolicy } from './payments/own-offers-policy.ts';
import { listPayments } from './payments/store.ts';
import type { PeerContext } from './peer/context.ts';
import { registerPeerInternals } from './peer/internals.ts';
import { OfferWeb } from './peer/web.ts';
import { PeerCatalog } from './peer/catalog.ts';
import { PeerOffers } from './peer/offers.ts';
import { PeerRoutes } from './peer/routes.ts';
import { PeerPayments } from './peer/payments.ts';
import { PeerDms } from './peer/dms.ts';
import { PeerMint } from './peer/mint.ts';
import type {
  CreatePeerOptions,
  OutboxReport,
  PeerEvents,
  PeerStatus,
  RelayHealth,
  SyncOptions,
  SyncResult,
} from './peer/types.ts';

export type {
  CreatePeerOptions,
  FindRouteRequest,
  FoundRoute,
  OutboxCounts,
  OutboxReport,
  PayRequestByPeer,
  PeerEvents,
  PeerIdentity,
  PeerStatus,
  RelayHealth,
  SyncOptions,
  SyncResult,
} from './peer/types.ts';
export type { PeerCatalog } from './peer/catalog.ts';
export type { PeerOffers } from './peer/offers.ts';
export type { PeerRoutes } from './peer/routes.ts';
export type { PeerPayments } from './peer/payments.ts';
export type { PeerDms } from './peer/dms.ts';
export type { PeerMint } from './peer/mint.ts';

/** The embeddable peer. Create it with {@link createPeer}. */
export class Peer extends EventEmitter<PeerEvents> {
  /** Our Nostr public key (hex). */
  readonly pubkey: string;
  readonly npub: string;
  /** The data folder (absolute). */
  readonly home: string;
  /** The effective configuration (defaults plus the overrides given to {@link createPeer}). */
  readonly config: Config;
  /** The wallet's OT API this peer was created with. */
  readonly otApi: OtApi | undefined;
  /** Catalogs: what we accept, and what others accept. */
  readonly catalog: PeerCatalog;
  /** Our conversion offers (kind 31562). */
  readonly offers: PeerOffers;
  /** Path finding over the offers of our social radius. */
  readonly routes: PeerRoutes;
  /** Payments: pay along a route, history. */
  readonly payments: PeerPayments;
  /** Direct messages (NIP-17). */
  readonly dms: PeerDms;
  /** Mint transparency. */
  readonly mint: PeerMint;
  readonly #sk: Uint8Array;
  readonly #clock: Clock;
  readonly #store: Store;
  readonly #events: EventStore;
  readonly #transport: Transport;
  readonly #outbox: OutboxPublisher;
  readonly #outboxStore: OutboxStore;
  readonly #messenger: Messenger;
  readonly #coordinator: PaymentCoordinator;
  readonly #web: OfferWeb;
  readonly #ownsTransport: boolean;
  readonly #relays: string[];
  readonly #btc: BitcoinTransfers | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #started = false;

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
    this.otApi = o.otApi;
    this.#store = parts.store;
    this.#transport = parts.transport;
    this.#ownsTransport = parts.ownsTransport;
    this.#relays = parts.relays;
    this.#clock = o.clock ?? systemClock;
    const log = o.log ?? (() => {});
    const random = o.random ?? cryptoRandom;
    this.#events = new EventStore(this.#store, { clock: this.#clock });
    this.#outboxStore = new OutboxStore(this.#store, this.#clock);
    this.#outbox = new OutboxPublisher({
      store: this.#outboxStore,
      transport: this.#transport,
      relays: this.#relays,
      clock: this.#clock,
      ...(o.random ? { random: o.random } : {}),
    });
    registerPaymentMessages(defaultRegistry);
    this.#messenger = new Messenger({
      transport: this.#transport,
      secretKey: this.#sk,
      store: this.#store,
      clock: this.#clock,
      random,
      outbox: this.#outbox,
      inboxRelays: this.#relays,
      discoveryRelays: this.#relays,
      onWarning: (m) => this.emit('warning', m),
    });
    this.#messenger.onChat((m) => this.emit('dm', m));
    this.#web = new OfferWeb({
      transport: this.#transport,
      self: this.pubkey,
      clock: this.#clock,
      maxDegree: this.config.maxDegree,
      log,
      onChange: (s) => this.emit('graph', s),
    });
    if (o.bitcoin) {
      this.#btc = new BitcoinTransfers({
        wallet: o.bitcoin.wallet,
        store: this.#store,
        confirmations: o.bitcoin.confirmations ?? this.config.confirmations,
        clock: this.#clock,
      });
    }
    const ctx: PeerContext = {
      pubkey: this.pubkey,
      config: this.config,
      clock: this.#clock,
      otApi: this.otApi,
      transport: this.#transport,
      messenger: this.#messenger,
      web: this.#web,
      hasBitcoin: this.#btc !== undefined,
      sign: (t) => this.sign(t),
      publish: (t) => this.publish(t),
      // EventEmitter's typed emit does not accept a generic key; the context's signature keeps callers typed.
      emit: (event, ...args) => void (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
    };
    this.catalog = new PeerCatalog(ctx);
    this.offers = new PeerOffers(ctx);
    this.routes = new PeerRoutes(ctx, (s) => this.sync(s));
    this.dms = new PeerDms(ctx);
    this.mint = new PeerMint(ctx);
    this.#coordinator = new PaymentCoordinator({
      store: this.#store,
      self: this.pubkey,
      limits: {
        maxDegree: this.config.maxDegree,
        maxHops: this.config.maxHops,
        maxExposurePerPeer: BigInt(this.config.maxExposurePerPeer),
        ...o.paymentLimits,
      } satisfies Partial<CoordinatorLimits>,
      tickMs: 500,
      ...(o.crash ? { crash: o.crash } : {}),
      log: (line) => log(`payments: ${line}`),
      ports: {
        channel: new MessengerChannel(this.#messenger),
        transfers: transfersFor(o, parts.accounts, this.#btc),
        clock: this.#clock,
        random,
        policy: new OwnOffersPolicy(
          () => this.offers.list(),
          () => unixSeconds(this.#clock),
        ),
        social: { degreeOf: (pk) => (pk === this.pubkey ? 0 : this.#web.web().get(pk)) },
      },
    });
    this.payments = new PeerPayments(ctx, this.#coordinator, this.#store, this.routes);
    registerPeerInternals(this, {
      store: this.#store,
      events: this.#events,
      transport: this.#transport,
      outbox: this.#outbox,
      outboxStore: this.#outboxStore,
      messenger: this.#messenger,
      coordinator: this.#coordinator,
      graph: this.#web.graph,
    });
  }

  /** Sign a template with the identity key. */
  sign(template: EventTemplate): NostrEvent {
    return signEvent(template, this.#sk, this.pubkey);
  }

  /**
   * Connect, re-arm the outbox, resume in-flight payments, answer DM catalog requests, and keep
   * the inbox and the offer graph live. Idempotent.
   * @throws OtP2pError `db-error`, or the transport's codes when the inbox cannot be opened.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.offers.load(this.#events);
    this.#outbox.start();
    serveCatalog(this.#messenger, async () => this.catalog.build());
    await this.#messenger.start();
    // quotes hand out fresh addresses: learn which ones were paid since the wallet's saved state
    await this.#btc?.wallet
      .sync()
      .catch((e: unknown) => this.emit('warning', `bitcoin wallet sync failed: ${isOtP2pError(e) ? e.code : 'error'}`));
    this.payments.startWatching();
    await this.#coordinator.start();
    this.#healthTimer = setInterval(() => this.emit('relay-health', this.relayHealth()), 5_000);
    this.#healthTimer.unref();
  }

  /** Stop subscriptions and timers, wait for the outbox to settle briefly, close. Nothing is lost: pending work resumes on the next start. */
  async stop(): Promise<void> {
    clearInterval(this.#healthTimer);
    this.payments.stopWatching();
    this.#web.close();
    if (this.#started) {
      await Promise.race([this.#outbox.idle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await this.#coordinator.stop();
      this.#messenger.stop();
    }
    // flush() may have run the outbox without start()
    this.#outbox.stop();
    this.#started = false;
    if (this.#ownsTransport) await this.#transport.close();
    await this.#store.close();
  }

  /**
   * Sign, store locally and queue an event in the persistent outbox (durable on return).
   * With `wait`, resolves once every relay acknowledged or refused it.
   * @throws OtP2pError `db-error`.
   */
  async publish(template: EventTemplate, options: { wait?: boolean } = {}): Promise<NostrEvent> {
    const event = this.sign(template);
    this.#events.insert(event);
    this.#outbox.publish(event);
    if (options.wait) await this.flush();
    return event;
  }

  /**
   * Deliver what the outbox holds and wait until nothing is due (every event acknowledged,
   * parked, or waiting for a retry). Runs the outbox when {@link start} was not called, so a
   * short-lived process can publish without going online.
   */
  async flush(): Promise<void> {
    this.#outbox.start();
    await this.#outbox.idle();
  }

  /**
   * Deliver now instead of at the end of a backoff. With `relay`, its pending targets are retried
   * at once (a relay that just came back); without, whatever is due now is sent (e.g. events
   * another otp2p process queued in this data folder), and nothing happens when nothing is due.
   * Failed targets stay failed. Only while started. @throws OtP2pError `db-error`.
   */
  retryOutbox(relay?: string): void {
    if (!this.#started) return;
    if (relay !== undefined) {
      for (const item of this.#outboxStore.list(['pending']))
        if (item.relay === relay) this.#outboxStore.rearm(item.eventId, item.relay);
    } else {
      const due = this.#outboxStore.nextDueAt();
      if (due === undefined || due > this.#clock.now()) return;
    }
    this.#outbox.stop();
    this.#outbox.start();
  }

  /** Outbox counts and every target not acknowledged yet (what a wallet shows as "sending"). @throws OtP2pError `db-error`. */
  outboxReport(): OutboxReport {
    const c = this.#outboxStore.counts();
    return {
      counts: { pending: c.pending, acked: c.acked, failed: c.failed },
      items: this.#outboxStore.list(['pending', 'failed']),
    };
  }

  /** Publish our relay lists: NIP-65 (kind 10002) and NIP-17 DM relays (kind 10050). @throws OtP2pError `bad-relay-url`, `db-error`. */
  async announceRelays(relays: string[] = this.#relays): Promise<void> {
    const now = unixSeconds(this.#clock);
    await this.publish(
      buildRelayListEvent(
        relays.map((url) => ({ url, read: true, write: true })),
        now,
      ),
    );
    await this.publish(buildDmRelaysEvent(relays, now));
  }

  /** Replace our follow list (NIP-02). @throws OtP2pError `bad-key`, `db-error`. */
  async follow(pubkeys: string[]): Promise<NostrEvent> {
    return this.publish(
      buildFollowsEvent(
        [...new Set(pubkeys)].map((pubkey) => ({ pubkey })),
        unixSeconds(this.#clock),
      ),
    );
  }

  /** Health of every configured relay (connected and counters as far as the transport tells). */
  relayHealth(): RelayHealth[] {
    const t = this.#transport;
    const stats = t.stats?.() ?? {};
    return this.#relays.map((url) => {
      const s = stats[url];
      return { url, connected: t.isConnected?.(url) ?? true, ...(s ? { stats: s } : {}) };
    });
  }

  /** A summary for `otp2p status` and dashboards. @throws OtP2pError `db-error`. */
  async status(): Promise<PeerStatus> {
    const payments = await listPayments(this.#store.db);
    const sync = this.#web.counts();
    return {
      pubkey: this.pubkey,
      npub: this.npub,
      relays: this.relayHealth(),
      outbox: this.outboxReport().counts,
      sync: { ...sync, lastSyncAt: this.#web.lastSyncAt },
      alarms: this.mint.alarms(),
      payments: { total: payments.length, inFlight: payments.filter((p) => !isTerminal(p.role, p.state)).length },
    };
  }

  /** The follow distance of each key in our social radius (from the last sync). */
  web(): ReadonlyMap<string, number> {
    return this.#web.web();
  }

  /** Follow lists known from the last sync (author -> follows). */
  followLists(): ReadonlyMap<string, readonly string[]> {
    return this.#web.followLists();
  }

  /** Offers known from the last sync (ours included). */
  knownOffers(): SignedOffer[] {
    return this.#web.knownOffers();
  }

  /** Public catalogs known from the last sync. */
  knownCatalogs(): ReadonlyMap<string, Catalog> {
    return this.#web.knownCatalogs();
  }

  /**
   * Fetch follows (up to the social radius), catalogs and offers of the web, and build the offer
   * graph. With `live`, keep a subscription open so the graph follows changes (the daemon).
   * `extra` pubkeys (e.g. a payee outside the web) are fetched too.
   * @throws OtP2pError from the transport (`closed`, ...).
   */
  async sync(options: SyncOptions = {}): Promise<SyncResult> {
    return this.#web.sync(options);
  }

  /** Publish one event to the given relays now, bypassing the outbox (diagnostics). */
  async publishNow(event: NostrEvent, relays?: string[]): Promise<PublishResult[]> {
    return this.#transport.publish(event, relays);
  }
}

const noTransfers = {
  transfer: async () => {
    throw new OtP2pError('unknown-account', 'this peer has no OT wallet attached');
  },
  verifyIncoming: async () => null,
  account: () => undefined,
};

/** How this peer moves value: OT transfers on its accounts, on-chain BTC, both, or nothing. */
function transfersFor(o: CreatePeerOptions, accounts: OtAccountBinding[], btc: BitcoinTransfers | undefined) {
  let ot: OtApiTransfers | undefined;
  if (o.otApi) {
    const apis: Record<string, OtApi> = {};
    for (const a of accounts) apis[a.notary] = o.otApi;
    ot = new OtApiTransfers({ apis, accounts, lookup: o.receiptLookup ?? (async () => undefined) });
  }
  if (btc) return new RoutingTransfers({ ...(ot ? { ot } : {}), bitcoin: btc });
  return ot ?? noTransfers;
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
  if (!options.transport && relays.length === 0)
    throw new OtP2pError('no-relays', 'a peer needs relays or a transport');
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
      trustedAuthRelays: config.trustedAuthRelays,
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
