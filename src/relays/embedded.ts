/**
 * The embedded relay: a real NIP-01 relay for local use, tests and the demo, built on
 * `@nostr-relay/core` + `@nostr-relay/event-repository-sqlite` + `@nostr-relay/validator` over a
 * `ws` server, file-backed SQLite.
 *
 * What this wiring adds to the packages (see ../shared/NOTES.md for their gaps):
 * - a NIP-11 document on HTTP GET with `Accept: application/nostr+json`;
 * - `OK false` for every refused event (oversized, malformed, outside the `created_at` window),
 *   where the packages only send a NOTICE, and `CLOSED` for refused REQs;
 * - NIP-42 done here rather than by the package (which only guards kind 4): events of the private
 *   kinds (`PRIVATE_KINDS`: DMs, gift wraps, ephemeral gift wraps) are served only to a connection
 *   authenticated as one of their `p` recipients, and a REQ that asks for them without auth gets
 *   `CLOSED auth-required:`;
 * - REQs run here, not in the package (which runs every filter at once and reads each whole):
 *   filter by filter, page by page, under the limits of relay-policy.ts, and every write goes
 *   through a per-connection writer with backpressure (relay-outbound.ts). Live events are fanned
 *   out by a broadcast plugin, so the package only stores events and answers `OK`;
 * - throughput: WAL + synchronous=NORMAL on the relay database, the packages' pure-JS id/sig
 *   checks swapped for node:crypto + libsecp256k1 (WASM), the 1 s REQ result cache disabled so a
 *   query always sees what was just acknowledged (docs/performance.md "Relays").
 */
import { createServer } from 'node:http';
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { WebSocketServer } from 'ws';
import type { WebSocket, RawData } from 'ws';
import { NostrRelay } from '@nostr-relay/core';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { Validator } from '@nostr-relay/validator';
import { LogLevel } from '@nostr-relay/common';
import type { Client as RelayClient, IncomingMessage as RelayMessage } from '@nostr-relay/common';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import {
  checkShape,
  computeEventId,
  DEFAULT_EVENT_LIMITS,
  limitsForKind,
  maxAnyEventBytes,
  verifySignature,
} from '../events/verify.ts';
import type { EventLimits } from '../events/verify.ts';
import { Kind, PRIVATE_KINDS } from '../events/kinds.ts';
import type { NostrEvent } from '../events/types.ts';
import { matchFilter } from '../events/filter.ts';
import type { Filter } from '../events/filter.ts';
import { ByteBudget, DEFAULT_RELAY_POLICY, checkReq, rowsFor } from './relay-policy.ts';
import type { RelayPolicy } from './relay-policy.ts';
import { Outbound } from './relay-outbound.ts';
import { installFastChecks, silenceDeprecationNotice } from './embedded-shims.ts';
import { Nip77Sessions, relayRecords } from './nip77.ts';
import type { NegRecord } from './negentropy.ts';

