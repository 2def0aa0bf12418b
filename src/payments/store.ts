/**
 * Read-only views of the payments tables (kysely): the history and state of each payment for
 * `otp2p payments`, and the misbehaving record routing reads to avoid peers. A payee's preimage is
 * a secret until it is revealed, so it never appears here; a payer's appears once it succeeded
 * (it is the receipt).
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';

/** One payment as `otp2p payments` shows it. Amounts are integer strings. */
export interface PaymentRecord {
  id: string;
  role: 'payer' | 'hop' | 'payee';
  state: string;
  paymentHash: string | null;
  /** Payer only, once succeeded: the proof of payment. */
  preimage: string | null;
  payer: string;
  prevPeer: string | null;
  nextPeer: string | null;
  amountIn: string | null;
  amountOut: string | null;
  /** Unix milliseconds. */
  expiresAt: number | null;
  /** Payer only: sent on leg 0, counted as delivered, refunded. */
  sent: string | null;
  delivered: string | null;
  refunded: string | null;
  /** Payer only: per leg, what hops claimed to deliver, counted as min(claimed, minimum). */
  notices: Record<string, string>;
  /** Payer only: the parties of the route, payer first. */
  route: string[];
  error: { code: string; message: string } | null;
  steps: { pending: number; done: number; failed: number };
  createdAt: number;
  updatedAt: number;
}

/** A peer recorded as misbehaving. */
export interface MisbehavingRow {
  pubkey: string;
  paymentId: string;
  reason: string;
  detail: string | null;
  createdAt: number;
}

/** Every payment, newest first (at most `limit`). */
export async function listPayments(db: Kysely<DatabaseSchema>, limit = 1000): Promise<PaymentRecord[]> {
  const rows = await db.selectFrom('payments').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  const counts = await db
    .selectFrom('payment_steps')
    .select(['payment_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['payment_id', 'status'])
    .execute();
  return rows.map((r) => {
    const data = JSON.parse(r.data) as { sent?: string; delivered?: string; refunded?: string; notices?: Record<string, string>; parties?: string[] };
    const steps = { pending: 0, done: 0, failed: 0 };
    for (const c of counts) if (c.payment_id === r.id) steps[c.status] = Number(c.n);
    const payer = r.role === 'payer';
    return {
      id: r.id,
      role: r.role,
      state: r.state,
      paymentHash: r.payment_hash,
      preimage: payer && r.state === 'succeeded' ? r.preimage : null,
      payer: r.payer,
      prevPeer: r.prev_peer,
      nextPeer: r.next_peer,
      amountIn: r.amount_in,
      amountOut: r.amount_out,
      expiresAt: r.expires_at,
      sent: payer ? (data.sent ?? null) : null,
      delivered: payer ? (data.delivered ?? null) : null,
      refunded: payer ? (data.refunded ?? null) : null,
      notices: payer ? (data.notices ?? {}) : {},
      route: payer ? (data.parties ?? []) : [],
      error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
      steps,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}

/** Peers recorded as misbehaving, oldest first. Routing reads this to avoid them. */
export async function listMisbehaving(db: Kysely<DatabaseSchema>): Promise<MisbehavingRow[]> {
  const rows = await db.selectFrom('payment_misbehaving').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({ pubkey: r.pubkey, paymentId: r.payment_id, reason: r.reason, detail: r.detail, createdAt: r.created_at }));
}
