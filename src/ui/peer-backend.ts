/**
 * {@link PeerDashboardBackend}: the dashboard over a running {@link Peer} (live data, pays, DMs).
 */
import { OtP2pError } from '../core/errors.ts';
import { parseAmount } from '../core/amount.ts';
import { parseChat } from '../messaging/nip17.ts';
import type { ChatMessage } from '../messaging/nip17.ts';
import type { Rumor } from '../messaging/nip59.ts';
import { Kind } from '../events/kinds.ts';
import { npubEncode } from '../keys/nip19.ts';
import { offerToJson, routeToJson } from '../pathing/file.ts';
import type { RouteJson } from '../pathing/file.ts';
import type { FoundRoute, Peer } from '../peer.ts';
import { catalogUnitRefs } from '../events/catalog.ts';
import { unitScalesOf } from '../catalog/scales.ts';
import { formatUnitRef } from '../events/offer.ts';
import { peerInternals } from '../peer/internals.ts';
import type {
  DashboardBackend,
  DashboardEvent,
  FollowRequestView,
  FollowResultView,
  DmSentView,
  DmView,
  IdentityView,
  MintVerdictView,
  OutboxView,
  PayRequestView,
  PayResultView,
  PaymentView,
  PeerNode,
  RelayView,
  RouteRequest,
  SocialGraphView,
} from './backend.ts';

/** Most DMs kept in memory for the page. */
const MAX_DMS = 500;

/** Options for {@link PeerDashboardBackend}. */
export interface PeerDashboardOptions {
  /** Display names by hex pubkey (e.g. the demo's cast, or the user's address book). */
  names?: Readonly<Record<string, string>>;
}

/** The dashboard over a started {@link Peer}. Keeps the chats it sees (bounded) for the DM page. */
export class PeerDashboardBackend implements DashboardBackend {
  readonly #peer: Peer;
  readonly #names: Readonly<Record<string, string>>;
  readonly #dms: ChatMessage[] = [];
  readonly #seen = new Set<string>();
  #loaded = false;
  readonly #offChat: () => void;

  constructor(peer: Peer, options: PeerDashboardOptions = {}) {
    this.#peer = peer;
    this.#names = options.names ?? {};
    const onDm = (m: ChatMessage): void => this.#keep(m);
    peer.on('dm', onDm);
    this.#offChat = () => peer.off('dm', onDm);
  }

  /** Stop collecting chats. */
  close(): void {
    this.#offChat();
  }

