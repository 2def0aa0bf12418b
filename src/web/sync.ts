/**
 * The web sync engine (issue 17; design in docs/architecture.md, "Syncing the web at network
 * scale"). Pure logic: the only I/O is the injected {@link QueryPort} (one REQ to one relay), the
 * {@link WebStore} (SQLite) and the cursors. Public API, kept stable for the benchmark:
 *
 *   const report = await syncWeb({ query, store, cursors, self, relays, radius, clock, ... });
 *
 * - `query(relay, filters) => Promise<{ events, complete, reason? }>`: one REQ; `complete` means EOSE.
 * - `store`: a {@link WebStore} over an open database; everything fetched lands there at once, so
 *   memory holds one page of events at a time, never the web.
 * - `cursors`: a {@link CursorStorage} (`CursorStore` in the library, any map in a model) for the
 *   `since` of kind-wide scans per relay.
 * - The report: REQs sent, bytes received (event JSON), pages, the gaps per relay, whether the
 *   budget ran out, and which publishers or payees are not proven within the radius.
 *
 * Order of work (design and trade-offs in docs/architecture.md):
 * (0) warm: every author whose relay list is already held (the payer, payees, the outward ring,
 *     offer publishers) is asked `since` its last full answer, relay list and other kinds in one
 *     REQ per relay, while the scans of every known relay run beside it: one round;
 * (1) the payer and the `extra` keys (payees) not held yet: relay lists from the configured
 *     relays, then names, follows, catalogs, offers and deletions from each one's NIP-65 write
 *     relays (the outbox model); (2) outward to `forwardDepth`, the same for each ring;
 * (3) discovery: offers and their deletions, kind-wide, on every relay named as a write relay by
 *     the held relay lists (most written to first, capped), paginated;
 * (4) the offer publishers: relay list and follow list of each, from one relay it writes
 *     to (its follow list is the link between consecutive hops of a route, and most of the
 *     proof that it is within the radius); relays their lists name are scanned in turn;
 * (5) backward, within its own byte budget: for each publisher or payee still not proven within
 *     `radius`, one or two follow lists that name it, a small batch at a time, re-checking what
 *     the lists already fetched prove before the next batch.
 * Follow lists and names (the heavy kinds) are asked from one write relay per author, the other
 * kinds from up to `writeRelaysPerAuthor`. What the budget leaves unproven is reported and, by
 * the callers, not routed through.
 */
import type { Clock } from '../core/clock.ts';
import type { Filter } from '../events/filter.ts';
import { matchFilter } from '../events/filter.ts';
import { Kind } from '../events/kinds.ts';
import type { CursorStorage } from '../store/cursors.ts';
import { chunks, mapLimit } from '../core/batches.ts';
import type { QueryAnswer, QueryPort } from './port.ts';
import type { SyncPhase, SyncProgress, WebSyncReport } from './report.ts';
import type { WebStore } from './store.ts';

/** Options of {@link syncWeb}. */
export interface WebSyncOptions {
  query: QueryPort;
  store: WebStore;
  cursors: CursorStorage;
  clock: Clock;
  /** The payer (hex pubkey): the root of the radius. */
  self: string;
  /** The configured read relays: where relay lists are looked up, scans run, and the fallback. */
  relays: readonly string[];
  /** The routing radius in follow steps (config `maxDegree`). */
  radius: number;
  /** Follow steps fetched outward from the payer (default 2: the mint `trustDepth`). */
  forwardDepth?: number;
  /**
   * Discover offers and read what routes need (scans, offer publishers, backward proofs); default
   * true. False for a mint check, which needs only the web to `forwardDepth`.
   */
  discover?: boolean;
  /** Keys outside the web to read too (a payee). */
  extra?: readonly string[];
  /** Stop the optional work (outward beyond the first step, publishers, backward) past these. */
  budget?: { bytes?: number; ms?: number };
  /** Bytes the backward phase may receive at most (default 2 MB), within what `budget` leaves. */
  backwardBytes?: number;
  /** REQs in flight at once (default 16). */
  concurrency?: number;
  /** `limit` asked per filter (default 500; lowered to a relay's NIP-11 `max_limit`). */
  pageLimit?: number;
  /** A relay's NIP-11 `max_limit`, when known. */
  limitOf?: (relay: string) => number | undefined | Promise<number | undefined>;
  /** Follow lists asked per unproven target and relay going backward (default 2). */
  followersPerTarget?: number;
  /** Relays asked in turn for the followers of a target still unproven (default 3). */
  backwardRelays?: number;
  /** Write relays read per author (default 3). */
  writeRelaysPerAuthor?: number;
  /** Relays scanned for offers at most, the configured ones first (default 32). */
  scanRelays?: number;
  /** Authors per filter (default 500). */
  authorsPerFilter?: number;
  /** Overlap of `since` for events relays store late (default 60 s). */
  slackSeconds?: number;
  /** Retries of a REQ that was not answered in full (default 1). */
  retries?: number;
  onProgress?: (p: SyncProgress) => void;
}

