/**
 * RelayPool: the production {@link Transport}, Nostr relays over `ws`.
 * Kept in one file because REQ resends, EOSE bookkeeping, split parts, OK waiters and NIP-42 all
 * move the same per-relay state on the same incoming message; pure parts live beside it
 * (`req-split.ts`, `nip01-prefixes.ts`, `query.ts`). Splitting AUTH out is the next cut.
 *
 * Order of trust for every incoming event: the frame is size-capped by the socket, parsed, the
 * event verified (shape, limits, recomputed id, signature), checked against the filters of the
 * subscription it claims to answer, and only then deduplicated, counted to the relay that sent
 * it, used to advance that relay's high-water mark, and delivered. A forged copy of a genuine id
 * is therefore dropped and never suppresses the genuine event another relay sends.
 *
 * Resumption: each (relay, subscription) keeps the newest `created_at` among verified, matching
 * events, clamped to now. During a relay's stored-events phase the mark moves only at EOSE
 * (relays send newest first, so a drop mid-stream must not skip the older ones). After a
 * reconnect the REQ is re-sent with `since = mark - slack` (2 days when gift wraps can match,
 * because wraps are back-dated); duplicates from the overlap are dropped by id. With a
 * `cursorKey`, marks persist in the cursors table and a restarted process resumes from them.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import { normalizeRelayUrl } from '../core/relay-url.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import type { Filter } from '../events/filter.ts';
import { matchFilters } from '../events/filter.ts';
import { Kind } from '../events/kinds.ts';
import type { NostrEvent } from '../events/types.ts';
import { EventVerifier } from '../events/verify.ts';
import type { CursorStorage } from '../store/cursors.ts';
import type { ConnectionOptions } from './connection.ts';
import { RelayConnection } from './connection.ts';
import { classifyOk, prefixCode } from './nip01-prefixes.ts';
import type { RelayLimits } from './nip11.ts';
import { fetchRelayLimits } from './nip11.ts';
import type { EventSigner } from './nip42.ts';
import type { RelayChannel } from './nip77.ts';
import { authAllowed, authTemplate } from './nip42.ts';
import { DEFAULT_MAX_MESSAGE_LENGTH, splitReq } from './req-split.ts';
import { SubscriptionSink } from './subscription.ts';
import type {
  GapReason,
  PublishOptions,
  PublishResult,
  RelayGap,
  RelayStats,
  UnconfirmedSubscription,
  SubscribeOptions,
  Subscription,
  SubscriptionHandlers,
  Transport,
} from './transport.ts';

/** REQs this small go out at once on open; bigger ones wait briefly for NIP-11 limits to split by. */
const SMALL_REQ_BYTES = 16 * 1024;

/** Gift wraps are back-dated up to 2 days (NIP-59). */
export const GIFT_WRAP_SLACK_SECONDS = 2 * 24 * 3600;

/** Options for {@link RelayPool}. */
export interface RelayPoolOptions {
  /** Relays used for both reading and writing unless the specific lists are given. */
  relays?: string[];
  readRelays?: string[];
  writeRelays?: string[];
  verifier?: EventVerifier;
  clock?: Clock;
  random?: Random;
  /** Where high-water marks persist (subscriptions with a `cursorKey`). */
  cursors?: CursorStorage;
  /** Signs NIP-42 AUTH events with the identity key. Without it, AUTH is never answered. */
  signer?: EventSigner;
  /**
   * Relays allowed to learn our identity through AUTH (default: the read relays). Even these get
   * an AUTH only when they ask for it for what we request (`CLOSED auth-required:` or
   * `OK false auth-required:`), never just because a challenge arrived.
   */
  authRelays?: string[];
  /** Relays the user trusts with the identity: their challenges are answered at once. */
  trustedAuthRelays?: string[];
  connection?: ConnectionOptions;
  /** Wait for OK per relay (default 10 s). */
  publishTimeoutMs?: number;
  /** Default EOSE timeout per subscription (default 10 s). */
  eoseTimeoutMs?: number;
  /**
   * A REQ that got neither EOSE, CLOSED nor an event within this many ms is sent again (default
   * 3 s): nostream drops frames sent in the first milliseconds of a connection.
   */
  reqRetryMs?: number;
  /** How many times a REQ is sent again per connection before the relay counts as silent (default 3). */
  reqRetries?: number;
  /** Failed dials in a row after which a relay counts as unreachable for pending queries (default 2). */
  unreachableAfterDials?: number;
  /** Overlap when resubscribing from a mark, for events relays store late (default 60 s). */
  resubscribeSlackSeconds?: number;
  /** Fetch NIP-11 limits on first contact (default true). */
  fetchLimits?: boolean;
  /** Called for every verified, matching copy of an event, with the relay that sent it. */
  onreceipt?: (event: NostrEvent, relay: string) => void;
  /** NOTICE messages kept per relay (default 32; older ones are dropped). */
  maxNotices?: number;
  /** AUTH answers per relay per minute (default 6; further challenges only replace the last one). */
  maxAuthPerMinute?: number;
}

