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
 * Order of work: (1) the payer and the `extra` keys (payees): relay lists from the configured
 * relays, then names, follows, catalogs, offers and deletions from each one's NIP-65 write relays
 * (the outbox model); (2) outward to `forwardDepth`: the follow lists of keys nearer than it,
 * again from their write relays, grouped one REQ per relay; (3) discovery: every catalog, offer
 * and offer deletion on the configured relays and on the relays most written to by the web
 * (rare kinds, paginated); (4) backward, within the budget: for each publisher or payee not yet
 * proven within `radius`, the follow lists that name it (`#p`, a few per target), level by level.
 * What the budget leaves unproven is reported and, by the callers, not routed through.
 */
import type { Clock } from '../core/clock.ts';
import type { Filter } from '../events/filter.ts';
import { matchFilter } from '../events/filter.ts';
import { Kind } from '../events/kinds.ts';
import type { GapReason, RelayGap } from '../relays/transport.ts';
import type { CursorStorage } from '../store/cursors.ts';
import type { QueryAnswer, QueryPort } from './port.ts';
import type { WebStore } from './store.ts';

/** The phases a progress report names, in order. */
export type SyncPhase = 'self' | 'forward' | 'discover' | 'backward';

/** Progress of a sync (for a progress bar): REQs answered and planned in the current phase. */
export interface SyncProgress {
  phase: SyncPhase;
  done: number;
  total: number;
  bytes: number;
  reqs: number;
}

/** A part of the web a relay did not answer in full (after the bounded retries). */
export interface SyncGap {
  /** The relay ('' for the budget). */
  relay: string;
  /** What was asked: `authors`, `scan`, `followers`. */
  what: string;
  /** `no-answer: ...`, `closed: ...`, `page-stuck` (more same-second events than a page), `budget`. */
  reason: string;
}

/** What {@link syncWeb} did. */
export interface WebSyncReport {
  /** REQs sent (pages and retries included). */
  reqs: number;
  /** Bytes of event JSON received. */
  bytes: number;
  /** Events received (duplicates across relays included). */
  events: number;
  gaps: SyncGap[];
  /** The byte or time budget ran out before every target was proven or disproven. */
  budgetExhausted: boolean;
  /** Publishers and payees not proven within the radius (not routed through). */
  unproven: string[];
  /** Keys proven within the radius over the held follow links (self excluded). */
  webSize: number;
  /** Author groups brought up to date by NIP-77 reconciliation instead of a `since` REQ. */
  reconciled: number;
}

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
  /** Keys outside the web to read too (a payee). */
  extra?: readonly string[];
  /** Stop the optional work (outward beyond the first step, backward) past these. */
  budget?: { bytes?: number; ms?: number };
  /** REQs in flight at once (default 8). */
  concurrency?: number;
  /** `limit` asked per filter (default 500; lowered to a relay's NIP-11 `max_limit`). */
  pageLimit?: number;
  /** A relay's NIP-11 `max_limit`, when known. */
  limitOf?: (relay: string) => number | undefined | Promise<number | undefined>;
  /** Follow lists asked per unproven target and level going backward (default 20). */
  followersPerTarget?: number;
  /** Write relays read per author (default 3). */
  writeRelaysPerAuthor?: number;
  /** Relays most written to by the web scanned for offers besides the configured ones (default 8). */
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

const GAP_REASONS: readonly GapReason[] = ['no-answer', 'unreachable', 'connection-lost', 'closed'];

/** The engine's gaps as the transport's, one per relay (the budget, relay '', is reported apart). */
export function relayGapsOf(gaps: readonly SyncGap[]): RelayGap[] {
  const out = new Map<string, RelayGap>();
  for (const g of gaps) {
    if (g.relay === '' || out.has(g.relay)) continue;
    const head = g.reason.split(':')[0] as GapReason;
    const reason = GAP_REASONS.includes(head) ? head : 'no-answer';
    out.set(g.relay, { relay: g.relay, reason, message: `${g.what}: ${g.reason}` });
  }
  return [...out.values()];
}

/** A REQ the relay never answered (no EOSE, no CLOSED) within the timeout, or could not be reached. */
const isSilence = (a: QueryAnswer): boolean => /^(no-answer|unreachable)/.test(a.reason ?? 'no-answer');

