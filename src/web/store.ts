/**
 * `WebStore`: the persisted social web (migrations/2026-12-03-01-web.ts). It owns that SQL. Follow
 * links and relay lists are rows, so neither a sync nor a route holds the web's events as JSON in
 * memory; only the rare kinds (catalogs, offers, attestations) keep their verified event JSON,
 * parsed again where they are used. Newest version per author (or address) wins; NIP-09
 * deletions of addresses leave a tombstone so an older copy from a lagging relay stays deleted.
 * Events come verified (the transport's contract); malformed ones from other people are counted
 * and skipped, never fatal.
 */
import type { Database, Statement } from 'better-sqlite3';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { parseAddress } from '../events/address.ts';
import { parseAttestationEvent } from '../events/attestation.ts';
import { parseCatalogEvent } from '../events/catalog.ts';
import { parseFollowsEvent } from '../events/follows.ts';
import { Kind } from '../events/kinds.ts';
import { parseMetadataEvent } from '../events/metadata.ts';
import { parseRelayListEvent } from '../events/relay-list.ts';
import type { NostrEvent } from '../events/types.ts';
import { dTag as dTagOf, kindClass } from '../events/types.ts';
import type { HeldId } from '../relays/nip77.ts';
import type { Store } from '../store/db.ts';
import type {
  WebEventsTable,
  WebFollowsTable,
  WebHeadsTable,
  WebNamesTable,
  WebRelaysTable,
  WebTombstonesTable,
} from '../store/schema.ts';

/** Kinds kept as one row set per author (newest wins): names, follow lists, relay lists. */
export const HEAD_KINDS = [Kind.Metadata, Kind.Follows, Kind.RelayList] as const;
/** Kinds kept as verified event JSON per address: catalogs, offers, attestations. */
export const EVENT_KINDS = [Kind.Catalog, Kind.Offer, Kind.MintAttestation] as const;

/** What {@link WebStore.ingest} did with a batch. */
export interface IngestResult {
  /** Newer than what was held: stored. */
  applied: number;
  /** Not newer than what was held (or deleted): ignored. */
  stale: number;
  /** Malformed or of a kind the web does not keep: ignored. */
  skipped: number;
}

/** Sizes of the persisted web. */
export interface WebCounts {
  followLists: number;
  links: number;
  relayLists: number;
  names: number;
  catalogs: number;
  offers: number;
  attestations: number;
}

const dTag = (e: NostrEvent): string => e.tags.find((t) => t[0] === 'd')?.[1] ?? '';

