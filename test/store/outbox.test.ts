import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { makeEvent, newKey } from '../relays/_helpers.ts';

describe('OutboxStore', () => {
  it('queues durably, lists pending and failed, and survives reopening', async () => {
    const path = join(tmpDir(), 'o.db');
    const clock = new ManualClock(1_000_000);
    let store = await openStore(path);
    let outbox = new OutboxStore(store, clock);
    const ev = makeEvent(newKey());
    outbox.enqueue(ev, ['ws://a', 'ws://b', 'ws://a']);
    outbox.enqueue(ev, ['ws://b', 'ws://c']); // idempotent, adds c
    expect(outbox.counts()).toEqual({ pending: 3, acked: 0, failed: 0 });
    expect(
      outbox
        .due(clock.now(), 10)
        .map((d) => d.relay)
        .sort(),
    ).toEqual(['ws://a', 'ws://b', 'ws://c']);
    outbox.markAcked(ev.id, 'ws://a', 'ok', '');
    outbox.markFailed(ev.id, 'ws://b', 'blocked', 'blocked: no');
    outbox.markRetry(ev.id, 'ws://c', 'relay-unreachable', 'down', clock.now() + 5000);
    expect(outbox.due(clock.now(), 10)).toEqual([]);
    expect(outbox.nextDueAt()).toBe(1_005_000);
    await store.close();

    store = await openStore(path);
    outbox = new OutboxStore(store, clock);
    const items = outbox.list();
    expect(items.map((i) => [i.relay, i.status, i.attempts, i.lastCode])).toEqual([
      ['ws://b', 'failed', 1, 'blocked'],
      ['ws://c', 'pending', 1, 'relay-unreachable'],
    ]);
    clock.advance(5000);
    const due = outbox.due(clock.now(), 10);
    expect(due).toHaveLength(1);
    expect(due[0]?.event).toEqual(ev);
    outbox.rearm(ev.id, 'ws://b');
    expect(outbox.counts()).toEqual({ pending: 2, acked: 1, failed: 0 });
    await store.close();
  });

  it('refuses an empty relay list with no-relays', async () => {
    const store = await openStore(join(tmpDir(), 'o.db'));
    expect(() => new OutboxStore(store).enqueue(makeEvent(newKey()), [])).toThrowError(
      expect.objectContaining({ code: 'no-relays' }),
    );
    await store.close();
  });
});
