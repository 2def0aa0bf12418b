/**
 * `peer.follow` / `peer.unfollow` / `peer.followList`: the user's follow list (NIP-02 kind 3) is
 * theirs, made by their other clients (Damus, Amethyst, Primal, Coracle), so otp2p edits it and
 * never replaces it:
 * 1. fetch the newest kind 3 of the user from the configured relays and the user's NIP-65 write
 *    relays (and the one this data folder last saw or published: it may not have reached a relay);
 * 2. refuse (`relay-incomplete`) when no relay answered, unless `force`: silence is not "no list";
 * 3. change only what was asked (`editFollowList`: every other tag and the content byte for byte);
 * 4. publish through the persistent outbox (durable before anything is sent), to the configured
 *    relays and our NIP-65 write relays, and report each relay's answer;
 * 5. bring the offer web up to date at once: the new friends' lists, catalogs, offers,
 *    attestations and relay lists are fetched (from their own write relays too), and the keys
 *    they follow come in at the next degree, so a route through a new friend is found without a
 *    `sync()`. Deeper degrees arrive with the next sync (or the daemon's live subscription).
 */
import { unixSeconds } from '../core/clock.ts';
import { OtP2pError, describeValue, isOtP2pError } from '../core/errors.ts';
import { tryNormalizeRelayUrl } from '../core/relay-url.ts';
import { editFollowList, parseFollowsEvent } from '../events/follows.ts';
import type { Follow, FollowChange } from '../events/follows.ts';
import { Kind } from '../events/kinds.ts';
import { parseRelayListEvent } from '../events/relay-list.ts';
import type { NostrEvent } from '../events/types.ts';
import { npubDecode, nprofileDecode, parsePubkey } from '../keys/nip19.ts';
import { MAX_LISTED_RELAYS, listedRelays } from '../relays/nip65.ts';
import type { OutboxPublisher } from '../relays/outbox.ts';
import { describeGaps, queryEvents } from '../relays/query.ts';
import type { RelayGap } from '../relays/transport.ts';
import type { EventStore } from '../store/events.ts';
import type { OutboxStore } from '../store/outbox.ts';
import type { PeerContext } from './context.ts';
import { addGaps } from '../relays/query.ts';

/** How long a lookup waits for each relay's EOSE. */
const LOOKUP_TIMEOUT_MS = 8_000;
/** How long {@link PeerFollows.follow} waits for the relays' answers by default. */
export const FOLLOW_WAIT_MS = 10_000;
/** Authors per query when fetching the keys new friends follow. */
const AUTHORS_PER_QUERY = 200;
/** Authors per query when listing what the follows publish (see {@link PeerFollows.list}). */
const LIST_AUTHORS_PER_QUERY = 50;
/** Longest petname accepted (other clients show it in one line). */
export const MAX_PETNAME = 100;

/** Options of {@link PeerFollows.follow}. */
export interface FollowOptions {
  /** Your name for the key (the `p` tag's petname); an existing follow gets only this changed. */
  petname?: string;
  /**
   * Proceed when no relay answered the fetch of your newest list. The list edited is then the
   * newest this data folder holds (the last one otp2p saw or published), or a new one when it
   * holds none: once a relay accepts it, it replaces the list your other clients made.
   */
  force?: boolean;
  /** How long to wait for the relays' answers before reporting targets as pending (ms, default 10 s). */
  waitMs?: number;
}

/** Options of {@link PeerFollows.unfollow}. */
export type UnfollowOptions = Omit<FollowOptions, 'petname'>;

/** One relay's answer to the published follow list (from the persistent outbox). */
export interface FollowDelivery {
  relay: string;
  /** `acked`: the relay holds it; `pending`: retried later (by any publishing otp2p process); `failed`: refused for good. */
  status: 'acked' | 'pending' | 'failed';
  ok: boolean;
  code: string | null;
  message: string | null;
}

