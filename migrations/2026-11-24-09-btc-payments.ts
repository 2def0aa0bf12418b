/**
 * On-chain payment legs: every Bitcoin transfer the payment coordinator asked for, by its
 * idempotency key, with the signed transaction committed before it is broadcast (so a retry after
 * a crash rebroadcasts the same transaction and never pays twice), and every receive address
 * handed out in a quote, bound to one payment (so no address is given twice, even when the
 * wallet's own state was not saved). Amounts are integer strings of sats.
 * Frozen in time: never import from src/.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('btc_payments')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('txid', 'text', (c) => c.notNull())
    // the output paying the recipient
    .addColumn('vout', 'integer', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    // the signed transaction, rebroadcast as is on a retry
    .addColumn('rawtx', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    // NULL until the node accepted it
    .addColumn('broadcast_at', 'integer')
    .execute();
  await db.schema.createIndex('btc_payments_unbroadcast').on('btc_payments').column('broadcast_at').execute();

  await db.schema
    .createTable('btc_receive_addresses')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('btc_receive_addresses').execute();
  await db.schema.dropTable('btc_payments').execute();
}
