/**
 * Messaging: every accepted gift-wrapped message, keyed by rumor id, with the message's own
 * nonce (protocol messages) unique per sender. A message whose rumor id or (sender, nonce) is
 * already here is a replay. Rows are judged and pruned by the rumor's created_at, never the
 * wrap's (wraps are back-dated up to two days).
 * Frozen in time: never import from src/.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('received_messages')
    .addColumn('rumor_id', 'text', (c) => c.primaryKey())
    .addColumn('sender', 'text', (c) => c.notNull())
    // '' for messages without a nonce of their own (NIP-17 chat)
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('kind', 'integer', (c) => c.notNull())
    // the rumor's created_at
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'integer', (c) => c.notNull())
    .addColumn('wrap_id', 'text', (c) => c.notNull())
    // the verified rumor as JSON (local only; lets `dm read` list past messages)
    .addColumn('rumor_json', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX received_messages_nonce ON received_messages (sender, nonce) WHERE nonce <> ''`.execute(
    db,
  );
  await db.schema
    .createIndex('received_messages_kind_created')
    .on('received_messages')
    .columns(['kind', 'created_at'])
    .execute();
  // Re-delivered wraps (a second relay, the next `dm read`) are skipped before any crypto.
  await db.schema.createIndex('received_messages_wrap').on('received_messages').column('wrap_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('received_messages').execute();
}
