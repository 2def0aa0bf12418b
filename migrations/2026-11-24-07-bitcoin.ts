/**
 * Bitcoin wallet state: per BIP84 account and network, the scan position and address indices
 * (used and handed out, so no address is given twice), every output paying the wallet (spent or
 * not: UTXOs and payment detection), and the transactions touching it with their block height
 * (confirmations). Amounts are integer strings of sats.
 * Frozen in time: never import from src/.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('btc_wallets')
    // sha256 of network, regtest flavour and account xpub: the xpub itself is not stored
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('birth_height', 'integer', (c) => c.notNull())
    // last scanned block (-1 and '' before the first scan); a different hash there means a reorg
    .addColumn('scanned_height', 'integer', (c) => c.notNull())
    .addColumn('scanned_hash', 'text', (c) => c.notNull())
    // highest used / handed-out address index per chain (0 receive, 1 change), -1 for none
    .addColumn('used_receive', 'integer', (c) => c.notNull())
    .addColumn('used_change', 'integer', (c) => c.notNull())
    .addColumn('issued_receive', 'integer', (c) => c.notNull())
    .addColumn('issued_change', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('btc_outputs')
    .addColumn('wallet_id', 'text', (c) => c.notNull().references('btc_wallets.id').onDelete('cascade'))
    .addColumn('txid', 'text', (c) => c.notNull())
    .addColumn('vout', 'integer', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('chain', 'integer', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    // NULL while in the mempool
    .addColumn('height', 'integer')
    .addColumn('spent_by', 'text')
    // change of a transaction this wallet broadcast (spendable before it confirms)
    .addColumn('own', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('btc_outputs_pk', ['wallet_id', 'txid', 'vout'])
    .execute();

  await db.schema
    .createTable('btc_txs')
    .addColumn('wallet_id', 'text', (c) => c.notNull().references('btc_wallets.id').onDelete('cascade'))
    .addColumn('txid', 'text', (c) => c.notNull())
    .addColumn('height', 'integer')
    .addPrimaryKeyConstraint('btc_txs_pk', ['wallet_id', 'txid'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('btc_txs').execute();
  await db.schema.dropTable('btc_outputs').execute();
  await db.schema.dropTable('btc_wallets').execute();
}