/** What a follow or unfollow did. */
export interface FollowResult {
  /** The kind 3 published, or null when the list already said what was asked (nothing published). */
  event: NostrEvent | null;
  /** The keys the change was about (hex). */
  pubkeys: string[];
  /**
   * Where the edited list came from: a relay; this data folder (with `force`, or when the list it
   * published last has not reached the relays that answered yet); or none (a first list).
   */
  base: 'relays' | 'local' | 'none';
  /** Relays that did not answer the fetch of the newest list (some may have; see `base`). */
  incomplete: RelayGap[];
  /** Each relay's answer to the publish (empty when nothing was published). */
  relays: FollowDelivery[];
  /** Relays that did not answer while the new friends' events were fetched (the web may be short). */
  refreshIncomplete: RelayGap[];
  /** For each key followed: what it publishes and the name it gives itself, as just fetched. */
  friends: FriendView[];
}

/** A key just followed, as its events told. */
export interface FriendView {
  pubkey: string;
  profileName?: string;
  publishes: Publishes;
}

/** What a followed key publishes, as far as the relays told. */
export interface Publishes {
  catalog: boolean;
  offers: number;
  attestations: number;
}

/** One entry of the user's follow list. */
export interface FollowEntry {
  pubkey: string;
  /** Your name for the key (the list's petname). */
  petname?: string;
  /** The name the key gives itself (kind 0 `display_name`, else `name`), as the persisted web holds it. */
  profileName?: string;
  /** The relay hint of the `p` tag. */
  relay?: string;
  /** Follow steps from you (1: you follow it). */
  degree: number;
  publishes: Publishes;
}

/** The user's follow list as {@link PeerFollows.list} found it. */
export interface FollowListing {
  follows: FollowEntry[];
  base: FollowResult['base'];
  /** Relays that did not answer (the list or what the follows publish may be short). */
  incomplete: RelayGap[];
}

/** @internal What the follow logic needs besides the shared context. */
export interface FollowParts {
  events: EventStore;
  outbox: OutboxPublisher;
  outboxStore: OutboxStore;
  /** The configured relays (read and publish). */
  relays: readonly string[];
  /** Run the outbox until nothing is due. */
  flush: () => Promise<void>;
}

/** A key to follow as a user pastes it, with the relays an nprofile names. */
export interface FollowTarget {
  pubkey: string;
  relays: string[];
}

/**
 * A key as users paste it: 64 hex characters (either case), an `npub` or an `nprofile` (whose
 * relays are kept, canonical, at most {@link MAX_LISTED_RELAYS}).
 * @throws OtP2pError `bad-key` for something else; the NIP-19 codes (`bad-bech32`, `bad-checksum`,
 *   `wrong-prefix`, `wrong-length`, `bad-tlv`) for a damaged npub or nprofile; `bad-hex` /
 *   `wrong-length` for other hex. Values are not quoted (an nsec may be pasted by mistake).
 */
export function parseFollowTarget(text: unknown, field = 'target'): FollowTarget {
  if (typeof text !== 'string' || text.length === 0 || text.length > 2000)
    throw new OtP2pError('bad-key', `${field} must be an npub, nprofile or 64 hex characters`, {
      context: { field },
    });
  if (/^[0-9a-f]{64}$/i.test(text)) return { pubkey: text.toLowerCase(), relays: [] };
  const lower = text.toLowerCase();
  if (lower.startsWith('nprofile1')) {
    const p = nprofileDecode(text);
    const relays: string[] = [];
    for (const r of p.relays ?? []) {
      const url = tryNormalizeRelayUrl(r);
      if (url !== undefined && !relays.includes(url) && relays.length < MAX_LISTED_RELAYS) relays.push(url);
    }
    return { pubkey: p.pubkey, relays };
  }
  if (lower.startsWith('npub1')) return { pubkey: npubDecode(text), relays: [] };
  if (lower.startsWith('nsec1') || lower.startsWith('ncryptsec1'))
    throw new OtP2pError('bad-key', `${field} is a secret key: give the npub (never share an nsec)`, {
      context: { field },
    });
  return { pubkey: parsePubkey(text, field), relays: [] };
}