/** Counters per relay (defined with the {@link Transport} interface, which reports them). */
export type { RelayStats } from './transport.ts';

interface PerRelay {
  eosed: boolean;
  closedReason: string | undefined;
  /** Before this relay's EOSE: marks accumulate in `candidate`. */
  storedPhase: boolean;
  mark: number | undefined;
  candidate: number | undefined;
  waitingAuth: boolean;
  /** The relay answered the last REQ (EOSE, CLOSED or an event). */
  answered: boolean;
  /** REQs sent on the current connection. */
  sends: number;
  retryTimer: NodeJS.Timeout | undefined;
  /** Why this relay left a gap, once it gave up or the EOSE timeout passed without it. */
  gap: RelayGap | undefined;
  /** Wire subscription ids on this relay: one REQ each, split to fit `max_message_length`. */
  parts: string[];
  /** Parts that sent EOSE since the last REQ. */
  eosedParts: Set<string>;
  /** The last trouble seen before an answer, named in the gap if the timeout passes. */
  problem: { reason: GapReason; message: string } | undefined;
}

interface PoolSub {
  id: string;
  filters: Filter[];
  sink: SubscriptionSink;
  cursorKey: string | undefined;
  closeOnEose: boolean;
  slack: number;
  perRelay: Map<string, PerRelay>;
  eoseTimer: NodeJS.Timeout | undefined;
}

type OkWaiter = (accepted: boolean, message: string) => void;

interface RelayState {
  url: string;
  conn: RelayConnection;
  limits: RelayLimits;
  limitsReady: Promise<void>;
  /** The NIP-11 fetch is done (or not wanted). */
  limitsKnown: boolean;
  subs: Map<string, PoolSub>;
  /** Wire subscription id -> subscription (a subscription split in parts has several). */
  parts: Map<string, PoolSub>;
  okWaiters: Map<string, OkWaiter[]>;
  notices: string[];
  challenge: string | undefined;
  answeredChallenge: string | undefined;
  authInFlight: string | undefined;
  authed: boolean;
  authWaiters: (() => void)[];
  challengeWaiters: (() => void)[];
  authTimes: number[];
  /** Hear NEG-* frames and NOTICEs (NIP-77 over this connection: nip77.ts). */
  listeners: Set<(message: unknown[]) => void>;
  stats: Omit<RelayStats, 'connects' | 'disconnects' | 'badFrames' | 'oversizedFrames'>;
}

let subCounter = 0;

/**
 * The one key of a relay in a pool: its canonical URL (`core/relay-url.ts`), so `WS://h/` from
 * `--relay` and `ws://h` from a recipient's list share one connection. Anything that is not a
 * relay URL keeps its text (it then fails to connect and is reported, never thrown).
 */
function relayKey(url: string): string {
  try {
    return normalizeRelayUrl(url);
  } catch {
    return url;
  }
}

function relayKeys(urls: readonly string[]): string[] {
  return [...new Set(urls.map(relayKey))];
}

function mayMatchGiftWraps(filters: readonly Filter[]): boolean {
  return filters.some((f) => !f.kinds || f.kinds.includes(Kind.GiftWrap));
}

