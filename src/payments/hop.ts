/**
 * The intermediate hop's state machine (states and transitions in `states.ts`): quote, accept a
 * `prepare`, then (in `receiving.ts`) check what really arrived against our own ledger, forward
 * and tell the next party and the payer; a refund from the next party is passed back.
 */
import type { OtP2pError } from '../core/errors.ts';
import type { PaymentContext } from './context.ts';
import { PAYMENT_PROTOCOL_VERSION, encodePaymentMessage, parsePaymentMessage } from './messages.ts';
import type {
  PaymentBody,
  PrepareMessage,
  QuoteRequestMessage,
  RefundNoticeMessage,
  RejectReason,
} from './messages.ts';
import { isOnChainAsset } from './ports.ts';
import type { TransferReceipt } from './ports.ts';
import { awaitRefund } from './receiving.ts';
import { hopData } from './store.ts';
import type { StepRow, StoredPayment } from './store.ts';
import { receiptKey, seconds } from './types.ts';
import type { HopData, TransferPayload } from './types.ts';

/** Quote what we want in to deliver the requested output (nothing is stored: a quote binds nobody). */
export function hopQuote(ctx: PaymentContext, from: string, m: QuoteRequestMessage): void {
  const out = m.out!;
  const reply = (body: PaymentBody): void => void ctx.steps.sendDirect(from, body, m.nonce);
  const policy = ctx.ports.policy;
  const inAccount = ctx.ports.transfers.account(m.in.notary, m.in.unit);
  if (!policy || !inAccount || !ctx.ports.transfers.account(out.notary, out.unit)) {
    return reply({
      type: 'reject',
      payment_id: m.payment_id,
      reason: 'no-offer',
      message: 'we do not convert between these assets',
    });
  }
  const decision = policy.quote({
    inNotary: m.in.notary,
    inUnit: m.in.unit,
    outNotary: out.notary,
    outUnit: out.unit,
    outAmount: out.amount,
    outTo: out.to,
    ...(m.offer !== undefined ? { offer: m.offer } : {}),
  });
  if (!decision.ok)
    return reply({ type: 'reject', payment_id: m.payment_id, reason: decision.reason, message: decision.message });
  // on-chain in-leg: a fresh address bound to this payment alone, recorded before it is quoted
  const address = ctx.ports.transfers.receiveAddress?.(m.payment_id, m.in.notary, m.in.unit);
  reply({
    type: 'quote',
    payment_id: m.payment_id,
    min_in: decision.minIn,
    out: out.amount,
    rate: decision.rate,
    cut_ppm: decision.cutPpm,
    fee: decision.fee,
    expires_at: seconds(ctx.ports.clock.now()) + ctx.limits.quoteTtlSeconds,
    ...(address !== undefined ? { btc_address: address } : { nym: inAccount.nym }),
  });
}

/** Reserve our part of the path if our policy still holds, and acknowledge (durably). */
export function hopPrepare(ctx: PaymentContext, from: string, m: PrepareMessage): void {
  const out = m.out!;
  const existing = ctx.repo.get(m.payment_id);
  if (existing) {
    if (existing.role === 'hop' && existing.state === 'prepared' && existing.payer === from) {
      void ctx.steps.sendDirect(from, { type: 'prepare.ack', payment_id: m.payment_id, index: m.index }, m.nonce);
    }
    return;
  }
  const now = ctx.ports.clock.now();
  const refuse = (reason: RejectReason, message: string): void =>
    void ctx.steps.sendDirect(
      from,
      { type: 'reject', payment_id: m.payment_id, reason, index: m.index, message },
      m.nonce,
    );
  if (m.expires_at * 1000 <= now) return refuse('expired', 'the prepare has already expired');
  const inAccount = ctx.ports.transfers.account(m.in.notary, m.in.unit);
  const outAccount = ctx.ports.transfers.account(out.notary, out.unit);
  const inNym = isOnChainAsset(m.in.notary, m.in.unit)
    ? ctx.ports.transfers.receiveAddress?.(m.payment_id, m.in.notary, m.in.unit, false)
    : inAccount?.nym;
  if (!inAccount || !outAccount || inNym === undefined || inNym !== m.in.nym)
    return refuse('bad-request', 'the prepare names an account we do not hold');
  const decision = ctx.ports.policy?.quote({
    inNotary: m.in.notary,
    inUnit: m.in.unit,
    outNotary: out.notary,
    outUnit: out.unit,
    outAmount: out.amount,
    outTo: out.to,
  });
  if (!decision?.ok) return refuse(decision?.reason ?? 'no-offer', decision?.message ?? 'no policy');
  if (decision.minIn > m.in.amount) return refuse('underpaid', `we need ${decision.minIn} in to deliver ${out.amount}`);
  if (ctx.repo.byHash('hop', m.payment_hash))
    return refuse('duplicate-payment', 'we already forwarded this payment hash');
  const data: HopData = { prepare: encodePaymentMessage({ ...m, v: PAYMENT_PROTOCOL_VERSION }) };
  ctx.tx(() => {
    ctx.repo.insert({
      id: m.payment_id,
      role: 'hop',
      payment_hash: m.payment_hash,
      preimage: null,
      payer: from,
      prev_peer: m.in.from,
      next_peer: out.to,
      amount_in: m.in.amount.toString(),
      amount_out: out.amount.toString(),
      expires_at: m.expires_at * 1000,
      deadline_at: m.expires_at * 1000,
      data,
    });
    ctx.steps.queueSend(
      m.payment_id,
      `ack:${m.index}`,
      from,
      { type: 'prepare.ack', payment_id: m.payment_id, index: m.index },
      m.nonce,
    );
  });
  ctx.crash('hop:prepared');
}

