/**
 * Money arriving at a hop or the payee, and what follows from it: funds are checked against our
 * own ledger (never against what the sender claims), counted as min(claimed, minimum, verified),
 * then forwarded (hop), fulfilled (payee) or sent back; a refund made is announced backwards.
 * Funds arriving after our expiry still count: they must go back. On-chain funds wait in
 * `confirming` for their confirmations.
 */
import type { PaymentContext } from './context.ts';
import { encodePaymentMessage } from './messages.ts';
import type { RefundNoticeMessage, RejectMessage, RejectReason, TransferNoticeMessage } from './messages.ts';
import type { TransferReceipt, VerifiedTransfer } from './ports.ts';
import { acceptedPrepare, hopData } from './store.ts';
import type { StoredPayment } from './store.ts';
import { min, receiptKey } from './types.ts';
import type { HopData, PayeeData, PayerData, TransferPayload } from './types.ts';

/** Hop and payee states in which incoming funds are applied ('confirming': on-chain, awaiting confirmations). */
const RECEIVING_STATES: readonly string[] = ['prepared', 'expired', 'confirming'];

/** A transfer notice for a hop or the payee: from the previous party, for our payment hash. */
export function onFunds(
  ctx: PaymentContext,
  row: StoredPayment,
  from: string,
  m: TransferNoticeMessage,
): void | Promise<void> {
  if (!RECEIVING_STATES.includes(row.state) || row.prev_peer !== from || row.payment_hash !== m.payment_hash) return;
  return receive(ctx, row, m);
}

/** Verify what arrived and either go on (forward / fulfil) or send it back. */
export async function receive(ctx: PaymentContext, row: StoredPayment, m: TransferNoticeMessage): Promise<void> {
  const prep = acceptedPrepare(row);
  if (m.leg !== prep.index - 1) return;
  const receiptId = receiptKey(m.receipt);
  if (ctx.repo.receiptUsed(receiptId)) return; // the same receipt cannot pay twice
  let verified: VerifiedTransfer | null = await ctx.ports.transfers.verifyIncoming(m.receipt);
  // the state may have moved while we waited on the ledger
  const fresh = ctx.repo.get(row.id);
  if (!fresh || !RECEIVING_STATES.includes(fresh.state) || ctx.repo.receiptUsed(receiptId)) return;
  const now = ctx.ports.clock.now();
  if (verified?.pending) {
    // on-chain: nothing is forwarded or fulfilled before the configured confirmations. A
    // transaction still unseen at our expiry counts as a bad receipt.
    if (verified.pending === 'unconfirmed' || prep.expires_at * 1000 > now) {
      const d = {
        ...hopData(fresh),
        confirming: encodePaymentMessage(m),
        recheckAt: now + ctx.limits.confirmationPollMs,
      };
      ctx.tx(() => ctx.repo.update(fresh.id, { state: 'confirming', data: d, deadline_at: null }));
      return;
    }
    verified = null;
  }
  if (
    !verified ||
    verified.notary !== prep.in.notary ||
    verified.unit !== prep.in.unit ||
    verified.toNym !== prep.in.nym
  ) {
    ctx.tx(() => {
      // a transaction we waited on vanished or never came: wait for the expiry as if unpaid
      if (fresh.state === 'confirming')
        ctx.repo.update(fresh.id, { state: 'prepared', deadline_at: prep.expires_at * 1000 });
      ctx.repo.misbehave(fresh.prev_peer!, fresh.id, 'bad-receipt', `leg ${m.leg}`, now);
      ctx.steps.queueSend(fresh.id, `reject:bad-receipt:${receiptId}`, fresh.payer, {
        type: 'reject',
        payment_id: fresh.id,
        reason: 'bad-receipt',
        index: prep.index,
        message: 'the receipt does not show funds arriving to us',
      });
    });
    return;
  }
  const counted = min(m.amount, prep.in.amount, verified.amount);
  const data = {
    ...(JSON.parse(fresh.data) as HopData & PayeeData),
    inReceipt: receiptId,
    fromNym: verified.fromNym,
    counted: counted.toString(),
  };
  delete data.confirming;
  delete data.recheckAt;
  const role = fresh.role as 'hop' | 'payee';
  const refund = (reason: RejectReason, message: string): void => {
    const account = ctx.ports.transfers.account(prep.in.notary, prep.in.unit)!;
    ctx.tx(() => {
      ctx.repo.update(fresh.id, {
        state: 'refunding',
        data,
        deadline_at: null,
        error_code: reason,
        error_message: message,
      });
      if (reason === 'underpaid')
        ctx.repo.misbehave(
          fresh.prev_peer!,
          fresh.id,
          'underpaid',
          `got ${verified.amount}, minimum ${prep.in.amount}`,
          now,
        );
      ctx.steps.queueTransfer(fresh.id, `${fresh.id}:refund:${m.leg}`, {
        purpose: 'refund',
        leg: m.leg,
        request: {
          idempotencyKey: `${fresh.id}:refund:${m.leg}`,
          notary: prep.in.notary,
          unit: prep.in.unit,
          fromAccount: account.account,
          toNym: verified.fromNym,
          amount: verified.amount.toString(),
        },
      });
      ctx.steps.queueSend(fresh.id, `reject:${prep.index}`, fresh.payer, {
        type: 'reject',
        payment_id: fresh.id,
        reason,
        index: prep.index,
        message,
      });
    });
    ctx.crash(`${role}:received`);
  };
  if (verified.amount < prep.in.amount)
    return refund('underpaid', `received ${verified.amount}, the minimum is ${prep.in.amount}`);
  if (prep.expires_at * 1000 <= now) return refund('expired', 'the funds arrived after our expiry');
  if (role === 'payee') {
    ctx.tx(() => {
      ctx.repo.update(fresh.id, { state: 'fulfilled', data, deadline_at: null });
      ctx.steps.queueSendWithEchoes(fresh.id, 'fulfill', fresh.payer, {
        type: 'fulfill',
        payment_id: fresh.id,
        payment_hash: fresh.payment_hash!,
        preimage: fresh.preimage!,
        amount: counted,
      });
    });
    ctx.crash('payee:received');
    return;
  }
  const out = prep.out!;
  const account = ctx.ports.transfers.account(out.notary, out.unit);
  if (!account) return refund('no-liquidity', 'we no longer hold the out account');
  ctx.tx(() => {
    ctx.repo.update(fresh.id, { state: 'received', data, deadline_at: null });
    ctx.steps.queueTransfer(fresh.id, `${fresh.id}:leg:${prep.index}`, {
      purpose: 'forward',
      leg: prep.index,
      request: {
        idempotencyKey: `${fresh.id}:leg:${prep.index}`,
        notary: out.notary,
        unit: out.unit,
        fromAccount: account.account,
        toNym: out.nym,
        amount: out.amount.toString(),
      },
    });
  });
  ctx.crash('hop:received');
}

