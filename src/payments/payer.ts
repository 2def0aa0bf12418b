/**
 * The payer's state machine (states and transitions in `states.ts`): quote the path backwards from
 * the payee (who answers with a payment hash), `prepare` every party with an expiry that shrinks
 * hop by hop, wait for every `prepare.ack`, pay leg 0, then wait for the preimage (`fulfill`) or
 * the refund. Hops' copies of their transfer notices tell how far the money went, so a payment
 * held past the first hop's expiry names the holder.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, hexToBytes } from '../core/bytes.ts';
import { OtP2pError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { PaymentContext } from './context.ts';
import { encodePaymentMessage } from './messages.ts';
import type {
  FulfillMessage,
  PrepareAckMessage,
  QuoteMessage,
  RefundNoticeMessage,
  RejectMessage,
  RejectReason,
  TransferNoticeMessage,
} from './messages.ts';
import { isOnChainAsset } from './ports.ts';
import type { TransferReceipt } from './ports.ts';
import { awaitRefund } from './receiving.ts';
import { isTerminal } from './states.ts';
import { payerData } from './store.ts';
import type { StepRow, StoredPayment } from './store.ts';
import { min, seconds } from './types.ts';
import type { PayerData, PaymentResult, RouteLeg, TransferPayload, Wire } from './types.ts';

/** Create a payer payment (inside the caller's transaction) and ask the payee for its terms. */
export function payerCreate(ctx: PaymentContext, id: string, legs: RouteLeg[], amount: bigint, maxFee: bigint): void {
  const parties = [legs[0]!.from, ...legs.map((l) => l.to)];
  const n = legs.length;
  const now = ctx.ports.clock.now();
  const data: PayerData = {
    legs: legs.map((l) => ({ ...l, amount: l.amount.toString() })),
    parties,
    amount: amount.toString(),
    maxFee: maxFee.toString(),
    cursor: n,
    quotes: {},
    acks: [],
    expiries: [],
    notices: {},
  };
  const last = legs[n - 1]!;
  ctx.repo.insert({
    id,
    role: 'payer',
    payment_hash: null,
    preimage: null,
    payer: ctx.self,
    prev_peer: null,
    next_peer: parties[1]!,
    amount_in: null,
    amount_out: amount.toString(),
    expires_at: null,
    deadline_at: now + ctx.limits.replyTimeoutMs,
    data,
  });
  ctx.steps.queueSend(id, `quote:${n}`, last.to, {
    type: 'quote.request',
    payment_id: id,
    role: 'payee',
    in: { notary: last.notary, unit: last.unit, amount },
  });
}

