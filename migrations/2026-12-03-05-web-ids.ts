/**
 * The ids of the web's events the wallet has received (issue 17, NIP-77): per author, kind and
 * address (`d`: '' for replaceable kinds, the `d` tag for addressable ones, the id itself for
 * regular ones such as deletions), the newest id and its created_at. A warm sync reconciles these
 * against a relay's (negentropy) instead of asking everything since a time. Frozen in time:
 * never import from src/.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE web_ids (
    pubkey TEXT NOT NULL,
    kind INTEGER NOT NULL,
    d TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pubkey, kind, d)
  ) WITHOUT ROWID`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS web_ids`.execute(db);
}