/** Kinds read for each author near the payer. */
const AUTHOR_KINDS = [Kind.Metadata, Kind.Follows, Kind.Catalog, Kind.Offer, Kind.Deletion];
/**
 * Kinds read for each offer publisher, from one relay: its follow list (the links between
 * consecutive hops, and the proof of who it follows) and its relay list (where to ask next
 * time). Its offers come from the scans; its catalog only matters when it is the payee, and a
 * route reads the payee (0.85 MB of catalogs at 10^5 keys that no route would read).
 */
const PUBLISHER_KINDS = [Kind.Follows, Kind.RelayList];
/** The heavy kinds: asked from one write relay per author, not from each (names are one copy too). */
const HEAVY_KINDS: readonly number[] = [Kind.Follows, Kind.Metadata];
/** Authors per REQ of optional work, so the budget is checked every few hundred kB. */
const OPTIONAL_AUTHORS_PER_REQ = 100;
/** Default of {@link WebSyncOptions.backwardBytes}. */
const DEFAULT_BACKWARD_BYTES = 2_000_000;
/** Kinds whose `since` is tracked per author (`WebStore.markAsked`). */
const MARKED_KINDS = [Kind.Metadata, Kind.Follows, Kind.RelayList];
/** The cursor key of the kind-wide scan on a relay. */
export const SCAN_CURSOR = 'web-scan';
/** Bytes one sync may receive before it stops and answers conservatively (the cold-start target). */
export const DEFAULT_WEB_BUDGET_BYTES = 25_000_000;
/** The cursor key prefix of the backward query for one target on a relay. */
export const FOLLOWERS_CURSOR = 'web-followers:';
/** Filters per REQ when asking followers of many targets (relays cap filters per REQ, often at 10). */
const FILTERS_PER_REQ = 10;
/** Kinds whose relays are remembered per author while a sync runs (where to find its other kinds). */
const SEEN_KINDS: readonly number[] = [Kind.Offer, Kind.Catalog];

/** A REQ the relay never answered (no EOSE, no CLOSED) within the timeout, or could not be reached. */
const isSilence = (a: QueryAnswer): boolean => /^(no-answer|unreachable)/.test(a.reason ?? 'no-answer');

/**
 * Sync the web of `self` into `store`. Never rejects for a relay: what a relay did not answer is
 * a gap in the report. Rejects only when the store cannot be written (`db-error`).
 * @throws OtP2pError `db-error` from the store or the cursors.
 */
export async function syncWeb(o: WebSyncOptions): Promise<WebSyncReport> {
  return new WebSync(o).run();
}