/** Options for {@link startEmbeddedRelay}. */
export interface EmbeddedRelayOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) picks an ephemeral port. */
  port?: number;
  /** SQLite file; default `:memory:`. */
  dbPath?: string;
  /** Largest event JSON accepted, in bytes (default 64 KiB, strfry's cap). */
  maxEventBytes?: number;
  /**
   * Largest WebSocket frame accepted before the connection is dropped (default: room for the
   * largest event any kind may be, a 1 MB follow list, and at least 256 KiB).
   */
  maxMessageBytes?: number;
  /** Accepted `created_at` window: seconds into the future (default 900) and past (default: none). */
  maxFutureSeconds?: number;
  maxAgeSeconds?: number | null;
  /** REQ limit when a filter names none (default 500). */
  defaultLimit?: number;
  /**
   * Most events a REQ filter gets, whatever its `limit` (NIP-11 `max_limit`, like strfry's 500);
   * lowers `defaultLimit` to it when smaller. Default: 10x `defaultLimit`.
   */
  maxLimit?: number;
  /** Called with every text frame a client sends, before it is handled (tests assert on REQs). */
  onFrame?: (frame: string) => void;
  /**
   * Limits on REQs, subscriptions, query memory and per-connection buffers (defaults:
   * `DEFAULT_RELAY_POLICY`). `maxLimit` defaults to 10x `defaultLimit`, is never above that and
   * never below `defaultLimit`.
   */
  policy?: Partial<Omit<RelayPolicy, 'defaultLimit'>>;
  /** NIP-11 name and description. */
  name?: string;
  description?: string;
  /** Kinds only served to the authenticated `p` recipient (default `PRIVATE_KINDS`: 4, 1059, 21059). */
  privateKinds?: readonly number[];
  /**
   * Kinds this relay refuses by policy (`OK false "blocked: ..."`), as some public relays refuse
   * gift wraps; default none.
   */
  refusedKinds?: readonly number[];
  /**
   * NIP-77 negentropy (default on): records one NEG-OPEN may cover (default 100 000; past it
   * `NEG-ERR blocked:`) and sessions per connection (default 4). `false`: the relay does not
   * know NEG-OPEN (a NOTICE), as relays without NIP-77 answer.
   */
  negentropy?: false | { maxRecords?: number; maxSessions?: number };
  clock?: Clock;
}

/** What the relay holds and has refused, for tests, the soak run and operators. */
export interface EmbeddedRelayStats {
  connections: number;
  /** Open subscriptions over all connections. */
  subscriptions: number;
  /** Bytes of stored-query results read and not yet handed to a socket (bounded by `maxBytesInFlight`). */
  bytesInFlight: number;
  /** Stored-query pages waiting for the relay-wide budget. */
  pagesWaiting: number;
  /** Unsent bytes over all sockets. */
  bufferedBytes: number;
  /** REQs refused by the policy (too many filters or subscriptions). */
  reqsRefused: number;
  /** Connections dropped for not reading (over the buffer cap or no progress). */
  slowDropped: number;
  /** WebSocket connections accepted since start (a client should hold one per relay). */
  connectionsAccepted: number;
}

/** A running embedded relay. */
export interface EmbeddedRelay {
  /** `ws://host:port` */
  readonly url: string;
  readonly port: number;
  /** Number of open client connections. */
  connections(): number;
  /** Counters of what the relay holds and refused. */
  stats(): EmbeddedRelayStats;
  /** Close every connection, the servers and the database. Idempotent. */
  close(): Promise<void>;
}

/** One subscription of a connection. */
interface Sub {
  id: string;
  filters: Filter[];
  /** Filters matched against live events (those with NIP-50 `search` are stored-only, as in the package). */
  liveFilters: Filter[];
  /** Ids already sent, until EOSE: live events may arrive while stored ones are still going out. */
  sent: Set<string> | undefined;
  abort: AbortController;
}

/** Per-connection state kept by this wiring (the package keeps its own context). */
interface Conn {
  ws: WebSocket;
  challenge: string;
  /** Pubkeys this connection authenticated as (NIP-42 allows several); bounded. */
  authed: Set<string>;
  /** What the package sees as the client: only its OK and NOTICE messages pass. */
  client: RelayClient;
  out: Outbound;
  subs: Map<string, Sub>;
  /** Stored phases run one at a time per connection, in REQ order. */
  queue: Promise<void>;
  /** Frames being handled; the socket stops being read above the policy's cap. */
  framesInFlight: number;
  /** NIP-77 sessions (undefined when the relay runs without NIP-77). */
  neg: Nip77Sessions | undefined;
}

const MAX_AUTHED_PER_CONN = 8;
/** Bytes a stored phase writes before it lets the event loop serve other connections. */
const YIELD_BYTES = 256 * 1024;

/** Resolve after pending I/O callbacks have run. */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function idOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string')
    return (raw as { id: string }).id;
  return '';
}

