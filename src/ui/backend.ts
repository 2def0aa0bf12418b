/**
 * What the local web dashboard (`otp2p ui`) needs from a running peer: a narrow, JSON-ready view.
 *
 * The dashboard server ({@link ../ui/server.ts}) only talks to a {@link DashboardBackend}. The
 * `Peer` facade implements it for live use; {@link StaticDashboardBackend} (./static-backend.ts)
 * implements it from an offline offers file through the real route finder, for what-if views.
 *
 * Every value crosses the wire as JSON: amounts are integer strings (never numbers), pubkeys
 * are lowercase hex, units are `unit@notary` strings (see `formatUnitRef`).
 */
import type { OfferJson } from '../events/offer.ts';
import type { RouteJson } from '../pathing/file.ts';
import type { MintVerdict } from '../mint/verdict.ts';
import type { PaymentRecord } from '../payments/store.ts';
import type { ChatMessage } from '../messaging/nip17.ts';

/** The user's identity. */
export interface IdentityView {
  pubkey: string;
  npub: string;
  /** A display name (kind 0), if any. */
  name?: string;
  /** Units (`unit@notary`) the user holds and can spend, for the route finder's unit picker. */
  units?: string[];
  /** What the user holds of each of `units` (`unit@notary` -> base units, integer string), summed over its accounts. */
  balances?: Record<string, string>;
  /** Display labels of unit and notary IDs (a unit's TLA, a notary's name), when known. */
  labels?: Record<string, string>;
  /**
   * Base units per display unit (integer strings, e.g. `"100"` for cents) by unit ID, from the
   * unit's contract or the catalog that advertises it: the page shows `109.20 USD` for `10920`.
   * Amounts in the API stay base units.
   */
  scales?: Record<string, string>;
}

/** Health of one relay. */
export interface RelayView {
  url: string;
  connected: boolean;
  /** Round trip of the last answered request (publish OK or EOSE), or null when unknown. */
  latencyMs: number | null;
  /** Failed connection attempts and refused publishes since start. */
  failures: number;
  connects: number;
  disconnects: number;
  /** The last error code or NOTICE text, or null. Never carries a secret. */
  lastError: string | null;
  /** What the relay is used for: `read`, `write`, `dm` (NIP-65 / NIP-17 lists). */
  roles?: string[];
}

/** The persistent outbox (see `OutboxStore.counts` and `OutboxStore.list`). */
export interface OutboxView {
  counts: { pending: number; acked: number; failed: number };
  /** Targets not yet acknowledged: pending (retried) and failed (refused for good). */
  items: Array<{
    eventId: string;
    kind: number;
    relay: string;
    status: 'pending' | 'acked' | 'failed';
    attempts: number;
    lastCode: string | null;
    lastMessage: string | null;
    /** Unix ms. */
    nextAttemptAt: number;
    createdAt: number;
  }>;
}

/** A peer in the social graph. */
export interface PeerNode {
  pubkey: string;
  npub: string;
  name?: string;
  /** Follow-steps from the user (0 = the user), when known. */
  degree?: number;
  /** Units (`unit@notary`) this peer accepts (its catalog), when known. */
  accepts?: string[];
  /** Tagged by the user or the demo (e.g. `alarm` for a peer served a split mint). */
  tags?: string[];
}

/** A conversion offer with its owner, in the offline offers-file shape (one definition: `events/offer.ts`). */
export type OfferView = OfferJson;

/** The follows (NIP-02) of the user's web, and the offers published in it. */
export interface SocialGraphView {
  /** The user's pubkey (a node of the graph). */
  self: string;
  nodes: PeerNode[];
  /** `from` follows `to`. */
  edges: Array<{ from: string; to: string }>;
  offers: OfferView[];
}

/** A route request from the route finder. */
export interface RouteRequest {
  /** Payee pubkey (hex; the server decodes an npub before calling the backend). */
  to: string;
  /** What the payee receives, base units, integer string. */
  amount: string;
  /** The unit the user spends, `unit@notary`. */
  unit: string;
  /** What the payee must receive: a unit ID, `unit@notary` or a TLA from its catalog; default any it accepts. */
  payeeUnit?: string;
}

/** A payment request: the route the user confirmed, so the peer pays exactly what was shown. */
export interface PayRequestView extends RouteRequest {
  route?: RouteJson;
}

/**
 * A payment, as `otp2p payments --json` prints it (receipt: the payer's preimage): the payments
 * store's own record, which names the units of what came in and went out (`unitIn`, `unitOut`),
 * so the page shows `109.20 USD`. An alias, not a copy, so the two cannot drift apart.
 */
export type PaymentView = PaymentRecord;

/** The outcome of {@link DashboardBackend.pay}. */
export interface PayResultView {
  paymentId: string;
  state: string;
  paymentHash: string | null;
  /** Proof of payment (payer's receipt) once succeeded. */
  preimage: string | null;
  sent: string;
  delivered: string;
  refunded: string;
  error?: { code: string; message: string };
}

