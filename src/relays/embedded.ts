/**
 * The embedded relay: a real NIP-01 relay for local use, tests and the demo, built on
 * `@nostr-relay/core` + `@nostr-relay/event-repository-sqlite` + `@nostr-relay/validator` over a
 * `ws` server, file-backed SQLite.
 *
 * What this wiring adds to the packages (see ../shared/NOTES.md for their gaps):
 * - a NIP-11 document on HTTP GET with `Accept: application/nostr+json`;
 * - `OK false` for every refused event (oversized, malformed, outside the `created_at` window),
 *   where the packages only send a NOTICE, and `CLOSED` for refused REQs;
 * - NIP-42 done here rather than by the package (which only guards kind 4): kind 1059 gift
 *   wraps are served only to a connection authenticated as their `p` recipient, and a REQ that
 *   asks for kind 1059 without auth gets `CLOSED auth-required:`;
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
import { EventUtils, LogLevel } from '@nostr-relay/common';
import type { Client as RelayClient, IncomingMessage as RelayMessage } from '@nostr-relay/common';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import { checkShape, computeEventId, DEFAULT_EVENT_LIMITS, verifySignature } from '../events/verify.ts';
import type { EventLimits } from '../events/verify.ts';
import { Kind } from '../events/kinds.ts';
import type { NostrEvent } from '../events/types.ts';
import type { Filter } from '../events/filter.ts';

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
  /** Largest WebSocket frame accepted before the connection is dropped (default 256 KiB). */
  maxMessageBytes?: number;
  /** Accepted `created_at` window: seconds into the future (default 900) and past (default: none). */
  maxFutureSeconds?: number;
  maxAgeSeconds?: number | null;
  /** REQ limit when a filter names none; the maximum is 10x this (default 500). */
  defaultLimit?: number;
  /** NIP-11 name and description. */
  name?: string;
  description?: string;
  /** Kinds only served to the authenticated `p` recipient (default [1059, 4]). */
  privateKinds?: number[];
  clock?: Clock;
}

/** A running embedded relay. */
export interface EmbeddedRelay {
  /** `ws://host:port` */
  readonly url: string;
  readonly port: number;
  /** Number of open client connections. */
  connections(): number;
  /** Close every connection, the servers and the database. Idempotent. */
  close(): Promise<void>;
}

let fastChecksInstalled = false;
let deprecationSilenced = false;

/**
 * The repository calls kysely's deprecated `orderBy('created_at desc')`, and kysely prints a
 * one-time notice with `console.log`: on stdout, where `otp2p relay --json` must print only JSON.
 * Run one query at start-up with console.log muted so the once-per-process notice is spent.
 */
async function silenceDeprecationNotice(repository: EventRepositorySqlite): Promise<void> {
  if (deprecationSilenced) return;
  deprecationSilenced = true;
  const log = console.log;
  console.log = () => undefined;
  try {
    await repository.find({ kinds: [0], limit: 1 });
  } finally {
    console.log = log;
  }
}

/**
 * The packages verify every event with pure-JS noble (~1.6 ms each, the bulk of their ack
 * latency). Same checks, same answers, on node:crypto + libsecp256k1. Process-wide because
 * `EventUtils` is a static class inside the CommonJS package; only the embedded relay uses it.
 */
function installFastChecks(): void {
  if (fastChecksInstalled) return;
  fastChecksInstalled = true;
  const utils = EventUtils as unknown as {
    isIdValid: (e: NostrEvent) => boolean;
    isSigValid: (e: NostrEvent) => boolean;
  };
  utils.isIdValid = (e) => computeEventId(e) === e.id;
  utils.isSigValid = (e) => verifySignature(e.id, e.pubkey, e.sig);
}

/** Per-connection state kept by this wiring (the package keeps its own context). */
interface Conn {
  ws: WebSocket;
  challenge: string;
  /** Pubkeys this connection authenticated as (NIP-42 allows several); bounded. */
  authed: Set<string>;
  /** What the package sees as the client: sends pass through the private-kind gate. */
  client: RelayClient;
}

