import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';
import { until } from '../helpers/until.ts';

const fast = { backoff: { baseMs: 20, maxMs: 200 } };

async function store(url: string, ev: NostrEvent): Promise<void> {
  const c = await RawClient.connect(url);
  const ok = await c.publish(ev);
  c.close();
  if (ok[2] !== true) throw new Error(`relay refused: ${String(ok[3])}`);
}

describe('RelayPool under faults injected by a FaultProxy', () => {
  let a: EmbeddedRelay;
  let b: EmbeddedRelay;
  let proxy: FaultProxy;
  beforeAll(async () => {
    [a, b] = await Promise.all([startEmbeddedRelay(), startEmbeddedRelay()]);
    proxy = await FaultProxy.start(a.url);
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('forged-first: the genuine event from B is accepted; the forged copy from A is dropped and never cached as verified', async () => {
    const k = newKey();
    const genuine = makeEvent(k, { content: 'genuine' });
    await store(b.url, genuine);
    const forged = { ...genuine, content: 'forged: pay mallory' };
    const forgedSig = { ...genuine, sig: makeEvent(k, { content: 'other' }).sig };
    // B answers only after A had time to send both forgeries.
    const slowB = await FaultProxy.start(b.url);
    slowB.fromRelay = (m, c) => {
      if (m[0] !== 'EVENT') return 'pass';
      setTimeout(() => c.send(m), 200);
      return 'drop';
    };
    proxy.fromRelay = () => 'pass';
    proxy.onClientMessage = (m, c) => {
      if (m[0] === 'REQ') {
        c.send(['EVENT', m[1], forged]);
        c.send(['EVENT', m[1], forgedSig]);
      }
    };
    const pool = new RelayPool({ relays: [proxy.url, slowB.url], connection: fast });
    const got: { e: NostrEvent; relay: string }[] = [];
    let eose = false;
    pool.subscribe([{ ids: [genuine.id] }], {
      onevent: (e, relay) => got.push({ e, relay }),
      oneose: () => (eose = true),
    });
    await until(() => eose && got.length === 1, 'genuine event');
    expect(got[0]?.e).toEqual(genuine);
    expect(got[0]?.relay).toBe(slowB.url);
    expect(pool.stats()[proxy.url]?.invalid).toBe(2);
    expect(pool.verifier.isCached(genuine.id, forgedSig.sig)).toBe(false);
    expect(pool.verifier.isCached(genuine.id, genuine.sig)).toBe(true);
    await pool.close();
    await slowB.close();
    proxy.onClientMessage = () => undefined;
  });

  it('withholding: an event A withholds arrives from B; a withheld EOSE ends by timeout', async () => {
    const k = newKey();
    const ev = makeEvent(k);
    await store(a.url, ev);
    await store(b.url, ev);
    proxy.fromRelay = (m) => (m[0] === 'EVENT' || m[0] === 'EOSE' ? 'drop' : 'pass');
    const pool = new RelayPool({ relays: [proxy.url, b.url], connection: fast });
    const got: string[] = [];
    let eoseAt = 0;
    pool.subscribe(
      [{ authors: [k.pk] }],
      { onevent: (_e, r) => got.push(r), oneose: () => (eoseAt = Date.now()) },
      { eoseTimeoutMs: 300 },
    );
    await until(() => eoseAt > 0, 'EOSE by timeout');
    expect(got).toEqual([b.url]);
    await pool.close();
    proxy.fromRelay = () => 'pass';
  });

  it('a relay that never sends OK yields a timeout result for it alone', async () => {
    proxy.fromRelay = (m) => (m[0] === 'OK' ? 'drop' : 'pass');
    const pool = new RelayPool({ relays: [proxy.url, b.url], connection: fast, publishTimeoutMs: 400 });
    const res = await pool.publish(makeEvent(newKey()));
    expect(res.map((r) => [r.relay, r.code])).toEqual([
      [proxy.url, 'timeout'],
      [b.url, 'ok'],
    ]);
    await pool.close();
    proxy.fromRelay = () => 'pass';
  });

  it('a connection closed mid-frame is counted, reconnected, and the subscription resumes', async () => {
    const k = newKey();
    const pool = new RelayPool({ relays: [proxy.url], connection: fast });
    const got: string[] = [];
    let eose = false;
    pool.subscribe([{ kinds: [1], authors: [k.pk] }], { onevent: (e) => got.push(e.id), oneose: () => (eose = true) });
    await until(() => eose, 'EOSE');
    const [client] = [...proxy.clients];
    client?.cutMidFrame();
    await until(() => (pool.stats()[proxy.url]?.connects ?? 0) >= 2 && pool.isConnected(proxy.url), 'reconnect');
    await until(() => [...proxy.clients].some((c) => c.subIds.length > 0), 'resubscribe');
    const ev = makeEvent(k);
    await store(a.url, ev);
    await until(() => got.includes(ev.id), 'event after reconnect');
    expect(pool.stats()[proxy.url]?.disconnects).toBeGreaterThanOrEqual(1);
    await pool.close();
  });

  it('an event duplicated 1000x is delivered once', async () => {
    const k = newKey();
    const ev = makeEvent(k);
    await store(a.url, ev);
    proxy.fromRelay = (m, c) => {
      if (m[0] === 'EVENT') for (let i = 0; i < 999; i++) c.send(m);
      return 'pass';
    };
    const pool = new RelayPool({ relays: [proxy.url], connection: fast });
    const got: string[] = [];
    let eose = false;
    pool.subscribe([{ authors: [k.pk] }], { onevent: (e) => got.push(e.id), oneose: () => (eose = true) });
    await until(() => eose, 'EOSE');
    expect(got).toEqual([ev.id]);
    expect(pool.stats()[proxy.url]).toMatchObject({ received: 1000, duplicates: 999 });
    await pool.close();
    proxy.fromRelay = () => 'pass';
  });

  it('AUTH and NOTICE floods are bounded', async () => {
    const me = newKey();
    let signed = 0;
    const pool = new RelayPool({
      relays: [proxy.url],
      authRelays: [proxy.url],
      signer: (t) => {
        signed++;
        return signEvent(t, me.sk, me.pk);
      },
      connection: fast,
    });
    let eose = false;
    pool.subscribe([{ kinds: [1], authors: [me.pk] }], { oneose: () => (eose = true) });
    await until(() => eose, 'EOSE');
    const [client] = [...proxy.clients];
    for (let i = 0; i < 10_000; i++) {
      client?.send(['AUTH', `challenge-${i}`]);
      client?.send(['NOTICE', `notice ${i} ${'x'.repeat(100)}`]);
    }
    await until(() => (pool.stats()[proxy.url]?.notices ?? 0) >= 10_000, 'the flood');
    const s = pool.stats()[proxy.url];
    expect(s?.authChallenges).toBeGreaterThanOrEqual(10_000);
    expect(s?.authAnswers).toBeLessThanOrEqual(6);
    expect(signed).toBeLessThanOrEqual(6);
    const notices = pool.notices(proxy.url);
    expect(notices.length).toBe(32);
    expect(notices.at(-1)).toMatch(/^notice 9999 /);
    await pool.close();
  });

  it('drops and counts events that do not match the filter', async () => {
    const k = newKey();
    const stranger = makeEvent(newKey(), { content: 'not asked for' });
    proxy.onClientMessage = (m, c) => {
      if (m[0] === 'REQ') c.send(['EVENT', m[1], stranger]);
    };
    const pool = new RelayPool({ relays: [proxy.url], connection: fast });
    const got: string[] = [];
    let eose = false;
    pool.subscribe([{ authors: [k.pk] }], { onevent: (e) => got.push(e.id), oneose: () => (eose = true) });
    await until(() => eose, 'EOSE');
    expect(got).toEqual([]);
    expect(pool.stats()[proxy.url]).toMatchObject({ unmatched: 1, received: 0 });
    await pool.close();
    proxy.onClientMessage = () => undefined;
  });

  it('an oversized frame drops the connection instead of being buffered', async () => {
    const pool = new RelayPool({ relays: [proxy.url], connection: { ...fast, maxFrameBytes: 64 * 1024 } });
    let eose = false;
    pool.subscribe([{ kinds: [1], authors: [newKey().pk] }], { oneose: () => (eose = true) });
    await until(() => eose, 'EOSE');
    const [client] = [...proxy.clients];
    client?.send(['NOTICE', 'x'.repeat(2 * 1024 * 1024)]);
    await until(() => (pool.stats()[proxy.url]?.oversizedFrames ?? 0) >= 1, 'oversized frame noticed');
    await until(() => pool.isConnected(proxy.url), 'reconnect');
    expect(pool.stats()[proxy.url]?.notices).toBe(0);
    await pool.close();
  });

  it('a relay closing the subscription ends it with its reason when every relay has closed', async () => {
    proxy.fromRelay = (m, c) => {
      if (m[0] === 'EOSE') {
        c.send(['CLOSED', m[1], 'restricted: members only']);
        return 'drop';
      }
      return 'pass';
    };
    const pool = new RelayPool({ relays: [proxy.url], connection: fast });
    let reasons: Record<string, string> | undefined;
    let eose = false;
    pool.subscribe([{ kinds: [1], authors: [newKey().pk] }], {
      oneose: () => (eose = true),
      onclose: (r) => (reasons = r),
    });
    await until(() => reasons !== undefined, 'CLOSED');
    expect(eose).toBe(true);
    expect(reasons).toEqual({ [proxy.url]: 'restricted: members only' });
    await pool.close();
    proxy.fromRelay = () => 'pass';
  });
});

describe('keepalive', () => {
  it('drops a connection whose peer stops answering pings, then reconnects', async () => {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    await new Promise((r) => wss.once('listening', r));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    const pool = new RelayPool({ relays: [url], connection: { ...fast, pingIntervalMs: 100 }, fetchLimits: false });
    pool.subscribe([{ kinds: [1] }], {}, { eoseTimeoutMs: 100 });
    await until(
      () => (pool.stats()[url]?.disconnects ?? 0) >= 1 && (pool.stats()[url]?.connects ?? 0) >= 2,
      'dead peer dropped and redialled',
    );
    await pool.close();
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  });
});
