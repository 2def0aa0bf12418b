/**
 * No answer is not an empty answer. nostream drops frames a client sends in the first
 * milliseconds of a connection (../shared/relays/README.md): a REQ sent at once then gets neither
 * EOSE nor CLOSED. The FaultProxy reproduces that drop in front of the embedded relay, so these
 * run without ../shared; test/interop/ runs the same cases against nostream itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';

const fast = { backoff: { baseMs: 20, maxMs: 200 } };

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function store(url: string, ev: NostrEvent): Promise<void> {
  const c = await RawClient.connect(url);
  const ok = await c.publish(ev);
  c.close();
  if (ok[2] !== true) throw new Error(`relay refused: ${String(ok[3])}`);
}

describe('a REQ that gets no answer (nostream early-REQ drop, FaultProxy)', () => {
  let relay: EmbeddedRelay;
  let proxy: FaultProxy;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    proxy = await FaultProxy.start(relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await relay.close();
  });

  it('one-shot: the REQ dropped on a fresh connection is sent again and the stored event is found', async () => {
    const ev = makeEvent(newKey());
    await store(relay.url, ev);
    proxy.dropClientFramesForMs = 150;
    proxy.dropClientFrames = () => false;
    const dropped = proxy.droppedClientFrames;
    const pool = new RelayPool({ relays: [proxy.url], connection: fast, fetchLimits: false, reqRetryMs: 300 });
    const r = await queryEvents(pool, [{ ids: [ev.id] }], 10_000);
    await pool.close();
    expect(proxy.droppedClientFrames).toBeGreaterThan(dropped);
    expect(r.events.map((e) => e.id)).toEqual([ev.id]);
    expect(r.incomplete).toEqual([]);
  });

  it('one-shot: a relay that never answers is a reported gap, never an empty result', async () => {
    proxy.dropClientFramesForMs = 0;
    proxy.dropClientFrames = (m) => m[0] === 'REQ';
    const pool = new RelayPool({
      relays: [proxy.url, relay.url],
      connection: fast,
      fetchLimits: false,
      reqRetryMs: 100,
      reqRetries: 2,
    });
    const r = await queryEvents(pool, [{ kinds: [1], limit: 1 }], 2_000);
    await pool.close();
    expect(r.incomplete).toEqual([
      { relay: proxy.url, reason: 'no-answer', message: expect.stringContaining('3 REQ') },
    ]);
  });

  it('one-shot: a relay that refuses the connection is reported as unreachable', async () => {
    const pool = new RelayPool({ relays: ['ws://127.0.0.1:1', relay.url], connection: fast, fetchLimits: false });
    const r = await queryEvents(pool, [{ kinds: [1], limit: 1 }], 5_000);
    await pool.close();
    expect(r.incomplete).toEqual([{ relay: 'ws://127.0.0.1:1', reason: 'unreachable', message: expect.any(String) }]);
  });

  it('one-shot: a CLOSED is a reported gap naming its reason', async () => {
    proxy.dropClientFramesForMs = 0;
    proxy.dropClientFrames = () => false;
    const prev = proxy.fromRelay;
    proxy.fromRelay = (m, c) => {
      if (m[0] === 'EOSE') {
        c.send(['CLOSED', m[1], 'restricted: members only']);
        return 'drop';
      }
      return 'pass';
    };
    const pool = new RelayPool({ relays: [proxy.url], connection: fast, fetchLimits: false });
    const r = await queryEvents(pool, [{ kinds: [1], limit: 1 }], 5_000);
    await pool.close();
    proxy.fromRelay = prev;
    expect(r.incomplete).toEqual([{ relay: proxy.url, reason: 'closed', message: 'restricted: members only' }]);
  });

  it('live: the REQ dropped on a fresh connection, and again after a reconnect, is sent again; live events arrive', async () => {
    proxy.dropClientFramesForMs = 150;
    proxy.dropClientFrames = () => false;
    const k = newKey();
    const pool = new RelayPool({ relays: [proxy.url], connection: fast, fetchLimits: false, reqRetryMs: 300 });
    const got: string[] = [];
    pool.subscribe([{ authors: [k.pk] }], { onevent: (e) => void got.push(e.id) });
    await until(() => pool.unconfirmed().length === 0 && pool.isConnected(proxy.url), 'the subscription confirmed');
    const first = makeEvent(k, { content: 'one' });
    await store(relay.url, first);
    await until(() => got.includes(first.id), 'the first live event');
    const dropped = proxy.droppedClientFrames;
    pool.disconnect(proxy.url);
    await until(() => proxy.droppedClientFrames > dropped, 'the REQ dropped after the reconnect');
    await until(
      () => pool.unconfirmed().length === 0 && pool.isConnected(proxy.url),
      'the subscription confirmed again',
    );
    const second = makeEvent(k, { content: 'two' });
    await store(relay.url, second);
    await until(() => got.includes(second.id), 'the second live event');
    await pool.close();
  });

  it('live: a subscription no relay confirmed is listed as unconfirmed', async () => {
    proxy.dropClientFramesForMs = 0;
    proxy.dropClientFrames = (m) => m[0] === 'REQ';
    const pool = new RelayPool({
      relays: [proxy.url],
      connection: fast,
      fetchLimits: false,
      reqRetryMs: 50,
      reqRetries: 1,
    });
    const sub = pool.subscribe([{ kinds: [1] }], {}, { cursorKey: 'inbox' });
    await until(() => proxy.droppedClientFrames > 0 && pool.isConnected(proxy.url), 'a dropped REQ');
    expect(pool.unconfirmed()).toEqual([{ relay: proxy.url, subscription: sub.id }]);
    await pool.close();
    proxy.dropClientFrames = () => false;
  });
});
