/**
 * Filling an embedded relay's database in bulk, for `--check-model`: the rows the relay package's
 * repository (`@nostr-relay/event-repository-sqlite`, the store of src/relays/embedded.ts) writes
 * for each `upsert`, written by prepared statements in one transaction. Going through `upsert`
 * costs one kysely transaction and one fsync per event (19 minutes for the 9,778 copies of a
 * 1,000-key slice on a loaded machine); this writes the same rows in seconds.
 * test/bench/web-relay-fill.test.ts checks that both leave the same tables.
 *
 * The schema is the package's own (its migrations run first, through the repository's `init`);
 * the rows follow its `upsert`: the author is the pubkey (the network has no NIP-26 delegation),
 * `d_tag_value` is '' for replaceable kinds and the `d` tag for addressable ones (null otherwise),
 * a newer version of an address replaces the older one (ties: the lower id), generic tags are
 * the distinct `<letter>:<value>` pairs, and the search index holds the package's searchable text.
 */
import Database from 'better-sqlite3';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { extractSearchableContent } from '@nostr-relay/event-repository-sqlite/dist/search.js';
import type { NostrEvent } from '../../src/events/types.ts';

/** NIP-01: replaceable kinds keep one event per (author, kind); addressable ones per `d` too. */
function dTagValue(e: NostrEvent): string | null {
  const k = e.kind;
  if (k === 0 || k === 3 || (k >= 10000 && k < 20000)) return '';
  if (k < 30000 || k >= 40000) return null;
  return e.tags.find((t) => t[0] === 'd' && !!t[1])?.[1] ?? '';
}

const isGenericTagName = (name: string | undefined): boolean => name !== undefined && /^[a-zA-Z]$/.test(name);

/** What a bulk fill wrote. */
export interface FillResult {
  /** Events stored (new, or newer than the version they replaced). */
  stored: number;
  /** Events not stored: an older version of an address, or an id already held. */
  ignored: number;
}

/**
 * Write `events` into the relay database at `dbPath` (created and migrated when new), as
 * repeated `upsert`s would, in one transaction.
 * @throws Error when the database cannot be opened or written (nothing of the batch is kept).
 */
export async function fillRelayDb(dbPath: string, events: Iterable<NostrEvent>): Promise<FillResult> {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  const repo = new EventRepositorySqlite(db);
  await repo.init();
  const out: FillResult = { stored: 0, ignored: 0 };
  // The package's secondary indexes (not the unique ones the upsert's conflicts rely on) are
  // dropped for the fill and built again after it, with their own SQL: one sort each instead of
  // millions of random inserts (a 10,000-key slice has ~5 million generic tags).
  const indexes = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('events', 'generic_tags') AND sql NOT LIKE 'CREATE UNIQUE%'",
    )
    .all();
  try {
    for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
    const oldId = db.prepare<[string, number, string], { id: string }>(
      'SELECT id FROM events WHERE author = ? AND kind = ? AND d_tag_value = ?',
    );
    const put = db.prepare(
      `INSERT INTO events (id, pubkey, author, kind, created_at, tags, content, sig, d_tag_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (author, kind, d_tag_value) WHERE d_tag_value IS NOT NULL DO UPDATE SET
         id = excluded.id, pubkey = excluded.pubkey, created_at = excluded.created_at,
         tags = excluded.tags, content = excluded.content, sig = excluded.sig
       WHERE events.created_at < excluded.created_at
          OR (events.created_at = excluded.created_at AND events.id > excluded.id)`,
    );
    const delTags = db.prepare('DELETE FROM generic_tags WHERE event_id = ?');
    const putTag = db.prepare(
      'INSERT INTO generic_tags (tag, event_id, kind, author, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const delFts = db.prepare('DELETE FROM events_fts WHERE id = ?');
    const putFts = db.prepare('INSERT INTO events_fts (id, content) VALUES (?, ?)');
    db.transaction(() => {
      for (const e of events) {
        const d = dTagValue(e);
        const old = d !== null ? oldId.get(e.pubkey, e.kind, d)?.id : undefined;
        let changes: number;
        try {
          changes = put.run(
            e.id,
            e.pubkey,
            e.pubkey,
            e.kind,
            e.created_at,
            JSON.stringify(e.tags),
            e.content,
            e.sig,
            d,
          ).changes;
        } catch (err) {
          // the same id twice: the repository reports a duplicate and stores nothing
          if (!(err as Error).message.includes('UNIQUE constraint failed')) throw err;
          changes = 0;
        }
        if (changes === 0) {
          out.ignored++;
          continue;
        }
        out.stored++;
        const tags = new Set<string>();
        for (const t of e.tags) if (isGenericTagName(t[0])) tags.add(`${t[0]}:${t[1]}`);
        if (tags.size > 0) {
          delTags.run(e.id);
          for (const tag of tags) putTag.run(tag, e.id, e.kind, e.pubkey, e.created_at);
        }
        if (old !== undefined) delFts.run(old);
        const text = extractSearchableContent(e as never);
        if (text) putFts.run(e.id, text);
      }
    })();
  } finally {
    for (const i of indexes) db.exec(i.sql);
    await repo.destroy();
  }
  return out;
}