export function awaitRefund(ctx: PaymentContext, row: StoredPayment, m: RefundNoticeMessage): void {
  const d = {
    ...(JSON.parse(row.data) as PayerData | HopData),
    confirmingRefund: encodePaymentMessage(m),
    recheckAt: ctx.ports.clock.now() + ctx.limits.confirmationPollMs,
  };
  ctx.tx(() => ctx.repo.update(row.id, { data: d }));
}

/**
 * On-chain legs: check again every transaction a hop or payee waits on to confirm, and every
 * on-chain refund a payer or hop waits on.

/** The payer releases a hop's or the payee's reservation. */
export function released(ctx: PaymentContext, row: StoredPayment, from: string, m: RejectMessage): void {
  if (from === row.payer && (row.state === 'prepared' || row.state === 'invoiced')) {
    ctx.tx(() =>
      ctx.repo.update(row.id, {
        state: 'rejected',
        deadline_at: null,
        error_code: m.reason,
        error_message: 'released by the payer',
      }),
    );
  }
}

/** A hop's or the payee's expiry passed before funds arrived. */
export function expired(ctx: PaymentContext, row: StoredPayment): void {
  if (row.state === 'prepared' || row.state === 'invoiced') {
    ctx.tx(() =>
      ctx.repo.update(row.id, {
        state: 'expired',
        deadline_at: null,
        error_code: 'expired',
        error_message: 'expired before funds arrived',
      }),
    );
  }
}

/** Inside the transaction that records a refund: tell the sender of that leg, and the payer. */
export function refundMade(
  ctx: PaymentContext,
  row: StoredPayment,
  payload: TransferPayload,
  receipt: TransferReceipt,
): void {
  const amount = BigInt(payload.request.amount);
  const prep = acceptedPrepare(row);
  ctx.repo.update(row.id, { state: 'refunded' });
  const notice = {
    type: 'refund.notice',
    payment_id: row.id,
    payment_hash: row.payment_hash!,
    leg: payload.leg,
    receipt,
    amount,
  } as const;
  ctx.steps.queueSendWithEchoes(row.id, `refund-notice:${payload.leg}`, prep.in.from, notice);
  if (prep.in.from !== row.payer) ctx.steps.queueSend(row.id, `refund-notice:${payload.leg}:payer`, row.payer, notice);
}