/** The persisted web over an open otp2p database. */
export class WebStore {
  readonly #raw: Database;
  readonly #s: {
    head: Statement<[string, number], Pick<WebHeadsTable, 'created_at' | 'asked_at'>>;
    putHead: Statement<[string, number, number, number]>;
    ask: Statement<[string, number, number]>;
    delFollows: Statement<[string]>;
    addFollow: Statement<[string, string, string | null]>;
    petname: Statement<[string, string], Pick<WebFollowsTable, 'petname'>>;
    follows: Statement<[string], string>;
    followers: Statement<[string], string>;
    followsOfAll: Statement<[string], string>;
    delRelays: Statement<[string]>;
    addRelay: Statement<[string, string, WebRelaysTable['use']]>;
    relays: Statement<[string], Pick<WebRelaysTable, 'relay' | 'use'>>;
    putName: Statement<[string, string]>;
    name: Statement<[string], Pick<WebNamesTable, 'name'>>;
    event: Statement<[number, string, string], Pick<WebEventsTable, 'created_at'>>;
    putEvent: Statement<[string, number, string, number, string]>;
    tomb: Statement<[number, string, string], Pick<WebTombstonesTable, 'deleted_at'>>;
    putTomb: Statement<[string, number, string, number]>;
    delEvent: Statement<[number, string, string, number]>;
    byKind: Statement<[number], Pick<WebEventsTable, 'event_json'>>;
    byKindD: Statement<[number, string], Pick<WebEventsTable, 'event_json'>>;
  };

  constructor(store: Store) {
    this.#raw = store.raw;
    const p = <A extends unknown[], R = unknown>(sql: string): Statement<A, R> =>
      this.#raw.prepare(sql) as unknown as Statement<A, R>;
    this.#s = {
      head: p('SELECT created_at, asked_at FROM web_heads WHERE pubkey = ? AND kind = ?'),
      putHead: p(
        'INSERT INTO web_heads (pubkey, kind, created_at, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (pubkey, kind) DO UPDATE SET created_at = excluded.created_at, bytes = excluded.bytes',
      ),
      ask: p(
        'INSERT INTO web_heads (pubkey, kind, created_at, bytes, asked_at) VALUES (?, ?, 0, 0, ?) ON CONFLICT (pubkey, kind) DO UPDATE SET asked_at = MAX(COALESCE(asked_at, 0), excluded.asked_at)',
      ),
      delFollows: p('DELETE FROM web_follows WHERE follower = ?'),
      addFollow: p('INSERT OR IGNORE INTO web_follows (follower, followee, petname) VALUES (?, ?, ?)'),
      petname: p('SELECT petname FROM web_follows WHERE follower = ? AND followee = ?'),
      // Plucked: a row is its one string, not an object (a search reads millions of links).
      follows: p<[string], string>('SELECT followee FROM web_follows WHERE follower = ?').pluck(),
      followers: p<[string], string>('SELECT follower FROM web_follows WHERE followee = ?').pluck(),
      // Everyone a set of followers (a JSON array) follows, each once: one search level in one call.
      followsOfAll: p<[string], string>(
        'SELECT DISTINCT followee FROM web_follows WHERE follower IN (SELECT value FROM json_each(?))',
      ).pluck(),
      delRelays: p('DELETE FROM web_relays WHERE pubkey = ?'),
      addRelay: p('INSERT OR REPLACE INTO web_relays (pubkey, relay, use) VALUES (?, ?, ?)'),
      relays: p('SELECT relay, use FROM web_relays WHERE pubkey = ? ORDER BY relay'),
      putName: p('INSERT OR REPLACE INTO web_names (pubkey, name) VALUES (?, ?)'),
      name: p('SELECT name FROM web_names WHERE pubkey = ?'),
      event: p('SELECT created_at FROM web_events WHERE kind = ? AND pubkey = ? AND d = ?'),
      putEvent: p('INSERT OR REPLACE INTO web_events (pubkey, kind, d, created_at, event_json) VALUES (?, ?, ?, ?, ?)'),
      tomb: p('SELECT deleted_at FROM web_tombstones WHERE kind = ? AND pubkey = ? AND d = ?'),
      putTomb: p(
        'INSERT INTO web_tombstones (pubkey, kind, d, deleted_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, pubkey, d) DO UPDATE SET deleted_at = MAX(deleted_at, excluded.deleted_at)',
      ),
      delEvent: p('DELETE FROM web_events WHERE kind = ? AND pubkey = ? AND d = ? AND created_at <= ?'),
      byKind: p('SELECT event_json FROM web_events WHERE kind = ?'),
      byKindD: p('SELECT event_json FROM web_events WHERE kind = ? AND d = ?'),
    };
  }

  /**
   * Store a batch of verified events, newest per author or address, and record the id of every
   * one of them (see {@link idsOf}), in one transaction.
   * @throws OtP2pError `db-error` when the write fails (nothing of the batch is kept).
   */
  ingest(events: readonly NostrEvent[]): IngestResult {
    const r: IngestResult = { applied: 0, stale: 0, skipped: 0 };
    if (events.length === 0) return r;
    const ids = this.#idStatements();
    try {
      this.#raw.transaction(() => {
        for (const e of events) {
          this.#noteId(ids, e);
          try {
            const outcome = this.#one(e);
            r[outcome]++;
          } catch (err) {
            if (!isOtP2pError(err)) throw err;
            r.skipped++;
          }
        }
      })();
    } catch (cause) {
      if (isOtP2pError(cause)) throw cause;
      throw new OtP2pError('db-error', 'cannot store the web events', { cause });
    }
    return r;
  }

  #one(e: NostrEvent): keyof IngestResult {
    if ((HEAD_KINDS as readonly number[]).includes(e.kind)) {
      const cur = this.#s.head.get(e.pubkey, e.kind);
      if (cur && cur.created_at >= e.created_at) return 'stale';
      if (e.kind === Kind.Follows) {
        const list = parseFollowsEvent(e);
        this.#s.delFollows.run(e.pubkey);
        for (const f of list.follows)
          if (f.pubkey !== e.pubkey) this.#s.addFollow.run(e.pubkey, f.pubkey, f.petname?.slice(0, 100) ?? null);
      } else if (e.kind === Kind.RelayList) {
        const list = parseRelayListEvent(e);
        this.#s.delRelays.run(e.pubkey);
        for (const x of list.relays)
          this.#s.addRelay.run(e.pubkey, x.url, x.read && x.write ? 'both' : x.write ? 'write' : 'read');
      } else {
        const m = parseMetadataEvent(e);
        // The name people chose to be shown by comes first (NIP-24), as in events/names.ts.
        const name = m.display_name?.trim() ? m.display_name : m.name;
        if (name !== undefined) this.#s.putName.run(e.pubkey, name.slice(0, 100));
      }
      this.#s.putHead.run(e.pubkey, e.kind, e.created_at, e.content.length + JSON.stringify(e.tags).length);
      return 'applied';
    }
    if (e.kind === Kind.Deletion) return this.#deletion(e);
    if (!(EVENT_KINDS as readonly number[]).includes(e.kind)) return 'skipped';
    if (e.kind === Kind.Catalog) parseCatalogEvent(e);
    else if (e.kind === Kind.MintAttestation) parseAttestationEvent(e);
    else if (!e.tags.some((t) => t[0] === 'd' && typeof t[1] === 'string')) return 'skipped';
    const d = e.kind === Kind.Catalog ? '' : dTag(e);
    const tomb = this.#s.tomb.get(e.kind, e.pubkey, d);
    if (tomb && tomb.deleted_at >= e.created_at) return 'stale';
    const cur = this.#s.event.get(e.kind, e.pubkey, d);
    if (cur && cur.created_at >= e.created_at) return 'stale';
    this.#s.putEvent.run(e.pubkey, e.kind, d, e.created_at, JSON.stringify(e));
    return 'applied';
  }

  /** NIP-09 by address: only the author's own addresses of the kinds kept here. */
  #deletion(e: NostrEvent): keyof IngestResult {
    let hit = false;
    for (const t of e.tags) {
      if (t[0] !== 'a' || typeof t[1] !== 'string') continue;
      let a: ReturnType<typeof parseAddress>;
      try {
        a = parseAddress(t[1], 'a');
      } catch {
        continue;
      }
      if (a.pubkey !== e.pubkey || !(EVENT_KINDS as readonly number[]).includes(a.kind)) continue;
      this.#s.putTomb.run(a.pubkey, a.kind, a.d, e.created_at);
      this.#s.delEvent.run(a.kind, a.pubkey, a.d, e.created_at);
      hit = true;
    }
    return hit ? 'applied' : 'skipped';
  }

  /**
   * Record that every relay asked for `kind` of these authors answered in full at `at`: a later
   * sync asks them only for newer versions. Authors with nothing stored get a head at 0.
   * @throws OtP2pError `db-error` when the write fails.
   */
  markAsked(pubkeys: readonly string[], kind: number, at: number): void {
    try {
      this.#raw.transaction(() => {
        for (const pk of pubkeys) this.#s.ask.run(pk, kind, at);
      })();
    } catch (cause) {
      throw new OtP2pError('db-error', 'cannot record the web sync marks', { cause });
    }
  }

  /** When `kind` of `pubkey` was last answered in full (unix seconds), or undefined. */
  askedAt(pubkey: string, kind: number): number | undefined {
    return this.#s.head.get(pubkey, kind)?.asked_at ?? undefined;
  }

  /** created_at of the newest `kind` event held for `pubkey` (0 when asked and none found). */
  headOf(pubkey: string, kind: number): number | undefined {
    return this.#s.head.get(pubkey, kind)?.created_at;
  }

  /** Keys `pubkey` follows, per its newest follow list held (empty when none). */
  followsOf(pubkey: string): string[] {
    return this.#s.follows.all(pubkey);
  }

  /** Authors whose held follow list names `pubkey`. */
  followersOf(pubkey: string): string[] {
    return this.#s.followers.all(pubkey);
  }

  /** The relays `pubkey` writes to (NIP-65 `write` or unmarked), sorted; empty when unknown. */
  writeRelaysOf(pubkey: string): string[] {
    return this.#s.relays
      .all(pubkey)
      .filter((r) => r.use !== 'read')
      .map((r) => r.relay);
  }

  /** `follower`'s petname for `followee` in its newest follow list held, as published (not sanitized). */
  petnameOf(follower: string, followee: string): string | undefined {
    return this.#s.petname.get(follower, followee)?.petname ?? undefined;
  }

  /** The kind-0 `display_name` (or `name`) of `pubkey`, as published (not sanitized). */
  nameOf(pubkey: string): string | undefined {
    return this.#s.name.get(pubkey)?.name;
  }

  /**
   * Follow distance from `self` of every key reachable in at most `radius` steps over the held
   * follow links (`self` excluded). Links not held make a distance longer, never shorter: a key
   * is listed only when a chain of held, signed follow lists proves it.
   */
  distances(self: string, radius: number): Map<string, number> {
    const out = new Map<string, number>();
    let frontier = [self];
    const seen = new Set([self]);
    // One query per level, not one per key: at 10^5 keys a level has tens of thousands of keys.
    for (let d = 1; d <= radius && frontier.length > 0; d++) {
      const next: string[] = [];
      for (const f of this.#s.followsOfAll.all(JSON.stringify(frontier))) {
        if (seen.has(f)) continue;
        seen.add(f);
        out.set(f, d);
        next.push(f);
      }
      frontier = next;
    }
    return out;
  }

  /** Every held event of a kept kind (catalogs, offers, attestations): rare kinds only. */
  eventsOfKind(kind: (typeof EVENT_KINDS)[number]): NostrEvent[] {
    return this.#s.byKind.all(kind).map((r) => JSON.parse(r.event_json) as NostrEvent);
  }

  /** Authors holding at least one event of a kept kind. */
  authorsOfKind(kind: (typeof EVENT_KINDS)[number]): string[] {
    return (
      this.#raw.prepare('SELECT DISTINCT pubkey FROM web_events WHERE kind = ?').all(kind) as { pubkey: string }[]
    ).map((r) => r.pubkey);
  }

  /** Held attestations for these `d` values (any author; the caller weighs them by the web). */
  attestationsFor(ds: readonly string[]): NostrEvent[] {
    return ds.flatMap((d) =>
      this.#s.byKindD.all(Kind.MintAttestation, d).map((r) => JSON.parse(r.event_json) as NostrEvent),
    );
  }

  /** Sizes of the persisted web. */
  counts(): WebCounts {
    const n = (sql: string): number => (this.#raw.prepare(sql).get() as { n: number }).n;
    return {
      followLists: n(`SELECT COUNT(*) AS n FROM web_heads WHERE kind = ${Kind.Follows} AND created_at > 0`),
      links: n('SELECT COUNT(*) AS n FROM web_follows'),
      relayLists: n(`SELECT COUNT(*) AS n FROM web_heads WHERE kind = ${Kind.RelayList} AND created_at > 0`),
      names: n('SELECT COUNT(*) AS n FROM web_names'),
      catalogs: n(`SELECT COUNT(*) AS n FROM web_events WHERE kind = ${Kind.Catalog}`),
      offers: n(`SELECT COUNT(*) AS n FROM web_events WHERE kind = ${Kind.Offer}`),
      attestations: n(`SELECT COUNT(*) AS n FROM web_events WHERE kind = ${Kind.MintAttestation}`),
    };
  }

  /**
   * Relays named as write relays (`write` or unmarked) in the held relay lists, most written to
   * first (ties by URL), with how many held keys write there: where kind-wide scans look.
   */
  writeRelayRanking(): { relay: string; writers: number }[] {
    return this.#raw
      .prepare(
        "SELECT relay, COUNT(*) AS writers FROM web_relays WHERE use != 'read' GROUP BY relay ORDER BY writers DESC, relay",
      )
      .all() as { relay: string; writers: number }[];
  }

  #ids: IdStatements | undefined;

  /**
   * Record the id of a received event (NIP-77 reconciliation, migrations/2026-12-03-05-web-ids.ts):
   * the newest per author, kind and address (`d`: '' for replaceable kinds, the `d` tag for
   * addressable ones, the id for regular ones). Every verified event a sync receives counts, kept
   * or not (stale, deleted, malformed): it was seen, so a reconciliation does not ask for it again.
   */
  #noteId(s: IdStatements, e: NostrEvent): void {
    const cls = kindClass(e.kind);
    if (cls === 'ephemeral') return;
    const d = cls === 'replaceable' ? '' : cls === 'addressable' ? dTagOf(e) : e.id;
    s.put.run(e.pubkey, e.kind, d, e.id, e.created_at);
  }

  /** The ids (with created_at) held for `kinds` of `authors` (NIP-77: what a relay is reconciled against). */
  idsOf(authors: readonly string[], kinds: readonly number[]): HeldId[] {
    if (authors.length === 0 || kinds.length === 0) return [];
    return this.#idStatements().of.all(JSON.stringify(authors), JSON.stringify(kinds));
  }

  #idStatements(): IdStatements {
    this.#ids ??= {
      put: this.#raw.prepare(
        'INSERT INTO web_ids (pubkey, kind, d, id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (pubkey, kind, d) DO UPDATE SET id = excluded.id, created_at = excluded.created_at WHERE excluded.created_at > web_ids.created_at',
      ) as unknown as Statement<[string, number, string, string, number]>,
      of: this.#raw.prepare(
        'SELECT id, created_at FROM web_ids WHERE pubkey IN (SELECT value FROM json_each(?)) AND kind IN (SELECT value FROM json_each(?))',
      ) as unknown as Statement<[string, string], HeldId>,
    };
    return this.#ids;
  }
}

/** The prepared statements of the ids {@link WebStore.ingest} records and {@link WebStore.idsOf} reads. */
interface IdStatements {
  put: Statement<[string, number, string, string, number]>;
  of: Statement<[string, string], HeldId>;
}
