/**
 * Follow and unfollow from the dashboard (`POST /api/follow`) over real parts: the dashboard
 * server on 127.0.0.1, a real Peer behind `PeerDashboardBackend`, an embedded relay over a real
 * socket. The graph the page draws has the friend at once; the relay holds the edited list.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kind } from '../../src/events/kinds.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { createPeer } from '../../src/peer.ts';
import type { Peer } from '../../src/peer.ts';
import { peerInternals } from '../../src/peer/internals.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { PeerDashboardBackend } from '../../src/ui/peer-backend.ts';
import { startDashboardServer } from '../../src/ui/server.ts';
import type { DashboardServer } from '../../src/ui/server.ts';
import type { SocialGraphView } from '../../src/ui/backend.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { KEYS, aliceBackend } from './fixture.ts';

let relay: EmbeddedRelay;
let alice: Peer;
let bob: Peer;
let server: DashboardServer;
let staticDir: string;

function post(s: DashboardServer, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path,
        method: 'POST',
        headers: {
          Host: `127.0.0.1:${s.port}`,
          Authorization: `Bearer ${s.token}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function graph(): Promise<SocialGraphView> {
  const res = await fetch(`${server.url}api/graph`, { headers: { Authorization: `Bearer ${server.token}` } });
  return (await res.json()) as SocialGraphView;
}

beforeAll(async () => {
  const dir = tmpDir('otp2p-ui-follow-');
  staticDir = join(dir, 'ui');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
  const make = (name: string): Promise<Peer> =>
    createPeer({ home: join(dir, name), identity: deriveIdentity(generateMnemonic()), relays: [relay.url] });
  alice = await make('alice');
  bob = await make('bob');
  await bob.catalog.publish(undefined, { force: true });
  await bob.flush();
  await alice.start();
  server = await startDashboardServer({ backend: new PeerDashboardBackend(alice), staticDir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await alice?.stop();
  await bob?.stop();
  await relay?.close();
});

describe('POST /api/follow', () => {
  it('follows by npub with a petname: the relay holds the list and the graph has the friend at once', async () => {
    const pushed: string[] = [];
    const off = new PeerDashboardBackend(alice).on((e) => pushed.push(e.type));
    const r = await post(server, '/api/follow', { target: bob.npub, action: 'follow', petname: 'Bob' });
    off();
    expect(r.status).toBe(200);
    const out = JSON.parse(r.body) as { event: string; base: string; relays: Array<{ ok: boolean }> };
    expect(out.base).toBe('none');
    expect(out.relays.map((x) => x.ok)).toEqual([true]);
    const stored = await queryEvents(peerInternals(alice).transport, [
      { kinds: [Kind.Follows], authors: [alice.pubkey] },
    ]);
    expect(stored.events.map((e) => [e.id, e.tags])).toEqual([[out.event, [['p', bob.pubkey, '', 'Bob']]]]);
    expect(pushed).toContain('graph');
    const g = await graph();
    expect(g.nodes.find((n) => n.pubkey === bob.pubkey)?.degree).toBe(1);
    expect(g.edges).toContainEqual({ from: alice.pubkey, to: bob.pubkey });
  });

  it('unfollows: the friend leaves the graph', async () => {
    const r = await post(server, '/api/follow', { target: bob.pubkey, action: 'unfollow' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).event).toMatch(/^[0-9a-f]{64}$/);
    expect((await graph()).nodes.some((n) => n.pubkey === bob.pubkey)).toBe(false);
  });

  it('answers bad input with exact codes', async () => {
    const cases: [unknown, number, string][] = [
      [{ target: 'bob', action: 'follow' }, 400, 'bad-hex'],
      [{ target: 'npub1nope', action: 'follow' }, 400, 'bad-bech32'],
      [{ target: bob.npub, action: 'block' }, 400, 'bad-input'],
      [{ target: bob.npub, action: 'unfollow', petname: 'x' }, 400, 'bad-input'],
      [{ target: bob.npub, action: 'follow', petname: 'x'.repeat(101) }, 400, 'bad-input'],
      [{ target: bob.npub, action: 'follow', force: 'yes' }, 400, 'bad-input'],
      [{ action: 'follow' }, 400, 'bad-input'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(server, '/api/follow', body);
      expect(JSON.parse(r.body).error.code, JSON.stringify(body)).toBe(code);
      expect(r.status, JSON.stringify(body)).toBe(status);
    }
  });

  it('with the relay down: 503 relay-incomplete and nothing queued', async () => {
    const lonely = await createPeer({
      home: join(tmpDir(), 'lonely'),
      identity: deriveIdentity(generateMnemonic()),
      relays: ['ws://127.0.0.1:1'],
    });
    const s = await startDashboardServer({ backend: new PeerDashboardBackend(lonely), staticDir, port: 0 });
    try {
      const r = await post(s, '/api/follow', { target: bob.npub, action: 'follow' });
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).error.code).toBe('relay-incomplete');
      expect(lonely.outboxReport().counts).toEqual({ pending: 0, acked: 0, failed: 0 });
    } finally {
      await s.close();
      await lonely.stop();
    }
  });

  it('the offline (static) dashboard refuses with ui-read-only', async () => {
    const s = await startDashboardServer({ backend: aliceBackend(), staticDir, port: 0 });
    try {
      const r = await post(s, '/api/follow', { target: KEYS.Bob, action: 'follow' });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe('ui-read-only');
    } finally {
      await s.close();
    }
  });
});
