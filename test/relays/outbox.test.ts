import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { OutboxPublisher } from '../../src/relays/outbox.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { MemoryNetwork, MemoryTransport } from '../../src/relays/memory.ts';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';
import { until } from '../helpers/until.ts';

describe('OutboxPublisher', () => {
  it('retries until acknowledged, parks permanent refusals as failed, and the CLI lists them', async () => {
    const home = tmpDir();
    const store = await openStore(join(home, 'otp2p.sqlite'));
    const outbox = new OutboxStore(store);
    const net = new MemoryNetwork();
    const transport = new MemoryTransport({ network: net, relays: [] });
    net.relay('memory://down').up = false;
    net.relay('memory://blocks').refuseWith = 'blocked: not welcome';
    const publisher = new OutboxPublisher({ store: outbox, transport, backoff: { baseMs: 20, maxMs: 50 } });
    publisher.start();
    const ev = makeEvent(newKey());
    publisher.publish(ev, ['memory://ok', 'memory://down', 'memory://blocks']);
    await until(() => outbox.counts().acked === 1 && outbox.counts().failed === 1, 'ack and park', 15_000);
    await until(() => (outbox.list().find((i) => i.relay === 'memory://down')?.attempts ?? 0) >= 2, 'retries', 15_000);
    expect(net.relay('memory://ok').has(ev.id)).toBe(true);

    const listed = await runCli(['outbox', '--json', '--home', home]);
    expect(listed.code).toBe(0);
    const out = listed.json[0] as {
      counts: Record<string, number>;
      items: { relay: string; status: string; lastCode: string }[];
    };
    expect(out.counts).toEqual({ pending: 1, acked: 1, failed: 1 });
    expect(out.items.map((i) => [i.relay, i.status, i.lastCode])).toEqual([
      ['memory://blocks', 'failed', 'blocked'],
      ['memory://down', 'pending', 'relay-unreachable'],
    ]);
    const human = await runCli(['outbox', '--home', home]);
    expect(human.stdout).toContain('memory://blocks');

    net.relay('memory://down').up = true;
    await until(() => outbox.counts().pending === 0, 'recovery', 15_000);
    expect(net.relay('memory://down').has(ev.id)).toBe(true);
    publisher.stop();
    await store.close();
  });

  it('delivers an event queued before a kill -9 once the relay is up', async () => {
    const dir = tmpDir();
    const dbPath = join(dir, 'client.db');
    const relayDb = join(dir, 'relay.db');
    // Reserve a port, then take the relay down.
    let relay = await startEmbeddedRelay({ dbPath: relayDb });
    const { url, port } = relay;
    await relay.close();

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test/helpers/outbox-child.ts'), 'queue', dbPath, url],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const id = line.split(' ')[1] as string;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    relay = await startEmbeddedRelay({ dbPath: relayDb, port });
    const second = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test/helpers/outbox-child.ts'), 'run', dbPath],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    second.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
    expect(out).toContain('done');
    const c = await RawClient.connect(relay.url);
    const { events } = await c.query('k', { ids: [id] });
    expect(events.map((e) => e.id)).toEqual([id]);
    c.close();
    await relay.close();
  });

  it('goes through a real RelayPool to embedded relays', async () => {
    const relays = await Promise.all([0, 1].map(() => startEmbeddedRelay()));
    const store = await openStore(join(tmpDir(), 'o.db'));
    const outbox = new OutboxStore(store);
    const pool = new RelayPool({
      relays: relays.map((r) => r.url),
      connection: { backoff: { baseMs: 20, maxMs: 100 } },
    });
    const publisher = new OutboxPublisher({ store: outbox, transport: pool, relays: relays.map((r) => r.url) });
    publisher.start();
    const k = newKey();
    for (let i = 0; i < 20; i++) publisher.publish(makeEvent(k, { content: `n${i}` }));
    await until(() => outbox.counts().acked === 40, 'all acked', 15_000);
    const forged = { ...makeEvent(k), content: 'forged' };
    publisher.publish(forged);
    await until(() => outbox.counts().failed === 2, 'forged parked', 15_000);
    expect(outbox.list().every((i) => i.lastCode === 'invalid')).toBe(true);
    publisher.stop();
    await pool.close();
    await store.close();
    await Promise.all(relays.map((r) => r.close()));
  });
});

describe('OutboxPublisher and one-time keys', () => {
  it("a wrap whose one-time key is gone is parked at a relay requiring the author's AUTH, saying why; a held key is released once every target settled", async () => {
    const store = await openStore(join(tmpDir(), 'otp2p.sqlite'));
    const outbox = new OutboxStore(store);
    const net = new MemoryNetwork();
    const transport = new MemoryTransport({ network: net, relays: [] });
    net.relay('memory://author-auth').refuseWith = 'auth-required: authenticate as the event author';
    const publisher = new OutboxPublisher({ store: outbox, transport, backoff: { baseMs: 20, maxMs: 50 } });
    publisher.start();
    const lost = makeEvent(newKey(), { kind: 1059, tags: [['p', newKey().pk]] });
    publisher.publish(lost, ['memory://author-auth']);
    await until(() => outbox.counts().failed === 1, 'parked', 15_000);
    expect(outbox.list(['failed'])[0]).toMatchObject({
      relay: 'memory://author-auth',
      lastCode: 'auth-required',
      lastMessage: expect.stringContaining("the wrap's one-time key is gone"),
    });
    let released = 0;
    const kept = makeEvent(newKey(), { kind: 1059, tags: [['p', newKey().pk]] });
    publisher.publish(kept, ['memory://a', 'memory://b'], {
      authSigner: () => {
        throw new Error('not asked');
      },
      release: () => void released++,
    });
    await until(() => outbox.counts().acked === 2, 'both acked', 15_000);
    await until(() => released === 1, 'released', 15_000);
    publisher.stop();
    expect(released).toBe(1);
    await store.close();
  });
});
