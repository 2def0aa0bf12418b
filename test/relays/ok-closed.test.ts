/**
 * OK and CLOSED reasons without NIP-01 prefixes (docs/protocol.md, "OK and CLOSED reasons"), and
 * what the outbox does with them, on the real outbox store and the embedded relay behind a
 * FaultProxy that rewrites its OK answers (a fault the embedded relay will not produce itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { MAX_ERROR_ATTEMPTS, classifyOk, isPermanent } from '../../src/relays/nip01-prefixes.ts';
import { OutboxPublisher } from '../../src/relays/outbox.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { makeEvent, newKey } from './_helpers.ts';

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('classifyOk: the table of OK reasons', () => {
  it.each([
    [true, '', true, 'ok'],
    [true, 'duplicate: already have it', true, 'duplicate'],
    [false, 'duplicate: already have it', true, 'duplicate'],
    [false, 'event is expired', false, 'expired'],
    [false, 'rejected: content is longer than 102400 bytes', false, 'too-large'],
    [false, 'rate-limited: slow down', false, 'rate-limited'],
    [false, 'Blocked: pubkey not admitted', false, 'blocked'],
    [false, 'mute: no one was listening', false, 'blocked'],
    [false, 'auth-required: authenticate as the author', false, 'auth-required'],
    [false, 'restricted: members only', false, 'restricted'],
    [false, 'invalid: bad signature', false, 'invalid'],
    [false, 'pow: difficulty 30 required', false, 'pow'],
    [false, 'error: database down', false, 'error'],
    [false, 'something we never heard of', false, 'error'],
    [false, '', false, 'error'],
  ] as const)('OK %s %j -> ok %s, %s', (accepted, message, ok, code) => {
    expect(classifyOk(accepted, message)).toEqual({ ok, code, message });
  });

  it('expired, too-large, invalid, blocked and pow are permanent; error, rate-limited and auth-required are not', () => {
    expect(['expired', 'too-large', 'invalid', 'blocked', 'pow'].every((c) => isPermanent(c as never))).toBe(true);
    expect(
      ['error', 'rate-limited', 'auth-required', 'restricted', 'timeout'].some((c) => isPermanent(c as never)),
    ).toBe(false);
  });
});

describe('the outbox with unprefixed refusals and expired events', () => {
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

  async function setup(): Promise<{
    home: string;
    outbox: OutboxStore;
    pool: RelayPool;
    publisher: OutboxPublisher;
    close: () => Promise<void>;
  }> {
    const home = tmpDir();
    const store = await openStore(join(home, 'otp2p.sqlite'));
    const outbox = new OutboxStore(store);
    const pool = new RelayPool({
      relays: [proxy.url],
      fetchLimits: false,
      connection: { backoff: { baseMs: 20, maxMs: 200 } },
    });
    const publisher = new OutboxPublisher({ store: outbox, transport: pool, backoff: { baseMs: 10, maxMs: 30 } });
    return {
      home,
      outbox,
      pool,
      publisher,
      close: async () => {
        publisher.stop();
        await pool.close();
        await store.close();
      },
    };
  }

  it('a refusal we cannot classify is retried a bounded number of times, then parked as failed and listed', async () => {
    proxy.fromRelay = (m, c) => {
      if (m[0] !== 'OK') return 'pass';
      c.send(['OK', m[1], false, 'the hamster wheel stopped']);
      return 'drop';
    };
    const { home, outbox, publisher, close } = await setup();
    publisher.start();
    const ev = makeEvent(newKey());
    publisher.publish(ev, [proxy.url]);
    await until(() => outbox.counts().failed === 1, 'parked');
    expect(outbox.list()).toMatchObject([
      {
        eventId: ev.id,
        status: 'failed',
        attempts: MAX_ERROR_ATTEMPTS,
        lastCode: 'error',
        lastMessage: 'the hamster wheel stopped',
      },
    ]);
    const listed = await runCli(['outbox', '--json', '--home', home]);
    expect(
      (listed.json[0] as { items: { status: string; lastCode: string }[] }).items.map((i) => [i.status, i.lastCode]),
    ).toEqual([['failed', 'error']]);
    await close();
    proxy.fromRelay = () => 'pass';
  });

  it('a relay saying "event is expired" parks the target at once', async () => {
    proxy.fromRelay = (m, c) => {
      if (m[0] !== 'OK') return 'pass';
      c.send(['OK', m[1], false, 'event is expired']);
      return 'drop';
    };
    const { outbox, publisher, close } = await setup();
    publisher.start();
    publisher.publish(makeEvent(newKey()), [proxy.url]);
    await until(() => outbox.counts().failed === 1, 'parked');
    expect(outbox.list()).toMatchObject([{ status: 'failed', attempts: 1, lastCode: 'expired' }]);
    await close();
    proxy.fromRelay = () => 'pass';
  });

  it('our own event whose NIP-40 expiration passed while queued is parked and never sent', async () => {
    const sent: string[] = [];
    proxy.onClientMessage = (m) => {
      if (m[0] === 'EVENT') sent.push((m[1] as { id: string }).id);
    };
    const { outbox, publisher, close } = await setup();
    const now = Math.floor(Date.now() / 1000);
    const dead = makeEvent(newKey(), { kind: 1, tags: [['expiration', String(now - 1)]] });
    const alive = makeEvent(newKey(), { kind: 1, tags: [['expiration', String(now + 3600)]] });
    publisher.publish(dead, [proxy.url]);
    publisher.publish(alive, [proxy.url]);
    publisher.start();
    await until(() => outbox.counts().failed === 1 && outbox.counts().acked === 1, 'one parked, one acked');
    expect(outbox.list()).toMatchObject([{ eventId: dead.id, status: 'failed', lastCode: 'expired' }]);
    expect(sent).toEqual([alive.id]);
    await close();
    proxy.onClientMessage = () => undefined;
  });
});

describe('the outbox when its store is closed under it', () => {
  it('a background retry stops the publisher with lastError instead of an uncaught exception', async () => {
    const home = tmpDir();
    const store = await openStore(join(home, 'otp2p.sqlite'));
    const outbox = new OutboxStore(store);
    const net = new MemoryNetwork();
    net.relay('memory://down').up = false;
    const publisher = new OutboxPublisher({
      store: outbox,
      transport: new MemoryTransport({ network: net, relays: [] }),
      backoff: { baseMs: 20, maxMs: 40 },
    });
    publisher.start();
    publisher.publish(makeEvent(newKey()), ['memory://down']);
    await until(() => (outbox.list()[0]?.attempts ?? 0) >= 1, 'a first failed attempt');
    await store.close();
    await until(() => publisher.lastError !== undefined, 'the publisher to stop');
    expect(publisher.lastError).toMatch(/not open/);
  });
});