class WebSync {
  readonly #o: WebSyncOptions;
  readonly #start: number;
  readonly #now: number;
  readonly #slack: number;
  readonly #report: WebSyncReport = {
    reqs: 0,
    bytes: 0,
    events: 0,
    gaps: [],
    budgetExhausted: false,
    unproven: [],
    webSize: 0,
    reconciled: 0,
  };
  readonly #limits = new Map<string, number>();
  /** Relays that let a REQ time out in this sync. */
  readonly #silent = new Set<string>();
  /** Relays that left a gap in this sync: a fallback asks the author's other relays. */
  readonly #gapped = new Set<string>();
  /** Authors read (their kinds asked) in this sync. */
  readonly #read = new Set<string>();
  /** Relays scanned (or being scanned) in this sync. */
  readonly #scanned = new Set<string>();
  /** Relays an offer or catalog of an author arrived from in this sync (rare authors only). */
  readonly #seenAt = new Map<string, string[]>();
  #phase: SyncPhase = 'self';
  #done = 0;
  #total = 0;

  constructor(o: WebSyncOptions) {
    this.#o = o;
    this.#start = o.clock.now();
    this.#now = Math.floor(this.#start / 1000);
    this.#slack = o.slackSeconds ?? 60;
  }

  async run(): Promise<WebSyncReport> {
    const o = this.#o;
    const forward = Math.max(1, Math.min(o.forwardDepth ?? 2, o.radius));
    const roots = [...new Set([o.self, ...(o.extra ?? [])])];
    this.#begin('self', 0);
    const discover = o.discover ?? true;
    // Scans of the relays already known start at once; they depend on nothing read below.
    const scans: Promise<void>[] = discover ? [this.#scanNew()] : [];
    // Warm: authors whose relay list is held are asked, relay list included, in one round.
    const held = (a: string): boolean => o.store.askedAt(a, Kind.RelayList) !== undefined;
    const near = [...roots];
    if (forward > 1) for (const k of o.store.distances(o.self, forward - 1).keys()) near.push(k);
    const nearHeld = [...new Set(near)].filter(held);
    const nearSet = new Set(nearHeld);
    const pubsHeld = discover ? this.#publishers().filter((a) => held(a) && !nearSet.has(a)) : [];
    await Promise.all([this.#readNear(nearHeld, true), this.#readPublishers(pubsHeld)]);
    await this.#readNear(
      roots.filter((a) => !this.#read.has(a)),
      false,
    );
    this.#begin('forward', 0);
    for (let d = 1; d < forward; d++) {
      if (this.#overBudget()) break;
      const dist = o.store.distances(o.self, d);
      const ring: string[] = [];
      for (const [k, x] of dist) if (x === d && !this.#read.has(k)) ring.push(k);
      await this.#readNear(ring, false);
    }
    if (discover) await this.#discover(scans, forward);
    const dist = o.store.distances(o.self, o.radius);
    this.#report.webSize = dist.size;
    this.#report.unproven = this.#targets().filter((t) => !dist.has(t));
    o.cursors.flush();
    return this.#report;
  }

  /** Phases 3 to 5: the scans, the offer publishers, the backward proofs. */
  async #discover(scans: Promise<void>[], forward: number): Promise<void> {
    this.#begin('discover', 0);
    scans.push(this.#scanNew());
    await Promise.all(scans);
    this.#begin('publishers', 0);
    // Publishers' relay lists may name relays no one nearer writes to: scan those, read whom they add.
    for (let round = 0; round < 3; round++) {
      const todo = this.#publishers().filter((a) => !this.#read.has(a));
      if (todo.length > 0) await this.#readPublishers(todo);
      if (this.#overBudget()) break;
      const before = this.#scanned.size;
      await this.#scanNew();
      if (this.#scanned.size === before) break;
    }
    this.#begin('backward', 0);
    await this.#backward(forward);
  }

  #begin(phase: SyncPhase, total: number): void {
    this.#phase = phase;
    this.#done = 0;
    this.#total = total;
    this.#progress();
  }

  #progress(): void {
    const { reqs, bytes } = this.#report;
    this.#o.onProgress?.({ phase: this.#phase, done: this.#done, total: this.#total, reqs, bytes });
  }

  #overBudget(): boolean {
    const b = this.#o.budget;
    const over =
      (b?.bytes !== undefined && this.#report.bytes >= b.bytes) ||
      (b?.ms !== undefined && this.#o.clock.now() - this.#start >= b.ms);
    if (over) this.#exhausted();
    return over;
  }

  #exhausted(): void {
    if (this.#report.budgetExhausted) return;
    this.#report.budgetExhausted = true;
    this.#report.gaps.push({ relay: '', what: this.#phase, reason: 'budget' });
  }

  async #limit(relay: string): Promise<number> {
    let l = this.#limits.get(relay);
    if (l === undefined) {
      const page = this.#o.pageLimit ?? 500;
      const max = await this.#o.limitOf?.(relay);
      l = max !== undefined && max > 0 ? Math.min(page, max) : page;
      this.#limits.set(relay, l);
    }
    return l;
  }

  #gap(relay: string, what: string, reason: string): void {
    this.#report.gaps.push({ relay, what, reason });
    this.#gapped.add(relay);
  }

  /**
   * One logical query to one relay, paginated: a filter that came back with `limit` events is
   * asked again with `until` = the oldest seen, until a page is short. Each page is stored before
   * the next is asked. An incomplete answer is retried (bounded), then reported.
   * Returns whether every page was answered in full.
   */
  async #paged(relay: string, what: string, filters: Filter[]): Promise<boolean> {
    // The relay's cap is looked up after the first answer, not before: the first REQ does not wait
    // for NIP-11, and a page counts as full when it reaches the lower of its limit and the cap.
    const first = this.#limits.get(relay) ?? this.#o.pageLimit ?? 500;
    let round: Filter[] = filters.map((f) => ({ ...f, limit: Math.min(f.limit ?? first, first) }));
    const seen = new Set<string>();
    while (round.length > 0) {
      const answer = await this.#askOnce(relay, round);
      if (!answer.complete) {
        this.#gap(relay, what, answer.reason ?? 'no-answer');
        return false;
      }
      const cap = await this.#limit(relay);
      const next: Filter[] = [];
      for (const f0 of round) {
        const f = { ...f0, limit: Math.min(f0.limit!, cap) };
        let n = 0;
        let fresh = 0;
        let oldest = Number.POSITIVE_INFINITY;
        for (const e of answer.events) {
          if (!matchFilter(f, e)) continue;
          n++;
          if (e.created_at < oldest) oldest = e.created_at;
          if (!seen.has(e.id)) fresh++;
        }
        if (n < f.limit!) continue;
        if (fresh === 0) {
          // A full page of events already seen: more events share one second than a page holds.
          this.#gap(relay, what, 'page-stuck');
          return false;
        }
        next.push({ ...f, until: oldest });
      }
      for (const e of answer.events) seen.add(e.id);
      round = next;
    }
    return true;
  }

  async #ask(relay: string, filters: Filter[]): Promise<QueryAnswer> {
    this.#report.reqs++;
    const a = await this.#o.query(relay, filters);
    let bytes = 0;
    for (const e of a.events) {
      bytes += JSON.stringify(e).length;
      if (SEEN_KINDS.includes(e.kind)) {
        const at = this.#seenAt.get(e.pubkey);
        if (!at) this.#seenAt.set(e.pubkey, [relay]);
        else if (!at.includes(relay)) at.push(relay);
      }
    }
    this.#report.bytes += bytes;
    this.#report.events += a.events.length;
    this.#o.store.ingest(a.events);
    this.#done++;
    this.#progress();
    return a;
  }

  /** The write relays of `a` read per author (held relay list), or `fallback` when it lists none. */
  #writeRelays(a: string, fallback: readonly string[]): string[] {
    const w = this.#o.store.writeRelaysOf(a).slice(0, this.#o.writeRelaysPerAuthor ?? 3);
    return w.length > 0 ? w : [...fallback];
  }

  /**
   * The outbox model for the payer, payees and the outward rings: relay lists first (configured
   * relays and any write relays already known) unless `listHeld`, then their other kinds from
   * their write relays (with the relay list when `listHeld`), one REQ per relay for all the
   * authors it serves. An author whose kinds were all answered in full is marked, so the next
   * sync asks it only for newer events.
   */
  async #readNear(authors: readonly string[], listHeld: boolean): Promise<void> {
    if (authors.length === 0) return;
    const o = this.#o;
    for (const a of authors) this.#read.add(a);
    let ok10002: string[] = [];
    if (!listHeld) {
      const lists = await this.#fanOut(authors, [Kind.RelayList], (a) => [
        ...new Set([...o.relays, ...o.store.writeRelaysOf(a).slice(0, o.writeRelaysPerAuthor ?? 3)]),
      ]);
      ok10002 = authors.filter((a) => lists.has(a));
      // Not on the configured relays: a relay list lives on its author's own relays, so the
      // other relays the held lists name are asked too (relay lists are small; one REQ each).
      const missing = authors.filter((a) => o.store.writeRelaysOf(a).length === 0);
      const elsewhere = this.#knownRelays().filter((r) => !o.relays.includes(r));
      if (missing.length > 0 && elsewhere.length > 0) await this.#fanOut(missing, [Kind.RelayList], () => elsewhere);
    }
    const kinds = listHeld ? [...AUTHOR_KINDS, Kind.RelayList] : AUTHOR_KINDS;
    const rest = await this.#withFallback(authors, kinds, (a) => this.#writeRelays(a, o.relays), false);
    const okRest = authors.filter((a) => rest.has(a));
    o.store.markAsked(listHeld ? okRest : ok10002, Kind.RelayList, this.#now);
    for (const k of MARKED_KINDS) if (k !== Kind.RelayList) o.store.markAsked(okRest, k, this.#now);
  }

  /**
   * The offer publishers: relay list and follow list, from one relay each (its held
   * write relays, else the relays its offers came from), within the budget.
   */
  async #readPublishers(authors: readonly string[]): Promise<void> {
    if (authors.length === 0) return;
    const o = this.#o;
    for (const a of authors) this.#read.add(a);
    const relaysOf = (a: string): string[] => this.#writeRelays(a, this.#seenAt.get(a) ?? o.relays);
    const ok = [...(await this.#withFallback(authors, PUBLISHER_KINDS, relaysOf, true, true))];
    for (const k of [Kind.Follows, Kind.RelayList]) o.store.markAsked(ok, k, this.#now);
  }

  /** {@link #fanOut}, then once more for the authors left without a full answer, on their relays that left no gap. */
  async #withFallback(
    authors: readonly string[],
    kinds: readonly number[],
    relaysOf: (author: string) => string[],
    optional: boolean,
    once = false,
  ): Promise<Set<string>> {
    const ok = await this.#fanOut(authors, kinds, relaysOf, optional, once);
    const failed = authors.filter((a) => !ok.has(a));
    if (failed.length === 0 || (optional && this.#overBudget())) return ok;
    const again = await this.#fanOut(
      failed,
      kinds,
      (a) => relaysOf(a).filter((r) => !this.#gapped.has(r)),
      optional,
      once,
    );
    for (const a of again) ok.add(a);
    return ok;
  }

  /**
   * Ask each author's relays (per `relaysOf`) for `kinds`, grouped per relay, many relays at once.
   * The heavy kinds (follow lists; every kind when `once`) are asked from one of an author's
   * relays only, the one with the fewest authors so far (the load spread over the relays), the
   * other kinds from each.
   * Authors already answered in full before are asked only `since` then (less the slack).
   * Optional work stops at the budget. Returns the authors every one of whose relays answered in full.
   */
  async #fanOut(
    authors: readonly string[],
    kinds: readonly number[],
    relaysOf: (author: string) => string[],
    optional = false,
    once = false,
  ): Promise<Set<string>> {
    const o = this.#o;
    const light = once ? [] : kinds.filter((k) => !HEAVY_KINDS.includes(k));
    const byRelay = new Map<string, { all: string[]; light: string[] }>();
    const slot = (r: string): { all: string[]; light: string[] } => {
      let s = byRelay.get(r);
      if (!s) byRelay.set(r, (s = { all: [], light: [] }));
      return s;
    };
    const failed = new Set<string>();
    for (const a of authors) {
      const rs = relaysOf(a);
      if (rs.length === 0) {
        failed.add(a);
        continue;
      }
      if (light.length === kinds.length) {
        for (const r of rs) slot(r).all.push(a);
        continue;
      }
      let primary = rs[0]!;
      for (const r of rs) if (slot(r).all.length < slot(primary).all.length) primary = r;
      slot(primary).all.push(a);
      if (light.length > 0) for (const r of rs) if (r !== primary) slot(r).light.push(a);
    }
    const marked = kinds.filter((k) => (MARKED_KINDS as number[]).includes(k));
    const per = optional ? OPTIONAL_AUTHORS_PER_REQ : (o.authorsPerFilter ?? 500);
    const jobs: { relay: string; all: string[]; light: string[] }[] = [];
    for (const [relay, s] of byRelay) {
      const n = Math.max(1, Math.ceil(s.all.length / per), Math.ceil(s.light.length / (o.authorsPerFilter ?? 500)));
      const all = chunks(s.all, Math.ceil(s.all.length / n) || 1);
      const lt = chunks(s.light, Math.ceil(s.light.length / n) || 1);
      for (let i = 0; i < n; i++) jobs.push({ relay, all: all[i] ?? [], light: lt[i] ?? [] });
    }
    this.#total += jobs.length;
    await mapLimit(jobs, o.concurrency ?? 16, async ({ relay, all, light: lt }) => {
      if (optional && this.#overBudget()) {
        for (const a of [...all, ...lt]) failed.add(a);
        return;
      }
      const full = await this.#authorFilters(relay, all, kinds, marked);
      const small = await this.#authorFilters(relay, lt, light, marked);
      const filters = [...full.filters, ...small.filters];
      const ok = filters.length === 0 || (await this.#paged(relay, 'authors', filters));
      if (!ok || full.failed || small.failed) for (const a of [...all, ...lt]) failed.add(a);
    });
    return new Set(authors.filter((a) => !failed.has(a)));
  }

  /**
   * NIP-77 where the relay speaks it: reconcile the ids held for `authors`' `kinds` (all time, so
   * an event a relay stored late with an old `created_at` is found too), then fetch the missing
   * ones by id. `since`: no reconciliation (port without it, relay without NIP-77, NEG-ERR), ask
   * with `since` instead; `failed`: the ids fetch was not answered in full (a gap is reported).
   */
  async #reconcile(relay: string, kinds: readonly number[], authors: string[]): Promise<'done' | 'since' | 'failed'> {
    const reconcile = this.#o.query.reconcile;
    if (!reconcile || this.#silent.has(relay)) return 'since';
    const a = await reconcile(relay, { kinds: [...kinds], authors }, this.#o.store.idsOf(authors, kinds));
    if (a.status !== 'ok') return 'since';
    this.#report.reconciled++;
    const page = this.#limits.get(relay) ?? this.#o.pageLimit ?? 500;
    for (const ids of chunks(a.need, page)) if (!(await this.#paged(relay, 'authors', [{ ids }]))) return 'failed';
    return 'done';
  }

  /**
   * Filters for `kinds` of `authors` on `relay`: known ones reconciled by NIP-77 where the relay
   * speaks it, else asked since the oldest full answer among them; new ones in full. `failed`: the
   * fetch of the ids a reconciliation found missing was not answered in full.
   */
  async #authorFilters(
    relay: string,
    authors: readonly string[],
    kinds: readonly number[],
    marked: readonly number[],
  ): Promise<{ filters: Filter[]; failed: boolean }> {
    if (authors.length === 0 || kinds.length === 0) return { filters: [], failed: false };
    const known: string[] = [];
    const fresh: string[] = [];
    let since = Number.POSITIVE_INFINITY;
    for (const a of authors) {
      const marks = marked.map((k) => this.#o.store.askedAt(a, k));
      if (marks.length > 0 && marks.every((m) => m !== undefined)) {
        known.push(a);
        since = Math.min(since, ...(marks as number[]));
      } else fresh.push(a);
    }
    const filters: Filter[] = [];
    const nip77 = known.length > 0 ? await this.#reconcile(relay, kinds, known) : 'since';
    if (nip77 === 'since' && known.length > 0)
      filters.push({ kinds: [...kinds], authors: known, since: Math.max(0, since - this.#slack) });
    if (fresh.length > 0) filters.push({ kinds: [...kinds], authors: fresh });
    return { filters, failed: nip77 === 'failed' };
  }

  /** The configured relays, then the write relays the held relay lists name, most written to first, capped. */
  #knownRelays(): string[] {
    const o = this.#o;
    const cap = Math.max(o.relays.length, o.scanRelays ?? 32);
    return [...new Set([...o.relays, ...o.store.writeRelayRanking().map((r) => r.relay)])].slice(0, cap);
  }

  /**
   * Offers and offer (or catalog) deletions of everyone, kind-wide, on the relays not scanned yet
   * in this sync among the configured ones and those the held relay lists name as write relays
   * (most written to first), up to `scanRelays` relays.
   */
  async #scanNew(): Promise<void> {
    const o = this.#o;
    const cap = Math.max(o.relays.length, o.scanRelays ?? 32);
    const relays: string[] = [];
    for (const r of this.#knownRelays()) {
      if (this.#scanned.size + relays.length >= cap) break;
      if (!this.#scanned.has(r)) relays.push(r);
    }
    for (const r of relays) this.#scanned.add(r);
    this.#total += relays.length;
    await mapLimit(relays, o.concurrency ?? 16, async (relay) => {
      const mark = o.cursors.load(relay, SCAN_CURSOR);
      const since = mark !== undefined ? { since: Math.max(0, mark - this.#slack) } : {};
      const ok = await this.#paged(relay, 'scan', [
        { kinds: [Kind.Offer], ...since },
        { kinds: [Kind.Deletion], '#k': [String(Kind.Offer), String(Kind.Catalog)], ...since },
      ]);
      if (ok) o.cursors.save(relay, SCAN_CURSOR, this.#now);
    });
  }

  /** Authors of the held offers (self excluded). */
  #publishers(): string[] {
    return this.#o.store.authorsOfKind(Kind.Offer).filter((a) => a !== this.#o.self);
  }

  /** Publishers (catalogs, offers) and payees: the keys whose distance decides a route. */
  #targets(): string[] {
    const o = this.#o;
    const out = new Set<string>(o.extra ?? []);
    for (const kind of [Kind.Catalog, Kind.Offer] as const) for (const pk of o.store.authorsOfKind(kind)) out.add(pk);
    out.delete(o.self);
    return [...out];
  }

  /**
   * Backward from each target not yet proven within the radius: one or two follow lists naming
   * it (`followersPerTarget`), ten targets per REQ, one relay per target at a time (the
   * configured relays, then the most written to, in turn); between batches what the fetched lists
   * prove is relaxed into the distances, so a big list fetched for one target that also names
   * the next is not asked for again. One level further back (followers of those followers)
   * while the levels fit in the radius. Stops at its own byte budget: what is left is unproven.
   */
  async #backward(forward: number): Promise<void> {
    const o = this.#o;
    // One search over the held web for all targets, then kept up to date as lists arrive.
    const dist = o.store.distances(o.self, o.radius);
    const relax = (from: string[]): void => {
      const queue = from.filter((k) => (dist.get(k) ?? Number.POSITIVE_INFINITY) < o.radius);
      for (let i = 0; i < queue.length; i++) {
        const k = queue[i]!;
        const d = dist.get(k)! + 1;
        if (d > o.radius) continue;
        for (const f of o.store.followsOf(k))
          if (f !== o.self && (dist.get(f) ?? Number.POSITIVE_INFINITY) > d) {
            dist.set(f, d);
            queue.push(f);
          }
      }
    };
    const limitBytes = Math.min(
      o.backwardBytes ?? DEFAULT_BACKWARD_BYTES,
      o.budget?.bytes !== undefined ? o.budget.bytes - this.#report.bytes : Number.POSITIVE_INFINITY,
    );
    const stop = this.#report.bytes + Math.max(0, limitBytes);
    const over = (): boolean => {
      if (this.#overBudget()) return true;
      if (this.#report.bytes < stop) return false;
      this.#exhausted();
      return true;
    };
    const relays = this.#knownRelays().slice(0, Math.max(1, o.backwardRelays ?? 3));
    let frontier = this.#targets().filter((t) => !dist.has(t));
    const asked = new Set<string>();
    for (let level = 1; level <= o.radius - forward && frontier.length > 0; level++) {
      const level0 = frontier.filter((t) => !asked.has(t));
      for (const t of level0) asked.add(t);
      const found = new Map<string, string[]>();
      for (let turn = 0; turn < relays.length; turn++) {
        const todo = level0.filter((t) => !dist.has(t) && !found.has(t));
        if (todo.length === 0) break;
        // target i goes to relay (i + turn) mod n: spread over the relays, each tried in turn
        const byRelay = new Map<string, string[]>();
        todo.forEach((t, i) => {
          const r = relays[(i + turn) % relays.length]!;
          const list = byRelay.get(r);
          if (list) list.push(t);
          else byRelay.set(r, [t]);
        });
        const jobs = [...byRelay].flatMap(([relay, ts]) =>
          chunks(ts, FILTERS_PER_REQ).map((part) => ({ relay, part })),
        );
        this.#total += jobs.length;
        await mapLimit(jobs, o.concurrency ?? 16, async ({ relay, part }) => {
          const live = part.filter((t) => !dist.has(t));
          if (live.length === 0 || over()) return;
          const filters = live.map((t): Filter => {
            const mark = o.cursors.load(relay, FOLLOWERS_CURSOR + t);
            return {
              kinds: [Kind.Follows],
              '#p': [t],
              limit: o.followersPerTarget ?? 2,
              ...(mark !== undefined ? { since: Math.max(0, mark - this.#slack) } : {}),
            };
          });
          // One page per target on purpose: a few followers prove a distance as well as all of them.
          const a = await this.#askOnce(relay, filters);
          if (!a.complete) this.#gap(relay, 'followers', a.reason ?? 'no-answer');
          else for (const t of live) o.cursors.save(relay, FOLLOWERS_CURSOR + t, this.#now);
          const authors = [...new Set(a.events.filter((e) => e.kind === Kind.Follows).map((e) => e.pubkey))];
          relax(authors);
          for (const t of live) {
            const by = a.events.filter(
              (e) => e.kind === Kind.Follows && e.tags.some((x) => x[0] === 'p' && x[1] === t),
            );
            if (by.length > 0) found.set(t, [...(found.get(t) ?? []), ...by.map((e) => e.pubkey)]);
          }
        });
        if (over()) return;
      }
      const next = new Set<string>();
      for (const t of frontier) {
        if (dist.has(t)) continue;
        for (const f of found.get(t) ?? o.store.followersOf(t)) if (!dist.has(f) && !asked.has(f)) next.add(f);
      }
      frontier = [...next];
    }
  }

  /**
   * One REQ, asked again (bounded) while the relay does not answer it in full. A relay that let a
   * REQ time out or could not be reached is not asked again in this sync (the transport already
   * re-sent that REQ and reconnects with backoff): one silent relay costs one timeout, not one per page.
   */
  async #askOnce(relay: string, filters: Filter[]): Promise<QueryAnswer> {
    if (this.#silent.has(relay))
      return { events: [], complete: false, reason: 'no-answer: silent earlier in this sync' };
    let a = await this.#ask(relay, filters);
    for (let i = 0; !a.complete && !isSilence(a) && i < (this.#o.retries ?? 1); i++)
      a = await this.#ask(relay, filters);
    if (!a.complete && isSilence(a)) this.#silent.add(relay);
    return a;
  }
}
