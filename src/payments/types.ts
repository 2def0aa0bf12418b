/**
 * The coordinator's vocabulary: what a payer asks for and gets back, its limits, and the shapes
 * each role keeps in the `data` column of its payment row and in the payload of its steps.
 */
import type { WireReceipt } from './messages.ts';
import type { TransferRequest } from './ports.ts';

/** One leg of a route: `from` pays `to` in `unit` on `notary`. */
export interface RouteLeg {
  from: string;
  to: string;
  notary: string;
  unit: string;
  /** The amount the path finder planned for this leg (base units of `unit`). */
  amount: bigint;
  /** The offer of `to` this leg feeds (as pathing's `RouteHop.offer`); absent on the payee's leg. */
  offer?: string;
}

/** What {@link PaymentCoordinator.pay} needs. */
export interface PayRequest {
  /** Legs from us to the payee, in order (leg i goes from party i to party i+1). */
  route: RouteLeg[];
  /** What the payee must receive (default: the last leg's amount). */
  amount?: bigint;
  /** How much more than the route's first leg we accept to send (default 0). */
  maxFee?: bigint;
  /** A 16-byte hex id; random by default. */
  paymentId?: string;
}

/** How a payment ended, for the payer. */
export interface PaymentResult {
  paymentId: string;
  state: 'succeeded' | 'failed' | 'refunded';
  paymentHash: string | null;
  /** The payee's preimage: proof of payment. */
  preimage: string | null;
  /** What we sent on leg 0 (0 when nothing left). */
  sent: bigint;
  /** What counts as delivered: min(claimed by the payee, amount asked). */
  delivered: bigint;
  /** What came back in refunds (counted as min(claimed, verified, sent)). */
  refunded: bigint;
  error?: { code: string; message: string };
}

/** Limits and timings. Defaults suit interactive payments over public relays. */
export interface CoordinatorLimits {
  /** Follow steps from us a hop may be at (default 6). */
  maxDegree: number;
  /** Maximum total (in the payer's unit) at risk with one intermediate peer (default 100000). */
  maxExposurePerPeer: bigint;
  /** Maximum legs in a route (default 6). */
  maxHops: number;
  /** Attempts per step before it fails (default 5). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt (default 500 ms). */
  retryBaseMs: number;
  /** How long a party waits for each quote / for all acks (default 20 s). */
  replyTimeoutMs: number;
  /** How long a quote holds (default 120 s). */
  quoteTtlSeconds: number;
  /** Expiry given to the payee; each earlier hop gets this much more (default 30 s). */
  expiryDeltaSeconds: number;
  /** After the first hop's expiry, how long the payer waits before it names the holder (default 10 s). */
  graceMs: number;
  /** How often a party paid on-chain checks its incoming transaction's confirmations (default 5 s). */
  confirmationPollMs: number;
  /** Extra expiry per on-chain leg of a route, for its confirmations (default 3600 s: six blocks). */
  onChainExpirySeconds: number;
}

/** Default {@link CoordinatorLimits}. */
export const DEFAULT_LIMITS: CoordinatorLimits = {
  maxDegree: 6,
  maxExposurePerPeer: 100_000n,
  maxHops: 6,
  maxAttempts: 5,
  retryBaseMs: 500,
  replyTimeoutMs: 20_000,
  quoteTtlSeconds: 120,
  expiryDeltaSeconds: 30,
  graceMs: 10_000,
  confirmationPollMs: 5_000,
  onChainExpirySeconds: 3_600,
};

/** A message or receipt in its wire form (JSON, amounts as strings), as stored. */
export type Wire = Record<string, unknown>;

/** A route leg as stored (amount as an integer string). */
export interface StoredLeg {
  from: string;
  to: string;
  notary: string;
  unit: string;
  amount: string;
  offer?: string;
}

/** The payer's `data`. */
export interface PayerData {
  legs: StoredLeg[];
  parties: string[];
  amount: string;
  maxFee: string;
  cursor: number;
  quotes: Record<string, Wire>;
  acks: number[];
  expiries: number[];
  sent?: string;
  notices: Record<string, string>;
  refunded?: string;
  delivered?: string;
  /** On-chain: a refund notice whose transaction awaits its confirmations, and the next check. */
  confirmingRefund?: Wire;
  recheckAt?: number;
}

/** A hop's `data`. */
export interface HopData {
  prepare: Wire;
  /** On-chain legs: the notice whose transaction awaits its confirmations, and the next check. */
  confirming?: Wire;
  confirmingRefund?: Wire;
  recheckAt?: number;
  inReceipt?: string;
  fromNym?: string;
  counted?: string;
  refundOf?: string;
}

/** The payee's `data`. */
export interface PayeeData {
  amount: string;
  notary: string;
  unit: string;
  nym: string;
  prepare?: Wire;
  inReceipt?: string;
  fromNym?: string;
  counted?: string;
}

/** A transfer step: why, on which leg, and the request (its key is the notary's idempotency key). */
export interface TransferPayload {
  purpose: 'pay' | 'forward' | 'refund';
  leg: number;
  request: Omit<TransferRequest, 'amount'> & { amount: string };
}

/** A message step. */
export interface SendPayload {
  to: string;
  message: Wire;
}

/** The smallest of the amounts. */
export const min = (...xs: bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));

/** Unix seconds of a millisecond time. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A receipt's identity: the same receipt cannot pay twice. */
export function receiptKey(r: WireReceipt): string {
  return r.kind === 'ot' ? `ot:${r.notary}:${r.unit}:${r.id}` : `btc:${r.txid}:${r.vout}`;
}