const MAX_AUTHED_PER_CONN = 8;

function idOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string') return (raw as { id: string }).id;
  return '';
}

/** Whether a filter can match events of `kinds` (a filter without `kinds` matches every kind). */
function asksForKinds(filter: Filter, kinds: readonly number[]): boolean {
  return Array.isArray(filter.kinds) && filter.kinds.some((k) => kinds.includes(k));
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
  const maxMessageBytes = Math.max(options.maxMessageBytes ?? 256 * 1024, maxEventBytes + 1024);
  const privateKinds = options.privateKinds ?? [Kind.GiftWrap, 4];
  const limits: EventLimits = {
    ...DEFAULT_EVENT_LIMITS,
    maxEventBytes,
    maxTagValueBytes: maxEventBytes,
    maxFutureSeconds: options.maxFutureSeconds ?? 900,
    maxAgeSeconds: options.maxAgeSeconds ?? null,
  };
  const defaultLimit = options.defaultLimit ?? 500;

  let db: Database.Database;
  try {
    db = new Database(options.dbPath ?? ':memory:');
    db.pragma('journal_mode = WAL');
    // A relay may lose its last commits on power loss (not on a crash); clients re-publish from
    // their outbox until acknowledged elsewhere, so FULL's per-commit fsync is not worth 5x.
    db.pragma('synchronous = NORMAL');
  } catch (cause) {
    throw new OtP2pError('db-error', `cannot open relay database ${options.dbPath ?? ':memory:'}`, { cause, context: { path: options.dbPath } });
  }
  const repository = new EventRepositorySqlite(db, { defaultLimit });
  await repository.init();
  await silenceDeprecationNotice(repository);
  const quiet = { setLogLevel: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const relay = new NostrRelay(repository, { logger: quiet, logLevel: LogLevel.ERROR, filterResultCacheTtl: 0, eventHandlingResultCacheTtl: 0, maxSubscriptionsPerClient: 64 });
  const validator = new Validator({ maxContentLength: maxEventBytes, maxSubscriptionIdLength: 64 });

  const conns = new Map<WebSocket, Conn>();
  let url = '';

  const nip11 = (): string =>
    JSON.stringify({
      name: options.name ?? 'otp2p embedded relay',
      description: options.description ?? 'A local Nostr relay started by otp2p',
      software: 'otp2p',
      version: '0.1.0',
      supported_nips: [1, 9, 11, 40, 42],
      limitation: {
        max_message_length: maxMessageBytes,
        max_event_bytes: maxEventBytes,
        max_subscriptions: 64,
        max_limit: defaultLimit * 10,
        default_limit: defaultLimit,
        max_subid_length: 64,
        auth_required: false,
        restricted_writes: false,
        created_at_lower_limit: limits.maxAgeSeconds,
        created_at_upper_limit: limits.maxFutureSeconds,
      },
    });

  const http = createServer((req: HttpRequest, res: ServerResponse) => {
    const accept = req.headers.accept ?? '';
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, OPTIONS' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
    } else if (req.method === 'GET' && accept.includes('application/nostr+json')) {
      res.writeHead(200, { ...cors, 'content-type': 'application/nostr+json' }).end(nip11());
    } else {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('this is a Nostr relay: connect with a WebSocket, or GET with Accept: application/nostr+json\n');
    }
  });
  const wss = new WebSocketServer({ server: http, maxPayload: maxMessageBytes });

  const send = (c: Conn, msg: unknown[]): void => {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
  };

  /** The gate on everything the package sends: private kinds reach only their recipient. */
  const gatedSend = (c: Conn, data: string): void => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (data.startsWith('["EVENT"') && privateKinds.some((k) => data.includes(`"kind":${k},`) || data.includes(`"kind":${k}}`))) {
      const msg = JSON.parse(data) as [string, string, NostrEvent];
      const ev = msg[2];
      if (privateKinds.includes(ev.kind)) {
        const recipients = ev.tags.filter((t) => t[0] === 'p').map((t) => t[1]);
        if (!recipients.some((p) => p !== undefined && c.authed.has(p))) return;
      }
    }
    c.ws.send(data);
  };

  const handleAuth = (c: Conn, raw: unknown): void => {
    const id = idOf(raw);
    const shape = checkShape(raw, limits, Math.floor(clock.now() / 1000));
    if (!shape.ok) return send(c, ['OK', id, false, `invalid: ${shape.message}`]);
    const ev = shape.event;
    if (computeEventId(ev) !== ev.id || !verifySignature(ev.id, ev.pubkey, ev.sig)) return send(c, ['OK', id, false, 'invalid: bad id or signature']);
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
    if (relayHost !== new URL(url).host) return send(c, ['OK', id, false, 'invalid: relay tag does not name this relay']);
    if (Math.abs(ev.created_at - Math.floor(clock.now() / 1000)) > 600) return send(c, ['OK', id, false, 'invalid: created_at not within 10 minutes']);
    if (c.authed.size >= MAX_AUTHED_PER_CONN && !c.authed.has(ev.pubkey)) return send(c, ['OK', id, false, 'rate-limited: too many identities on one connection']);
    c.authed.add(ev.pubkey);
    send(c, ['OK', id, true, '']);
  };

  const handleFrame = async (c: Conn, data: RawData, isBinary: boolean): Promise<void> => {
    if (isBinary) return send(c, ['NOTICE', 'invalid: binary frames are not supported']);
    const text = data.toString();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return send(c, ['NOTICE', 'invalid: message is not JSON']);
    }
    if (!Array.isArray(msg) || typeof msg[0] !== 'string') return send(c, ['NOTICE', 'invalid: message must be a JSON array']);
    const type = msg[0];
    if (type === 'AUTH') return handleAuth(c, msg[1]);
    if (type === 'EVENT') {
      const id = idOf(msg[1]);
      const bytes = Buffer.byteLength(text, 'utf8');
      // Check size and the created_at window here so the client gets OK false, not a NOTICE.
      const exact = bytes > maxEventBytes ? Buffer.byteLength(JSON.stringify(msg[1]), 'utf8') : bytes;
      const shape = checkShape(msg[1], limits, Math.floor(clock.now() / 1000), exact);
      if (!shape.ok) return send(c, ['OK', id, false, `invalid: ${shape.message}`]);
    }
    if (type === 'REQ') {
      const subId = msg[1];
      const filters = msg.slice(2) as Filter[];
      if (c.authed.size === 0 && filters.some((f) => typeof f === 'object' && f !== null && asksForKinds(f, privateKinds))) {
        send(c, ['CLOSED', typeof subId === 'string' ? subId : '', 'auth-required: gift wraps are served only to their authenticated recipient']);
        return send(c, ['AUTH', c.challenge]);
      }
    }
    let valid: RelayMessage;
    try {
      valid = await validator.validateIncomingMessage(msg);
    } catch (err) {
      const reason = (err as Error).message.startsWith('invalid') ? (err as Error).message : `invalid: ${(err as Error).message}`;
      if (type === 'EVENT') return send(c, ['OK', idOf(msg[1]), false, reason]);
      if (type === 'REQ' && typeof msg[1] === 'string') return send(c, ['CLOSED', msg[1], reason]);
      return send(c, ['NOTICE', reason]);
    }
    await relay.handleMessage(c.client, valid);
  };

  wss.on('connection', (ws, req) => {
    const c: Conn = {
      ws,
      challenge: randomBytes(16).toString('hex'),
      authed: new Set(),
      client: {
        get readyState() {
          return ws.readyState as RelayClient['readyState'];
        },
        send: (data: string) => gatedSend(c, data),
      },
    };
    conns.set(ws, c);
    relay.handleConnection(c.client, req.socket.remoteAddress);
    send(c, ['AUTH', c.challenge]);
    ws.on('message', (data, isBinary) => {
      handleFrame(c, data, isBinary).catch((err: unknown) => send(c, ['NOTICE', `error: ${(err as Error).message}`]));
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      conns.delete(ws);
      relay.handleDisconnect(c.client);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new OtP2pError('io-error', `cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err, context: { host, port: options.port } }));
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