  #keep(m: ChatMessage): void {
    if (this.#seen.has(m.id)) return;
    this.#seen.add(m.id);
    this.#dms.push(m);
    if (this.#dms.length > MAX_DMS) this.#seen.delete(this.#dms.shift()?.id ?? '');
  }

  async identity(): Promise<IdentityView> {
    const units = new Set<string>();
    const held = new Map<string, bigint>();
    for (const a of (await this.#peer.otApi?.listAccounts()) ?? []) {
      if (a.unitId !== undefined && (a.balance ?? 0n) > 0n) {
        const ref = formatUnitRef({ unit: a.unitId, notary: a.notaryId });
        units.add(ref);
        held.set(ref, (held.get(ref) ?? 0n) + (a.balance ?? 0n));
      }
    }
    const labels: Record<string, string> = {};
    // Unit and notary IDs are long hashes: the page shows the contract's TLA and the notary's name.
    const scales: Record<string, string> = {};
    // One definition of unit scales (catalog/scales.ts): the web's catalogs, then the user's contracts.
    const contracts = (await this.#peer.otApi?.listUnits()) ?? [];
    const known = unitScalesOf({ catalogs: this.#peer.knownCatalogs().values(), units: contracts });
    for (const [id, u] of known.entries()) {
      if (u.tla) labels[id] = u.tla;
      if (u.factor !== undefined) scales[id] = u.factor.toString();
    }
    for (const n of (await this.#peer.otApi?.listNotaries()) ?? []) if (n.name) labels[n.id] = n.name;
    const name = this.#names[this.#peer.pubkey];
    return {
      pubkey: this.#peer.pubkey,
      npub: this.#peer.npub,
      ...(name ? { name } : {}),
      units: [...units].sort(),
      balances: Object.fromEntries([...held].map(([ref, v]) => [ref, v.toString()])),
      labels,
      scales,
    };
  }

  relays(): RelayView[] {
    return this.#peer.relayHealth().map((r) => ({
      url: r.url,
      connected: r.connected,
      latencyMs: null,
      failures: (r.stats?.disconnects ?? 0) + (r.stats?.badFrames ?? 0) + (r.stats?.invalid ?? 0),
      connects: r.stats?.connects ?? 0,
      disconnects: r.stats?.disconnects ?? 0,
      lastError: null,
    }));
  }

  outbox(): OutboxView {
    const { counts, items: waiting } = this.#peer.outboxReport();
    const items = waiting.map((i) => ({
      eventId: i.eventId,
      kind: i.kind,
      relay: i.relay,
      status: i.status,
      attempts: i.attempts,
      lastCode: i.lastCode,
      lastMessage: i.lastMessage,
      nextAttemptAt: i.nextAttemptAt,
      createdAt: i.createdAt,
    }));
    return { counts: { pending: counts.pending, acked: counts.acked, failed: counts.failed }, items };
  }

  socialGraph(): SocialGraphView {
    const peer = this.#peer;
    const web = peer.web();
    const follows = peer.followLists();
    const catalogs = peer.knownCatalogs();
    const offers = peer.knownOffers();
    const keys = new Set<string>([peer.pubkey, ...web.keys()]);
    for (const o of offers) keys.add(o.pubkey);
    const alarmed = new Set(peer.mint.alarms().flatMap((v) => v.conflicts.flatMap((c) => c.attesters)));
    const nodes: PeerNode[] = [...keys].sort().map((pubkey) => {
      const n: PeerNode = {
        pubkey,
        npub: npubEncode(pubkey),
        degree: pubkey === peer.pubkey ? 0 : (web.get(pubkey) ?? -1),
      };
      if (n.degree === -1) delete n.degree;
      // The cast's names (demo) first, then the peer's own rule: petname, profile name, short npub.
      // The user's own node has no name of that rule (it says "you"): the page adds "you" itself.
      const name = this.#names[pubkey] ?? (pubkey === peer.pubkey ? undefined : peer.nameOf(pubkey));
      if (name !== undefined) n.name = name;
      const c = catalogs.get(pubkey);
      if (c) n.accepts = catalogUnitRefs(c).map(formatUnitRef);
      if (alarmed.has(pubkey)) n.tags = ['alarm'];
      return n;
    });
    const edges: SocialGraphView['edges'] = [];
    for (const [from, list] of follows)
      if (keys.has(from)) for (const to of list) if (keys.has(to)) edges.push({ from, to });
    return {
      self: peer.pubkey,
      nodes,
      edges,
      offers: offers.map((o) => offerToJson(o)),
    };
  }

  async findRoute(request: RouteRequest): Promise<RouteJson> {
    return routeToJson(await this.#find(request));
  }

  #find(request: RouteRequest): Promise<FoundRoute> {
    const amount = parseAmount(request.amount, 'amount', { min: 1n });
    return this.#peer.routes.find({
      to: request.to,
      amount,
      fromUnit: request.unit,
      ...(request.payeeUnit ? { unit: request.payeeUnit } : {}),
    });
  }

  /**
   * Finds the route again (offers may have changed since the page showed it) and pays exactly that
   * route, with `maxFee` 0 on each part's quote. When the page sent the route it showed, the new
   * one must not spend more.
   * @throws OtP2pError `fee-too-high` when the route now costs more than the confirmed one; as
   * {@link Peer.payments.pay}.
   */
  async pay(request: PayRequestView): Promise<PayResultView> {
    const amount = parseAmount(request.amount, 'amount', { min: 1n });
    const route = await this.#find(request);
    const shown = request.route ? parseAmount(String(request.route.spend), 'route.spend') : undefined;
    if (shown !== undefined && route.spend > shown) {
      throw new OtP2pError(
        'fee-too-high',
        `the route now spends ${route.spend}, more than the ${shown} you confirmed: find it again`,
        { context: { spend: route.spend.toString(), confirmed: shown.toString() } },
      );
    }
    const { results } = await this.#peer.payments.pay({
      to: request.to,
      amount,
      fromUnit: request.unit,
      maxFee: 0n,
      route,
    });
    const first = results[0];
    const sum = (f: (r: (typeof results)[number]) => bigint): string =>
      results.reduce((a, r) => a + f(r), 0n).toString();
    const failed = results.find((r) => r.state !== 'succeeded');
    return {
      paymentId: results.map((r) => r.paymentId).join(','),
      state: failed ? failed.state : 'succeeded',
      paymentHash: first?.paymentHash ?? null,
      preimage: results.length === 1 ? (first?.preimage ?? null) : null,
      sent: sum((r) => r.sent),
      delivered: sum((r) => r.delivered),
      refunded: sum((r) => r.refunded),
      ...(failed?.error ? { error: failed.error } : {}),
    };
  }

