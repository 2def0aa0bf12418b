/**
 * Child process for the outbox crash test: `queue DB URL` queues a fresh event for URL (which
 * is down), prints `queued <id>` once it is durable, and keeps retrying until killed;
 * `run DB` re-arms the outbox and exits after every target is acknowledged, printing `done`.
 */
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { OutboxPublisher } from '../../src/relays/outbox.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { signEvent, getPublicKey } from '../../src/events/sign.ts';

const [mode, dbPath, url] = process.argv.slice(2);
const store = await openStore(dbPath as string);
const outbox = new OutboxStore(store);
const pool = new RelayPool({
  connection: { backoff: { baseMs: 20, maxMs: 100 } },
  publishTimeoutMs: 500,
  fetchLimits: false,
});
const publisher = new OutboxPublisher({ store: outbox, transport: pool, backoff: { baseMs: 50, maxMs: 200 } });
publisher.start();
if (mode === 'queue') {
  const sk = new Uint8Array(randomBytes(32));
  const ev = signEvent(
    { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'survives kill -9' },
    sk,
    getPublicKey(sk),
  );
  publisher.publish(ev, [url as string]);
  process.stdout.write(`queued ${ev.id}\n`);
  setInterval(() => undefined, 1000);
} else {
  for (;;) {
    const c = outbox.counts();
    if (c.pending === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  publisher.stop();
  await pool.close();
  await store.close();
  process.stdout.write('done\n');
  process.exit(0);
}
