import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { makeEvent, newKey } from './_helpers.ts';
import { until } from '../helpers/until.ts';

const fast = { backoff: { baseMs: 20, maxMs: 200 } };

describe('RelayPool against 3 embedded relays', () => {
  const dir = tmpDir();
  let relays: EmbeddedRelay[] = [];
  let urls: string[] = [];
  beforeAll(async () => {
    relays = await Promise.all([0, 1, 2].map((i) => startEmbeddedRelay({ dbPath: join(dir, `r${i}.db`) })));
    urls = relays.map((r) => r.url);
  });
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.close()));
  });

  it('publishes to every relay with one result each, and reads back deduplicated with EOSE', async () => {
    const pool = new RelayPool({ relays: urls, connection: fast });
    const k = newKey();
    const evs = [makeEvent(k, { content: 'a' }), makeEvent(k, { content: 'b' })];
    for (const ev of evs) {
      const res = await pool.publish(ev);
      expect(res.map((r) => [r.relay, r.ok, r.code])).toEqual(urls.map((u) => [u, true, 'ok']));
    }
    const again = await pool.publish(evs[0] as NostrEvent);
    expect(again.every((r) => r.ok && r.code === 'duplicate')).toBe(true);

    const got: string[] = [];
    let eose = false;
    const sub = pool.subscribe([{ authors: [k.pk] }], {
      onevent: (e) => got.push(e.id),
      oneose: () => {
        eose = true;
      },
    });
    await until(() => eose, 'EOSE');
    expect(got.sort()).toEqual(evs.map((e) => e.id).sort());
    const stats = pool.stats();
    const received = urls.reduce((n, u) => n + (stats[u]?.received ?? 0), 0);
    const dups = urls.reduce((n, u) => n + (stats[u]?.duplicates ?? 0), 0);
    expect(received).toBe(6);
    expect(dups).toBe(4);

    // live: published by another pool to one relay only
    const other = new RelayPool({ relays: [urls[2] as string], connection: fast });
    const live = makeEvent(k, { content: 'live' });
    await other.publish(live);
    await until(() => got.includes(live.id), 'live event');
    sub.close();
    await other.close();
    await pool.close();
  });

  it('reports per-relay failures without throwing', async () => {
    const pool = new RelayPool({
      relays: [urls[0] as string, 'ws://127.0.0.1:1'],
      connection: fast,
      publishTimeoutMs: 1500,
      fetchLimits: false,
    });
    const res = await pool.publish(makeEvent(newKey()));
    expect(res.map((r) => r.code)).toEqual(['ok', 'relay-unreachable']);
    const forged = { ...makeEvent(newKey()), content: 'changed' };
    const bad = await pool.publish(forged, [urls[0] as string]);
    expect(bad[0]).toMatchObject({ ok: false, code: 'invalid' });
    await pool.close();
  });

  it('works as an async iterator with closeOnEose', async () => {
    const pool = new RelayPool({ relays: urls, connection: fast });
    const k = newKey();
    const ev = makeEvent(k);
    await pool.publish(ev);
    const items: string[] = [];
    for await (const it of pool.subscribe([{ authors: [k.pk] }], undefined, { closeOnEose: true })) {
      items.push(it.type === 'event' ? it.event.id : 'eose');
    }
    expect(items).toEqual([ev.id, 'eose']);
    await pool.close();
  });

  it('answers NIP-42 only for allow-listed relays and then receives gift wraps', async () => {
    const alice = newKey();
    const wrap = makeEvent(newKey(), {
      kind: 1059,
      tags: [['p', alice.pk]],
      created_at: Math.floor(Date.now() / 1000) - 3600,
    });
    const pub = new RelayPool({ relays: urls, connection: fast });
    await pub.publish(wrap);
    const signer = (t: Parameters<typeof signEvent>[0]): NostrEvent => signEvent(t, alice.sk, alice.pk);
    const pool = new RelayPool({ relays: urls, authRelays: [urls[0] as string], signer, connection: fast });
    const got: string[] = [];
    const closed: Record<string, string>[] = [];
    const sub = pool.subscribe([{ kinds: [1059], '#p': [alice.pk] }], {
      onevent: (e, r) => got.push(`${e.id}@${r}`),
      onclose: (r) => closed.push(r),
    });
    await until(() => got.length === 1, 'the wrap from the allow-listed relay');
    expect(got).toEqual([`${wrap.id}@${urls[0]}`]);
    const stats = pool.stats();
    expect(stats[urls[0] as string]?.authAnswers).toBe(1);
    expect(stats[urls[1] as string]?.authAnswers).toBe(0);
    sub.close();
    await pool.close();
    await pub.close();
  });

  it('resumes from persisted cursors after a restart, and after a relay restart loses nothing', async () => {
    const store = await openStore(join(dir, 'client.db'));
    const cursors = new CursorStore(store);
    const k = newKey();
    const base = Math.floor(Date.now() / 1000) - 1000;
    const relayDir = tmpDir();
    const r = await startEmbeddedRelay({ dbPath: join(relayDir, 'x.db') });
    const url = r.url;
    const writer = new RelayPool({ relays: [url], connection: fast });
    for (let i = 0; i < 5; i++) await writer.publish(makeEvent(k, { created_at: base + i, content: `s${i}` }));
    const seen: NostrEvent[] = [];
    let pool = new RelayPool({ relays: [url], cursors, connection: fast, resubscribeSlackSeconds: 0 });
    let eose = false;
    pool.subscribe(
      [{ kinds: [1], authors: [k.pk] }],
      { onevent: (e) => seen.push(e), oneose: () => (eose = true) },
      { cursorKey: 'feed' },
    );
    await until(() => eose, 'EOSE');
    expect(seen).toHaveLength(5);
    await pool.close();
    expect(cursors.load(url, 'feed')).toBe(base + 4);

    // restart of the client: only newer events arrive (since = mark)
    await writer.publish(makeEvent(k, { created_at: base + 10, content: 'new' }));
    const resumed: NostrEvent[] = [];
    pool = new RelayPool({ relays: [url], cursors, connection: fast, resubscribeSlackSeconds: 0 });
    eose = false;
    pool.subscribe(
      [{ kinds: [1], authors: [k.pk] }],
      { onevent: (e) => resumed.push(e), oneose: () => (eose = true) },
      { cursorKey: 'feed' },
    );
    await until(() => eose, 'EOSE');
    expect(resumed.map((e) => e.content).sort()).toEqual(['new', 's4']);

    // restart the relay mid-stream: events published while it is down arrive after reconnect
    const port = r.port;
    await r.close();
    await until(() => !pool.isConnected(url), 'disconnect');
    const r2 = await startEmbeddedRelay({ dbPath: join(relayDir, 'x.db'), port });
    const late = makeEvent(k, { created_at: base + 20, content: 'late' });
    const res = await writer.publish(late);
    expect(res[0]?.ok).toBe(true);
    await until(() => resumed.some((e) => e.id === late.id), 'event after the relay restart');
    const ids = resumed.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    await pool.close();
    await writer.close();
    await r2.close();
    await store.close();
  });
});
