/**
 * The event repository: verified events with NIP-01 replaceable/addressable semantics, NIP-09
 * deletions, and which relay delivered which event.
 *
 * The caller passes events that have ALREADY been verified ({@link EventVerifier} or
 * {@link VerifyPool}): this repository never checks ids or signatures. {@link EventStore.ingest}
 * does both steps for raw JSON texts and is what network code should call.
 *
 * Writes use raw prepared statements inside one `raw.transaction()` per batch (the hot path of
 * bulk ingest); reads use kysely.
 */
import type Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import { addressOf, formatAddress, parseAddress } from '../events/address.ts';
import type { Filter } from '../events/filter.ts';
import { Kind } from '../events/kinds.ts';
import type { NostrEvent } from '../events/types.ts';
import { kindClass } from '../events/types.ts';
import type { BatchVerifier, RawVerifyResult } from '../events/verify.ts';
import type { Store } from './db.ts';
import type { EventsTable } from './schema.ts';

/**
 * What happened to one event on insert:
 * - `inserted`: stored (new id, or the first version of its address);
 * - `replaced-older`: stored, and the older version of its address was removed;
 * - `duplicate`: this id is already stored (the delivering relay is still recorded);
 * - `superseded`: a newer version of its address is stored (or one as new with a lower id): dropped;
 * - `deleted`: its author deleted it (NIP-09, by id or by address up to the deletion's time): dropped;
 * - `ephemeral`: kinds 20000-29999 are never stored.
 */
export type InsertStatus = 'inserted' | 'replaced-older' | 'duplicate' | 'superseded' | 'deleted' | 'ephemeral';

/** One event to insert, with the relay that delivered it (if any). */
export interface InsertItem {
  event: NostrEvent;
  relay?: string;
}

/** The result of ingesting one raw JSON text. */
export type IngestResult = { ok: true; id: string; status: InsertStatus } | Exclude<RawVerifyResult, { ok: true }>;

/** Options for {@link EventStore}. */
export interface EventStoreOptions {
  clock?: Clock;
}

interface Statements {
  exists: Database.Statement<[string], { id: string }>;
  deletedId: Database.Statement<[string, string], { created_at: number }>;
  current: Database.Statement<[string, number, string], { id: string; created_at: number }>;
  insert: Database.Statement<[string, string, number, number, string | null, string, string, string, number]>;
  remove: Database.Statement<[string]>;
  removeRelays: Database.Statement<[string]>;
  relay: Database.Statement<[string, string, number]>;
  deletion: Database.Statement<[string, string, string, number]>;
  ownById: Database.Statement<[string, string], { id: string }>;
  ownByAddress: Database.Statement<[string, number, string, number], { id: string }>;
}

function toEvent(
  row: Pick<EventsTable, 'id' | 'pubkey' | 'kind' | 'created_at' | 'tags' | 'content' | 'sig'>,
): NostrEvent {
  return {
    id: row.id,
    pubkey: row.pubkey,
    created_at: row.created_at,
    kind: row.kind,
    tags: JSON.parse(row.tags) as string[][],
    content: row.content,
    sig: row.sig,
  };
}

/**
 * Verified Nostr events in SQLite. Times (`first_seen`, `received_at`) are unix seconds from
 * the injected clock.
 */
export class EventStore {
  readonly store: Store;
  readonly #clock: Clock;
  readonly #st: Statements;
  readonly #insertTx: (items: readonly InsertItem[]) => InsertStatus[];