/** A party quoted: ask the next one back, or (all quoted) check the price and prepare the path. */
export function payerQuote(ctx: PaymentContext, from: string, m: QuoteMessage): void {
  const row = ctx.repo.get(m.payment_id);
  if (row?.role !== 'payer' || row.state !== 'quoting') return;
  const d = payerData(row);
  const k = d.cursor;
  if (d.parties[k] !== from) return;
  const n = d.legs.length;
  const now = ctx.ports.clock.now();
  if (m.expires_at * 1000 <= now)
    return payerFail(ctx, row, d, 'quote-expired', `${partyName(ctx, d, k)} sent an expired quote`, true);
  const wanted = k === n ? BigInt(d.amount) : BigInt((d.quotes[String(k + 1)] as { min_in: string }).min_in);
  if (m.out !== wanted)
    return payerFail(
      ctx,
      row,
      d,
      'hop-misbehaved',
      `${partyName(ctx, d, k)} quoted output ${m.out}, asked ${wanted}`,
      true,
    );
  // where to pay this party: its nym/account on an OT leg, the fresh address it quoted on an on-chain leg
  const payTo = m.nym ?? m.btc_address;
  if (payTo === undefined)
    return payerFail(ctx, row, d, 'hop-refused', `${partyName(ctx, d, k)} gave nowhere to pay`, true);
  let hash = row.payment_hash;
  if (k === n) {
    if (m.payment_hash === undefined || m.min_in !== wanted) {
      return payerFail(
        ctx,
        row,
        d,
        'hop-misbehaved',
        'the payee quote lacks a payment hash or changes the amount',
        true,
      );
    }
    if (ctx.repo.byHash('payer', m.payment_hash)) {
      return payerFail(ctx, row, d, 'payment-exists', 'the payee reused a payment hash we already paid', true);
    }
    hash = m.payment_hash;
  }
  d.quotes[String(k)] = { ...(encodePaymentMessage(m).body as Wire), nym: payTo };
  if (k > 1) {
    d.cursor = k - 1;
    const inLeg = d.legs[k - 2]!;
    const outLeg = d.legs[k - 1]!;
    ctx.tx(() => {
      ctx.repo.update(row.id, { payment_hash: hash, data: d, deadline_at: now + ctx.limits.replyTimeoutMs });
      ctx.steps.queueSend(row.id, `quote:${k - 1}`, d.parties[k - 1]!, {
        type: 'quote.request',
        payment_id: row.id,
        role: 'hop',
        in: { notary: inLeg.notary, unit: inLeg.unit },
        out: { notary: outLeg.notary, unit: outLeg.unit, amount: m.min_in, to: from },
        ...(inLeg.offer !== undefined ? { offer: inLeg.offer } : {}),
      });
    });
    return;
  }
  // every party quoted: check the price, then prepare the path
  const send = BigInt((d.quotes['1'] as { min_in: string }).min_in);
  const budget = BigInt(d.legs[0]!.amount) + BigInt(d.maxFee);
  if (send > budget)
    return payerFail(ctx, row, d, 'fee-too-high', `the path asks ${send}, over the budget of ${budget}`, true);
  const nowS = seconds(now);
  const delta = ctx.limits.expiryDeltaSeconds;
  // every party after an on-chain leg is paid only after its confirmations: give them the time
  const onChain = d.legs.filter((l) => isOnChainAsset(l.notary, l.unit)).length * ctx.limits.onChainExpirySeconds;
  d.expiries = d.parties.map((_p, i) => nowS + (n - i + 1) * delta + onChain);
  d.cursor = 0;
  ctx.tx(() => {
    ctx.repo.update(row.id, {
      state: 'preparing',
      payment_hash: hash,
      data: d,
      amount_in: send.toString(),
      expires_at: d.expiries[1]! * 1000,
      deadline_at: now + ctx.limits.replyTimeoutMs,
    });
    for (let i = 1; i <= n; i++) {
      const q = d.quotes[String(i)] as { min_in: string; nym: string };
      const inLeg = d.legs[i - 1]!;
      const out =
        i < n
          ? {
              notary: d.legs[i]!.notary,
              unit: d.legs[i]!.unit,
              to: d.parties[i + 1]!,
              amount: BigInt((d.quotes[String(i + 1)] as { min_in: string }).min_in),
              nym: (d.quotes[String(i + 1)] as { nym: string }).nym,
            }
          : undefined;
      ctx.steps.queueSend(row.id, `prepare:${i}`, d.parties[i]!, {
        type: 'prepare',
        payment_id: row.id,
        payment_hash: hash!,
        index: i,
        in: { notary: inLeg.notary, unit: inLeg.unit, from: d.parties[i - 1]!, amount: BigInt(q.min_in), nym: q.nym },
        ...(out ? { out } : {}),
        expires_at: d.expiries[i]!,
      });
    }
  });
  ctx.crash('payer:quoted');
}

/** A party reserved its part; with every ack in, pay leg 0. */
export function payerAck(ctx: PaymentContext, from: string, m: PrepareAckMessage): void {
  const row = ctx.repo.get(m.payment_id);
  if (row?.role !== 'payer' || row.state !== 'preparing') return;
  const d = payerData(row);
  if (d.parties[m.index] !== from || d.acks.includes(m.index)) return;
  d.acks.push(m.index);
  if (d.acks.length < d.legs.length) {
    ctx.tx(() => ctx.repo.update(row.id, { data: d }));
    return;
  }
  const leg = d.legs[0]!;
  const q = d.quotes['1'] as { min_in: string; nym: string };
  const account = ctx.ports.transfers.account(leg.notary, leg.unit);
  if (!account) return payerFail(ctx, row, d, 'unknown-account', `no account for ${leg.unit} on ${leg.notary}`, true);
  ctx.tx(() => {
    ctx.repo.update(row.id, { state: 'sending', data: d, deadline_at: null });
    ctx.steps.queueTransfer(row.id, `${row.id}:leg:0`, {
      purpose: 'pay',
      leg: 0,
      request: {
        idempotencyKey: `${row.id}:leg:0`,
        notary: leg.notary,
        unit: leg.unit,
        fromAccount: account.account,
        toNym: q.nym,
        amount: q.min_in,
      },
    });
  });
  ctx.crash('payer:prepared');
}

