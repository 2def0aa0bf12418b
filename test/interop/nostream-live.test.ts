/**
 * A live subscription on nostream survives dropped connections: after each reconnect the REQ is
 * sent at once, nostream may drop it (early frames), and the pool must send it again.
 */
import { describe, expect, it } from 'vitest';
import { RelayPool } from '../../src/relays/pool.ts';
import { makeEvent, newKey } from '../relays/_helpers.ts';
import { NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream: live subscriptions across reconnects', () => {
  it('events published after each of 4 dropped connections arrive live', async () => {
    const url = NOSTREAM_URL as string;
    const k = newKey();
    const reader = new RelayPool({
      relays: [url],
      reqRetryMs: 1000,
      connection: { backoff: { baseMs: 100, maxMs: 500 } },
    });
    const writer = new RelayPool({ relays: [url] });
    const got = new Set<string>();
    reader.subscribe([{ kinds: [1], authors: [k.pk] }], { onevent: (e) => void got.add(e.id) });
    try {
      for (let i = 0; i < 4; i++) {
        await until(
          () => reader.isConnected(url) && reader.unconfirmed().length === 0,
          `the subscription confirmed (${i})`,
        );
        const ev = makeEvent(k, { content: `live ${i}` });
        expect((await writer.publish(ev))[0]).toMatchObject({ ok: true });
        await until(() => got.has(ev.id), `live event ${i}`);
        reader.disconnect(url);
      }
    } finally {
      await reader.close();
      await writer.close();
    }
    expect(got.size).toBe(4);
  });
});
