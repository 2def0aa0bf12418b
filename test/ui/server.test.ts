import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { isOtP2pError } from '../../src/core/errors.ts';
import {
  CONTENT_SECURITY_POLICY,
  PayOnce,
  TOKEN_COOKIE,
  contentTypeFor,
  newToken,
  startDashboardServer,
  tokenCookieName,
  tokenMatches,
} from '../../src/ui/server.ts';
import type { DashboardServer } from '../../src/ui/server.ts';
import { parseNames } from '../../src/ui/static-backend.ts';
import type { StaticDashboardBackend } from '../../src/ui/static-backend.ts';
import type { PayRequestView, PayResultView } from '../../src/ui/backend.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { KEYS, aliceBackend } from './fixture.ts';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (no URL normalisation: `..` reaches the server as typed). */
function raw(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const SECRET = 'TOP-SECRET-OUTSIDE-THE-UI-FOLDER';
let server: DashboardServer;
let backend: StaticDashboardBackend;
let auth: Record<string, string>;

beforeAll(async () => {
  const dir = tmpDir('otp2p-ui-');
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(
    join(ui, 'index.html'),
    '<!doctype html><title>t</title><script type="module" src="/assets/app-1.js"></script>',
  );
  writeFileSync(join(ui, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(ui, 'assets', 'app-1.css'), 'body{}');
  writeFileSync(join(ui, 'assets', 'blob.bin'), 'x');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(ui, 'link.txt'));
  backend = aliceBackend();
  server = await startDashboardServer({ backend, staticDir: ui, port: 0 });
  auth = { Authorization: `Bearer ${server.token}` };
});

afterAll(async () => {
  await server?.close();
});

describe('dashboard server: token', () => {
  it('makes a 32-byte base64url token and binds to 127.0.0.1 only', () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(newToken());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.urlWithToken).toBe(`${server.url}?token=${server.token}`);
  });

  it('refuses every request without the token (page, assets, API)', async () => {
    for (const path of ['/', '/index.html', '/assets/app-1.js', '/api/identity', '/api/graph']) {
      const r = await raw(server.port, path);
      expect(r.status, path).toBe(401);
      expect(JSON.parse(r.body).error.code).toBe('ui-unauthorized');
      expect(r.body).not.toContain(server.token);
    }
    const post = await raw(server.port, '/api/pay', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(401);
  });

  it('refuses a wrong token of the same length, a near miss, and an empty one', async () => {
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    const variants: Record<string, string>[] = [
      { Authorization: `Bearer ${wrong}` },
      { Cookie: `${tokenCookieName(server.port)}=${wrong}` },
      { Authorization: 'Bearer ' },
      { Cookie: `other=${server.token}` },
      { Cookie: `${TOKEN_COOKIE}=${server.token}` },
      { Cookie: `${tokenCookieName(server.port + 1)}=${server.token}` },
    ];
    for (const headers of variants) {
      expect((await raw(server.port, '/api/identity', { headers })).status).toBe(401);
    }
    expect((await raw(server.port, `/api/identity?token=${wrong}`)).status).toBe(401);
    expect(tokenMatches(server.token, server.token)).toBe(true);
    expect(tokenMatches(undefined, server.token)).toBe(false);
    expect(tokenMatches(`${server.token}x`, server.token)).toBe(false);
  });

  it('swaps ?token= for an HttpOnly SameSite=Strict cookie and a clean URL; the cookie then works', async () => {
    const r = await raw(server.port, `/?token=${server.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain(`${tokenCookieName(server.port)}=${server.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await raw(server.port, '/', {
      headers: { Cookie: `a=b; ${tokenCookieName(server.port)}=${server.token}` },
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>t</title>');
  });

  it('tries every cookie of its name: one planted by another 127.0.0.1 page cannot lock the user out', async () => {
    const name = tokenCookieName(server.port);
    const planted = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    for (const cookie of [
      `${name}=${planted}; ${name}=${server.token}`,
      `${name}=; ${name}=${server.token}`,
      `${name}=${server.token}; ${name}=${planted}`,
      `a=b;${name}=x;  ${name}=${server.token} ;c=d`,
    ]) {
      expect((await raw(server.port, '/api/identity', { headers: { Cookie: cookie } })).status).toBe(200);
    }
    // Several wrong ones still fail.
    expect(
      (await raw(server.port, '/api/identity', { headers: { Cookie: `${name}=${planted}; ${name}=nope` } })).status,
    ).toBe(401);
  });

  it('never redirects to another host after swapping the token', async () => {
    for (const path of [`//evil.example/?token=${server.token}`, `/\\evil.example/?token=${server.token}`]) {
      const r = await raw(server.port, path);
      expect(r.status, path).toBe(303);
      expect(r.headers.location, path).toBe('/');
    }
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const r = await raw(server.port, '/api/identity', { headers: { ...auth, Host: `evil.example:${server.port}` } });
    expect(r.status).toBe(403);
    const ok = await raw(server.port, '/api/identity', { headers: { ...auth, Host: `localhost:${server.port}` } });
    expect(ok.status).toBe(200);
  });
});

describe('dashboard server: static files', () => {
  it('sends the strict CSP and hardening headers on every response, refusals included', async () => {
    for (const r of [
      await raw(server.port, '/', { headers: auth }),
      await raw(server.port, '/api/identity'),
      await raw(server.port, '/nope', { headers: auth }),
    ]) {
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self' ws://127.0.0.1:*");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });

  it('serves each file with its content type', async () => {
    const cases: [string, string][] = [
      ['/', 'text/html; charset=utf-8'],
      ['/assets/app-1.js', 'text/javascript; charset=utf-8'],
      ['/assets/app-1.css', 'text/css; charset=utf-8'],
      ['/assets/blob.bin', 'application/octet-stream'],
    ];
    for (const [path, type] of cases) {
      const r = await raw(server.port, path, { headers: auth });
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toBe(type);
    }
    expect(contentTypeFor('x.SVG')).toBe('image/svg+xml');
    const head = await raw(server.port, '/assets/app-1.js', { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await raw(server.port, '/assets/app-1.js', { method: 'PUT', headers: auth })).status).toBe(405);
  });

  it('refuses traversal, encoded traversal, backslashes, NUL and symlinks out of the folder', async () => {
    const paths = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/index.html%00.js',
      '/link.txt',
      '/assets',
      '//etc/passwd',
      '/%',
    ];
    for (const path of paths) {
      const r = await raw(server.port, path, { headers: auth });
      expect([400, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(SECRET);
    }
  });

  it('property: no request path ever yields a file from outside the folder', async () => {
    const segment = fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E%2e',
      'assets',
      'secret.txt',
      'link.txt',
      'index.html',
      '%2f',
      '%5c',
      '%00',
      '',
      'app-1.js',
      '..%2f',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), async (parts) => {
        const r = await raw(server.port, `/${parts.join('/')}`, { headers: auth });
        expect(r.body).not.toContain(SECRET);
        expect([200, 400, 404]).toContain(r.status);
      }),
      { numRuns: 150 },
    );
  });
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> =>
  raw(server.port, path, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('dashboard server: JSON API over the static backend', () => {
  it('identity, graph, relays, outbox, mint, payments, dms', async () => {
    const id = JSON.parse((await raw(server.port, '/api/identity', { headers: auth })).body);
    expect(id).toMatchObject({ pubkey: KEYS.Alice, name: 'Alice', units: ['usd@n1'] });
    expect(id.npub).toMatch(/^npub1/);
    const g = JSON.parse((await raw(server.port, '/api/graph', { headers: auth })).body);
    expect(g.self).toBe(KEYS.Alice);
    expect(g.nodes).toHaveLength(6);
    expect(g.nodes.find((n: { pubkey: string }) => n.pubkey === KEYS.Dave)).toMatchObject({
      name: 'Dave',
      degree: 3,
      accepts: ['eur@n2'],
    });
    expect(g.nodes.find((n: { pubkey: string }) => n.pubkey === KEYS.Frank).tags).toEqual(['alarm']);
    expect(g.edges).toContainEqual({ from: KEYS.Carol, to: KEYS.Dave });
    expect(g.offers.find((o: { id: string }) => o.id === 'bob-usd-eur')).toMatchObject({
      rate: ['9', '10'],
      cut_ppm: '2500',
      fee: '3',
    });
    expect(JSON.parse((await raw(server.port, '/api/relays', { headers: auth })).body)).toEqual([]);
    expect(JSON.parse((await raw(server.port, '/api/outbox', { headers: auth })).body).counts).toEqual({
      pending: 0,
      acked: 0,
      failed: 0,
    });
    const mint = JSON.parse((await raw(server.port, '/api/mint', { headers: auth })).body);
    expect(mint.map((v: { verdict: string }) => v.verdict)).toEqual(['equivocation', 'unknown', 'consistent']);
    expect(mint[0].conflicts[0].attesters).toEqual([KEYS.Frank]);
    expect(JSON.parse((await raw(server.port, '/api/payments', { headers: auth })).body)).toEqual([]);
    expect(JSON.parse((await raw(server.port, '/api/dms', { headers: auth })).body)).toEqual([]);
    expect((await raw(server.port, '/api/nothing', { headers: auth })).status).toBe(404);
  });

  it('finds the 3-hop route with the offers it uses (payee given as npub)', async () => {
    const g = JSON.parse((await raw(server.port, '/api/graph', { headers: auth })).body);
    const dave = g.nodes.find((n: { pubkey: string }) => n.pubkey === KEYS.Dave).npub as string;
    const r = await post('/api/route', { to: dave, amount: '500', unit: 'usd@n1' });
    expect(r.status).toBe(200);
    const route = JSON.parse(r.body);
    expect(route.receive).toBe('500');
    expect(route.parts).toHaveLength(1);
    expect(route.parts[0].hops.map((h: { to: string }) => h.to)).toEqual([KEYS.Bob, KEYS.Carol, KEYS.Dave]);
    expect(route.parts[0].hops.map((h: { unit: string }) => h.unit)).toEqual(['usd@n1', 'eur@n1', 'eur@n2']);
    expect(route.offers.map((o: { id: string }) => o.id).sort()).toEqual(['bob-usd-eur', 'carol-eur-n2']);
  });

  it('answers bad input with exact codes and statuses', async () => {
    const cases: [unknown, number, string][] = [
      [{ to: KEYS.Dave, amount: '5x', unit: 'usd@n1' }, 400, 'bad-amount'],
      [{ to: KEYS.Dave, amount: '0', unit: 'usd@n1' }, 400, 'bad-amount'],
      [{ to: 'npub1nope', amount: '5', unit: 'usd@n1' }, 400, 'bad-bech32'],
      [{ to: KEYS.Dave, amount: '5' }, 400, 'bad-input'],
      [[1, 2], 400, 'bad-input'],
      [{ to: KEYS.Dave, amount: '99999999', unit: 'usd@n1' }, 409, 'no-route'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post('/api/route', body);
      expect(JSON.parse(r.body).error.code, JSON.stringify(body)).toBe(code);
      expect(r.status, JSON.stringify(body)).toBe(status);
    }
    const notJson = await raw(server.port, '/api/route', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(notJson.status).toBe(400);
    const broken = await raw(server.port, '/api/route', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: '{"to":',
    });
    expect(JSON.parse(broken.body).error.code).toBe('bad-json');
    const big = await raw(server.port, '/api/route', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: `"${'x'.repeat(70_000)}"`,
    });
    expect(big.status).toBe(413);
    const foreign = await post(
      '/api/route',
      { to: KEYS.Dave, amount: '5', unit: 'usd@n1' },
      { Origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
  });

  it('the static backend refuses to pay or send DMs with ui-read-only', async () => {
    const pay = await post('/api/pay', { to: KEYS.Dave, amount: '500', unit: 'usd@n1', payKey: 'r'.repeat(20) });
    expect(pay.status).toBe(400);
    expect(JSON.parse(pay.body).error.code).toBe('ui-read-only');
    const dm = await post('/api/dms', { to: KEYS.Bob, text: 'hi' });
    expect(JSON.parse(dm.body).error.code).toBe('ui-read-only');
    const long = await post('/api/dms', { to: KEYS.Bob, text: 'x'.repeat(8001) });
    expect(JSON.parse(long.body).error.code).toBe('bad-input');
  });

  it('pays a confirmation once: a repeated payKey returns the first outcome and pays nothing more', async () => {
    // The static backend cannot pay; this one counts pay() calls and answers from the real route
    // finder, so the test sees exactly how often the server let a payment through.
    const counted = aliceBackend() as unknown as Omit<StaticDashboardBackend, 'pay'> & {
      paid: number;
      pay: (r: PayRequestView) => PayResultView;
    };
    counted.paid = 0;
    counted.pay = (request: PayRequestView): PayResultView => {
      counted.paid += 1;
      const route = counted.findRoute(request);
      return {
        paymentId: `p${counted.paid}`,
        state: 'succeeded',
        paymentHash: null,
        preimage: null,
        sent: route.spend,
        delivered: route.receive,
        refunded: '0',
      };
    };
    const dir = tmpDir('otp2p-ui-pay-');
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const s = await startDashboardServer({ backend: counted, staticDir: dir, port: 0 });
    try {
      const payAt = (body: unknown): Promise<Res> =>
        raw(s.port, '/api/pay', {
          method: 'POST',
          headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const request = { to: KEYS.Dave, amount: '500', unit: 'usd@n1', payKey: 'k'.repeat(22) };
      const [a, b] = await Promise.all([payAt(request), payAt(request)]);
      const c = await payAt(request);
      expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
      expect(JSON.parse(a.body).paymentId).toBe('p1');
      expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
      expect(JSON.parse(c.body)).toEqual(JSON.parse(a.body));
      expect(counted.paid).toBe(1);
      // The same key for another amount is refused, not paid.
      const other = await payAt({ ...request, amount: '400' });
      expect(JSON.parse(other.body).error.code).toBe('bad-input');
      expect(counted.paid).toBe(1);
      // No key, or a malformed one: refused before paying.
      for (const payKey of [undefined, '', 'short', 'x'.repeat(65), 'bad key with spaces!!']) {
        const r = await payAt({ ...request, payKey });
        expect(r.status, String(payKey)).toBe(400);
        expect(JSON.parse(r.body).error.message).toContain('payKey');
      }
      expect(counted.paid).toBe(1);
      // A new confirmation (new key) pays again.
      expect(JSON.parse((await payAt({ ...request, payKey: 'n'.repeat(22) })).body).paymentId).toBe('p2');
    } finally {
      await s.close();
    }
  });

  it('PayOnce replays a failed first outcome too (it may have paid part) and forgets the oldest keys past its bound', async () => {
    const once = new PayOnce<string>(2);
    const req = { to: KEYS.Dave, amount: '5', unit: 'usd@n1' };
    let calls = 0;
    const failing = (): never => {
      calls += 1;
      throw new Error('partial failure');
    };
    await expect(once.run('a'.repeat(16), req, failing)).rejects.toThrow('partial failure');
    await expect(once.run('a'.repeat(16), req, failing)).rejects.toThrow('partial failure');
    expect(calls).toBe(1);
    await once.run('b'.repeat(16), req, () => 'b');
    await once.run('c'.repeat(16), req, () => 'c');
    expect(await once.run('a'.repeat(16), req, () => 'again')).toBe('again');
  });

  it('property: parseNames accepts exactly objects of hex pubkey -> short name', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          const names = parseNames(v);
          for (const [k, n] of Object.entries(names)) {
            expect(k).toMatch(/^[0-9a-f]{64}$/);
            expect(n.length).toBeGreaterThan(0);
          }
        } catch (err) {
          expect(isOtP2pError(err, 'bad-input')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(parseNames({ names: { [KEYS.Bob]: 'Bob' } })).toEqual({ [KEYS.Bob]: 'Bob' });
  });
});

function wsOpen(
  headers: Record<string, string>,
  query = '',
): Promise<{ ws?: WebSocket; status?: number; first?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', () => resolve({}));
    ws.once('message', (m) => resolve({ ws, first: String(m) }));
  });
}

describe('dashboard server: WebSocket', () => {
  it('refuses an upgrade without the token (401) or from a foreign origin (403)', async () => {
    expect((await wsOpen({})).status).toBe(401);
    expect((await wsOpen({ Cookie: `${tokenCookieName(server.port)}=nope` })).status).toBe(401);
    expect((await wsOpen({ ...auth, Origin: 'https://evil.example' })).status).toBe(403);
  });

  it('accepts the cookie, the header or ?token= and pushes live updates', async () => {
    const a = await wsOpen({
      Cookie: `${tokenCookieName(server.port)}=${server.token}`,
      Origin: `http://127.0.0.1:${server.port}`,
    });
    const b = await wsOpen({}, `?token=${server.token}`);
    expect(a.first).toBe('{"type":"hello"}');
    expect(b.first).toBe('{"type":"hello"}');
    expect(server.clients()).toBe(2);
    const got = new Promise<string>((r) => a.ws?.once('message', (m) => r(String(m))));
    backend.publish({ type: 'graph' });
    expect(JSON.parse(await got)).toEqual({ type: 'graph' });
    a.ws?.close();
    b.ws?.close();
  });
});