/** The payee revealed the preimage: the payment succeeded. @throws OtP2pError `bad-preimage`. */
export function payerFulfill(ctx: PaymentContext, from: string, m: FulfillMessage): void {
  const row = ctx.repo.get(m.payment_id);
  if (row?.role !== 'payer' || row.payment_hash !== m.payment_hash) return;
  if (!['sending', 'in-flight', 'failing', 'failed'].includes(row.state)) return;
  const d = payerData(row);
  if (d.parties[d.legs.length] !== from || d.sent === undefined) return;
  if (!equalBytes(sha256(hexToBytes(m.preimage, 'preimage', 32)), hexToBytes(m.payment_hash, 'payment_hash', 32))) {
    throw new OtP2pError('bad-preimage', 'the preimage does not hash to the payment hash');
  }
  d.delivered = min(m.amount, BigInt(d.amount)).toString();
  ctx.tx(() =>
    ctx.repo.update(row.id, {
      state: 'succeeded',
      preimage: m.preimage,
      data: d,
      deadline_at: null,
      error_code: null,
      error_message: null,
    }),
  );
  ctx.settled(row.id);
}

/** Fail a payer payment; `release` tells prepared parties to drop their reservations. */
export function payerFail(
  ctx: PaymentContext,
  row: StoredPayment,
  d: PayerData,
  code: ErrorCode | RejectReason,
  message: string,
  release: boolean,
): void {
  ctx.tx(() => {
    ctx.repo.update(row.id, { state: 'failed', data: d, deadline_at: null, error_code: code, error_message: message });
    if (release && row.state === 'preparing') {
      for (let i = 1; i < d.parties.length; i++) {
        ctx.steps.queueSend(row.id, `release:${i}`, d.parties[i]!, {
          type: 'reject',
          payment_id: row.id,
          reason: 'policy',
          message: 'payment abandoned',
        });
      }
    }
  });
  ctx.settled(row.id);
}

/** The payer's view of a payment, once it is terminal. */
export function payerResult(row: StoredPayment): PaymentResult | undefined {
  if (row.role !== 'payer' || !isTerminal('payer', row.state)) return undefined;
  const d = payerData(row);
  return {
    paymentId: row.id,
    state: row.state as PaymentResult['state'],
    paymentHash: row.payment_hash,
    preimage: row.state === 'succeeded' ? row.preimage : null,
    sent: BigInt(d.sent ?? '0'),
    delivered: BigInt(d.delivered ?? '0'),
    refunded: BigInt(d.refunded ?? '0'),
    ...(row.error_code ? { error: { code: row.error_code, message: row.error_message ?? '' } } : {}),
  };
}

/** A refund of leg 0 arrived: verify it and count it as min(claimed, verified, sent). */
export async function payerRefunded(ctx: PaymentContext, row: StoredPayment, m: RefundNoticeMessage): Promise<void> {
  const verified = await ctx.ports.transfers.verifyIncoming(m.receipt);
  const fresh = ctx.repo.get(row.id)!;
  if (!verified || fresh.state === 'refunded' || fresh.state === 'succeeded') return;
  if (verified.pending) return awaitRefund(ctx, fresh, m);
  const d = payerData(fresh);
  delete d.confirmingRefund;
  delete d.recheckAt;
  const leg = d.legs[0]!;
  if (verified.notary !== leg.notary || verified.unit !== leg.unit) return;
  const sent = BigInt(d.sent!);
  const back = min(m.amount, verified.amount, sent);
  d.refunded = back.toString();
  const now = ctx.ports.clock.now();
  ctx.tx(() => {
    if (back < sent) ctx.repo.misbehave(d.parties[1]!, row.id, 'short-refund', `refunded ${back} of ${sent}`, now);
    ctx.repo.update(fresh.id, {
      state: 'refunded',
      data: d,
      deadline_at: null,
      error_code: fresh.error_code ?? 'payment-failed',
      error_message: fresh.error_message ?? 'refunded',
    });
  });
  ctx.settled(row.id);
}

/** A copy of a hop's transfer notice: progress, counted as min(claimed, planned). */
export function payerNotice(ctx: PaymentContext, row: StoredPayment, from: string, m: TransferNoticeMessage): void {
  const d = payerData(row);
  if (d.parties[m.leg] !== from || m.leg === 0 || isTerminal('payer', row.state)) return;
  const planned = BigInt((d.quotes[String(m.leg + 1)] as { min_in: string } | undefined)?.min_in ?? '0');
  d.notices[String(m.leg)] = min(m.amount, planned).toString();
  ctx.tx(() => ctx.repo.update(row.id, { data: d }));
}