/** Follow or unfollow a key from the graph page (the Peer's `follow` / `unfollow`). */
export interface FollowRequestView {
  /** npub, nprofile or hex pubkey. */
  target: string;
  action: 'follow' | 'unfollow';
  /** The user's name for the key (follow only). */
  petname?: string;
  /** Proceed when no relay answered with the user's follow list (see `otp2p follow add --help`). */
  force?: boolean;
}

/** What a follow or unfollow did. */
export interface FollowResultView {
  /** The kind 3 published, or null when the list already said so. */
  event: string | null;
  /** Where the edited list came from: a relay, this data folder (`force`), or none (a first list). */
  base: 'relays' | 'local' | 'none';
  /** Each relay's answer to the publish. */
  relays: Array<{ relay: string; ok: boolean; status: string; code: string | null }>;
  /** Relays that did not answer the fetch of the newest list. */
  incomplete: Array<{ relay: string; reason: string; message: string }>;
}

/** Equivocation evidence (kind 1560) behind an alarm. */
export interface EvidenceView {
  eventId: string;
  /** Who published it. */
  pubkey: string;
  /** Fingerprints the evidence names. */
  fingerprints: string[];
  /** Fingerprints whose included mint carries a verified notary signature (proof). */
  signed: string[];
}

/** A verdict on one of the user's mints, with the evidence for an alarm. */
export interface MintVerdictView extends MintVerdict {
  evidence?: EvidenceView[];
}

/** A direct message (NIP-17 chat rumor), incoming or outgoing. */
export type DmView = ChatMessage;

/**
 * What sending a message did: the message and where it is. `relay`: a relay acknowledged it;
 * `outbox`: handed to the persistent outbox with a relay reachable (on its way); `waiting`: in
 * the outbox with no relay reachable, sent when one answers (the page says so, not "sent").
 */
export type DmSentView = DmView & { delivery: 'relay' | 'outbox' | 'waiting' };

/** Live updates pushed to the browser over the WebSocket. */
export type DashboardEvent =
  | { type: 'mint-alarm'; verdict: MintVerdictView }
  | { type: 'mint' }
  | { type: 'dm'; message: DmView }
  | { type: 'payment'; payment: { paymentId: string; state: string } }
  | { type: 'relay'; relay: RelayView }
  | { type: 'outbox' }
  | { type: 'graph' };

/** The event types, for validation and the client. */
export const DASHBOARD_EVENT_TYPES = ['mint-alarm', 'mint', 'dm', 'payment', 'relay', 'outbox', 'graph'] as const;

/**
 * Everything the dashboard reads and does. Methods may return values or promises. Errors are
 * {@link OtP2pError}s; the server maps their category to an HTTP status (usage 400,
 * verification 422, runtime 500 except `not-found` 404, `no-route` 409 and `relay-incomplete` 503) and sends
 * `{ error: { code, message } }`.
 */
export interface DashboardBackend {
  /** The user's identity. */
  identity(): IdentityView | Promise<IdentityView>;
  /** Health of each configured relay. */
  relays(): RelayView[] | Promise<RelayView[]>;
  /** The persistent outbox. */
  outbox(): OutboxView | Promise<OutboxView>;
  /** Follows and offers of the web (up to the routing radius). */
  socialGraph(): SocialGraphView | Promise<SocialGraphView>;
  /**
   * Find a (possibly multi-part) route delivering `amount` to `to`.
   * @throws OtP2pError `no-route` when none; `bad-amount`, `bad-key`, `bad-offer` (unit) for bad input.
   */
  findRoute(request: RouteRequest): RouteJson | Promise<RouteJson>;
  /**
   * Pay along the confirmed route (or a fresh one when `route` is absent) and wait for the outcome.
   * @throws OtP2pError `no-route`, `payment-failed`, `ui-read-only` (a backend that cannot pay).
   */
  pay(request: PayRequestView): PayResultView | Promise<PayResultView>;
  /** Verdicts on the user's mints, alarms first. */
  mintVerdicts(): MintVerdictView[] | Promise<MintVerdictView[]>;
  /** Payments in every role, newest first. */
  payments(): PaymentView[] | Promise<PaymentView[]>;
  /** Direct messages, oldest first. */
  dms(): DmView[] | Promise<DmView[]>;
  /**
   * Send a private message (NIP-17) to `to` (hex pubkey).
   * @throws OtP2pError `bad-key`, `bad-input` (empty or over 8,000 characters), `ui-read-only`.
   */
  sendDm(to: string, text: string): DmSentView | Promise<DmSentView>;
  /**
   * Follow or unfollow a key: the user's newest follow list is edited, never replaced.
   * @throws OtP2pError `bad-key` (and NIP-19 codes), `bad-input`, `relay-incomplete` (no relay
   *   answered and not `force`), `ui-read-only`.
   */
  follow(request: FollowRequestView): FollowResultView | Promise<FollowResultView>;
  /** Subscribe to live updates; returns the unsubscribe function. */
  on(listener: (event: DashboardEvent) => void): () => void;
}