/** Whether a filter can match events of `kinds` (a filter without `kinds` matches every kind). */
function asksForKinds(filter: Filter, kinds: readonly number[]): boolean {
  return Array.isArray(filter.kinds) && filter.kinds.some((k) => kinds.includes(k));
}

/** Whether `c` may see `ev`: events of private kinds only reach an authenticated `p` recipient. */
function maySee(c: Conn, ev: NostrEvent, privateKinds: readonly number[]): boolean {
  if (!privateKinds.includes(ev.kind)) return true;
  return ev.tags.some((t) => t[0] === 'p' && t[1] !== undefined && c.authed.has(t[1]));
}

/**
 * Start an embedded relay. Resolves once it listens.
 * @throws OtP2pError `io-error` when the port cannot be bound, `db-error` when the database cannot be opened.
 */
export async function startEmbeddedRelay(options: EmbeddedRelayOptions = {}): Promise<EmbeddedRelay> {
  installFastChecks();
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const maxEventBytes = options.maxEventBytes ?? 64 * 1024;
  const privateKinds = options.privateKinds ?? PRIVATE_KINDS;
  // Follow and relay lists get the verifier's own per-kind limits (one definition,
  // events/verify.ts): a relay that cut them would cut the web of trust the client builds.
  const limits: EventLimits = {
    ...DEFAULT_EVENT_LIMITS,
    maxEventBytes,
    maxTagValueBytes: maxEventBytes,
    maxFutureSeconds: options.maxFutureSeconds ?? 900,
    maxAgeSeconds: options.maxAgeSeconds ?? null,
  };
  const largestEvent = maxAnyEventBytes(limits);
  const mostTags = Math.max(limits.maxTags, ...Object.values(limits.byKind ?? {}).map((k) => k.maxTags));
  // An operator's frame cap stands (larger lists then cannot arrive); the default fits them.
  const maxMessageBytes =
    options.maxMessageBytes !== undefined
      ? Math.max(options.maxMessageBytes, maxEventBytes + 1024)
      : Math.max(256 * 1024, largestEvent + 1024);
  const defaultLimit = Math.min(
    options.defaultLimit ?? DEFAULT_RELAY_POLICY.defaultLimit,
    options.maxLimit ?? Number.POSITIVE_INFINITY,
  );
  // The package's repository caps a limit at 10x its default; ours never asks for more.
  const maxLimit = Math.max(
    defaultLimit,
    Math.min(options.maxLimit ?? options.policy?.maxLimit ?? defaultLimit * 10, defaultLimit * 10),
  );
  const policy: RelayPolicy = { ...DEFAULT_RELAY_POLICY, ...options.policy, defaultLimit, maxLimit };
  // A page holds at most this many rows, so its worst case is known before it is read.
  // Whether an event over the default size may be stored (a follow list): a file may hold one
  // from an earlier run; in memory, only once one was taken.
  let bigStored = options.dbPath !== undefined && options.dbPath !== ':memory:';
  /**
   * The largest event a filter can match, for a page's worst case: a filter naming its kinds
   * takes theirs; one that does not takes the largest of any kind once such an event is stored.
   */
  const largestFor = (f: Filter): number =>
    Array.isArray(f.kinds)
      ? Math.max(1, ...f.kinds.map((k) => limitsForKind(limits, k).maxEventBytes))
      : bigStored
        ? largestEvent
        : maxEventBytes;
  const budget = new ByteBudget(policy.maxBytesInFlight);
  const counters = { reqsRefused: 0, slowDropped: 0, connectionsAccepted: 0 };

  let db: Database.Database;
  try {
    db = new Database(options.dbPath ?? ':memory:');
    db.pragma('journal_mode = WAL');
    // A relay may lose its last commits on power loss (not on a crash); clients re-publish from
    // their outbox until acknowledged elsewhere, so FULL's per-commit fsync is not worth 5x.
    db.pragma('synchronous = NORMAL');
  } catch (cause) {
    throw new OtP2pError('db-error', `cannot open relay database ${options.dbPath ?? ':memory:'}`, {
      cause,
      context: { path: options.dbPath },
    });
  }
  const repository = new EventRepositorySqlite(db, { defaultLimit });
  await repository.init();
  await silenceDeprecationNotice(repository);
  const quiet = {
    setLogLevel: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const relay = new NostrRelay(repository, {
    logger: quiet,
    logLevel: LogLevel.ERROR,
    filterResultCacheTtl: 0,
    eventHandlingResultCacheTtl: 0,
    maxSubscriptionsPerClient: policy.maxSubscriptions + 1,
  });
  // Sizes and tag counts per kind are checked by checkShape first; the package's schema only
  // backs them up, so it takes the largest any kind may have.
  const validator = new Validator({
    maxContentLength: largestEvent,
    maxNumberOfTags: mostTags,
    maxSubscriptionIdLength: 64,
  });

  const conns = new Map<WebSocket, Conn>();
  let url = '';

  const nip11 = (): string =>
    JSON.stringify({
      name: options.name ?? 'otp2p embedded relay',
      description: options.description ?? 'A local Nostr relay started by otp2p',
      software: 'otp2p',
      version: '0.1.0',
      supported_nips: options.negentropy === false ? [1, 9, 11, 40, 42] : [1, 9, 11, 40, 42, 77],
      limitation: {
        max_message_length: maxMessageBytes,
        max_event_bytes: maxEventBytes,
        max_subscriptions: policy.maxSubscriptions,
        max_filters: policy.maxFiltersPerReq,
        max_limit: policy.maxLimit,
        default_limit: defaultLimit,
        max_subid_length: 64,
        auth_required: false,
        restricted_writes: false,
        created_at_lower_limit: limits.maxAgeSeconds,
        created_at_upper_limit: limits.maxFutureSeconds,
      },
    });

  const negRecords = (filters: readonly Filter[], max: number): NegRecord[] | undefined =>
    relayRecords(db, privateKinds, filters, max);

  const http = createServer((req: HttpRequest, res: ServerResponse) => {
    const accept = req.headers.accept ?? '';
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': 'GET, OPTIONS',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
    } else if (req.method === 'GET' && accept.includes('application/nostr+json')) {
      res.writeHead(200, { ...cors, 'content-type': 'application/nostr+json' }).end(nip11());
    } else {
      res
        .writeHead(426, { 'content-type': 'text/plain' })
        .end('this is a Nostr relay: connect with a WebSocket, or GET with Accept: application/nostr+json\n');
    }
  });
  const wss = new WebSocketServer({ server: http, maxPayload: maxMessageBytes });

  const send = (c: Conn, msg: unknown[]): void => {
    c.out.send(JSON.stringify(msg));
  };

  /**
   * Live events, fanned out here rather than by the package (registered below as its broadcast
   * plugin): private kinds reach only their recipient, and every write goes through the writer.
   */
  const fanOut = (ev: NostrEvent): void => {
    for (const c of conns.values()) {
      if (!c.out.open || !maySee(c, ev, privateKinds)) continue;
      for (const sub of c.subs.values()) {
        if (!sub.liveFilters.some((f) => matchFilter(f, ev))) continue;
        if (sub.sent) {
          if (sub.sent.has(ev.id)) continue;
          sub.sent.add(ev.id);
        }
        if (!c.out.send(JSON.stringify(['EVENT', sub.id, ev]))) break;
      }
    }
  };

  /**
   * One filter's stored events, newest first, a page at a time: each page is reserved in the
   * relay-wide budget at its worst case before it is read, and written only as fast as the client
   * reads. Pages walk down `until`; ids already seen at the boundary second are skipped, and the
   * page asks for that many more rows, so ties across a page boundary are neither lost nor repeated.
   * Returns false when the subscription or connection ended.
   */
  const streamFilter = async (c: Conn, sub: Sub, filter: Filter): Promise<boolean> => {
    const signal = sub.abort.signal;
    let remaining = rowsFor(policy, filter);
    const worstEvent = largestFor(filter);
    const pageRows = Math.max(1, Math.floor(policy.pageBytes / worstEvent));
    let until = typeof filter.until === 'number' ? filter.until : undefined;
    let boundary = new Set<string>();
    // Bytes read or written since this phase last let other connections run.
    let sinceYield = 0;
    while (remaining > 0) {
      const rows = Math.min(remaining, pageRows) + boundary.size;
      const lease = await budget.acquire(rows * worstEvent, signal);
      if (!lease) return false;
      try {
        if (signal.aborted || !c.out.open) return false;
        const query = { ...filter, limit: rows, ...(until !== undefined ? { until } : {}) };
        const page = (await repository.find(query as Parameters<typeof repository.find>[0])) as NostrEvent[];
        const out: string[] = [];
        let fresh = 0;
        let oldest: number | undefined;
        for (const ev of page) {
          sinceYield += ev.content.length;
          if (oldest === undefined || ev.created_at < oldest) oldest = ev.created_at;
          if (ev.created_at === until && boundary.has(ev.id)) continue;
          fresh++;
          if (fresh > remaining) break;
          if (!maySee(c, ev, privateKinds) || sub.sent?.has(ev.id)) continue;
          sub.sent?.add(ev.id);
          out.push(JSON.stringify(['EVENT', sub.id, ev]));
        }
        let held = out.reduce((n, m) => n + m.length, 0);
        lease.shrink(held);
        const next = new Set<string>(oldest === until ? boundary : []);
        for (const ev of page) if (ev.created_at === oldest) next.add(ev.id);
        const exhausted = page.length < rows || fresh === 0;
        remaining -= Math.min(fresh, remaining);
        for (const msg of out) {
          if (!(await c.out.writable()) || signal.aborted) return false;
          c.out.send(msg);
          held -= msg.length;
          lease.shrink(held);
          // A fast reader never makes `writable` wait, and everything else here resolves in
          // microtasks: give other connections their turn every so often.
          if ((sinceYield += msg.length) >= YIELD_BYTES) {
            sinceYield = 0;
            await yieldToIo();
          }
        }
        if (exhausted) return true;
        // Rows read and skipped (sent by an earlier filter) cost time too.
        if (sinceYield >= YIELD_BYTES) {
          sinceYield = 0;
          await yieldToIo();
        }
        until = oldest;
        boundary = next;
      } finally {
        lease.release();
      }
    }
    return true;
  };

  /** The stored phase of a subscription, then EOSE; live events already flow meanwhile. */
  const runStored = async (c: Conn, sub: Sub): Promise<void> => {
    for (const f of sub.filters) if (!(await streamFilter(c, sub, f))) return;
    if (sub.abort.signal.aborted || c.subs.get(sub.id) !== sub) return;
    sub.sent = undefined;
    send(c, ['EOSE', sub.id]);
  };

  const handleReq = (c: Conn, msg: RelayMessage): void => {
    const [, subId, ...raw] = msg as unknown as [string, string, ...Filter[]];
    const old = c.subs.get(subId);
    const verdict = checkReq(policy, raw.length, c.subs.size, old !== undefined);
    if (!verdict.ok) {
      counters.reqsRefused++;
      return send(c, ['CLOSED', subId, verdict.reason]);
    }
    old?.abort.abort();
    // Identical filters return identical events: run each once.
    const filters = [...new Map(raw.map((f) => [JSON.stringify(f), { ...f }])).values()];
    const sub: Sub = {
      id: subId,
      filters,
      liveFilters: filters.filter((f) => (f as { search?: unknown }).search === undefined),
      sent: new Set(),
      abort: new AbortController(),
    };
    c.subs.set(subId, sub);
    c.queue = c.queue
      .then(() => runStored(c, sub))
      .catch((err: unknown) => {
        if (c.subs.get(subId) === sub) c.subs.delete(subId);
        send(c, ['CLOSED', subId, `error: ${(err as Error).message}`]);
      });
  };

  const handleClose = (c: Conn, subId: unknown): void => {
    if (typeof subId !== 'string') return send(c, ['NOTICE', 'invalid: CLOSE needs a subscription id']);
    const sub = c.subs.get(subId);
    if (!sub) return;
    sub.abort.abort();
    c.subs.delete(subId);
  };

  const handleAuth = (c: Conn, raw: unknown): void => {
    const id = idOf(raw);
    const shape = checkShape(raw, limits, Math.floor(clock.now() / 1000));
    if (!shape.ok) return send(c, ['OK', id, false, `invalid: ${shape.message}`]);
    const ev = shape.event;
    if (computeEventId(ev) !== ev.id || !verifySignature(ev.id, ev.pubkey, ev.sig))
      return send(c, ['OK', id, false, 'invalid: bad id or signature']);
    if (ev.kind !== Kind.ClientAuth) return send(c, ['OK', id, false, 'invalid: AUTH event must be kind 22242']);
    const challenge = ev.tags.find((t) => t[0] === 'challenge')?.[1];
    if (challenge !== c.challenge) return send(c, ['OK', id, false, 'invalid: wrong challenge']);
    const relayTag = ev.tags.find((t) => t[0] === 'relay')?.[1];
    let relayHost = '';
    try {
      relayHost = new URL(relayTag ?? '').host;
    } catch {
      // handled below
    }
    if (relayHost !== new URL(url).host)
      return send(c, ['OK', id, false, 'invalid: relay tag does not name this relay']);
    if (Math.abs(ev.created_at - Math.floor(clock.now() / 1000)) > 600)
      return send(c, ['OK', id, false, 'invalid: created_at not within 10 minutes']);
    if (c.authed.size >= MAX_AUTHED_PER_CONN && !c.authed.has(ev.pubkey))
      return send(c, ['OK', id, false, 'rate-limited: too many identities on one connection']);
    c.authed.add(ev.pubkey);
    send(c, ['OK', id, true, '']);
  };

  const handleFrame = async (c: Conn, data: RawData, isBinary: boolean): Promise<void> => {
    if (isBinary) return send(c, ['NOTICE', 'invalid: binary frames are not supported']);
    const text = data.toString();
    options.onFrame?.(text);
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return send(c, ['NOTICE', 'invalid: message is not JSON']);
    }
    if (!Array.isArray(msg) || typeof msg[0] !== 'string')
      return send(c, ['NOTICE', 'invalid: message must be a JSON array']);
    const type = msg[0];
    if (c.neg && type.startsWith('NEG-')) return c.neg.handle(msg);
    if (type === 'AUTH') return handleAuth(c, msg[1]);
    if (type === 'EVENT') {
      const id = idOf(msg[1]);
      const bytes = Buffer.byteLength(text, 'utf8');
      // Check size and the created_at window here so the client gets OK false, not a NOTICE.
      const exact = bytes > maxEventBytes ? Buffer.byteLength(JSON.stringify(msg[1]), 'utf8') : bytes;
      const shape = checkShape(msg[1], limits, Math.floor(clock.now() / 1000), exact);
      if (!shape.ok) return send(c, ['OK', id, false, `invalid: ${shape.message}`]);
      if (options.refusedKinds?.includes(shape.event.kind))
        return send(c, ['OK', id, false, `blocked: kind ${shape.event.kind} is not accepted on this relay`]);
      if (exact > maxEventBytes) bigStored = true;
    }
    if (type === 'REQ') {
      const subId = msg[1];
      const filters = msg.slice(2) as Filter[];
      if (
        c.authed.size === 0 &&
        filters.some((f) => typeof f === 'object' && f !== null && asksForKinds(f, privateKinds))
      ) {
        send(c, [
          'CLOSED',
          typeof subId === 'string' ? subId : '',
          'auth-required: private kinds (DMs, gift wraps) are served only to their authenticated recipient',
        ]);
        return send(c, ['AUTH', c.challenge]);
      }
    }
    let valid: RelayMessage;
    try {
      valid = await validator.validateIncomingMessage(msg);
    } catch (err) {
      const reason = (err as Error).message.startsWith('invalid')
        ? (err as Error).message
        : `invalid: ${(err as Error).message}`;
      if (type === 'EVENT') return send(c, ['OK', idOf(msg[1]), false, reason]);
      if (type === 'REQ' && typeof msg[1] === 'string') return send(c, ['CLOSED', msg[1], reason]);
      return send(c, ['NOTICE', reason]);
    }
    if (valid[0] === 'REQ') return handleReq(c, valid);
    if (valid[0] === 'CLOSE') return handleClose(c, valid[1]);
    await relay.handleMessage(c.client, valid);
  };

  wss.on('connection', (ws, req) => {
    counters.connectionsAccepted++;
    const c: Conn = {
      ws,
      challenge: randomBytes(16).toString('hex'),
      authed: new Set(),
      client: {
        get readyState() {
          return ws.readyState as RelayClient['readyState'];
        },
        // The package answers EVENTs (OK, NOTICE); events reach clients only through fanOut and
        // the stored phase, which apply the private-kind gate.
        send: (data: string) => {
          if (!data.startsWith('["EVENT"')) c.out.send(data);
        },
      },
      out: new Outbound(ws, policy, () => counters.slowDropped++),
      subs: new Map(),
      queue: Promise.resolve(),
      framesInFlight: 0,
      neg: undefined,
    };
    if (options.negentropy !== false)
      c.neg = new Nip77Sessions({
        maxRecords: options.negentropy?.maxRecords ?? 100_000,
        maxSessions: options.negentropy?.maxSessions ?? 4,
        records: negRecords,
        send: (m) => send(c, m),
      });
    conns.set(ws, c);
    relay.handleConnection(c.client, req.socket.remoteAddress);
    send(c, ['AUTH', c.challenge]);
    ws.on('message', (data, isBinary) => {
      // Inbound backpressure: a client that floods frames stops being read until some are done.
      if (++c.framesInFlight >= policy.maxFramesInFlight) ws.pause();
      handleFrame(c, data, isBinary)
        .catch((err: unknown) => send(c, ['NOTICE', `error: ${(err as Error).message}`]))
        .finally(() => {
          if (--c.framesInFlight < policy.maxFramesInFlight / 2 && ws.isPaused) ws.resume();
        });
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      // Let go of everything the connection held: queued and running stored phases see the
      // abort (or the closed writer) and release their budget.
      for (const sub of c.subs.values()) sub.abort.abort();
      c.subs.clear();
      c.neg?.close();
      c.out.close();
      conns.delete(ws);
      relay.handleDisconnect(c.client);
    });
  });
  relay.register({ broadcast: async (event: NostrEvent) => fanOut(event) });
  // NIP-09: relays keep serving deletion requests (a client holding the deleted event learns of
  // it only so); the package applies them and drops them. Called only for a verified, new one.
  const applyDeletion = repository.deleteByDeletionRequest.bind(repository);
  repository.deleteByDeletionRequest = async (event) => {
    await applyDeletion(event);
    await repository.upsert(event);
    fanOut(event as NostrEvent);
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(
        new OtP2pError('io-error', `cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, {
          cause: err,
          context: { host, port: options.port },
        }),
      );
    };
    http.once('error', onError);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    connections: () => conns.size,
    stats: () => {
      let subscriptions = 0;
      let bufferedBytes = 0;
      for (const c of conns.values()) {
        subscriptions += c.subs.size;
        bufferedBytes += c.out.buffered;
      }
      return {
        connections: conns.size,
        subscriptions,
        bytesInFlight: budget.used,
        pagesWaiting: budget.waiting,
        bufferedBytes,
        ...counters,
      };
    },
    close: () => {
      closing ??= (async () => {
        for (const ws of conns.keys()) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await relay.destroy();
        await repository.destroy();
        if (db.open) db.close();
      })();
      return closing;
    },
  };
}
