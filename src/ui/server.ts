/**
 * The local dashboard server behind `otp2p ui`: HTTP + WebSocket on 127.0.0.1 only.
 *
 * Security model (the dashboard can pay and read DMs, so a web page in the same browser must not
 * be able to drive it):
 * - a random 32-byte token (base64url) is printed once; every request must carry it, as
 *   `?token=` (first visit: it is swapped for an HttpOnly SameSite=Strict cookie and the URL
 *   is cleaned by a redirect), the cookie, or `Authorization: Bearer`. Compared in constant time.
 * - the Host header must name 127.0.0.1 or localhost on our port (DNS rebinding), and a
 *   state-changing request or a WebSocket upgrade with a foreign Origin is refused.
 * - POST bodies must be `application/json` (a cross-site form cannot send that without a
 *   preflight, which we never answer), at most 64 KiB.
 * - static files come only from the built UI folder (no traversal, no symlinks out), with a
 *   strict Content-Security-Policy; the page makes no request to any other host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import * as check from '../core/assert.ts';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import { cryptoRandom } from '../core/random.ts';
import type { Random } from '../core/random.ts';
import { isRecord, parseJson } from '../core/json.ts';
import { parsePubkey } from '../keys/nip19.ts';
import type { RouteJson } from '../pathing/file.ts';
import type {
  DashboardBackend,
  DashboardEvent,
  FollowRequestView,
  OfferView,
  PayRequestView,
  RouteRequest,
} from './backend.ts';
import { MAX_PETNAME } from '../peer/follows.ts';

/** Default port of `otp2p ui`. */
export const DEFAULT_UI_PORT = 7780;
/** Prefix of the session cookie's name. */
export const TOKEN_COOKIE = 'otp2p_ui';

/**
 * The session cookie's name for the dashboard on `port`. Browsers scope cookies by host, not port,
 * so two dashboards on 127.0.0.1 (the demo serves Alice's and Frank's) need distinct names.
 */
export function tokenCookieName(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}
/** Largest accepted request body. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Longest DM text accepted from the page. */
export const MAX_DM_CHARS = 8000;
/** What a payment's idempotency key (`payKey`, made by the page per confirmation) looks like. */
export const PAY_KEY_RE = /^[A-Za-z0-9_-]{16,64}$/;
/** Payment outcomes remembered by key (oldest forgotten first). */
export const MAX_PAY_KEYS = 1000;

/** The Content-Security-Policy of every response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type served for a file name (`application/octet-stream` when unknown). */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Options for {@link startDashboardServer}. */
export interface DashboardServerOptions {
  backend: DashboardBackend;
  /** The built UI (Vite output): `index.html` and `assets/`. */
  staticDir: string;
  /** TCP port on 127.0.0.1 (default 7780; 0 picks a free one). */
  port?: number;
  /** The access token (default: 32 random bytes, base64url). */
  token?: string;
  random?: Random;
}

/** A running dashboard. */
export interface DashboardServer {
  port: number;
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** The URL to open: carries the token once. */
  urlWithToken: string;
  token: string;
  /** Connected WebSocket clients. */
  clients(): number;
  close(): Promise<void>;
}

/** A new access token: 32 random bytes, base64url. */
export function newToken(random: Random = cryptoRandom): string {
  return Buffer.from(random.bytes(32)).toString('base64url');
}

/** Constant-time comparison of a presented token with the expected one (hashes equalise lengths). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The project's built UI folder (`dist/ui` beside package.json), from the sources or from `dist/`.
 */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'ui'))) return join(dir, 'dist', 'ui');
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/ui');
}

/**
 * Check that the UI was built.
 * @throws OtP2pError `ui-not-built` when `dir/index.html` is missing.
 */
export function assertUiBuilt(dir: string): void {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new OtP2pError(
      'ui-not-built',
      `the dashboard is not built (no ${join(dir, 'index.html')}): run \`npm run build:ui\``,
      { context: { dir } },
    );
  }
}

