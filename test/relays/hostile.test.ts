/**
 * The embedded relay under hostile clients (issue 19, items 1, 2 and 4): a REQ bomb of 1000 broad
 * filters over 60 KB events, a client that never reads, too many subscriptions, and ephemeral gift
 * wraps (kind 21059) asked for by someone who is not their recipient. Real relay, real sockets on
 * 127.0.0.1, a real SQLite file. Assertions are on what the relay answers and holds, never on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { DEFAULT_RELAY_POLICY } from '../../src/relays/relay-policy.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';
import type { TestKey } from './_helpers.ts';

const BIG_EVENTS = 400;
const BIG_CONTENT = 60 * 1024 - 400;

/** Wait until `cond` holds, looking every 20 ms (the test's own timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

/** Publish many events on one connection without waiting between them, then wait for every OK. */
async function publishAll(c: RawClient, events: NostrEvent[]): Promise<void> {
  const oks = events.map((ev) => c.next((m) => m[0] === 'OK' && m[1] === ev.id));
  for (const ev of events) c.send(['EVENT', ev]);
  for (const ok of await Promise.all(oks)) expect(ok[2]).toBe(true);
}

async function authAs(relay: EmbeddedRelay, c: RawClient, key: TestKey): Promise<void> {
  const challenge = (await c.next((m) => m[0] === 'AUTH'))[1] as string;
  const auth = signEvent(
    {
      kind: 22242,
      created_at: Math.floor(Date.now() / 1000),
      tags: [
        ['relay', relay.url],
        ['challenge', challenge],
      ],
      content: '',
    },
    key.sk,
    key.pk,
  );
  c.send(['AUTH', auth]);
  expect((await c.next((m) => m[0] === 'OK' && m[1] === auth.id))[2]).toBe(true);
}