const isHexKey = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);

/** Newest first by created_at, ties to the lowest id (NIP-01 replaceable events). */
function newer(a: NostrEvent | undefined, b: NostrEvent): boolean {
  return a === undefined || b.created_at > a.created_at || (b.created_at === a.created_at && b.id < a.id);
}

function newestOf(events: readonly NostrEvent[], kind: number, author: string): NostrEvent | undefined {
  let best: NostrEvent | undefined;
  for (const e of events) if (e.kind === kind && e.pubkey === author && newer(best, e)) best = e;
  return best;
}

function unique(...lists: ReadonlyArray<readonly string[]>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const raw of list) {
      const key = tryNormalizeRelayUrl(raw) ?? raw;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(raw);
    }
  }
  return out;
}

/** The relays of `asked` that answered in full (no gap names them, and the transport did not close). */
function answered(asked: readonly string[], gaps: readonly RelayGap[]): string[] {
  if (gaps.some((g) => g.relay === '')) return [];
  const silent = new Set(gaps.map((g) => tryNormalizeRelayUrl(g.relay) ?? g.relay));
  return asked.filter((r) => !silent.has(tryNormalizeRelayUrl(r) ?? r));
}

/** The user's newest follow list and where it came from. */
interface Latest {
  event: NostrEvent | null;
  base: FollowResult['base'];
  incomplete: RelayGap[];
  /** Our NIP-65 write relays (canonical), where our own events belong too. */
  writeRelays: string[];
  /** How many relays answered (0 only with `force`). */
  answered: number;
}

/** The user's follow list: edit (never replace), list, and keep the offer web up to date. */
export class PeerFollows {
  readonly #ctx: PeerContext;
  readonly #p: FollowParts;
  /** Edits run one at a time: two at once would both edit the same base and the second would drop the first. */
  #queue: Promise<unknown> = Promise.resolve();

  /** @internal Built by the Peer. */
  constructor(ctx: PeerContext, parts: FollowParts) {
    this.#ctx = ctx;
    this.#p = parts;
  }

  /**
   * Follow `target` (npub, nprofile or hex; several at once in one list update), keeping every
   * other entry, tag and the content of the newest list as they were. An nprofile's first relay
   * becomes the relay hint.
   * @throws OtP2pError `bad-key` and the NIP-19 codes for a bad target, `bad-input` for a bad
   *   petname or a petname with several targets, `relay-incomplete` when no relay answered (and
   *   not `force`), `db-error`.
   */
  async follow(target: string | readonly string[], options: FollowOptions = {}): Promise<FollowResult> {
    const targets = (typeof target === 'string' ? [target] : [...target]).map((t, i) =>
      parseFollowTarget(t, typeof target === 'string' ? 'target' : `targets[${i}]`),
    );
    const petname = options.petname;
    if (petname !== undefined) {
      if (typeof petname !== 'string' || petname.length === 0 || petname.length > MAX_PETNAME)
        throw new OtP2pError(
          'bad-input',
          `petname must be 1..${MAX_PETNAME} characters, got ${describeValue(petname)}`,
          {
            context: { field: 'petname' },
          },
        );
      if (targets.length !== 1)
        throw new OtP2pError('bad-input', 'a petname names one key: follow one target at a time with a petname', {
          context: { field: 'petname' },
        });
    }
    const add: Follow[] = targets.map((t) => {
      const f: Follow = { pubkey: t.pubkey };
      if (t.relays[0] !== undefined) f.relay = t.relays[0];
      if (petname !== undefined) f.petname = petname;
      return f;
    });
    return this.#serial(() => this.#change({ add }, targets, options));
  }

