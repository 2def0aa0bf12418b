/**
 * Payments: one row per payment this peer takes part in (as payer, intermediate hop or payee),
 * one row per step a payment causes (a message to send or a transfer to make), each with an
 * idempotency key, and the record of peers that misbehaved (held a payment past its expiry,
 * lied about amounts). A step row is committed before the message or transfer it causes leaves
 * the process and marked done after, so a restart re-runs exactly the unfinished steps.
 * Frozen in time: never import from src/.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payments')
    // the payer's random payment id (hex); each party keeps its own row under the same id
    .addColumn('id', 'text', (c) => c.primaryKey())
    // payer | hop | payee
    .addColumn('role', 'text', (c) => c.notNull())
    // the role's state-machine state; terminal: succeeded | failed | refunded | rejected
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('payment_hash', 'text')
    // payee: the secret until fulfil; payer: the receipt once fulfilled
    .addColumn('preimage', 'text')
    .addColumn('payer', 'text', (c) => c.notNull())
    // the peer funds come from / go to (hop and payee), or the first hop (payer)
    .addColumn('prev_peer', 'text')
    .addColumn('next_peer', 'text')
    // integer strings in base units
    .addColumn('amount_in', 'text')
    .addColumn('amount_out', 'text')
    // unix milliseconds
    .addColumn('expires_at', 'integer')
    .addColumn('deadline_at', 'integer')
    // role-specific JSON: route, quotes, prepare, receipts
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  // A payment hash is paid (payer), forwarded (hop) or claimed (payee) at most once.
  await sql`CREATE UNIQUE INDEX payments_role_hash ON payments (role, payment_hash) WHERE payment_hash IS NOT NULL`.execute(
    db,
  );
  await db.schema.createIndex('payments_state').on('payments').columns(['state', 'deadline_at']).execute();

  await db.schema
    .createTable('payment_steps')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id').onDelete('cascade'))
    // unique across the database: the same effect is never queued twice; transfer keys are also
    // the notary's idempotency key, so a re-run after a crash cannot transfer twice
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    // send | transfer
    .addColumn('kind', 'text', (c) => c.notNull())
    // pending | done | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_steps_due').on('payment_steps').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('payment_steps_payment').on('payment_steps').columns(['payment_id']).execute();

  await db.schema
    .createTable('payment_misbehaving')
    .addColumn('pubkey', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    // held-past-expiry | underpaid | bad-receipt | no-refund
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('payment_misbehaving_pk', ['pubkey', 'payment_id', 'reason'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['payment_misbehaving', 'payment_steps', 'payments']) await db.schema.dropTable(t).execute();
}
