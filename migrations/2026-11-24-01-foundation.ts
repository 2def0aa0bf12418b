/**
 * Foundation tables: verified events with NIP-01 replacement bookkeeping, NIP-09 deletions,
 * which relay delivered what, the persistent outbox, and subscription cursors.
 * Frozen in time: never import from src/.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pubkey', 'text', (c) => c.notNull())
    .addColumn('kind', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    // NIP-01 address for replaceable ('') and addressable (d tag) kinds; NULL for the others.
    .addColumn('d', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('sig', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_kind_created').on('events').columns(['kind', 'created_at']).execute();
  await db.schema.createIndex('events_pubkey_kind').on('events').columns(['pubkey', 'kind', 'created_at']).execute();
  // At most one current version per address: the repository enforces which one wins.
  await sql`CREATE UNIQUE INDEX events_address ON events (pubkey, kind, d) WHERE d IS NOT NULL`.execute(db);

  await db.schema
    .createTable('deletions')
    // an event id, or an address `kind:pubkey:d`
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('pubkey', 'text', (c) => c.notNull())
    .addColumn('deletion_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('deletions_pk', ['target', 'pubkey'])
    .execute();

  await db.schema
    .createTable('event_relays')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('relay', 'text', (c) => c.notNull())
    .addColumn('received_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_relays_pk', ['event_id', 'relay'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('event_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('outbox_targets')
    .addColumn('event_id', 'text', (c) => c.notNull().references('outbox.event_id').onDelete('cascade'))
    .addColumn('relay', 'text', (c) => c.notNull())
    // pending | acked | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
    .addColumn('last_code', 'text')
    .addColumn('last_message', 'text')
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('outbox_targets_pk', ['event_id', 'relay'])
    .execute();
  await db.schema
    .createIndex('outbox_targets_due')
    .on('outbox_targets')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('cursors')
    .addColumn('relay', 'text', (c) => c.notNull())
    .addColumn('sub_key', 'text', (c) => c.notNull())
    .addColumn('since', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('cursors_pk', ['relay', 'sub_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['cursors', 'outbox_targets', 'outbox', 'event_relays', 'deletions', 'events']) {
    await db.schema.dropTable(t).execute();
  }
}