describe('embedded relay: REQ policy and backpressure over 400 events of 60 KB', () => {
  let relay: EmbeddedRelay;
  const author = newKey();
  beforeAll(async () => {
    relay = await startEmbeddedRelay({ dbPath: join(tmpDir(), 'relay.sqlite'), policy: { stallMs: 1000 } });
    const c = await RawClient.connect(relay.url);
    const now = Math.floor(Date.now() / 1000);
    const events = Array.from({ length: BIG_EVENTS }, (_, i) =>
      makeEvent(author, { created_at: now - i, content: `${i} `.padEnd(BIG_CONTENT, 'x') }),
    );
    await publishAll(c, events);
    c.close();
  }, 120_000);
  afterAll(async () => {
    await relay.close();
  });

  it('refuses a REQ of 1000 filters with CLOSED invalid: and keeps serving another client', {
    timeout: 60_000,
  }, async () => {
    const bomber = await RawClient.connect(relay.url);
    const bomb = Array.from({ length: 1000 }, () => ({ kinds: [1], limit: 5000 }));
    const r = await bomber.query('bomb', ...bomb);
    expect(r.events).toEqual([]);
    expect(r.end[0]).toBe('CLOSED');
    expect(String(r.end[2])).toMatch(/^invalid: too many filters in one REQ: 1000 \(at most 10\)/);
    expect(relay.stats().reqsRefused).toBeGreaterThanOrEqual(1);

    // The most a REQ may ask: 10 broad filters (differing only in limit), each capped at max_limit.
    // The events come once each (deduplicated across filters), newest first, and end with EOSE.
    const ten = await bomber.query('ten', ...Array.from({ length: 10 }, (_, i) => ({ kinds: [1], limit: 5000 - i })));
    expect(ten.end[0]).toBe('EOSE');
    expect(ten.events).toHaveLength(BIG_EVENTS);
    expect(new Set(ten.events.map((e) => e.id)).size).toBe(BIG_EVENTS);
    const times = ten.events.map((e) => e.created_at);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const honest = await RawClient.connect(relay.url);
    const k = newKey();
    const ev = makeEvent(k, { content: 'still here' });
    expect((await honest.publish(ev))[2]).toBe(true);
    const got = await honest.query('mine', { authors: [k.pk] });
    expect(got.end[0]).toBe('EOSE');
    expect(got.events.map((e) => e.id)).toEqual([ev.id]);
    expect(relay.stats().bytesInFlight).toBe(0);
    bomber.close();
    honest.close();
  });

  it('caps a filter limit at max_limit and pages through ties at one second without loss or repeats', {
    timeout: 60_000,
  }, async () => {
    const r = await startEmbeddedRelay({
      dbPath: join(tmpDir(), 'ties.sqlite'),
      maxEventBytes: 4096,
      defaultLimit: 20,
      policy: { maxLimit: 50, pageBytes: 7 * 4096 },
    });
    const c = await RawClient.connect(r.url);
    const k = newKey();
    const second = Math.floor(Date.now() / 1000) - 5;
    // 30 events in one second and 30 in the one before: pages of 7 rows cross both boundaries.
    const events = [
      ...Array.from({ length: 30 }, (_, i) => makeEvent(k, { created_at: second, content: `a${i}` })),
      ...Array.from({ length: 30 }, (_, i) => makeEvent(k, { created_at: second - 1, content: `b${i}` })),
    ];
    await publishAll(c, events);
    const all = await c.query('all', { authors: [k.pk], limit: 1000 });
    expect(all.end[0]).toBe('EOSE');
    expect(all.events).toHaveLength(50);
    expect(new Set(all.events.map((e) => e.id)).size).toBe(50);
    expect(all.events.slice(0, 30).every((e) => e.created_at === second)).toBe(true);
    const some = await c.query(
      'some',
      { authors: [k.pk], limit: 45 },
      { authors: [k.pk], until: second - 1, limit: 40 },
    );
    // The second filter adds the 30 older events (15 of them already sent by the first).
    expect(new Set(some.events.map((e) => e.id)).size).toBe(some.events.length);
    expect(some.events).toHaveLength(60);
    c.close();
    await r.close();
  });

  it('refuses a subscription over the cap with CLOSED restricted: and never evicts an older one', {
    timeout: 60_000,
  }, async () => {
    const c = await RawClient.connect(relay.url);
    const k = newKey();
    const max = DEFAULT_RELAY_POLICY.maxSubscriptions;
    for (let i = 0; i < max; i++) expect((await c.query(`s${i}`, { authors: [k.pk] })).end[0]).toBe('EOSE');
    const over = await c.query('one-too-many', { authors: [k.pk] });
    expect(over.end[0]).toBe('CLOSED');
    expect(String(over.end[2])).toMatch(/^restricted: too many open subscriptions/);
    // Re-using an open id replaces that subscription, which costs no slot.
    expect((await c.query('s1', { authors: [k.pk], kinds: [1] })).end[0]).toBe('EOSE');
    // The oldest subscription still receives live events.
    const live = c.next((m) => m[0] === 'EVENT' && m[1] === 's0');
    const other = await RawClient.connect(relay.url);
    const ev = makeEvent(k, { content: 'live' });
    await other.publish(ev);
    expect(((await live)[2] as NostrEvent).id).toBe(ev.id);
    // After a CLOSE the slot is free again.
    c.send(['CLOSE', 's2']);
    expect((await c.query('after-close', { authors: [k.pk] })).end[0]).toBe('EOSE');
    c.close();
    other.close();
  });

  it('drops a client that stops reading, releases what it held, and keeps serving others', {
    timeout: 90_000,
  }, async () => {
    const slow = await RawClient.connect(relay.url);
    slow.ws.pause(); // the socket is never read again
    for (let i = 0; i < 30; i++) slow.send(['REQ', `slow${i}`, { kinds: [1], limit: 5000 }]);
    const { softBufferBytes, hardBufferBytes, maxBytesInFlight } = DEFAULT_RELAY_POLICY;
    let peakBuffered = 0;
    let peakInFlight = 0;
    const sample = setInterval(() => {
      const s = relay.stats();
      peakBuffered = Math.max(peakBuffered, s.bufferedBytes);
      peakInFlight = Math.max(peakInFlight, s.bytesInFlight);
    }, 10);
    try {
      // The relay fills what the kernel takes, then holds the rest until the client reads.
      await until(() => relay.stats().bufferedBytes > softBufferBytes || relay.stats().slowDropped > 0);

      const honest = await RawClient.connect(relay.url);
      const k = newKey();
      const ev = makeEvent(k, { content: 'served while another client stalls' });
      expect((await honest.publish(ev))[2]).toBe(true);
      const got = await honest.query('q', { authors: [k.pk] });
      expect(got.end[0]).toBe('EOSE');
      expect(got.events.map((e) => e.id)).toEqual([ev.id]);

      // No progress for stallMs: dropped, and nothing it held is retained.
      await until(() => relay.stats().slowDropped >= 1);
      await until(() => relay.stats().connections === 1);
      const after = relay.stats();
      expect(after.bytesInFlight).toBe(0);
      expect(after.pagesWaiting).toBe(0);
      expect(after.subscriptions).toBe(1); // the honest client's
      expect(after.bufferedBytes).toBeLessThan(softBufferBytes);
      // The slow client's 30 x 24 MB never piled up: at most the soft cap plus one event (and the
      // honest client's few small answers), never more query results than the relay-wide budget.
      expect(peakBuffered).toBeLessThanOrEqual(softBufferBytes + 2 * 64 * 1024);
      expect(peakBuffered).toBeLessThan(hardBufferBytes);
      expect(peakInFlight).toBeLessThanOrEqual(maxBytesInFlight);
      honest.close();
    } finally {
      clearInterval(sample);
      slow.ws.terminate();
    }
  });
});