/**
 * Every value of the cookie `name`, in header order. A page on another 127.0.0.1 port can set a
 * cookie of the same name (browsers scope cookies by host, not port), so the first one is not
 * necessarily ours: each is tried.
 */
function cookieTokens(req: IncomingMessage, name: string): string[] {
  const header = req.headers.cookie;
  if (!header) return [];
  const found: string[] = [];
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) found.push(part.slice(i + 1).trim());
  }
  return found;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/**
 * The request target as a URL. Always prefixed with our origin, so `//host/x` stays a path and
 * can never name another host; undefined when it is not an origin-form target.
 */
function requestUrl(req: IncomingMessage, port: number): URL | undefined {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return undefined;
  try {
    return new URL(`http://127.0.0.1:${port}${target}`);
  } catch {
    return undefined;
  }
}

/** HTTP status for an error code. */
export function statusFor(err: unknown): number {
  if (!isOtP2pError(err)) return 500;
  if (err.code === 'not-found') return 404;
  if (err.code === 'no-route' || err.code === 'no-common-asset' || err.code === 'fee-too-high') return 409;
  if (err.code === 'ui-unauthorized') return 401;
  if (err.code === 'too-large') return 413;
  // No relay answered: nothing was done, and trying again later may work.
  if (err.code === 'relay-incomplete') return 503;
  switch (err.category) {
    case 'usage':
      return 400;
    case 'verification':
      return 422;
    default:
      return 500;
  }
}