  constructor(store: Store, options: EventStoreOptions = {}) {
    this.store = store;
    this.#clock = options.clock ?? systemClock;
    const raw = store.raw;
    this.#st = {
      exists: raw.prepare('SELECT id FROM events WHERE id = ?'),
      deletedId: raw.prepare('SELECT created_at FROM deletions WHERE target = ? AND pubkey = ?'),
      current: raw.prepare('SELECT id, created_at FROM events WHERE pubkey = ? AND kind = ? AND d = ?'),
      insert: raw.prepare(
        'INSERT OR IGNORE INTO events (id, pubkey, kind, created_at, d, tags, content, sig, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      remove: raw.prepare('DELETE FROM events WHERE id = ?'),
      removeRelays: raw.prepare('DELETE FROM event_relays WHERE event_id = ?'),
      relay: raw.prepare('INSERT OR IGNORE INTO event_relays (event_id, relay, received_at) VALUES (?, ?, ?)'),
      // Keep the latest deletion per (target, author): for addresses its created_at bounds what it deletes.
      deletion: raw.prepare(
        `INSERT INTO deletions (target, pubkey, deletion_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (target, pubkey) DO UPDATE SET deletion_id = excluded.deletion_id, created_at = excluded.created_at
         WHERE excluded.created_at > deletions.created_at`,
      ),
      // NIP-09: a deletion request cannot delete a deletion request.
      ownById: raw.prepare(`SELECT id FROM events WHERE id = ? AND pubkey = ? AND kind != ${Kind.Deletion}`),
      ownByAddress: raw.prepare('SELECT id FROM events WHERE pubkey = ? AND kind = ? AND d = ? AND created_at <= ?'),
    };
    this.#insertTx = raw.transaction((items: readonly InsertItem[]) => {
      const now = unixSeconds(this.#clock);
      return items.map((it) => this.#insertOne(it.event, it.relay, now));
    });
  }

