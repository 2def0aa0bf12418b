/**
 * The payee's state machine (states and transitions in `states.ts`): invoice with a payment hash,
 * accept the matching `prepare`, then (in `receiving.ts`) reveal the preimage once the funds that
 * arrived are verified, or send them back.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/bytes.ts';
import type { PaymentContext } from './context.ts';
import { PAYMENT_PROTOCOL_VERSION, encodePaymentMessage } from './messages.ts';
import type { PrepareMessage, QuoteRequestMessage, RejectReason } from './messages.ts';
import { payeeData } from './store.ts';
import { seconds } from './types.ts';
import type { PayeeData } from './types.ts';

/** Invoice: a fresh preimage, its hash in our quote (durably: the quote binds us to the hash). */
export function payeeQuote(ctx: PaymentContext, from: string, m: QuoteRequestMessage): void {
  const amount = m.in.amount!;
  const existing = ctx.repo.get(m.payment_id);
  if (existing) return; // the quote step of the first request is (or will be) sent
  const account = ctx.ports.transfers.account(m.in.notary, m.in.unit);
  if (!account) {
    void ctx.steps.sendDirect(
      from,
      { type: 'reject', payment_id: m.payment_id, reason: 'no-offer', message: 'we do not accept this asset' },
      m.nonce,
    );
    return;
  }
  const now = ctx.ports.clock.now();
  const preimage = ctx.ports.random.bytes(32);
  const hash = bytesToHex(sha256(preimage));
  const expires = seconds(now) + ctx.limits.quoteTtlSeconds;
  // on-chain: a fresh address bound to this payment alone
  const address = ctx.ports.transfers.receiveAddress?.(m.payment_id, m.in.notary, m.in.unit);
  const data: PayeeData = {
    amount: amount.toString(),
    notary: m.in.notary,
    unit: m.in.unit,
    nym: address ?? account.nym,
  };
  ctx.tx(() => {
    ctx.repo.insert({
      id: m.payment_id,
      role: 'payee',
      payment_hash: hash,
      preimage: bytesToHex(preimage),
      payer: from,
      prev_peer: null,
      next_peer: null,
      amount_in: amount.toString(),
      amount_out: null,
      expires_at: expires * 1000,
      deadline_at: expires * 1000,
      data,
    });
    ctx.steps.queueSend(
      m.payment_id,
      'quote',
      from,
      {
        type: 'quote',
        payment_id: m.payment_id,
        min_in: amount,
        out: amount,
        rate: { num: 1n, den: 1n },
        cut_ppm: 0,
        fee: 0n,
        expires_at: expires,
        ...(address !== undefined ? { btc_address: address } : { nym: account.nym }),
        payment_hash: hash,
      },
      m.nonce,
    );
  });
  ctx.crash('payee:invoiced');
}

/** Accept the payer's prepare if it matches our quote, and acknowledge (durably). */
export function payeePrepare(ctx: PaymentContext, from: string, m: PrepareMessage): void {
  const row = ctx.repo.get(m.payment_id);
  if (row?.role !== 'payee' || row.payer !== from) return;
  if (row.state === 'prepared') {
    void ctx.steps.sendDirect(from, { type: 'prepare.ack', payment_id: m.payment_id, index: m.index }, m.nonce);
    return;
  }
  if (row.state !== 'invoiced') return;
  const d = payeeData(row);
  const refuse = (reason: RejectReason, message: string): void =>
    void ctx.steps.sendDirect(
      from,
      { type: 'reject', payment_id: m.payment_id, reason, index: m.index, message },
      m.nonce,
    );
  if (m.payment_hash !== row.payment_hash) return refuse('bad-request', 'the prepare names another payment hash');
  if (m.in.amount < BigInt(d.amount) || m.in.notary !== d.notary || m.in.unit !== d.unit || m.in.nym !== d.nym) {
    return refuse('bad-request', 'the prepare does not match our quote');
  }
  const now = ctx.ports.clock.now();
  if (m.expires_at * 1000 <= now) return refuse('expired', 'the prepare has already expired');
  d.prepare = encodePaymentMessage({ ...m, v: PAYMENT_PROTOCOL_VERSION });
  ctx.tx(() => {
    ctx.repo.update(row.id, {
      state: 'prepared',
      data: d,
      prev_peer: m.in.from,
      expires_at: m.expires_at * 1000,
      deadline_at: m.expires_at * 1000,
    });
    ctx.steps.queueSend(
      row.id,
      `ack:${m.index}`,
      from,
      { type: 'prepare.ack', payment_id: m.payment_id, index: m.index },
      m.nonce,
    );
  });
  ctx.crash('payee:prepared');
}