const jsonText = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = jsonText(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown): void {
  const status = statusFor(err);
  // Unexpected errors are reported by code only: their messages may carry internals.
  const error = isOtP2pError(err)
    ? { code: err.code, message: err.message }
    : { code: 'internal', message: 'internal error' };
  sendJson(res, status, { error });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new OtP2pError('bad-input', 'request body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new OtP2pError('too-large', `request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  return parseJson(Buffer.concat(chunks).toString('utf8'), 'request body', MAX_BODY_BYTES);
}

function str(body: Record<string, unknown>, field: string, max: number): string {
  return check.string(body[field], field, 'bad-input', { minLength: 1, maxLength: max });
}

function routeRequest(raw: unknown): RouteRequest {
  const body = check.record(raw, 'request body', 'bad-input');
  const request: RouteRequest = {
    to: parsePubkey(str(body, 'to', 100), 'to'),
    amount: str(body, 'amount', 19),
    unit: str(body, 'unit', 300),
  };
  if (body.payeeUnit !== undefined && body.payeeUnit !== '') request.payeeUnit = str(body, 'payeeUnit', 300);
  return request;
}

/** A follow request from the graph page; the key itself is parsed by the Peer (npub, nprofile or hex). */
function followRequest(raw: unknown): FollowRequestView {
  const body = check.record(raw, 'request body', 'bad-input');
  const request: FollowRequestView = {
    target: str(body, 'target', 2000),
    action: check.oneOf(body.action, 'action', 'bad-input', ['follow', 'unfollow'] as const),
  };
  if (body.petname !== undefined && body.petname !== '') {
    if (request.action !== 'follow') check.fail('bad-input', 'petname', 'absent when unfollowing', body.petname);
    request.petname = str(body, 'petname', MAX_PETNAME);
  }
  if (body.force !== undefined) request.force = check.boolean(body.force, 'force');
  return request;
}

/**
 * Payments by idempotency key: the first request with a key pays, every repeat (a double click,
 * a second confirmation of the same dialog, a retried request) gets the first outcome, success or
 * error, and pays nothing. A key names one confirmation of one request: reusing it for another
 * payee, amount or unit is refused. Kept in memory: a restarted dashboard has a new page too.
 */
export class PayOnce<T> {
  readonly #done = new Map<string, { what: string; outcome: Promise<T> }>();

  constructor(readonly max = MAX_PAY_KEYS) {}

  /**
   * Run `pay` once for `key`; later calls with the key return the first outcome.
   * @throws OtP2pError `bad-input` when the key is malformed or was used for another request; as `pay`.
   */
  run(key: unknown, request: RouteRequest, pay: () => Promise<T> | T): Promise<T> {
    if (typeof key !== 'string' || !PAY_KEY_RE.test(key)) {
      throw new OtP2pError(
        'bad-input',
        'payKey must be 16 to 64 characters of A-Z a-z 0-9 _ - (one per confirmation, made by the page)',
        { context: { field: 'payKey' } },
      );
    }
    const what = JSON.stringify([request.to, request.amount, request.unit, request.payeeUnit ?? '']);
    const seen = this.#done.get(key);
    if (seen) {
      if (seen.what !== what)
        throw new OtP2pError('bad-input', 'payKey was already used for another payment: start a new payment', {
          context: { field: 'payKey' },
        });
      return seen.outcome;
    }
    const outcome = Promise.resolve().then(pay);
    // Keep the rejection for replays without an unhandled-rejection warning here.
    outcome.catch(() => undefined);
    this.#done.set(key, { what, outcome });
    if (this.#done.size > this.max) this.#done.delete(this.#done.keys().next().value as string);
    return outcome;
  }
}

/** The offers a route uses (a hop's offer belongs to the hop's `to`), so the page can show rates and fees. */
export function offersOfRoute(route: RouteJson, offers: readonly OfferView[]): OfferView[] {
  const byKey = new Map(offers.map((o) => [`${o.pubkey}|${o.id}`, o]));
  const used = new Map<string, OfferView>();
  for (const p of route.parts) {
    for (const h of p.hops) {
      if (h.offer === null) continue;
      const k = `${h.to}|${h.offer}`;
      const o = byKey.get(k);
      if (o) used.set(k, o);
    }
  }
  return [...used.values()];
}

/**
 * Start the dashboard on 127.0.0.1.
 * @throws OtP2pError `ui-not-built` when `staticDir` has no index.html; `io-error` when the port is taken.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  assertUiBuilt(options.staticDir);
  const root = realpathSync(options.staticDir);
  const token = options.token ?? newToken(options.random);
  const backend = options.backend;
  let port = options.port ?? DEFAULT_UI_PORT;
  const payOnce = new PayOnce<Awaited<ReturnType<DashboardBackend['pay']>>>();

  const hostOk = (req: IncomingMessage): boolean => {
    const host = req.headers.host;
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const originOk = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
  };
  const authorised = (req: IncomingMessage, url: URL): boolean =>
    cookieTokens(req, tokenCookieName(port)).some((t) => tokenMatches(t, token)) ||
    tokenMatches(bearerToken(req), token) ||
    tokenMatches(url.searchParams.get('token') ?? undefined, token);

  const api = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      switch (path) {
        case '/api/identity':
          return sendJson(res, 200, await backend.identity());
        case '/api/relays':
          return sendJson(res, 200, await backend.relays());
        case '/api/outbox':
          return sendJson(res, 200, await backend.outbox());
        case '/api/graph':
          return sendJson(res, 200, await backend.socialGraph());
        case '/api/mint':
          return sendJson(res, 200, await backend.mintVerdicts());
        case '/api/payments':
          return sendJson(res, 200, await backend.payments());
        case '/api/dms':
          return sendJson(res, 200, await backend.dms());
      }
    } else if (method === 'POST') {
      if (!originOk(req)) return sendJson(res, 403, { error: { code: 'ui-unauthorized', message: 'foreign origin' } });
      switch (path) {
        case '/api/route': {
          const request = routeRequest(await readBody(req));
          const route = await backend.findRoute(request);
          const graph = await backend.socialGraph();
          return sendJson(res, 200, { ...route, offers: offersOfRoute(route, graph.offers) });
        }
        case '/api/pay': {
          const body = await readBody(req);
          const request: PayRequestView = routeRequest(body);
          if (isRecord(body) && isRecord(body.route)) request.route = body.route as unknown as RouteJson;
          const key = isRecord(body) ? body.payKey : undefined;
          return sendJson(res, 200, await payOnce.run(key, request, () => backend.pay(request)));
        }
        case '/api/follow':
          return sendJson(res, 200, await backend.follow(followRequest(await readBody(req))));
        case '/api/dms': {
          const body = check.record(await readBody(req), 'request body', 'bad-input');
          const to = parsePubkey(str(body, 'to', 100), 'to');
          // A DM's text is never quoted in an error: only its length is.
          const text = typeof body.text === 'string' ? body.text : '';
          if (text.length === 0 || text.length > MAX_DM_CHARS)
            check.fail(
              'bad-input',
              'text',
              `a non-empty string of at most ${MAX_DM_CHARS} characters`,
              `${text.length} characters`,
            );
          return sendJson(res, 200, await backend.sendDm(to, text));
        }
      }
    }
    sendJson(res, 404, { error: { code: 'not-found', message: `no API route ${method} ${path}` } });
  };

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      return void res.end();
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400);
      return void res.end();
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const notFound = (): void => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    };
    // Refuse anything that could step out of the folder before touching the filesystem.
    if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((s) => s === '..' || s === '.'))
      return notFound();
    const file = resolve(root, `.${rel}`);
    if (!file.startsWith(root + sep)) return notFound();
    let real: string;
    try {
      real = realpathSync(file);
      if (!real.startsWith(root + sep) || !statSync(real).isFile()) return notFound();
    } catch {
      return notFound();
    }
    const body = await readFile(real);
    res.writeHead(200, {
      'Content-Type': contentTypeFor(real),
      'Content-Length': body.length,
      'Cache-Control': rel.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server: Server = createServer((req, res) => {
    setCommonHeaders(res);
    void (async () => {
      try {
        if (!hostOk(req))
          return sendJson(res, 403, { error: { code: 'ui-unauthorized', message: 'unexpected Host header' } });
        const url = requestUrl(req, port);
        if (!url) return sendJson(res, 400, { error: { code: 'bad-input', message: 'malformed request target' } });
        if (!authorised(req, url)) {
          return sendJson(res, 401, {
            error: { code: 'ui-unauthorized', message: 'missing or wrong token: open the URL printed by otp2p ui' },
          });
        }
        if (
          url.searchParams.has('token') &&
          (req.method === 'GET' || req.method === 'HEAD') &&
          !url.pathname.startsWith('/api/')
        ) {
          // Swap the URL token for a cookie and drop it from the address bar and history.
          url.searchParams.delete('token');
          res.writeHead(303, {
            'Set-Cookie': `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
            // Never `//host`: a protocol-relative Location would be an open redirect.
            Location: url.pathname.startsWith('//') ? '/' : `${url.pathname}${url.search}`,
            'Cache-Control': 'no-store',
          });
          return void res.end();
        }
        if (url.pathname.startsWith('/api/')) return await api(req, res, url.pathname);
        return await serveStatic(req, res, url.pathname);
      } catch (err) {
        if (!res.headersSent) sendError(res, err);
        else res.destroy();
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const sockets = new Set<WebSocket>();
  const refuse = (socket: Duplex, status: 401 | 403 | 404): void => {
    const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (!hostOk(req) || !originOk(req)) return refuse(socket, 403);
    const url = requestUrl(req, port);
    if (url?.pathname !== '/ws') return refuse(socket, 404);
    if (!authorised(req, url)) return refuse(socket, 401);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      // The page only listens; anything it sends is ignored.
      ws.on('message', () => {});
      ws.send(jsonText({ type: 'hello' }));
    });
  });

  const unsubscribe = backend.on((event: DashboardEvent) => {
    const text = jsonText(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      unsubscribe();
      reject(
        new OtP2pError('io-error', `cannot listen on 127.0.0.1:${port}: ${err.code ?? 'error'}`, {
          context: { port },
          cause: err,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolveListen();
    });
  });
  const addr = server.address();
  if (addr && typeof addr === 'object') port = addr.port;
  const url = `http://127.0.0.1:${port}/`;

  return {
    port,
    url,
    urlWithToken: `${url}?token=${token}`,
    token,
    clients: () => sockets.size,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
