/**
 * The persisted social web (issue 17): the newest replaceable event of each kind per author as
 * rows (follow links one row per edge, relay lists one row per relay, names as a column), the
 * offers, catalogs and attestations the router and mint checks read, and per-relay sync cursors
 * live in the existing `cursors` table. Frozen in time: never import from src/.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Per (author, replaceable kind: 0 names, 3 follows, 10002 relays): the newest created_at held
  // (0 when none was found) and when every relay asked last answered in full (asked_at, unix
  // seconds; NULL before that): a warm sync asks that author only for what is newer.
  await sql`CREATE TABLE web_heads (
    pubkey TEXT NOT NULL,
    kind INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    asked_at INTEGER,
    PRIMARY KEY (pubkey, kind)
  ) WITHOUT ROWID`.execute(db);
  // Follow links as rows: a follow list of 3000 keys is 3000 rows, queried both ways.
  await sql`CREATE TABLE web_follows (
    follower TEXT NOT NULL,
    followee TEXT NOT NULL,
    PRIMARY KEY (follower, followee)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE INDEX web_follows_followee ON web_follows (followee, follower)`.execute(db);
  // NIP-65 relay lists as rows: use is 'read', 'write' or 'both'.
  await sql`CREATE TABLE web_relays (
    pubkey TEXT NOT NULL,
    relay TEXT NOT NULL,
    use TEXT NOT NULL,
    PRIMARY KEY (pubkey, relay)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE INDEX web_relays_relay ON web_relays (relay)`.execute(db);
  await sql`CREATE TABLE web_names (
    pubkey TEXT PRIMARY KEY,
    name TEXT NOT NULL
  ) WITHOUT ROWID`.execute(db);
  // Addressable and replaceable events the router and mint checks parse again on load: the
  // verified event JSON, newest per address. kind 11560 catalogs (d = ''), 31562 offers, 31560 attestations.
  await sql`CREATE TABLE web_events (
    pubkey TEXT NOT NULL,
    kind INTEGER NOT NULL,
    d TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    event_json TEXT NOT NULL,
    PRIMARY KEY (kind, pubkey, d)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE INDEX web_events_kind_d ON web_events (kind, d)`.execute(db);
  // NIP-09 deletions of addresses: a version created at or before deleted_at stays deleted.
  await sql`CREATE TABLE web_tombstones (
    pubkey TEXT NOT NULL,
    kind INTEGER NOT NULL,
    d TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (kind, pubkey, d)
  ) WITHOUT ROWID`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['web_tombstones', 'web_events', 'web_names', 'web_relays', 'web_follows', 'web_heads'])
    await sql`DROP TABLE IF EXISTS ${sql.raw(t)}`.execute(db);
}