/** A party refused or gave up: before leg 0 the payment fails, after it the payer waits for the refund. */
export function payerRejected(ctx: PaymentContext, row: StoredPayment, from: string, m: RejectMessage): void {
  const d = payerData(row);
  const index = d.parties.indexOf(from);
  if (index < 1) return;
  const text = `${partyName(ctx, d, index)} rejected: ${m.reason}${m.message ? ` (${m.message})` : ''}`;
  if (row.state === 'quoting' || row.state === 'preparing') return payerFail(ctx, row, d, 'hop-refused', text, true);
  if (row.state === 'sending' || row.state === 'in-flight') {
    const now = ctx.ports.clock.now();
    ctx.tx(() => {
      if (m.reason === 'underpaid' && index > 1)
        ctx.repo.misbehave(d.parties[index - 1]!, row.id, 'underpaid', `reported by ${partyName(ctx, d, index)}`, now);
      ctx.repo.update(row.id, { state: 'failing', error_code: 'hop-refused', error_message: text });
    });
  }
}

/** A refund notice for the payer: only for leg 0, from the first hop, once money left. */
export function payerRefundNotice(
  ctx: PaymentContext,
  row: StoredPayment,
  from: string,
  m: RefundNoticeMessage,
): void | Promise<void> {
  const d = payerData(row);
  if (
    m.leg !== 0 ||
    from !== d.parties[1] ||
    d.sent === undefined ||
    row.state === 'succeeded' ||
    row.state === 'refunded'
  )
    return;
  return payerRefunded(ctx, row, m);
}

/** A deadline passed: no answer in time, or the first hop's expiry plus grace with no outcome. */
export function payerDeadline(ctx: PaymentContext, row: StoredPayment, now: number): void {
  const d = payerData(row);
  if (row.state === 'quoting' || row.state === 'preparing') {
    return payerFail(
      ctx,
      row,
      d,
      'hop-timeout',
      row.state === 'quoting'
        ? `no answer from ${partyName(ctx, d, d.cursor)} in time`
        : 'not every party answered in time',
      true,
    );
  }
  if (row.state === 'in-flight' || row.state === 'failing') {
    // the first hop's expiry plus grace passed with neither fulfil nor refund: name the holder
    let holder = 1;
    for (const leg of Object.keys(d.notices)) holder = Math.max(holder, Number(leg) + 1);
    ctx.tx(() => {
      if (holder < d.legs.length)
        ctx.repo.misbehave(
          d.parties[holder]!,
          row.id,
          'held-past-expiry',
          `${partyName(ctx, d, holder)}, party ${holder} of ${d.legs.length}`,
          now,
        );
      ctx.repo.update(row.id, {
        state: 'failed',
        data: d,
        deadline_at: null,
        error_code: 'hop-timeout',
        error_message: `${partyName(ctx, d, holder)} held the payment past its expiry`,
      });
    });
    ctx.settled(row.id);
  }
}

/** Inside the transaction that records the leg-0 transfer: tell the first hop (and wait for the outcome). */
export function payerTransferred(
  ctx: PaymentContext,
  row: StoredPayment,
  payload: TransferPayload,
  receipt: TransferReceipt,
): void {
  const amount = BigInt(payload.request.amount);
  const d = payerData(row);
  d.sent = amount.toString();
  const deadline = d.expiries[1]! * 1000 + ctx.limits.graceMs;
  ctx.repo.update(row.id, { state: row.state === 'sending' ? 'in-flight' : row.state, data: d, deadline_at: deadline });
  ctx.steps.queueSendWithEchoes(row.id, 'notice:0', d.parties[1]!, {
    type: 'transfer.notice',
    payment_id: row.id,
    payment_hash: row.payment_hash!,
    leg: 0,
    receipt,
    amount,
  });
}

/** The leg-0 transfer was refused: the payment fails and every party drops its reservation. */
export function payerTransferRefused(ctx: PaymentContext, step: StepRow, row: StoredPayment, err: OtP2pError): void {
  const d = payerData(row);
  ctx.tx(() => {
    ctx.repo.stepFailed(step.id, err.code);
    ctx.repo.update(row.id, {
      state: 'failed',
      data: d,
      deadline_at: null,
      error_code: err.code,
      error_message: `leg 0 transfer refused: ${err.message}`,
    });
    for (let i = 1; i < d.parties.length; i++) {
      ctx.steps.queueSend(row.id, `release:${i}`, d.parties[i]!, {
        type: 'reject',
        payment_id: row.id,
        reason: 'transfer-failed',
        message: 'payment abandoned',
      });
    }
  });
  ctx.settled(row.id);
}

/**
 * A party of the path as a person reads it: "the payee alice" or "hop 2 (bob)". The index alone
 * ("party 1") told the user nothing they could act on.
 */
function partyName(ctx: PaymentContext, d: PayerData, k: number): string {
  const pubkey = d.parties[k];
  const name = pubkey === undefined ? `party ${k}` : ctx.nameOf(pubkey);
  return k === d.legs.length ? `the payee ${name}` : `hop ${k} (${name})`;
}
