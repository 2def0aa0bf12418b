/**
 * The narrow ports the payment coordinator runs over. The coordinator is pure logic over these:
 * a message channel (gift-wrapped DMs in production, an in-process channel in tests), a transfer
 * executor (the OT API or the Bitcoin wallet), a hop policy (the peer's own conversion offers),
 * a social graph (who is within the payer's radius), a clock and randomness. Adapters to the real
 * messaging and OT API layers live in `adapters/`.
 */
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { PaymentMessage, WireReceipt } from './messages.ts';

// On-chain BTC legs are the asset `btc@<chain>` (`core/assets.ts`); re-exported for the coordinator.
export { isOnChainAsset } from '../core/assets.ts';

/** Sends protocol messages to peers and delivers inbound ones. */
export interface MessageChannel {
  /**
   * Hand `message` to the transport for `toPubkey` (hex). Resolves once the transport accepted it
   * (a relay acknowledged it); rejects when it could not. Delivery is at-least-once: receivers
   * must treat duplicates as no-ops, which the coordinator does.
   */
  send(toPubkey: string, message: PaymentMessage): Promise<void>;
  /**
   * Register the inbound handler: `from` is the authenticated sender pubkey (hex). Returns an
   * unsubscribe function.
   */
  onMessage(handler: (from: string, message: PaymentMessage) => Promise<void> | void): () => void;
}

/** One transfer the coordinator asks for. `idempotencyKey` makes a retry after a crash a no-op. */
export interface TransferRequest {
  idempotencyKey: string;
  notary: string;
  unit: string;
  fromAccount: string;
  /** The receiving nym on `notary` (or, for the Bitcoin medium, the address). */
  toNym: string;
  amount: bigint;
}

/** Proof that a transfer happened, as the executor returns it and as it travels in messages. */
export type TransferReceipt = WireReceipt;

/** What a receiver learns when it checks a receipt against its own view of the ledger. */
export interface VerifiedTransfer {
  notary: string;
  unit: string;
  toNym: string;
  /** The sender's nym (or address): where a refund goes. */
  fromNym: string;
  amount: bigint;
  /**
   * On-chain legs: the transaction is not final yet (`unseen`: not in our node's mempool or chain
   * yet; `unconfirmed`: seen with fewer than the configured confirmations). Nothing may be done
   * on a pending transfer but to check again later.
   */
  pending?: 'unseen' | 'unconfirmed';
}

/** Makes and checks transfers: the OT API (final, idempotent by key) or the Bitcoin wallet. */
export interface TransferExecutor {
  /**
   * Transfer funds. Calling again with the same `idempotencyKey` returns the first receipt and
   * moves nothing.
   * @throws OtP2pError `insufficient-funds`, `unknown-account`, `unknown-notary`, `unknown-unit`
   *   when the transfer is refused (final: the coordinator does not retry those).
   */
  transfer(request: TransferRequest): Promise<TransferReceipt>;
  /**
   * Check a receipt someone claims to have sent us: resolves with what really arrived to one of
   * our nyms, or `null` when the ledger knows no such transfer to us.
   */
  verifyIncoming(receipt: TransferReceipt): Promise<VerifiedTransfer | null>;
  /** Our account (to pay from) and nym (to be paid to) for `unit` on `notary`, if we have one. */
  account(notary: string, unit: string): { account: string; nym: string } | undefined;
  /**
   * On-chain assets only: the address to be paid at for payment `paymentId`, handed out for this
   * payment alone (a second call for the same payment returns the same address; no other payment
   * ever gets it). With `create: false`, only an address already bound to the payment. Undefined
   * for assets not paid at addresses (OT units), or when none is bound and `create` is false.
   */
  receiveAddress?(paymentId: string, notary: string, unit: string, create?: boolean): string | undefined;
}

/** A rate as an exact rational: `out = in * num / den`. */
export interface Rate {
  num: bigint;
  den: bigint;
}

/** What a hop asks its own policy (its conversion offers) when quoted. */
export interface QuoteAsk {
  inNotary: string;
  inUnit: string;
  outNotary: string;
  outUnit: string;
  /** What the hop must deliver onward. */
  outAmount: bigint;
  /** The offer the payer's route used, when it names one. */
  offer?: string;
  /** The peer the hop delivers to: an offer bound to counterparties (`to`) serves only those. */
  outTo?: string;
}

/** A hop's answer: the terms it commits to, or why not. */
export type QuoteDecision =
  | { ok: true; rate: Rate; cutPpm: number; fee: bigint; minIn: bigint; offer?: string }
  | { ok: false; reason: 'no-offer' | 'no-liquidity' | 'out-of-range' | 'policy'; message: string };

/** A hop's conversion policy (normally its published offers). */
export interface HopPolicy {
  quote(ask: QuoteAsk): QuoteDecision;
}

/** Who is within the payer's social radius. */
export interface SocialGraph {
  /** Follow steps from us to `pubkey` (1 = we follow them), or undefined when unreachable. */
  degreeOf(pubkey: string): number | undefined;
}

/** Everything the coordinator needs from the outside world. */
export interface PaymentPorts {
  channel: MessageChannel;
  transfers: TransferExecutor;
  clock: Clock;
  random: Random;
  /** Needed to act as a hop; a peer without one refuses to forward. */
  policy?: HopPolicy;
  /** Needed to pay through hops; without one only direct payments are allowed. */
  social?: SocialGraph;
}
