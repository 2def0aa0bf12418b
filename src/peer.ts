/**
 * The `Peer` a wallet embeds: one object that composes the layers below (store, transport,
 * outbox, messaging, catalogs, offers and routes, mint transparency, payments, Bitcoin) over one
 * identity and one data folder, and tells the wallet what it must show the user through events.
 *
 * ```ts
 * // `identity` (a key from otp2p/keys) or `signer` (e.g. a Nip46Signer: the key stays in the user's bunker)
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
import type { Signer } from './events/signer.ts';
import type { EventTemplate, NostrEvent } from './events/types.ts';
import { EventVerifier } from './events/verify.ts';
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
import type { RelayGap, Transport, PublishResult } from './relays/transport.ts';
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
import { PeerFollows } from './peer/follows.ts';
import type { FollowListing, FollowOptions, FollowResult, UnfollowOptions } from './peer/follows.ts';
import { LocalSigner } from './signers/local.ts';
import type {
  CreatePeerOptions,
  OutboxReport,
  PeerEvents,
  PeerIdentity,
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
// Who a Peer signs as: a wallet brings a local key or pairs with a NIP-46 remote signer.
export type { IdentityKind, Signer } from './events/signer.ts';
export { LocalSigner } from './signers/local.ts';
export {
  DEFAULT_SIGNER_TIMEOUT_MS,
  NIP46_PERMISSIONS,
  Nip46Signer,
  createNostrConnectUri,
  pairNostrConnect,
  parseBunkerUri,
} from './signers/nip46.ts';
export type { BunkerPointer, Nip46Options, NostrConnectParams, PairOptions } from './signers/nip46.ts';
export type { PeerCatalog } from './peer/catalog.ts';
export type { PeerOffers, PublishedOffers } from './peer/offers.ts';
export type { PayeeOptions, PeerRoutes, RoutePayee } from './peer/routes.ts';
export type { PeerPayments } from './peer/payments.ts';
export type { PeerDms } from './peer/dms.ts';
export type { PeerMint } from './peer/mint.ts';
export type {
  FollowDelivery,
  FriendView,
  FollowEntry,
  FollowListing,
  FollowOptions,
  FollowResult,
  Publishes,
  UnfollowOptions,
} from './peer/follows.ts';

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
  readonly #signer: Signer;
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
  readonly #follows: PeerFollows;
  #healthTimer: NodeJS.Timeout | undefined;
  #started = false;

  /** @internal Use {@link createPeer}. */
  constructor(parts: {
    options: CreatePeerOptions;
    signer: Signer;
    pubkey: string;
    store: Store;
    transport: Transport;
    ownsTransport: boolean;
    config: Config;
    relays: string[];
    accounts: OtAccountBinding[];
  }) {
    super();
    const o = parts.options;
    this.#signer = parts.signer;
    this.pubkey = parts.pubkey;
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
      signer: this.#signer,
      pubkey: this.pubkey,
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
      store: this.#store,
      self: this.pubkey,
      clock: this.#clock,
      maxDegree: this.config.maxDegree,
      trustDepth: this.config.trustDepth,
      relays: this.#relays,
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
      relays: this.#relays,
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
    this.#follows = new PeerFollows(ctx, {
      events: this.#events,
      outbox: this.#outbox,
      outboxStore: this.#outboxStore,
      relays: this.#relays,
      flush: () => this.flush(),
    });
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
      nameOf: (pk) => this.nameOf(pk),
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

  /**
   * Sign a template as this peer's identity, through its signer (a remote signer may take a while,
   * or refuse).
   * @throws OtP2pError `signer-refused`, `signer-timeout`, `signer-mismatch` (also when the signer
   *   signed as another key than {@link pubkey}).
   */
  async sign(template: EventTemplate): Promise<NostrEvent> {
    return signAs(this.#signer, this.pubkey, template);
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
   * @throws OtP2pError `db-error`, the signer's codes (see {@link sign}).
   */
  async publish(template: EventTemplate, options: { wait?: boolean } = {}): Promise<NostrEvent> {
    const event = await this.sign(template);
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

  /**
   * Follow a key (npub, nprofile or hex; or several): the newest list is fetched and edited, never
   * replaced, then published and the web updated (no `sync()` needed). See `src/peer/follows.ts`.
   * @throws OtP2pError `bad-key` (and NIP-19 codes), `bad-input`, `relay-incomplete` (no relay answered, no `force`), `db-error`.
   */
  follow(target: string | readonly string[], options?: FollowOptions): Promise<FollowResult> {
    return this.#follows.follow(target, options);
  }

  /** Unfollow a key, keeping the rest of the list. @throws OtP2pError as {@link follow}. */
  unfollow(target: string | readonly string[], options?: UnfollowOptions): Promise<FollowResult> {
    return this.#follows.unfollow(target, options);
  }

  /** Our follow list from the relays, with what each key publishes. @throws OtP2pError `relay-incomplete`, `db-error`. */
  followList(options?: { force?: boolean }): Promise<FollowListing> {
    return this.#follows.list(options);
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
   * The name to show a person for `pubkey`: the user's petname, else the name the key claims in
   * its profile (with a short npub beside it, since anyone can claim any name), else a short npub.
   * `you` for this peer's own key.
   * @throws OtP2pError `bad-hex` (or `wrong-length`) when `pubkey` is not 64 lowercase hex characters.
   */
  nameOf(pubkey: string): string {
    return pubkey === this.pubkey ? 'you' : this.#web.nameOf(pubkey);
  }

  /**
   * Fetch the names of `pubkeys` (their profiles, and the user's petnames) without a full sync.
   * Returns the relays that did not answer; their names then show as short npubs.
   * @throws OtP2pError from the transport (`closed`, ...).
   */
  async loadNames(pubkeys: readonly string[]): Promise<RelayGap[]> {
    return this.#web.fetchNames(pubkeys.filter((pk) => pk !== this.pubkey));
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

/** Sign through `signer` and check that it signed as `pubkey`, the identity the peer was built for. */
async function signAs(signer: Signer, pubkey: string, template: EventTemplate): Promise<NostrEvent> {
  const event = await signer.signEvent(template);
  if (event.pubkey !== pubkey)
    throw new OtP2pError('signer-mismatch', `the signer signed as ${event.pubkey}, not as this peer's ${pubkey}`, {
      context: { expected: pubkey, got: event.pubkey },
    });
  return event;
}

/**
 * The peer's signer: the one given, or a {@link LocalSigner} over `identity`'s key.
 * @throws OtP2pError `bad-config` unless exactly one of `identity` and `signer` is given.
 */
function signerOf(options: CreatePeerOptions): Signer {
  const { identity, signer } = options;
  if ((identity === undefined) === (signer === undefined))
    throw new OtP2pError(
      'bad-config',
      `createPeer needs exactly one of identity and signer, got ${identity === undefined ? 'neither' : 'both'}`,
      { context: { field: 'identity' } },
    );
  return signer ?? new LocalSigner((identity as PeerIdentity).secretKey, 'seed');
}

/**
 * Create a peer over a data folder. Asks the signer for its public key, opens (and migrates) the
 * database; connects nothing else until {@link Peer.start}.
 * @throws OtP2pError `bad-config` (not exactly one of `identity` and `signer`), `bad-key` (an
 *   invalid identity key), `no-relays` when neither relays nor a transport are given, `db-error`,
 *   the signer's codes (`signer-timeout`, `signer-refused`, `signer-mismatch`).
 */
export async function createPeer(options: CreatePeerOptions): Promise<Peer> {
  const signer = signerOf(options);
  const home = resolve(options.home);
  if (!existsSync(home)) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
  }
  const config: Config = { ...DEFAULT_CONFIG, ...options.config };
  const relays = options.relays ?? config.relays;
  if (!options.transport && relays.length === 0)
    throw new OtP2pError('no-relays', 'a peer needs relays or a transport');
  const pubkey = await signer.getPublicKey();
  const store = await openStore(join(home, 'otp2p.sqlite'));
  let transport = options.transport;
  const ownsTransport = transport === undefined;
  if (!transport) {
    transport = new RelayPool({
      relays,
      verifier: new EventVerifier({ ...(options.clock ? { clock: options.clock } : {}) }),
      cursors: new CursorStore(store, options.clock),
      // NIP-42 AUTH stays lazy: the signer is asked only when a relay sends a challenge that matters.
      signer: (t) => signAs(signer, pubkey, t),
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
  return new Peer({ options, signer, pubkey, store, transport, ownsTransport, config, relays, accounts });
}
