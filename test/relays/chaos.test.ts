/**
 * Chaos: 1,000 events published through the outbox and a RelayPool while 3 relays are stopped
 * and restarted at random (seeded). After recovery every event is on every relay and stored
 * exactly once locally. Bounded in time: the chaos phase stops once everything is queued.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SeededRandom } from '../../src/core/random.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { OutboxPublisher } from '../../src/relays/outbox.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import { EventStore } from '../../src/store/events.ts';
import type { InsertStatus } from '../../src/store/events.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';
import { until } from '../helpers/until.ts';

const SEED = 20261124;
const EVENTS = 1000;

describe('chaos: relays restarting at random', () => {
  it(`${EVENTS} events reach every relay and are stored exactly once locally`, { timeout: 150_000 }, async () => {
    const rnd = new SeededRandom(SEED);
    const dir = tmpDir();
    const relays: (EmbeddedRelay | undefined)[] = await Promise.all(
      [0, 1, 2].map((i) => startEmbeddedRelay({ dbPath: join(dir, `r${i}.db`) })),
    );
    const ports = relays.map((r) => r?.port as number);
    const urls = relays.map((r) => r?.url as string);

    const sender = await openStore(join(dir, 'sender.db'));
    const outbox = new OutboxStore(sender);
    const conn = { backoff: { baseMs: 20, maxMs: 300 }, random: rnd };
    const writer = new RelayPool({ relays: urls, connection: conn, publishTimeoutMs: 3000, fetchLimits: false });
    const publisher = new OutboxPublisher({
      store: outbox,
      transport: writer,
      relays: urls,
      random: rnd,
      backoff: { baseMs: 50, maxMs: 400 },
      maxInFlight: 256,
    });
    publisher.start();

    const receiver = await openStore(join(dir, 'receiver.db'));
    const events = new EventStore(receiver);
    const statuses = new Map<InsertStatus, number>();
    const reader = new RelayPool({
      relays: urls,
      connection: conn,
      fetchLimits: false,
    });
    const k = newKey();
    reader.subscribe([{ kinds: [1], authors: [k.pk] }], {
      onevent: (e, relay) => {
        const s = events.insert(e, relay);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      },
    });

    let restarts = 0;
    let publishing = true;
    const chaos = (async () => {
      while (publishing) {
        await new Promise((r) => setTimeout(r, 50 + rnd.int(150)));
        const i = rnd.int(3);
        const r = relays[i];
        if (!r) continue;
        relays[i] = undefined;
        await r.close();
        await new Promise((res) => setTimeout(res, 50 + rnd.int(300)));
        relays[i] = await startEmbeddedRelay({ dbPath: join(dir, `r${i}.db`), port: ports[i] });
        restarts++;
      }
    })();

    const now = Math.floor(Date.now() / 1000);
    const ids: string[] = [];
    let batch: ReturnType<typeof makeEvent>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const ev = makeEvent(k, { created_at: now - 60 + (i % 60), content: `chaos ${i}` });
      ids.push(ev.id);
      batch.push(ev);
      if (batch.length === 50) {
        publisher.publishMany(batch);
        batch = [];
        await new Promise((r) => setTimeout(r, 10 + rnd.int(30)));
      }
    }
    publishing = false;
    await chaos;

    await until(() => outbox.counts().pending === 0, 'every target acknowledged', 60_000);
    expect(outbox.counts()).toEqual({ pending: 0, acked: EVENTS * 3, failed: 0 });
    await until(() => (statuses.get('inserted') ?? 0) >= EVENTS, 'every event received', 30_000);

    let onEvery = 0;
    for (const url of urls) {
      const c = await RawClient.connect(url);
      const { events: got } = await c.query('all', { kinds: [1], authors: [k.pk], limit: 5000 });
      c.close();
      const have = new Set(got.map((e) => e.id));
      if (ids.every((id) => have.has(id))) onEvery++;
    }
    const stored = await events.count();
    const storedIds = new Set((await events.query({ kinds: [1], authors: [k.pk], limit: 5000 })).map((e) => e.id));
    const lost = ids.filter((id) => !storedIds.has(id)).length;
    const duplicates = [...statuses.entries()].filter(([s]) => s !== 'inserted').reduce((n, [, c]) => n + c, 0);
    console.log(
      `chaos seed=${SEED}: events=${EVENTS} restarts=${restarts} relays-complete=${onEvery}/3 stored=${stored} lost=${lost} duplicates=${duplicates}`,
    );
    expect(restarts).toBeGreaterThan(0);
    expect(onEvery).toBe(3);
    expect(stored).toBe(EVENTS);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);

    publisher.stop();
    await writer.close();
    await reader.close();
    await Promise.all(relays.map((r) => r?.close()));
    await sender.close();
    await receiver.close();
  });
});
