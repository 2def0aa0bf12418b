import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { backoffDelay } from '../../src/relays/connection.ts';
import { parseRelayLimits, nip11Url } from '../../src/relays/nip11.ts';
import { authAllowed } from '../../src/relays/nip42.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { openStore } from '../../src/store/db.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';
import { until } from '../helpers/until.ts';

const fast = { backoff: { baseMs: 20, maxMs: 200 } };
describe('high-water marks', () => {
  let relay: EmbeddedRelay;
  beforeAll(async () => {
    relay = await startEmbeddedRelay({ maxEventBytes: 4096, maxMessageBytes: 8192 });
  });
  afterAll(async () => {
    await relay.close();
  });

  it('only verified events advance a mark, and a mark never passes now', async () => {
    const store = await openStore(join(tmpDir(), 'c.db'));
    const cursors = new CursorStore(store);
    const proxy = await FaultProxy.start(relay.url);
    const k = newKey();
    const pool = new RelayPool({ relays: [proxy.url], cursors, connection: fast });
    let eose = false;
    const got: string[] = [];
    pool.subscribe(
      [{ kinds: [1], authors: [k.pk] }],
      { onevent: (e) => got.push(e.id), oneose: () => (eose = true) },
      { cursorKey: 'm' },
    );
    await until(() => eose, 'EOSE');
    const t0 = Math.floor(Date.now() / 1000);
    const genuine = makeEvent(k, { created_at: t0 - 100 });
    const c = await RawClient.connect(relay.url);
    await c.publish(genuine);
    await until(() => got.length === 1, 'live event');
    const [client] = [...proxy.clients];
    const subId = client?.subIds[0];
    // forged: valid shape, far newer created_at, bad signature
    const forged = { ...makeEvent(k, { created_at: t0 + 600 }), sig: genuine.sig };
    client?.send(['EVENT', subId, forged]);
    // genuine but future-dated within the verifier's 15 min window: clamped to now
    const future = makeEvent(k, { created_at: t0 + 600 });
    client?.send(['EVENT', subId, future]);
    await until(() => got.length === 2, 'future-dated event');
    await pool.close();
    const mark = cursors.load(proxy.url, 'm') as number;
    expect(pool.stats()[proxy.url]?.invalid).toBe(1);
    expect(mark).toBeGreaterThanOrEqual(t0);
    expect(mark).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    c.close();
    await proxy.close();
    await store.close();
  });

  it('gift-wrap subscriptions resume 2 days before the mark (wraps are back-dated)', async () => {
    const store = await openStore(join(tmpDir(), 'c.db'));
    const cursors = new CursorStore(store);
    const now = Math.floor(Date.now() / 1000);
    const alice = newKey();
    cursors.save(relay.url, 'inbox', now);
    cursors.save(relay.url, 'notes', now);
    cursors.flush();
    const c = await RawClient.connect(relay.url);
    const wrap = makeEvent(newKey(), { kind: 1059, created_at: now - 86_400, tags: [['p', alice.pk]] });
    const note = makeEvent(alice, { kind: 1, created_at: now - 86_400 });
    await c.publish(wrap);
    await c.publish(note);
    c.close();
    const pool = new RelayPool({
      relays: [relay.url],
      cursors,
      connection: fast,
      signer: (t) => ({ ...makeEvent(alice, t) }),
      resubscribeSlackSeconds: 0,
    });
    const wraps: string[] = [];
    const notes: string[] = [];
    let e1 = false;
    let e2 = false;
    pool.subscribe(
      [{ kinds: [1059], '#p': [alice.pk] }],
      { onevent: (e) => wraps.push(e.id), oneose: () => (e1 = true) },
      { cursorKey: 'inbox' },
    );
    pool.subscribe(
      [{ kinds: [1], authors: [alice.pk] }],
      { onevent: (e) => notes.push(e.id), oneose: () => (e2 = true) },
      { cursorKey: 'notes' },
    );
    await until(() => e2 && wraps.length === 1, 'both subscriptions');
    expect(e1).toBe(true);
    expect(wraps).toEqual([wrap.id]);
    expect(notes).toEqual([]);
    await pool.close();
    await store.close();
  });

  it('respects the NIP-11 max_message_length before sending', async () => {
    const pool = new RelayPool({ relays: [relay.url], connection: fast });
    const big = makeEvent(newKey(), { content: 'x'.repeat(9000) });
    const [r] = await pool.publish(big);
    expect(r).toMatchObject({ ok: false, code: 'too-large' });
    expect(pool.limits(relay.url).maxMessageLength).toBe(8192);
    await pool.close();
  });
});

describe('pool helpers', () => {
  it('backoff is jittered within [cap/2, cap] and capped', () => {
    const rnd = new SeededRandom(7);
    fc.assert(
      fc.property(fc.nat({ max: 100 }), (attempt) => {
        const d = backoffDelay(attempt, { baseMs: 100, maxMs: 5000 }, rnd);
        const cap = Math.min(5000, 100 * 2 ** attempt);
        expect(d).toBeGreaterThanOrEqual(cap / 2);
        expect(d).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it('parses NIP-11 limits defensively', () => {
    expect(
      parseRelayLimits({ limitation: { max_message_length: 16384, auth_required: true, max_subid_length: 64 } }),
    ).toEqual({
      maxMessageLength: 16384,
      authRequired: true,
      maxSubidLength: 64,
    });
    expect(parseRelayLimits({ limitation: { max_message_length: -1, auth_required: 'yes' } })).toEqual({});
    fc.assert(fc.property(fc.anything(), (doc) => void parseRelayLimits(doc)));
    expect(nip11Url('wss://relay.example/path')).toBe('https://relay.example/path');
    expect(() => nip11Url('https://relay.example')).toThrowError(expect.objectContaining({ code: 'bad-relay-url' }));
  });

  it('answers AUTH only for allow-listed relays (normalized URLs)', () => {
    expect(authAllowed('wss://Relay.Example/', ['wss://relay.example'])).toBe(true);
    expect(authAllowed('wss://other.example', ['wss://relay.example'])).toBe(false);
  });
});
