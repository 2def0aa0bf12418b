import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { OutboxPublisher } from '../../src/relays/outbox.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';

/**
 * A scripted refusing relay (a fake, for a refusal the embedded relay does not produce): it
 * answers every kind 1 EVENT `OK false auth-required:` and every other `OK false rate-limited:`,
 * counting the EVENT frames per id.
 */
async function startRefusingRelay(): Promise<{ url: string; received: Map<string, number>; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const received = new Map<string, number>();
  wss.on('connection', (ws) =>
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as [string, { id: string; kind: number }];
      if (m[0] !== 'EVENT') return;
      received.set(m[1].id, (received.get(m[1].id) ?? 0) + 1);
      const reason = m[1].kind === 1 ? 'auth-required: sign in first' : 'rate-limited: slow down';
      ws.send(JSON.stringify(['OK', m[1].id, false, reason]));
    }),
  );
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    received,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

describe('OutboxPublisher on reconnect', () => {
  it('sends a target that could not connect as soon as its relay is back, not at its backoff; refused targets keep theirs', async () => {
    const dir = tmpDir();
    const relayDb = join(dir, 'relay.db');
    let relay = await startEmbeddedRelay({ dbPath: relayDb });
    const { url, port } = relay;
    const refusing = await startRefusingRelay();
    const store = await openStore(join(dir, 'client.db'));
    const outbox = new OutboxStore(store);
    const pool = new RelayPool({ fetchLimits: false, connection: { backoff: { baseMs: 20, maxMs: 100 } } });
    // Ten minutes at least before any retry: only the reconnect can deliver within this test.
    const publisher = new OutboxPublisher({
      store: outbox,
      transport: pool,
      backoff: { baseMs: 20 * 60_000, maxMs: 20 * 60_000 },
    });
    publisher.start();
    const connected: string[] = [];
    pool.onConnected((r) => connected.push(r));
    const target = (id: string, relayUrl: string) =>
      outbox.list(['pending', 'acked', 'failed']).find((i) => i.eventId === id && i.relay === relayUrl);

    const k = newKey();
    const authRefused = makeEvent(k, { kind: 1, content: 'refused: auth' });
    const rateRefused = makeEvent(k, { kind: 7, content: 'refused: rate' });
    publisher.publish(authRefused, [refusing.url]);
    publisher.publish(rateRefused, [refusing.url]);
    await until(
      () =>
        target(authRefused.id, refusing.url)?.attempts === 1 && target(rateRefused.id, refusing.url)?.attempts === 1,
      'both refused once',
      15_000,
    );
    expect(target(authRefused.id, refusing.url)).toMatchObject({ status: 'pending', lastCode: 'auth-required' });
    expect(target(rateRefused.id, refusing.url)).toMatchObject({ status: 'pending', lastCode: 'rate-limited' });

    await relay.close();
    const queued = makeEvent(k, { content: 'queued while the relay was down' });
    publisher.publish(queued, [url]);
    await until(() => target(queued.id, url)?.attempts === 1, 'the unreachable attempt', 15_000);
    expect(target(queued.id, url)).toMatchObject({ status: 'pending', lastCode: 'relay-unreachable' });
    expect(target(queued.id, url)?.nextAttemptAt).toBeGreaterThan(Date.now() + 5 * 60_000);

    relay = await startEmbeddedRelay({ dbPath: relayDb, port });
    await until(() => target(queued.id, url)?.status === 'acked', 'delivery on reconnect', 15_000);
    // Sent once on this reconnect: one failed attempt, one acknowledged.
    expect(target(queued.id, url)?.attempts).toBe(2);
    const c = await RawClient.connect(relay.url);
    const { events } = await c.query('q', { ids: [queued.id] });
    expect(events.map((e) => e.id)).toEqual([queued.id]);
    c.close();

    // The refusing relay reconnects too: its refused targets keep their backoff.
    const before = connected.filter((r) => r === refusing.url).length;
    pool.disconnect(refusing.url);
    await until(
      () => connected.filter((r) => r === refusing.url).length > before,
      'refusing relay reconnected',
      15_000,
    );
    await publisher.idle();
    expect(target(authRefused.id, refusing.url)?.attempts).toBe(1);
    expect(target(rateRefused.id, refusing.url)?.attempts).toBe(1);
    expect(refusing.received.get(authRefused.id)).toBe(1);
    expect(refusing.received.get(rateRefused.id)).toBe(1);

    publisher.stop();
    await pool.close();
    await store.close();
    await relay.close();
    await refusing.close();
  });
});