/** The Nostr relay transport. */
export class RelayPool implements Transport {
  readonly readRelays: string[];
  readonly writeRelays: string[];
  readonly verifier: EventVerifier;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #cursors: CursorStorage | undefined;
  readonly #signer: EventSigner | undefined;
  readonly #authRelays: string[];
  readonly #options: RelayPoolOptions;
  readonly #relays = new Map<string, RelayState>();
  readonly #subs = new Set<PoolSub>();
  readonly #connectedListeners = new Set<(relay: string) => void>();
  #flushTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RelayPoolOptions = {}) {
    this.#options = options;
    this.readRelays = relayKeys(options.readRelays ?? options.relays ?? []);
    this.writeRelays = relayKeys(options.writeRelays ?? options.relays ?? []);
    this.verifier = options.verifier ?? new EventVerifier({ clock: options.clock });
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#cursors = options.cursors;
    this.#signer = options.signer;
    this.#authRelays = options.authRelays ?? this.readRelays;
  }

  /** Counters for every relay contacted so far (see {@link Transport.stats}). */
  stats(): Record<string, RelayStats> {
    const out: Record<string, RelayStats> = {};
    for (const [url, s] of this.#relays)
      out[url] = { ...s.stats, invalidByCode: { ...s.stats.invalidByCode }, ...s.conn.stats };
    return out;
  }

  /** The last NOTICE messages of a relay (bounded). */
  notices(relay: string): string[] {
    return [...(this.#relays.get(relayKey(relay))?.notices ?? [])];
  }

  /** NIP-11 limits known for a relay (empty until fetched). */
  limits(relay: string): RelayLimits {
    return { ...this.#relays.get(relayKey(relay))?.limits };
  }

  /** Whether the pool holds an open connection to `relay` (see {@link Transport.isConnected}). */
  isConnected(relay: string): boolean {
    return this.#relays.get(relayKey(relay))?.conn.open ?? false;
  }

  /** Be told each time a connection to a relay opens (see {@link Transport.onConnected}). */
  onConnected(listener: (relay: string) => void): () => void {
    this.#connectedListeners.add(listener);
    return () => this.#connectedListeners.delete(listener);
  }

  /** Drop the connection to `relay` now (it reconnects with backoff); for tests and operators. */
  disconnect(relay: string): void {
    this.#relays.get(relayKey(relay))?.conn.drop();
  }

  /**
   * A channel over the pool's connection to `relay` for NIP-77 (nip77.ts): send frames, hear its
   * `NEG-*` frames and NOTICEs. Opens the connection if needed.
   * @throws OtP2pError `closed` after {@link close}.
   */
  channel(relay: string): RelayChannel {
    if (this.#closed) throw new OtP2pError('closed', 'relay pool is closed');
    const state = this.#relay(relayKey(relay));
    return {
      send: (m) => state.conn.send(m),
      whenOpen: (ms) => state.conn.whenOpen(ms, this.#giveUpAfterDials),
      connection: () => (state.conn.open ? state.conn.stats.connects : -1),
      listen: (fn) => {
        state.listeners.add(fn);
        return () => state.listeners.delete(fn);
      },
    };
  }

  #now(): number {
    return Math.floor(this.#clock.now() / 1000);
  }

  #relay(url: string): RelayState {
    const existing = this.#relays.get(url);
    if (existing) return existing;
    const state: RelayState = {
      url,
      conn: undefined as unknown as RelayConnection,
      limits: {},
      limitsReady: Promise.resolve(),
      limitsKnown: this.#options.fetchLimits === false,
      subs: new Map(),
      parts: new Map(),
      okWaiters: new Map(),
      notices: [],
      challenge: undefined,
      answeredChallenge: undefined,
      authInFlight: undefined,
      authed: false,
      authWaiters: [],
      challengeWaiters: [],
      authTimes: [],
      listeners: new Set(),
      stats: {
        received: 0,
        invalid: 0,
        invalidByCode: {},
        unmatched: 0,
        duplicates: 0,
        orphans: 0,
        notices: 0,
        authChallenges: 0,
        authAnswers: 0,
      },
    };
    state.conn = new RelayConnection(
      url,
      {
        onopen: () => this.#onOpen(state),
        onmessage: (m, bytes) => this.#onMessage(state, m, bytes),
        onclose: (reason, opened) => this.#onClose(state, reason, opened),
      },
      { random: this.#random, ...this.#options.connection },
    );
    if (this.#options.fetchLimits !== false) {
      state.limitsReady = fetchRelayLimits(url).then((l) => {
        state.limits = l;
        state.limitsKnown = true;
      });
    }
    this.#relays.set(url, state);
    state.conn.start();
    return state;
  }

  // ---- publishing ----

  /**
   * Publish to `relays` (default: the write relays). One result per relay; a relay failing is a
   * result, never an exception.
   * @throws OtP2pError `closed` after {@link close}, `no-relays` when there is no relay to ask.
   */
  async publish(
    event: NostrEvent,
    relays: string[] = this.writeRelays,
    options: PublishOptions = {},
  ): Promise<PublishResult[]> {
    if (this.#closed) throw new OtP2pError('closed', 'relay pool is closed');
    if (relays.length === 0) throw new OtP2pError('no-relays', 'no relays to publish to');
    return Promise.all(relayKeys(relays).map((url) => this.#publishOne(this.#relay(url), event, true, options)));
  }

  async #publishOne(
    state: RelayState,
    event: NostrEvent,
    mayAuth: boolean,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const timeoutMs = this.#options.publishTimeoutMs ?? 10_000;
    const relay = state.url;
    // A relay whose dials keep failing is reported unreachable at once (the outbox retries it).
    if (!(await state.conn.whenOpen(timeoutMs, this.#giveUpAfterDials)))
      return {
        relay,
        ok: false,
        code: 'relay-unreachable',
        message: `could not connect${state.conn.lastError ? ` (${state.conn.lastError})` : ''}`,
      };
    await Promise.race([state.limitsReady, new Promise((r) => setTimeout(r, 2000).unref())]);
    const frame = JSON.stringify(['EVENT', event]);
    const max = state.limits.maxMessageLength;
    if (max !== undefined && Buffer.byteLength(frame, 'utf8') > max) {
      return {
        relay,
        ok: false,
        code: 'too-large',
        message: `event frame is over the relay's max_message_length of ${max}`,
      };
    }
    // NIP-11 created_at limits: the relay would refuse the event; say so without sending it.
    const now = Math.floor(this.#clock.now() / 1000);
    const { createdAtLowerLimit: lower, createdAtUpperLimit: upper } = state.limits;
    if (
      (lower !== undefined && event.created_at < now - lower) ||
      (upper !== undefined && event.created_at > now + upper)
    ) {
      return {
        relay,
        ok: false,
        code: 'invalid',
        message: `created_at ${event.created_at} is outside the relay's NIP-11 window (now -${lower ?? '∞'}s / +${upper ?? '∞'}s)`,
      };
    }
    const answer = await new Promise<{ accepted: boolean; message: string } | 'timeout' | 'lost'>((resolve) => {
      // An EVENT the relay dropped unread (nostream, early in a connection) gets no OK: send it
      // again, a bounded number of times; a relay answers a repeat with `duplicate:` at worst.
      let resends = 0;
      const resend = setInterval(() => {
        if (resends >= (this.#options.reqRetries ?? 3) || !state.conn.open) return;
        resends++;
        state.conn.send(['EVENT', event]);
      }, this.#options.reqRetryMs ?? 3000);
      resend.unref();
      const waiter: OkWaiter = (accepted, message) => {
        clearInterval(resend);
        clearTimeout(timer);
        resolve(accepted || message !== '\u0000lost' ? { accepted, message } : 'lost');
      };
      const timer = setTimeout(() => {
        clearInterval(resend);
        const list = state.okWaiters.get(event.id);
        const i = list?.indexOf(waiter) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
        if (list?.length === 0) state.okWaiters.delete(event.id);
        resolve('timeout');
      }, timeoutMs);
      const list = state.okWaiters.get(event.id) ?? [];
      list.push(waiter);
      state.okWaiters.set(event.id, list);
      if (!state.conn.send(['EVENT', event])) waiter(false, '\u0000lost');
    });
    if (answer === 'timeout') return { relay, ok: false, code: 'timeout', message: `no OK within ${timeoutMs} ms` };
    if (answer === 'lost') return { relay, ok: false, code: 'relay-unreachable', message: 'connection lost before OK' };
    const result = { relay, ...classifyOk(answer.accepted, answer.message) };
    if (result.code === 'auth-required' && mayAuth) {
      // The event's own author authenticates when it is not the identity (nostream requires the
      // author); the identity only where it is allowed to be revealed.
      if (options.authSigner) {
        if (await this.#authAs(state, options.authSigner, timeoutMs))
          return this.#publishOne(state, event, false, options);
        return { ...result, message: `${result.message} (AUTH as the event's author was not accepted)` };
      }
      if (this.#canAuth(state) && (await this.#whenAuthed(state, timeoutMs)))
        return this.#publishOne(state, event, false, options);
    }
    return result;
  }

  // ---- subscriptions ----

  /**
   * Subscribe on `options.relays` (default: the read relays). Events are verified, matched
   * against `filters`, deduplicated across relays, then delivered.
   * @throws OtP2pError `closed` after {@link close}, `no-relays` when there is no relay to ask.
   */
  subscribe(filters: Filter[], handlers: SubscriptionHandlers = {}, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new OtP2pError('closed', 'relay pool is closed');
    const urls = relayKeys(options.relays ?? this.readRelays);
    if (urls.length === 0) throw new OtP2pError('no-relays', 'no relays to subscribe to');
    const key = options.cursorKey;
    const id = `${(key ?? 'sub').slice(0, 24)}-${(subCounter++).toString(36)}`;
    const sub: PoolSub = {
      id,
      filters,
      sink: undefined as unknown as SubscriptionSink,
      cursorKey: key,
      closeOnEose: options.closeOnEose === true,
      slack: mayMatchGiftWraps(filters) ? GIFT_WRAP_SLACK_SECONDS : (this.#options.resubscribeSlackSeconds ?? 60),
      perRelay: new Map(),
      eoseTimer: undefined,
    };
    sub.sink = new SubscriptionSink(id, handlers, () => this.#closeSub(sub, true));
    this.#subs.add(sub);
    for (const url of urls) {
      const mark = key !== undefined ? this.#cursors?.load(url, key) : undefined;
      sub.perRelay.set(url, {
        eosed: false,
        closedReason: undefined,
        storedPhase: true,
        mark,
        candidate: undefined,
        waitingAuth: false,
        answered: false,
        sends: 0,
        retryTimer: undefined,
        gap: undefined,
        problem: undefined,
        parts: [],
        eosedParts: new Set(),
      });
      const state = this.#relay(url);
      state.subs.set(id, sub);
      if (state.conn.open) this.#sendReq(state, sub);
      else if (state.conn.knownDown(this.#giveUpAfterDials)) {
        // Known down (its dials keep failing): a gap now, not after the EOSE timeout. The REQ
        // still goes out if the relay comes back while the subscription lives.
        const per = sub.perRelay.get(url) as PerRelay;
        per.eosed = true;
        per.gap = { relay: url, reason: 'unreachable', message: state.conn.lastError || 'could not connect' };
      }
    }
    // Deferred: handlers may use the returned subscription, which does not exist yet.
    queueMicrotask(() => this.#checkEose(sub));
    const eoseMs = options.eoseTimeoutMs ?? this.#options.eoseTimeoutMs ?? 10_000;
    sub.eoseTimer = setTimeout(() => {
      for (const [url, p] of sub.perRelay) {
        if (p.eosed) continue;
        p.eosed = true;
        const conn = this.#relays.get(url)?.conn;
        if (conn?.open)
          p.gap = { relay: url, reason: 'no-answer', message: p.problem?.message ?? `no EOSE within ${eoseMs} ms` };
        else if (p.problem) p.gap = { relay: url, ...p.problem };
        else
          p.gap = {
            relay: url,
            reason: 'unreachable',
            message: conn?.lastError || `not connected within ${eoseMs} ms`,
          };
      }
      this.#checkEose(sub);
    }, eoseMs);
    sub.eoseTimer.unref();
    return sub.sink;
  }

  /** Failed dials in a row after which a relay counts as down (publishes and queries say so at once). */
  get #giveUpAfterDials(): number {
    return this.#options.unreachableAfterDials ?? 2;
  }

  #sendReq(state: RelayState, sub: PoolSub): void {
    const per = sub.perRelay.get(state.url);
    if (!per || per.closedReason !== undefined) return;
    per.storedPhase = true;
    per.candidate = undefined;
    const resumed =
      per.mark === undefined
        ? sub.filters
        : sub.filters.map((f) => ({
            ...f,
            since: Math.max(f.since ?? 0, Math.max(0, (per.mark as number) - sub.slack)),
          }));
    // NIP-11 max_limit: a relay clamps (or refuses) larger limits; asking within it keeps the
    // EOSE meaningful.
    const maxLimit = state.limits.maxLimit;
    const filters =
      maxLimit === undefined
        ? resumed
        : resumed.map((f) => (f.limit !== undefined && f.limit > maxLimit ? { ...f, limit: maxLimit } : f));
    // Frames over the relay's max_message_length close the socket (nostream: 1009): split.
    const groups = splitReq(filters, state.limits.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH);
    const ids = groups.map((_, i) => (i === 0 ? sub.id : `${sub.id}:${i}`));
    for (const old of per.parts) {
      if (ids.includes(old)) continue;
      state.parts.delete(old);
      state.conn.send(['CLOSE', old]);
    }
    per.parts = ids;
    per.eosedParts = new Set();
    for (const id of ids) state.parts.set(id, sub);
    let sent = true;
    groups.forEach((g, i) => {
      sent = state.conn.send(['REQ', ids[i], ...g]) && sent;
    });
    if (!sent) return;
    per.sends++;
    per.answered = false;
    clearTimeout(per.retryTimer);
    per.retryTimer = setTimeout(() => this.#reqUnanswered(state, sub, per), this.#options.reqRetryMs ?? 3000);
    per.retryTimer.unref();
  }

  /** No EOSE, CLOSED or event since the last REQ: send it again, or give up on this connection. */
  #reqUnanswered(state: RelayState, sub: PoolSub, per: PerRelay): void {
    per.retryTimer = undefined;
    if (
      per.answered ||
      per.closedReason !== undefined ||
      per.waitingAuth ||
      !state.subs.has(sub.id) ||
      !state.conn.open
    )
      return;
    if (per.sends <= (this.#options.reqRetries ?? 3)) return this.#sendReq(state, sub);
    per.problem = { reason: 'no-answer', message: `no EOSE or CLOSED after ${per.sends} REQs` };
    if (per.eosed) return;
    per.eosed = true;
    per.gap = { relay: state.url, ...per.problem };
    this.#checkEose(sub);
  }

  /**
   * Live subscriptions a relay has not confirmed with EOSE on its current connection (not
   * connected, REQ unanswered, or waiting for AUTH): events from that relay may be missed, so a
   * status report shows it as degraded.
   */
  unconfirmed(): UnconfirmedSubscription[] {
    const out: UnconfirmedSubscription[] = [];
    for (const sub of this.#subs) {
      for (const [url, p] of sub.perRelay) {
        if (p.closedReason !== undefined) continue;
        if (p.storedPhase || !this.#relays.get(url)?.conn.open) out.push({ relay: url, subscription: sub.id });
      }
    }
    return out;
  }

  #advance(sub: PoolSub, url: string, per: PerRelay, ts: number): void {
    if (per.mark !== undefined && ts <= per.mark) return;
    per.mark = ts;
    if (sub.cursorKey !== undefined && this.#cursors) {
      this.#cursors.save(url, sub.cursorKey, ts);
      this.#scheduleFlush();
    }
  }

  #scheduleFlush(): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      try {
        this.#cursors?.flush();
      } catch {
        // marks stay pending and are retried on the next flush or on close
      }
    }, 1000);
    this.#flushTimer.unref();
  }

  #checkEose(sub: PoolSub): void {
    if (sub.sink.eosed || sub.sink.closed) return;
    const gaps: RelayGap[] = [];
    for (const p of sub.perRelay.values()) {
      if (!p.eosed) return;
      if (p.gap) gaps.push(p.gap);
    }
    clearTimeout(sub.eoseTimer);
    sub.sink.eose(gaps);
    if (sub.closeOnEose) sub.sink.close();
  }

  #closeSub(sub: PoolSub, sendClose: boolean): void {
    clearTimeout(sub.eoseTimer);
    this.#subs.delete(sub);
    for (const p of sub.perRelay.values()) clearTimeout(p.retryTimer);
    for (const url of sub.perRelay.keys()) {
      const state = this.#relays.get(url);
      if (!state) continue;
      state.subs.delete(sub.id);
      const per = sub.perRelay.get(url);
      for (const id of per?.parts ?? []) {
        state.parts.delete(id);
        if (sendClose) state.conn.send(['CLOSE', id]);
      }
    }
  }

  // ---- incoming ----

  #onOpen(state: RelayState): void {
    state.authed = false;
    state.challenge = undefined;
    state.answeredChallenge = undefined;
    state.authInFlight = undefined;
    // A listener's failure is its own: the resubscription below must happen regardless.
    for (const l of [...this.#connectedListeners])
      try {
        l(state.url);
      } catch {}
    const big: PoolSub[] = [];
    for (const sub of state.subs.values()) {
      const per = sub.perRelay.get(state.url);
      if (per) per.sends = 0;
      // A big REQ is split to the relay's NIP-11 max_message_length: wait (briefly) for it.
      if (state.limitsKnown || Buffer.byteLength(JSON.stringify(sub.filters), 'utf8') <= SMALL_REQ_BYTES)
        this.#sendReq(state, sub);
      else big.push(sub);
    }
    if (big.length === 0) return;
    void Promise.race([state.limitsReady, new Promise((r) => setTimeout(r, 2000).unref())]).then(() => {
      if (!state.conn.open) return;
      for (const sub of big)
        if (state.subs.has(sub.id) && sub.perRelay.get(state.url)?.sends === 0) this.#sendReq(state, sub);
    });
  }

  #onClose(state: RelayState, reason: string, opened: boolean): void {
    for (const [id, waiters] of state.okWaiters) {
      state.okWaiters.delete(id);
      for (const w of waiters) w(false, '\u0000lost');
    }
    // A relay that dropped before EOSE is asked again on reconnect (its stored phase restarts);
    // one that cannot be reached at all stops holding up EOSE and is reported as a gap.
    const unreachable = !opened && state.conn.failedDials >= this.#giveUpAfterDials;
    for (const sub of state.subs.values()) {
      const per = sub.perRelay.get(state.url);
      if (!per) continue;
      clearTimeout(per.retryTimer);
      per.retryTimer = undefined;
      if (per.eosed) continue;
      if (opened)
        per.problem = {
          reason: 'connection-lost',
          message: `connection closed before EOSE (${reason || 'no reason'})`,
        };
      if (!unreachable) continue;
      per.eosed = true;
      per.gap = {
        relay: state.url,
        reason: 'unreachable',
        message: state.conn.lastError || reason || 'could not connect',
      };
      this.#checkEose(sub);
    }
  }

  #onMessage(state: RelayState, msg: unknown[], bytes: number): void {
    if (state.listeners.size > 0 && (msg[0] === 'NOTICE' || (msg[0] as string).startsWith('NEG-')))
      for (const l of [...state.listeners]) l(msg);
    switch (msg[0]) {
      case 'EVENT':
        return this.#onEvent(state, msg[1], msg[2], bytes);
      case 'EOSE': {
        const sub = typeof msg[1] === 'string' ? state.parts.get(msg[1]) : undefined;
        const per = sub?.perRelay.get(state.url);
        if (!sub || !per) return;
        per.eosedParts.add(msg[1] as string);
        if (per.eosedParts.size < per.parts.length) return;
        per.answered = true;
        per.gap = undefined;
        per.problem = undefined;
        clearTimeout(per.retryTimer);
        if (per.storedPhase) {
          per.storedPhase = false;
          if (per.candidate !== undefined) this.#advance(sub, state.url, per, per.candidate);
        }
        per.eosed = true;
        return this.#checkEose(sub);
      }
      case 'OK': {
        if (typeof msg[1] !== 'string') return;
        const accepted = msg[2] === true;
        const message = typeof msg[3] === 'string' ? msg[3].slice(0, 1024) : '';
        if (msg[1] === state.authInFlight) return this.#onAuthOk(state, accepted);
        const waiters = state.okWaiters.get(msg[1]);
        if (!waiters) return;
        state.okWaiters.delete(msg[1]);
        for (const w of waiters) w(accepted, message === '\u0000lost' ? '' : message);
        return;
      }
      case 'CLOSED': {
        const sub = typeof msg[1] === 'string' ? state.parts.get(msg[1]) : undefined;
        const per = sub?.perRelay.get(state.url);
        if (!sub || !per) return;
        const reason = typeof msg[2] === 'string' ? msg[2].slice(0, 1024) : '';
        per.answered = true;
        clearTimeout(per.retryTimer);
        if (prefixCode(reason) === 'auth-required' && this.#canAuth(state) && !per.waitingAuth) {
          per.waitingAuth = true;
          void this.#whenAuthed(state, this.#options.publishTimeoutMs ?? 10_000).then((ok) => {
            per.waitingAuth = false;
            if (ok && state.subs.has(sub.id)) this.#sendReq(state, sub);
            else this.#relayClosedSub(state, sub, per, reason);
          });
          return;
        }
        return this.#relayClosedSub(state, sub, per, reason);
      }
      case 'NOTICE': {
        state.stats.notices++;
        state.notices.push(typeof msg[1] === 'string' ? msg[1].slice(0, 512) : '');
        const max = this.#options.maxNotices ?? 32;
        if (state.notices.length > max) state.notices.splice(0, state.notices.length - max);
        return;
      }
      case 'AUTH': {
        if (typeof msg[1] !== 'string' || msg[1].length > 512) return;
        state.stats.authChallenges++;
        // Only the newest challenge is kept: memory does not grow with a flood of them.
        state.challenge = msg[1];
        for (const w of state.challengeWaiters.splice(0)) w();
        // Answering reveals who we are: only when something we asked for waits on it, or the
        // user trusts this relay.
        if (state.authWaiters.length > 0 || authAllowed(state.url, this.#options.trustedAuthRelays ?? []))
          this.#maybeAuth(state);
        return;
      }
      default:
        return;
    }
  }

  #relayClosedSub(state: RelayState, sub: PoolSub, per: PerRelay, reason: string): void {
    per.closedReason = reason;
    if (!per.eosed) per.gap = { relay: state.url, reason: 'closed', message: reason };
    per.eosed = true;
    state.subs.delete(sub.id);
    // One part closed: the relay's answer is partial, so the other parts are closed too.
    for (const id of per.parts) {
      state.parts.delete(id);
      state.conn.send(['CLOSE', id]);
    }
    per.parts = [];
    this.#checkEose(sub);
    for (const p of sub.perRelay.values()) if (p.closedReason === undefined) return;
    const reasons: Record<string, string> = {};
    for (const [url, p] of sub.perRelay) reasons[url] = p.closedReason ?? '';
    this.#closeSub(sub, false);
    sub.sink.end(reasons);
  }

  #onEvent(state: RelayState, subId: unknown, raw: unknown, frameBytes: number): void {
    const sub = typeof subId === 'string' ? state.parts.get(subId) : undefined;
    const per = sub?.perRelay.get(state.url);
    if (!sub || !per) {
      state.stats.orphans++;
      return;
    }
    // Any event for the subscription shows the relay has the REQ: no need to send it again.
    per.answered = true;
    clearTimeout(per.retryTimer);
    // The frame's size bounds the event's: when it is under the limit, skip re-serializing.
    const v = this.verifier.verify(raw, frameBytes <= this.verifier.limits.maxEventBytes ? frameBytes : undefined);
    if (!v.ok) {
      state.stats.invalid++;
      state.stats.invalidByCode[v.code] = (state.stats.invalidByCode[v.code] ?? 0) + 1;
      return;
    }
    const event = v.event;
    if (!matchFilters(sub.filters, event)) {
      state.stats.unmatched++;
      return;
    }
    state.stats.received++;
    const ts = Math.min(event.created_at, this.#now());
    if (per.storedPhase) per.candidate = per.candidate === undefined ? ts : Math.max(per.candidate, ts);
    else this.#advance(sub, state.url, per, ts);
    this.#options.onreceipt?.(event, state.url);
    if (!sub.sink.event(event, state.url)) state.stats.duplicates++;
  }

  // ---- NIP-42 ----

  #canAuth(state: RelayState): boolean {
    return this.#signer !== undefined && authAllowed(state.url, this.#authRelays);
  }

  #maybeAuth(state: RelayState): void {
    const challenge = state.challenge;
    if (!this.#canAuth(state) || challenge === undefined || state.authInFlight !== undefined) return;
    if (challenge === state.answeredChallenge) return;
    const now = this.#clock.now();
    const perMinute = this.#options.maxAuthPerMinute ?? 6;
    state.authTimes = state.authTimes.filter((t) => now - t < 60_000);
    if (state.authTimes.length >= perMinute) return;
    state.authTimes.push(now);
    state.answeredChallenge = challenge;
    const signer = this.#signer as EventSigner;
    void Promise.resolve(signer(authTemplate(state.url, challenge, this.#now()))).then(
      (ev) => {
        state.authInFlight = ev.id;
        state.stats.authAnswers++;
        if (!state.conn.send(['AUTH', ev])) state.authInFlight = undefined;
      },
      () => undefined,
    );
  }

  #onAuthOk(state: RelayState, accepted: boolean): void {
    state.authInFlight = undefined;
    if (accepted) {
      state.authed = true;
      for (const w of state.authWaiters.splice(0)) w();
    }
    // A newer challenge may have arrived meanwhile.
    if (state.authWaiters.length > 0) this.#maybeAuth(state);
  }

  /** AUTH with another key than the identity's (an event's own author); true when accepted. */
  async #authAs(
    state: RelayState,
    signer: NonNullable<PublishOptions['authSigner']>,
    timeoutMs: number,
  ): Promise<boolean> {
    if (state.challenge === undefined) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        t.unref();
        state.challengeWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const challenge = state.challenge;
    if (challenge === undefined) return false;
    let ev: NostrEvent;
    try {
      ev = await signer(authTemplate(state.url, challenge, this.#now()));
    } catch {
      return false;
    }
    state.stats.authAnswers++;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      t.unref();
      const list = state.okWaiters.get(ev.id) ?? [];
      list.push((accepted) => {
        clearTimeout(t);
        resolve(accepted);
      });
      state.okWaiters.set(ev.id, list);
      if (!state.conn.send(['AUTH', ev])) resolve(false);
    });
  }

  #whenAuthed(state: RelayState, timeoutMs: number): Promise<boolean> {
    if (state.authed) return Promise.resolve(true);
    this.#maybeAuth(state);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        resolve(true);
      };
      const t = setTimeout(() => {
        const i = state.authWaiters.indexOf(done);
        if (i >= 0) state.authWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      state.authWaiters.push(done);
    });
  }

  /** Close every subscription and connection, and write pending cursors. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of [...this.#subs]) {
      this.#closeSub(sub, true);
      sub.sink.end({});
    }
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const state of this.#relays.values()) {
      state.conn.close();
      this.#onClose(state, 'pool closed', true);
      for (const w of state.authWaiters.splice(0)) w();
      for (const w of state.challengeWaiters.splice(0)) w();
    }
    this.#cursors?.flush();
  }
}
