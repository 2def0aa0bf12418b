/**
 * A long-lived pool (dashboard, daemon) that already knows a relay is down answers a query to it
 * at once with an `unreachable` gap, instead of waiting out the EOSE timeout while the connection
 * sits in reconnect backoff; once the relay is back, it is asked again. Real embedded relay over
 * real sockets, stopped and restarted on the same port.
 *
 * No timed assertion: the EOSE timeout is an hour, so only two things can end the query: the
 * pool's knowledge that the relay is down, or (old behaviour) the next failed dial after the
 * backoff. The test asserts the first: no dial happened while the query ran.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isOtP2pError } from '../../src/core/errors.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { dmRelayChoice } from '../../src/relays/nip65.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { until } from '../helpers/until.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';

const HOUR = 3_600_000;

describe('a query to a relay the pool knows is down', () => {
  const relays: EmbeddedRelay[] = [];
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.close()));
  });

  it('is an unreachable gap at once, never an empty answer; the relay is used again once back', async () => {
    const down = await startEmbeddedRelay();
    const up = await startEmbeddedRelay();
    relays.push(down, up);
    const port = down.port;
    const key = newKey();
    const onUp = makeEvent(key, { content: 'on the relay that stays up' });
    const c = await RawClient.connect(up.url);
    expect((await c.publish(onUp))[2]).toBe(true);
    c.close();

    // Backoff long enough that, once two dials failed, the next dial is hundreds of ms away.
    const pool = new RelayPool({
      relays: [down.url, up.url],
      fetchLimits: false,
      connection: { backoff: { baseMs: 400, maxMs: 20_000 }, stableAfterMs: HOUR },
    });
    try {
      const first = await queryEvents(pool, [{ authors: [key.pk] }], HOUR);
      expect(first.incomplete).toEqual([]);

      await down.close();
      const before = pool.stats()[down.url]?.disconnects ?? 0;
      // The drop, then two failed dials: the pool now counts the relay as unreachable.
      await until(() => (pool.stats()[down.url]?.disconnects ?? 0) >= before + 3, 'two failed dials', 15_000);
      const dialsBefore = pool.stats()[down.url]?.disconnects;

      const r = await queryEvents(pool, [{ authors: [key.pk] }], HOUR);
      expect(r.incomplete).toEqual([{ relay: down.url, reason: 'unreachable', message: expect.any(String) }]);
      expect(r.events.map((e) => e.id)).toEqual([onUp.id]);
      // The NIP-65/10050 lookup behind `dm send` fails the same way: relay-incomplete, naming it.
      const err = await dmRelayChoice(pool, newKey().pk, { relays: [down.url], eoseTimeoutMs: HOUR }).catch(
        (e: unknown) => e,
      );
      expect(isOtP2pError(err) && err.code).toBe('relay-incomplete');
      expect(isOtP2pError(err) && err.context?.incomplete).toEqual([
        { relay: down.url, reason: 'unreachable', message: expect.any(String) },
      ]);
      // Answered from what the pool knew, not by the next dial failing.
      expect(pool.stats()[down.url]?.disconnects).toBe(dialsBefore);

      // Back on the same port: the pool reconnects in its backoff and asks it again.
      const back = await startEmbeddedRelay({ port });
      relays.push(back);
      const onBack = makeEvent(key, { content: 'on the relay that came back' });
      const b = await RawClient.connect(back.url);
      expect((await b.publish(onBack))[2]).toBe(true);
      b.close();
      await until(() => pool.isConnected(back.url), 'the reconnect', 30_000);
      const again = await queryEvents(pool, [{ authors: [key.pk] }], HOUR);
      expect(again.incomplete).toEqual([]);
      expect(again.events.map((e) => e.id).sort()).toEqual([onUp.id, onBack.id].sort());
    } finally {
      await pool.close();
    }
  }, 60_000);
});