describe('embedded relay: live events to a client that stops reading', () => {
  it('drops it once its unsent bytes pass the hard cap, and the publisher keeps getting OKs', {
    timeout: 120_000,
  }, async () => {
    const relay = await startEmbeddedRelay({
      dbPath: join(tmpDir(), 'live.sqlite'),
      policy: { softBufferBytes: 64 * 1024, hardBufferBytes: 256 * 1024 },
    });
    try {
      const reader = await RawClient.connect(relay.url);
      expect((await reader.query('live', { kinds: [1], limit: 0 })).end[0]).toBe('EOSE');
      reader.ws.pause();
      const pub = await RawClient.connect(relay.url);
      const k = newKey();
      let sent = 0;
      // The kernel's socket buffers take a few MB first; then the relay's own buffer reaches the cap.
      while (relay.stats().slowDropped === 0) {
        expect((await pub.publish(makeEvent(k, { content: `${sent++} `.padEnd(30_000, 'y') })))[2]).toBe(true);
      }
      expect(relay.stats().bufferedBytes).toBeLessThanOrEqual(256 * 1024);
      await until(() => relay.stats().connections === 1);
      expect((await pub.publish(makeEvent(k, { content: 'after' })))[2]).toBe(true);
      expect(relay.stats()).toMatchObject({ connections: 1, subscriptions: 0, bytesInFlight: 0 });
      pub.close();
      reader.ws.terminate();
    } finally {
      await relay.close();
    }
  });
});

describe('embedded relay: private kinds', () => {
  let relay: EmbeddedRelay;
  beforeAll(async () => {
    relay = await startEmbeddedRelay({ dbPath: join(tmpDir(), 'private.sqlite') });
  });
  afterAll(async () => {
    await relay.close();
  });

  it('serves ephemeral gift wraps (21059) only to the authenticated recipient', { timeout: 30_000 }, async () => {
    const alice = newKey();
    const sender = newKey();
    const since = Math.floor(Date.now() / 1000) - 60;

    const snoop = await RawClient.connect(relay.url);
    const asked = await snoop.query('w', { kinds: [21059], '#p': [alice.pk] });
    expect(asked.end[0]).toBe('CLOSED');
    expect(String(asked.end[2])).toMatch(/^auth-required:/);
    // Filters that do not name the kind match it anyway: the gate is on the event.
    expect((await snoop.query('tag', { '#p': [alice.pk], since })).end[0]).toBe('EOSE');
    expect((await snoop.query('any', { since })).end[0]).toBe('EOSE');

    const aliceC = await RawClient.connect(relay.url);
    await authAs(relay, aliceC, alice);
    expect((await aliceC.query('inbox', { kinds: [21059, 1059], '#p': [alice.pk], since })).end[0]).toBe('EOSE');

    const pub = await RawClient.connect(relay.url);
    const wrap = makeEvent(sender, { kind: 21059, tags: [['p', alice.pk]], content: 'sealed' });
    expect((await pub.publish(wrap))[2]).toBe(true);
    // A public event published after the wrap: once the snooper has it, the wrap would have come first.
    const marker = makeEvent(sender, { kind: 1, tags: [['p', alice.pk]], content: 'public' });
    expect((await pub.publish(marker))[2]).toBe(true);

    const seen = await aliceC.next((m) => m[0] === 'EVENT' && m[1] === 'inbox');
    expect((seen[2] as NostrEvent).id).toBe(wrap.id);
    expect(((await snoop.next((m) => m[0] === 'EVENT' && m[1] === 'tag'))[2] as NostrEvent).id).toBe(marker.id);
    expect(((await snoop.next((m) => m[0] === 'EVENT' && m[1] === 'any'))[2] as NostrEvent).id).toBe(marker.id);
    expect(snoop.messages.filter((m) => m[0] === 'EVENT' && (m[2] as NostrEvent).kind === 21059)).toEqual([]);
    for (const c of [snoop, aliceC, pub]) c.close();
  });
});