/** The next party refunded us: verify it, then refund our sender what we counted in. */
export async function hopRefunded(ctx: PaymentContext, row: StoredPayment, m: RefundNoticeMessage): Promise<void> {
  const d = hopData(row);
  const prep = parsePaymentMessage(d.prepare) as PrepareMessage;
  if (m.leg !== prep.index) return;
  const verified = await ctx.ports.transfers.verifyIncoming(m.receipt);
  const fresh = ctx.repo.get(row.id)!;
  if (
    !verified ||
    fresh.state !== 'forwarded' ||
    verified.notary !== prep.out!.notary ||
    verified.unit !== prep.out!.unit
  )
    return;
  if (verified.pending) return awaitRefund(ctx, fresh, m);
  // we are made whole on the out side; send back everything we received on the in side
  const account = ctx.ports.transfers.account(prep.in.notary, prep.in.unit)!;
  const amount = BigInt(hopData(fresh).counted ?? prep.in.amount.toString());
  ctx.tx(() => {
    ctx.repo.update(fresh.id, { state: 'refunding', data: { ...hopData(fresh), refundOf: receiptKey(m.receipt) } });
    ctx.steps.queueTransfer(fresh.id, `${fresh.id}:refund:${prep.index - 1}`, {
      purpose: 'refund',
      leg: prep.index - 1,
      request: {
        idempotencyKey: `${fresh.id}:refund:${prep.index - 1}`,
        notary: prep.in.notary,
        unit: prep.in.unit,
        fromAccount: account.account,
        toNym: hopData(fresh).fromNym ?? prep.in.nym,
        amount: amount.toString(),
      },
    });
  });
  ctx.crash('hop:received');
}

/** A refund notice for a hop: only after we forwarded, from the party we forwarded to. */
export function hopRefundNotice(
  ctx: PaymentContext,
  row: StoredPayment,
  from: string,
  m: RefundNoticeMessage,
): void | Promise<void> {
  if (row.role !== 'hop' || row.state !== 'forwarded' || from !== row.next_peer) return;
  return hopRefunded(ctx, row, m);
}

/** Inside the transaction that records the forward: tell the next party (with echoes) and the payer. */
export function hopForwarded(
  ctx: PaymentContext,
  row: StoredPayment,
  payload: TransferPayload,
  receipt: TransferReceipt,
): void {
  const amount = BigInt(payload.request.amount);
  ctx.repo.update(row.id, { state: 'forwarded' });
  const notice = {
    type: 'transfer.notice',
    payment_id: row.id,
    payment_hash: row.payment_hash!,
    leg: payload.leg,
    receipt,
    amount,
  } as const;
  ctx.steps.queueSendWithEchoes(row.id, `notice:${payload.leg}`, row.next_peer!, notice);
  ctx.steps.queueSend(row.id, `notice:${payload.leg}:payer`, row.payer, notice);
}

/** The forward was refused: we hold the incoming funds and cannot forward, so send them back. */
export function hopForwardRefused(ctx: PaymentContext, step: StepRow, row: StoredPayment, err: OtP2pError): void {
  const d = hopData(row);
  const prep = parsePaymentMessage(d.prepare) as PrepareMessage;
  const account = ctx.ports.transfers.account(prep.in.notary, prep.in.unit);
  ctx.tx(() => {
    ctx.repo.stepFailed(step.id, err.code);
    ctx.repo.update(row.id, { state: 'refunding', error_code: 'transfer-failed', error_message: err.message });
    if (account) {
      ctx.steps.queueTransfer(row.id, `${row.id}:refund:${prep.index - 1}`, {
        purpose: 'refund',
        leg: prep.index - 1,
        request: {
          idempotencyKey: `${row.id}:refund:${prep.index - 1}`,
          notary: prep.in.notary,
          unit: prep.in.unit,
          fromAccount: account.account,
          toNym: d.fromNym ?? prep.in.nym,
          amount: d.counted ?? prep.in.amount.toString(),
        },
      });
    }
    ctx.steps.queueSend(row.id, `reject:${prep.index}`, row.payer, {
      type: 'reject',
      payment_id: row.id,
      reason: err.code === 'insufficient-funds' ? 'no-liquidity' : 'transfer-failed',
      index: prep.index,
      message: 'we could not forward; refunding',
    });
  });
}