  /**
   * Unfollow `target` (every `p` tag of the key goes), keeping everything else of the newest list.
   * @throws OtP2pError as {@link follow}.
   */
  async unfollow(target: string | readonly string[], options: UnfollowOptions = {}): Promise<FollowResult> {
    const targets = (typeof target === 'string' ? [target] : [...target]).map((t, i) =>
      parseFollowTarget(t, typeof target === 'string' ? 'target' : `targets[${i}]`),
    );
    return this.#serial(() => this.#change({ remove: targets.map((t) => t.pubkey) }, [], options));
  }

  /**
   * The user's follow list from the relays (same rule as {@link follow}: no answer is refused
   * unless `force`), with what each key publishes and the names the keys give themselves.
   * @throws OtP2pError `relay-incomplete` when no relay answered (and not `force`), `db-error`.
   */
  async list(options: { force?: boolean } = {}): Promise<FollowListing> {
    const latest = await this.#latest(options.force ?? false);
    const follows = latest.event ? parseFollowsEvent(latest.event).follows : [];
    const incomplete = [...latest.incomplete];
    const keys = follows.map((f) => f.pubkey);
    const found: NostrEvent[] = [];
    // Small author groups and one filter per kind of answer: relays cap each filter's answer (the
    // embedded relay at 100 events by default), and profiles plus catalogs stay within it.
    for (let i = 0; i < keys.length; i += LIST_AUTHORS_PER_QUERY) {
      const authors = keys.slice(i, i + LIST_AUTHORS_PER_QUERY);
      const r = await queryEvents(
        this.#ctx.transport,
        [
          { kinds: [Kind.Metadata, Kind.Catalog], authors },
          { kinds: [Kind.Offer], authors },
          { kinds: [Kind.MintAttestation], authors },
        ],
        LOOKUP_TIMEOUT_MS,
        { relays: [...this.#p.relays] },
      );
      addGaps(incomplete, r.incomplete);
      found.push(...r.events);
    }
    // What was fetched joins the persisted web, and names come from there: one naming path for
    // the whole product (the graph picks the rest up at its next load or sync).
    const { web } = this.#ctx;
    web.store.ingest(found);
    const now = unixSeconds(this.#ctx.clock);
    const by = new Map<string, NostrEvent[]>();
    for (const e of found) {
      const list = by.get(e.pubkey);
      if (list) list.push(e);
      else by.set(e.pubkey, [e]);
    }
    const entries = follows.map((f): FollowEntry => {
      const mine = by.get(f.pubkey) ?? [];
      const entry: FollowEntry = { pubkey: f.pubkey, degree: 1, publishes: publishesOf(mine, now) };
      if (f.petname !== undefined) entry.petname = f.petname;
      if (f.relay !== undefined) entry.relay = f.relay;
      const name = web.store.nameOf(f.pubkey);
      if (name !== undefined) entry.profileName = name;
      return entry;
    });
    return { follows: entries, base: latest.base, incomplete };
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #change(change: FollowChange, added: readonly FollowTarget[], options: UnfollowOptions): Promise<FollowResult> {
    const { clock, web } = this.#ctx;
    const latest = await this.#latest(options.force ?? false);
    const template = editFollowList(latest.event, change, unixSeconds(clock));
    const pubkeys = [...(change.add ?? []).map((f) => f.pubkey), ...(change.remove ?? [])];
    const base = { pubkeys, base: latest.base, incomplete: latest.incomplete };
    const before = latest.event;
    if (
      before !== null &&
      before.content === template.content &&
      JSON.stringify(before.tags) === JSON.stringify(template.tags)
    ) {
      // The list already says so: publishing again would only churn the relays.
      return { event: null, ...base, relays: [], refreshIncomplete: [], friends: [] };
    }
    if (before === null && (change.add ?? []).length === 0) {
      return { event: null, ...base, relays: [], refreshIncomplete: [], friends: [] };
    }
    // `sign` may become asynchronous (a remote signer): awaiting works either way.
    const event = await this.#ctx.sign(template);
    this.#p.events.insert(event);
    this.#p.outbox.publish(event, unique(this.#p.relays, latest.writeRelays));
    const relays = await this.#delivery(event, options.waitMs ?? FOLLOW_WAIT_MS);
    // No relay answered a moment ago (`force`): asking them again for the friends' events would only wait.
    const refreshIncomplete: RelayGap[] = latest.answered === 0 ? [...latest.incomplete] : [];
    const fetched = added.length > 0 && latest.answered > 0 ? await this.#fetchAround(added, refreshIncomplete) : [];
    web.absorb([event, ...fetched]);
    const now = unixSeconds(clock);
    const friends = added.map((t): FriendView => {
      const mine = fetched.filter((e) => e.pubkey === t.pubkey);
      const name = web.store.nameOf(t.pubkey);
      return {
        pubkey: t.pubkey,
        ...(name !== undefined ? { profileName: name } : {}),
        publishes: publishesOf(mine, now),
      };
    });
    return { event, ...base, relays, refreshIncomplete, friends };
  }

  /**
   * The newest kind 3 of the user: from the configured relays and the user's NIP-65 write
   * relays, and from this data folder (a list published here may not have reached a relay yet).
   * @throws OtP2pError `relay-incomplete` when no relay answered and not `force`.
   */
  async #latest(force: boolean): Promise<Latest> {
    const { transport, pubkey } = this.#ctx;
    const configured = [...this.#p.relays];
    const incomplete: RelayGap[] = [];
    const first = await queryEvents(
      transport,
      [
        { kinds: [Kind.Follows], authors: [pubkey], limit: 1 },
        { kinds: [Kind.RelayList], authors: [pubkey], limit: 1 },
      ],
      LOOKUP_TIMEOUT_MS,
      { relays: configured },
    );
    addGaps(incomplete, first.incomplete);
    const events = [...first.events];
    let ok = answered(configured, first.incomplete).length;
    const listEvent = newestOf(first.events, Kind.RelayList, pubkey);
    const writeRelays = listEvent ? listedRelays(parseRelayListEvent(listEvent), 'write') : [];
    const known = new Set(configured.map((r) => tryNormalizeRelayUrl(r) ?? r));
    const extra = writeRelays.filter((r) => !known.has(r));
    if (extra.length > 0) {
      const more = await queryEvents(
        transport,
        [{ kinds: [Kind.Follows], authors: [pubkey], limit: 1 }],
        LOOKUP_TIMEOUT_MS,
        { relays: extra },
      );
      addGaps(incomplete, more.incomplete);
      events.push(...more.events);
      ok += answered(extra, more.incomplete).length;
    }
    if (ok === 0 && !force) {
      throw new OtP2pError(
        'relay-incomplete',
        `no relay answered with your follow list (${describeGaps(incomplete)}): publishing now could replace the list your other clients made; try again when a relay answers, or use force`,
        { context: { incomplete } },
      );
    }
    let best = newestOf(events, Kind.Follows, pubkey);
    if (best) this.#p.events.insert(best);
    const local = await this.#p.events.getAddress(Kind.Follows, pubkey);
    let base: Latest['base'] = best ? 'relays' : 'none';
    // Newer here than on any relay that answered: a list this folder published that has not
    // reached them yet (still in the outbox). Editing an older one would drop that change.
    if (local && newer(best, local)) {
      best = local;
      base = 'local';
    }
    return { event: best ?? null, base, incomplete, writeRelays, answered: ok };
  }

  /** Wait (bounded) for the outbox, then each relay's answer for `event`. */
  async #delivery(event: NostrEvent, waitMs: number): Promise<FollowDelivery[]> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#p.flush(),
      new Promise((r) => {
        timer = setTimeout(r, waitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    return this.#p.outboxStore
      .list(['pending', 'failed', 'acked'])
      .filter((i) => i.eventId === event.id)
      .map((i) => ({
        relay: i.relay,
        status: i.status,
        ok: i.status === 'acked',
        code: i.lastCode,
        message: i.lastMessage,
      }));
  }

  /**
   * The new friends' events (kinds 0, 3, 10002, catalog, offers, attestations; from their own
   * write relays too) and the follow lists, catalogs and offers of the keys they follow that the
   * web does not know yet. Gaps go to `gaps`: a follow is done once published, whatever answers.
   */
  async #fetchAround(friends: readonly FollowTarget[], gaps: RelayGap[]): Promise<NostrEvent[]> {
    const { transport, pubkey, web, config } = this.#ctx;
    const configured = [...this.#p.relays];
    const authors = friends.map((f) => f.pubkey);
    const out: NostrEvent[] = [];
    try {
      const lists = await queryEvents(transport, [{ kinds: [Kind.RelayList], authors }], LOOKUP_TIMEOUT_MS, {
        relays: unique(configured, ...friends.map((f) => f.relays)),
      });
      addGaps(gaps, lists.incomplete);
      const theirs: string[] = [];
      for (const a of authors) {
        const ev = newestOf(lists.events, Kind.RelayList, a);
        if (ev) theirs.push(...listedRelays(parseRelayListEvent(ev), 'write'));
      }
      const r = await queryEvents(
        transport,
        [
          { kinds: [Kind.Metadata, Kind.Follows, Kind.Catalog], authors },
          { kinds: [Kind.Offer, Kind.MintAttestation], authors },
        ],
        LOOKUP_TIMEOUT_MS,
        { relays: unique(configured, theirs, ...friends.map((f) => f.relays)) },
      );
      addGaps(gaps, r.incomplete);
      out.push(...lists.events, ...r.events);
      if (config.maxDegree < 2) return out;
      const knownLists = web.followLists();
      const next = new Set<string>();
      for (const a of authors) {
        const ev = newestOf(r.events, Kind.Follows, a);
        if (!ev) continue;
        for (const f of parseFollowsEvent(ev).follows)
          if (f.pubkey !== pubkey && !knownLists.has(f.pubkey) && !authors.includes(f.pubkey)) next.add(f.pubkey);
      }
      const keys = [...next].filter(isHexKey);
      for (let i = 0; i < keys.length; i += AUTHORS_PER_QUERY) {
        const part = keys.slice(i, i + AUTHORS_PER_QUERY);
        const q = await queryEvents(
          transport,
          [{ kinds: [Kind.Follows, Kind.Catalog, Kind.Offer], authors: part }],
          LOOKUP_TIMEOUT_MS,
          { relays: configured },
        );
        addGaps(gaps, q.incomplete);
        out.push(...q.events);
      }
    } catch (err) {
      // The list is published: a failed refresh leaves the web as the next sync will find it.
      if (!isOtP2pError(err)) throw err;
      gaps.push({ relay: '', reason: 'closed', message: `${err.code}: ${err.message}` });
    }
    return out;
  }
}

/** What `events` (one author's) show it publishes: a catalog, open offers, attestations (distinct addresses). */
function publishesOf(events: readonly NostrEvent[], now: number): Publishes {
  const offers = new Set<string>();
  const attestations = new Set<string>();
  for (const e of events) {
    const d = e.tags.find((t) => t[0] === 'd')?.[1] ?? '';
    const closed = e.tags.some((t) => t[0] === 'status' && t[1] === 'closed');
    if (e.kind === Kind.Offer && !closed && !isExpired(e, now)) offers.add(d);
    if (e.kind === Kind.MintAttestation) attestations.add(d);
  }
  return { catalog: events.some((e) => e.kind === Kind.Catalog), offers: offers.size, attestations: attestations.size };
}

function isExpired(e: NostrEvent, now: number): boolean {
  const exp = e.tags.find((t) => t[0] === 'expiration')?.[1];
  return exp !== undefined && /^[0-9]{1,12}$/.test(exp) && Number(exp) <= now;
}