  async mintVerdicts(): Promise<MintVerdictView[]> {
    const r = await this.#peer.mint.check();
    const order = { equivocation: 0, rare: 1, reissued: 2, unknown: 3, consistent: 4 } as const;
    return r.verdicts
      .map((v): MintVerdictView => {
        const ev = r.evidence.filter((e) => e.d === v.d);
        return ev.length > 0
          ? {
              ...v,
              evidence: ev.map((e) => ({
                eventId: e.eventId,
                pubkey: e.pubkey,
                fingerprints: e.mints.map((m) => m.fingerprint),
                signed: [...e.signed],
              })),
            }
          : v;
      })
      .sort((a, b) => order[a.verdict] - order[b.verdict] || a.d.localeCompare(b.d));
  }

  async payments(): Promise<PaymentView[]> {
    // Each record names its amounts' units (`unitIn` / `unitOut`, read from the stored legs).
    return this.#peer.payments.list();
  }

  async dms(): Promise<DmView[]> {
    if (!this.#loaded) {
      this.#loaded = true;
      // The history is what the peer stored (every chat passed its seal checks before it was
      // stored), as `otp2p dm read` lists it: a started peer has already consumed its stored
      // wraps, so a fetch alone would find nothing new.
      const rows = await peerInternals(this.#peer)
        .store.db.selectFrom('received_messages')
        .select(['rumor_json'])
        .where('kind', '=', Kind.ChatMessage)
        .orderBy('created_at', 'desc')
        .orderBy('rumor_id', 'desc')
        .limit(MAX_DMS)
        .execute();
      for (const r of rows.reverse()) {
        try {
          this.#keep(parseChat(JSON.parse(r.rumor_json) as Rumor));
        } catch {
          // A row this version cannot parse is skipped, not shown half-read.
        }
      }
      for (const m of await this.#peer.dms.read()) this.#keep(m);
    }
    return [...this.#dms].sort((a, b) => a.created_at - b.created_at);
  }

  async sendDm(to: string, text: string): Promise<DmSentView> {
    const report = await this.#peer.dms.send(to, text);
    if (!report.ok) throw new OtP2pError('relay-error', 'no relay accepted the message', { context: { to } });
    const m: ChatMessage = {
      id: report.rumorId,
      sender: this.#peer.pubkey,
      recipients: [to],
      created_at: Math.floor(Date.now() / 1000),
      text,
    };
    this.#keep(m);
    // The outbox answers before any relay did: whether one is reachable now is what can be said.
    const delivery = !report.queued
      ? 'relay'
      : this.#peer.relayHealth().some((r) => r.connected)
        ? 'outbox'
        : 'waiting';
    return { ...m, delivery };
  }

  async follow(request: FollowRequestView): Promise<FollowResultView> {
    const force = request.force === true;
    const r =
      request.action === 'follow'
        ? await this.#peer.follow(request.target, {
            force,
            ...(request.petname !== undefined ? { petname: request.petname } : {}),
          })
        : await this.#peer.unfollow(request.target, { force });
    return {
      event: r.event?.id ?? null,
      base: r.base,
      relays: r.relays.map((x) => ({ relay: x.relay, ok: x.ok, status: x.status, code: x.code })),
      incomplete: r.incomplete,
    };
  }

  on(listener: (event: DashboardEvent) => void): () => void {
    const peer = this.#peer;
    // Every mint check re-emits the current alarms (and the mint page itself runs a check):
    // forward each alarm once per listener, or a page refreshing on alarms would loop.
    const told = new Set<string>();
    const onAlarm = (verdict: MintVerdictView): void => {
      const key = `${verdict.d}|${verdict.verdict}|${verdict.conflicts
        .map((c) => c.fingerprint)
        .sort()
        .join(',')}`;
      if (told.has(key)) return;
      told.add(key);
      listener({ type: 'mint-alarm', verdict });
    };
    const onDm = (message: ChatMessage): void => listener({ type: 'dm', message });
    const onPayment = (p: PaymentView): void =>
      listener({ type: 'payment', payment: { paymentId: p.id, state: p.state } });
    const onRelay = (): void => {
      for (const relay of this.relays()) listener({ type: 'relay', relay });
    };
    const onGraph = (): void => listener({ type: 'graph' });
    peer.on('mint-alarm', onAlarm);
    peer.on('dm', onDm);
    peer.on('payment', onPayment);
    peer.on('relay-health', onRelay);
    peer.on('graph', onGraph);
    return () => {
      peer.off('mint-alarm', onAlarm);
      peer.off('dm', onDm);
      peer.off('payment', onPayment);
      peer.off('relay-health', onRelay);
      peer.off('graph', onGraph);
    };
  }
}
