/** The option, event and result types of the {@link Peer} facade (re-exported by `otp2p` and `otp2p/peer`). */
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Config } from '../config.ts';
import type { UnitRef } from '../events/offer.ts';
import type { RelayGap, Transport, RelayStats } from '../relays/transport.ts';
import type { OtApi } from '../otapi/api.ts';
import type { BitcoinWallet } from '../bitcoin/wallet.ts';
import type { ReceiptLookup } from '../payments/adapters/otapi.ts';
import type { CoordinatorLimits } from '../payments/coordinator.ts';
import type { CrashHook } from '../payments/crash.ts';
import type { PaymentRecord } from '../payments/store.ts';
import type { ChatMessage } from '../messaging/nip17.ts';
import type { MintVerdict } from '../mint/verdict.ts';
import type { MultiRouteResult } from '../pathing/router.ts';
import type { OutboxItem } from '../store/outbox.ts';

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
   * On-chain BTC legs (`btc@<chain>`, e.g. `btc@bitcoin`, `btc@regtest`): the wallet pays and is paid (fresh addresses in quotes);
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
  /** Reachable now (always true over a transport that cannot tell). */
  connected: boolean;
  /** The transport's counters for this relay, when it keeps any. */
  stats?: RelayStats;
}

/** Outbox target counts: how many (event, relay) pairs wait, were acknowledged, or failed for good. */
export interface OutboxCounts {
  pending: number;
  acked: number;
  failed: number;
}

/** What {@link Peer.outboxReport} tells: the counts, and every target not acknowledged yet. */
export interface OutboxReport {
  counts: OutboxCounts;
  /** Pending and failed targets, oldest first. */
  items: OutboxItem[];
}

/** What `status()` reports. */
export interface PeerStatus {
  pubkey: string;
  npub: string;
  relays: RelayHealth[];
  outbox: OutboxCounts;
  sync: { web: number; offers: number; catalogs: number; lastSyncAt: number | null };
  alarms: MintVerdict[];
  payments: { total: number; inFlight: number };
}

/** What a sync fetched. */
export interface SyncResult {
  /** Keys in the social radius. */
  web: number;
  offers: number;
  catalogs: number;
  /** Relays that did not answer in full: the counts may be short of what the relays hold. */
  incomplete?: RelayGap[];
  /** REQs sent and bytes of events received by this sync. */
  reqs?: number;
  bytes?: number;
  /** The byte budget ran out: some publishers or payees may be left unproven. */
  budgetExhausted?: boolean;
  /** Publishers and payees not proven within the radius (not routed through). */
  unproven?: number;
}

/** Options of {@link Peer.sync}. */
export interface SyncOptions {
  /** Keep a subscription open so the graph follows changes (a long-running process). */
  live?: boolean;
  /** Pubkeys outside the web to fetch too (e.g. a payee). */
  extra?: string[];
  /** REQs answered and planned in the current phase (`self`, `forward`, `discover`, `backward`). */
  onProgress?: (done: number, total: number, phase?: string) => void;
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
   * Pay this route (from `peer.routes.find`, e.g. the one a user confirmed) instead of finding
   * one afresh; `to` and `amount` must match it.
   */
  route?: FoundRoute;
}