  /**
   * Insert verified events in one transaction; one status per item, in order.
   * @throws OtP2pError `db-error` when SQLite fails (the whole batch is rolled back).
   */
  insertBatch(items: readonly InsertItem[]): InsertStatus[] {
    if (items.length === 0) return [];
    try {
      return this.#insertTx(items);
    } catch (cause) {
      throw new OtP2pError('db-error', `inserting ${items.length} events failed: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /**
   * Insert one verified event.
   * @throws OtP2pError `db-error` when SQLite fails.
   */
  insert(event: NostrEvent, relay?: string): InsertStatus {
    return this.insertBatch([relay === undefined ? { event } : { event, relay }])[0] as InsertStatus;
  }

  /**
   * Verify raw JSON texts (with `verifier`: an `EventVerifier` or a `VerifyPool`) and store the
   * good ones; one result per text, in order. Verification of the next chunk overlaps with the
   * insert of the current one, so worker threads and SQLite work at the same time.
   * @throws OtP2pError `db-error` when SQLite fails; `closed`/`internal` from the verifier.
   */
  async ingest(
    raws: readonly string[],
    options: { verifier: BatchVerifier; relay?: string; chunkSize?: number },
  ): Promise<IngestResult[]> {
    const chunk = Math.max(1, options.chunkSize ?? 1000);
    const out: IngestResult[] = [];
    let next: Promise<RawVerifyResult[]> | undefined = raws.length
      ? options.verifier.verifyBatch(raws.slice(0, chunk))
      : undefined;
    for (let start = 0; next; start += chunk) {
      const verified = await next;
      const after = start + chunk;
      next = after < raws.length ? options.verifier.verifyBatch(raws.slice(after, after + chunk)) : undefined;
      const items: InsertItem[] = [];
      for (const r of verified)
        if (r.ok)
          items.push(options.relay === undefined ? { event: r.event } : { event: r.event, relay: options.relay });
      let statuses: InsertStatus[];
      try {
        statuses = this.insertBatch(items);
      } catch (err) {
        // Do not leave a verification running unobserved.
        await next?.catch(() => undefined);
        throw err;
      }
      let k = 0;
      for (const r of verified)
        out.push(r.ok ? { ok: true, id: r.event.id, status: statuses[k++] as InsertStatus } : r);
    }
    return out;
  }

  #insertOne(e: NostrEvent, relay: string | undefined, now: number): InsertStatus {
    const st = this.#st;
    const cls = kindClass(e.kind);
    if (cls === 'ephemeral') return 'ephemeral';
    if (e.kind !== Kind.Deletion && st.deletedId.get(e.id, e.pubkey) !== undefined) return 'deleted';
    const addr = addressOf(e);
    let status: InsertStatus = 'inserted';
    if (addr) {
      const del = st.deletedId.get(formatAddress(addr), e.pubkey);
      if (del !== undefined && e.created_at <= del.created_at) return 'deleted';
      const cur = st.current.get(e.pubkey, e.kind, addr.d);
      if (cur) {
        if (cur.id === e.id) {
          if (relay !== undefined) st.relay.run(e.id, relay, now);
          return 'duplicate';
        }
        if (cur.created_at > e.created_at || (cur.created_at === e.created_at && cur.id < e.id)) return 'superseded';
        this.#remove(cur.id);
        status = 'replaced-older';
      }
    }
    const changes = st.insert.run(
      e.id,
      e.pubkey,
      e.kind,
      e.created_at,
      addr ? addr.d : null,
      JSON.stringify(e.tags),
      e.content,
      e.sig,
      now,
    ).changes;
    if (changes === 0) status = 'duplicate';
    if (relay !== undefined) st.relay.run(e.id, relay, now);
    if (changes > 0 && e.kind === Kind.Deletion) this.#applyDeletion(e);
    return status;
  }

  #remove(id: string): void {
    this.#st.remove.run(id);
    this.#st.removeRelays.run(id);
  }

  /** NIP-09: record the request, then remove the author's own targets (others' are ignored). */
  #applyDeletion(d: NostrEvent): void {
    const st = this.#st;
    for (const t of d.tags) {
      const v = t[1];
      if (v === undefined) continue;
      if (t[0] === 'e' && /^[0-9a-f]{64}$/.test(v)) {
        st.deletion.run(v, d.pubkey, d.id, d.created_at);
        const own = st.ownById.get(v, d.pubkey);
        if (own) this.#remove(own.id);
      } else if (t[0] === 'a') {
        let a;
        try {
          a = parseAddress(v, 'a tag');
        } catch {
          continue;
        }
        if (a.pubkey !== d.pubkey) continue;
        st.deletion.run(formatAddress(a), d.pubkey, d.id, d.created_at);
        for (const row of st.ownByAddress.all(a.pubkey, a.kind, a.d, d.created_at)) this.#remove(row.id);
      }
    }
  }

  /** The stored event with this id, if any. */
  async get(id: string): Promise<NostrEvent | undefined> {
    const row = await this.store.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEvent(row) : undefined;
  }

  /** The current version of a replaceable (`d` = '') or addressable event, if any. */
  async getAddress(kind: number, pubkey: string, d = ''): Promise<NostrEvent | undefined> {
    const row = await this.store.db
      .selectFrom('events')
      .selectAll()
      .where('pubkey', '=', pubkey)
      .where('kind', '=', kind)
      .where('d', '=', d)
      .executeTakeFirst();
    return row ? toEvent(row) : undefined;
  }

  /** Relays that delivered the stored event `id`, sorted. */
  async relaysOf(id: string): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('event_relays')
      .select('relay')
      .where('event_id', '=', id)
      .orderBy('relay')
      .execute();
    return rows.map((r) => r.relay);
  }

  /** Whether `pubkey` has asked (NIP-09) to delete the event id or address `target`. */
  async isDeleted(target: string, pubkey: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom('deletions')
      .select('target')
      .where('target', '=', target)
      .where('pubkey', '=', pubkey)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Number of stored events. */
  async count(): Promise<number> {
    const row = await this.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Stored events matching any of the NIP-01 filters, newest first (ties by lowest id), each
   * filter's `limit` applied to that filter, duplicates removed.
   */
  async query(filters: Filter | readonly Filter[]): Promise<NostrEvent[]> {
    const list = Array.isArray(filters) ? (filters as readonly Filter[]) : [filters as Filter];
    const seen = new Map<string, NostrEvent>();
    for (const f of list) for (const e of await this.#queryOne(f)) seen.set(e.id, e);
    return [...seen.values()].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async #queryOne(f: Filter): Promise<NostrEvent[]> {
    if (f.ids?.length === 0 || f.authors?.length === 0 || f.kinds?.length === 0 || f.limit === 0) return [];
    let q = this.store.db.selectFrom('events').selectAll();
    if (f.ids) q = q.where('id', 'in', f.ids);
    if (f.authors) q = q.where('pubkey', 'in', f.authors);
    if (f.kinds) q = q.where('kind', 'in', f.kinds);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<=', f.until);
    for (const key of Object.keys(f)) {
      if (key.length !== 2 || key[0] !== '#') continue;
      const wanted = f[key as `#${string}`];
      if (!wanted) continue;
      if (wanted.length === 0) return [];
      const name = key[1] as string;
      q = q.where(
        sql<boolean>`exists (select 1 from json_each(events.tags) as t where json_extract(t.value, '$[0]') = ${name} and json_extract(t.value, '$[1]') in (${sql.join(wanted)}))`,
      );
    }
    q = q.orderBy('created_at', 'desc').orderBy('id', 'asc');
    if (f.limit !== undefined) q = q.limit(Math.max(0, Math.floor(f.limit)));
    return (await q.execute()).map(toEvent);
  }
}