/** Run `fn` over `items`, at most `n` at once. */
async function mapLimit<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
    this.#begin('self', 0);
    await this.#readAuthors([...new Set([o.self, ...(o.extra ?? [])])]);
    this.#begin('forward', 0);
    for (let d = 1; d < forward; d++) {
      if (this.#overBudget()) break;
      const dist = o.store.distances(o.self, d);
      const ring = [...dist].filter(([, x]) => x === d).map(([k]) => k);
      await this.#readAuthors(ring);
    }
    this.#begin('discover', 0);
    await this.#scan();
    this.#begin('backward', 0);
    await this.#backward(forward);
    const dist = o.store.distances(o.self, o.radius);
    this.#report.webSize = dist.size;
    this.#report.unproven = this.#targets().filter((t) => !dist.has(t));
    o.cursors.flush();
    return this.#report;
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
    if (over && !this.#report.budgetExhausted) {
      this.#report.budgetExhausted = true;
      this.#report.gaps.push({ relay: '', what: this.#phase, reason: 'budget' });
    }
    return over;
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
        this.#report.gaps.push({ relay, what, reason: answer.reason ?? 'no-answer' });
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
          this.#report.gaps.push({ relay, what, reason: 'page-stuck' });
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
    for (const e of a.events) bytes += JSON.stringify(e).length;
    this.#report.bytes += bytes;
    this.#report.events += a.events.length;
    this.#o.store.ingest(a.events);
    this.#o.store.noteIds(a.events);
    this.#done++;
    this.#progress();
    return a;
  }

  /**
   * The outbox model: relay lists of `authors` first (configured relays and any write relays
   * already known), then their other kinds from their write relays, one REQ per relay for all
   * the authors it serves. An author whose kinds were all answered in full is marked, so the next
   * sync asks it only for newer events.
   */
  async #readAuthors(authors: readonly string[]): Promise<void> {
    if (authors.length === 0) return;
    const o = this.#o;
    const lists = await this.#fanOut(authors, [Kind.RelayList], (a) => [
      ...new Set([...o.relays, ...o.store.writeRelaysOf(a).slice(0, o.writeRelaysPerAuthor ?? 3)]),
    ]);
    const rest = await this.#fanOut(authors, AUTHOR_KINDS, (a) => {
      const w = o.store.writeRelaysOf(a).slice(0, o.writeRelaysPerAuthor ?? 3);
      return w.length > 0 ? w : [...o.relays];
    });
    const ok10002 = authors.filter((a) => lists.has(a));
    const okRest = authors.filter((a) => rest.has(a));
    o.store.markAsked(ok10002, Kind.RelayList, this.#now);
    for (const k of MARKED_KINDS) if (k !== Kind.RelayList) o.store.markAsked(okRest, k, this.#now);
  }

  /**
   * Ask each author's relays (per `relaysOf`) for `kinds`, grouped per relay, many relays at once.
   * Authors already answered in full before are asked only `since` then (less the slack).
   * Returns the authors every one of whose relays answered in full.
   */
  async #fanOut(
    authors: readonly string[],
    kinds: number[],
    relaysOf: (author: string) => string[],
  ): Promise<Set<string>> {
    const o = this.#o;
    const byRelay = new Map<string, string[]>();
    for (const a of authors)
      for (const r of relaysOf(a)) {
        const list = byRelay.get(r);
        if (list) list.push(a);
        else byRelay.set(r, [a]);
      }
    const failed = new Set<string>();
    const marked = kinds.filter((k) => (MARKED_KINDS as number[]).includes(k));
    const jobs: { relay: string; authors: string[] }[] = [];
    for (const [relay, list] of byRelay)
      for (const part of chunks(list, o.authorsPerFilter ?? 500)) jobs.push({ relay, authors: part });
    this.#total += jobs.length;
    await mapLimit(jobs, o.concurrency ?? 8, async ({ relay, authors: part }) => {
      // Known authors: since the oldest full answer among them; new ones: everything.
      const known: string[] = [];
      const fresh: string[] = [];
      let since = Number.POSITIVE_INFINITY;
      for (const a of part) {
        const marks = marked.map((k) => o.store.askedAt(a, k));
        if (marks.length > 0 && marks.every((m) => m !== undefined)) {
          known.push(a);
          since = Math.min(since, ...(marks as number[]));
        } else fresh.push(a);
      }
      const filters: Filter[] = [];
      const nip77 = known.length > 0 ? await this.#reconcile(relay, kinds, known) : 'since';
      if (nip77 === 'since' && known.length > 0)
        filters.push({ kinds, authors: known, since: Math.max(0, since - this.#slack) });
      if (fresh.length > 0) filters.push({ kinds, authors: fresh });
      const ok = await this.#paged(relay, 'authors', filters);
      if (!ok || nip77 === 'failed') for (const a of part) failed.add(a);
    });
    return new Set(authors.filter((a) => !failed.has(a)));
  }

  /**
   * NIP-77 where the relay speaks it: reconcile the ids held for `authors`' `kinds` (all time, so
   * an event a relay stored late with an old `created_at` is found too), then fetch the missing
   * ones by id. `since`: no reconciliation (port without it, relay without NIP-77, NEG-ERR), ask
   * with `since` instead; `failed`: the ids fetch was not answered in full (a gap is reported).
   */
  async #reconcile(relay: string, kinds: number[], authors: string[]): Promise<'done' | 'since' | 'failed'> {
    const reconcile = this.#o.query.reconcile;
    if (!reconcile || this.#silent.has(relay)) return 'since';
    const a = await reconcile(relay, { kinds, authors }, this.#o.store.idsOf(authors, kinds));
    if (a.status !== 'ok') return 'since';
    this.#report.reconciled++;
    const page = this.#limits.get(relay) ?? this.#o.pageLimit ?? 500;
    for (const ids of chunks(a.need, page)) if (!(await this.#paged(relay, 'authors', [{ ids }]))) return 'failed';
    return 'done';
  }

  /** Catalogs, offers and offer deletions of everyone, on the configured and most-used relays. */
  async #scan(): Promise<void> {
    const o = this.#o;
    const relays = [...new Set([...o.relays, ...this.#popularRelays()])];
    this.#total = relays.length;
    await mapLimit(relays, o.concurrency ?? 8, async (relay) => {
      const mark = o.cursors.load(relay, SCAN_CURSOR);
      const since = mark !== undefined ? { since: Math.max(0, mark - this.#slack) } : {};
      const ok = await this.#paged(relay, 'scan', [
        { kinds: [Kind.Catalog], ...since },
        { kinds: [Kind.Offer], ...since },
        { kinds: [Kind.Deletion], '#k': [String(Kind.Offer), String(Kind.Catalog)], ...since },
      ]);
      if (ok) o.cursors.save(relay, SCAN_CURSOR, this.#now);
    });
    o.cursors.flush();
  }

  /** The relays the payer's nearest web writes to most, beyond the configured ones. */
  #popularRelays(): string[] {
    const o = this.#o;
    const count = new Map<string, number>();
    const near = [o.self, ...o.store.distances(o.self, 1).keys()];
    for (const k of near) for (const r of o.store.writeRelaysOf(k)) count.set(r, (count.get(r) ?? 0) + 1);
    return [...count]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, o.scanRelays ?? 8)
      .map(([r]) => r);
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
   * Backward from each target not yet proven within the radius: a few follow lists naming it,
   * then (one level further) naming those followers, while the budget lasts and the levels fit
   * in the radius. Each follow list found is stored, so a proof is a chain of signed lists.
   */
  async #backward(forward: number): Promise<void> {
    const o = this.#o;
    // One search over the held web for all targets (it was once per target: quadratic at 10^5 keys).
    const proven = o.store.distances(o.self, o.radius);
    let frontier = this.#targets().filter((t) => !proven.has(t));
    const asked = new Set<string>();
    for (let level = 1; level <= o.radius - forward && frontier.length > 0; level++) {
      if (this.#overBudget()) return;
      const todo = frontier.filter((t) => !asked.has(t));
      for (const t of todo) asked.add(t);
      const jobs = o.relays.flatMap((relay) => chunks(todo, FILTERS_PER_REQ).map((part) => ({ relay, part })));
      this.#total += jobs.length;
      await mapLimit(jobs, o.concurrency ?? 8, async ({ relay, part }) => {
        if (this.#overBudget()) return;
        const filters = part.map((t): Filter => {
          const mark = o.cursors.load(relay, FOLLOWERS_CURSOR + t);
          return {
            kinds: [Kind.Follows],
            '#p': [t],
            limit: o.followersPerTarget ?? 20,
            ...(mark !== undefined ? { since: Math.max(0, mark - this.#slack) } : {}),
          };
        });
        // One page per target on purpose: a few followers prove a distance as well as all of them.
        const a = await this.#askOnce(relay, filters);
        if (!a.complete) this.#report.gaps.push({ relay, what: 'followers', reason: a.reason ?? 'no-answer' });
        else for (const t of part) o.cursors.save(relay, FOLLOWERS_CURSOR + t, this.#now);
      });
      const dist = o.store.distances(o.self, o.radius);
      const next = new Set<string>();
      for (const t of frontier) {
        if (dist.has(t)) continue;
        for (const f of o.store.followersOf(t)) if (!dist.has(f) && !asked.has(f)) next.add(f);
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
