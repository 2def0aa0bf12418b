/**
 * `otp2p daemon` as a child process against the embedded relay over real sockets: it syncs,
 * weathers a relay outage (an event queued while the relay is down is delivered once it is back),
 * stops cleanly on SIGTERM with nothing lost (a target still pending at stop is delivered after
 * a restart), and leaves a status.json that `otp2p status` reads without the password.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { queryEvents } from '../../src/mint/collect.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import { OutboxStore } from '../../src/store/outbox.ts';
import { writeSnapshot } from '../../src/daemon/snapshot-file.ts';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PASSWORD = 'daemon test password';
const ENV = { OTP2P_PASSWORD: PASSWORD };

interface LogLine {
  ts: string;
  level: string;
  event: string;
  message: string;
  [k: string]: unknown;
}

/** A spawned daemon and its JSON log lines, with a way to wait for one. */
class Daemon {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #waiters: Array<{ test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];

  constructor(home: string, relay: string) {
    this.child = spawnCli(['daemon', '--home', home, '--relay', relay, '--json', '--status-interval', '1'], ENV);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine; // stdout must hold JSON only: a stray line fails here
      this.lines.push(line);
      for (const w of [...this.#waiters]) {
        if (!w.test(line)) continue;
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (t) => this.stderr.push(t));
  }

  /** The first line (already seen or to come) that passes `test`. */
  waitFor(test: (l: LogLine) => boolean, what: string, timeoutMs = 45_000): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `daemon never logged ${what}; stderr: ${this.stderr.join('\n')}; lines: ${this.lines.map((l) => l.event).join(',')}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({ test, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  }

  /** SIGTERM and the exit code (rejects when it does not exit within `timeoutMs`). */
  async terminate(timeoutMs = 15_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('daemon did not exit after SIGTERM')), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const started: Daemon[] = [];
const relays: EmbeddedRelay[] = [];
afterAll(async () => {
  for (const d of started) if (d.child.exitCode === null) d.child.kill('SIGKILL');
  for (const r of relays) await r.close();
});

async function relayOn(port: number, dbPath: string): Promise<EmbeddedRelay> {
  const r = await startEmbeddedRelay({ host: '127.0.0.1', port, dbPath });
  relays.push(r);
  return r;
}

/** Whether the relay at `url` holds the event. */
async function relayHolds(url: string, id: string): Promise<boolean> {
  const pool = new RelayPool({ relays: [url] });
  try {
    return (await queryEvents(pool, [{ ids: [id] }], 5_000)).events.some((e) => e.id === id);
  } finally {
    await pool.close();
  }
}

/** What another otp2p process does to publish: commit the event to the shared outbox. */
async function queueFromAnotherProcess(home: string, relay: string, event: NostrEvent): Promise<void> {
  const store = await openStore(join(home, 'otp2p.sqlite'));
  try {
    new OutboxStore(store).enqueue(event, [relay]);
  } finally {
    await store.close();
  }
}

const isOutbox =
  (pending: number) =>
  (l: LogLine): boolean =>
    l.event === 'outbox' &&
    (l.outbox as { pending: number }).pending === pending &&
    (l.outbox as { acked: number }).acked > 0;

describe('otp2p daemon', () => {
  it('syncs, survives a relay outage, stops on SIGTERM without losing anything, and reports its status', async () => {
    const home = tmpDir('otp2p-daemon-');
    const relayDb = join(home, 'relay.sqlite');
    let relay = await relayOn(0, relayDb);
    const { port, url } = relay;

    const mnemonic = generateMnemonic();
    const init = await runCli(['init', '--home', home, '--mnemonic-stdin', '--json'], {
      stdin: `${mnemonic}\n`,
      env: ENV,
    });
    expect(init.code).toBe(0);
    const id = deriveIdentity(mnemonic);
    const note = (text: string): NostrEvent =>
      signEvent(
        { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: text },
        id.secretKey,
        id.pubkey,
      );
    // The daemon's identity follows one friend (published before it starts, as another device would).
    const friend = deriveIdentity(generateMnemonic());
    const follows = signEvent(
      { kind: 3, created_at: Math.floor(Date.now() / 1000), tags: [['p', friend.pubkey]], content: '' },
      id.secretKey,
      id.pubkey,
    );
    const pool = new RelayPool({ relays: [url] });
    expect((await pool.publish(follows))[0]?.ok).toBe(true);
    const paymentsBefore = await runCli(['payments', '--home', home, '--json']);
    expect(paymentsBefore.code).toBe(0);

    // 1. Start, sync, deliver the relay lists.
    const d1 = new Daemon(home, url);
    started.push(d1);
    const starting = await d1.waitFor((l) => l.event === 'starting', 'starting');
    expect(starting.pid).toBe(d1.child.pid);
    const synced = await d1.waitFor((l) => l.event === 'synced', 'synced');
    expect(synced.web).toBe(1);
    await d1.waitFor(isOutbox(0), 'an empty outbox');
    // A friend's new attestation triggers a mint check without waiting for the interval (600 s).
    await d1.waitFor((l) => l.event === 'mint-check', 'the first mint check');
    const attestation = signEvent(
      {
        kind: 31560,
        created_at: Math.floor(Date.now() / 1000),
        tags: [['d', `${'a'.repeat(8)}:${'b'.repeat(8)}:1`]],
        content: '',
      },
      friend.secretKey,
      friend.pubkey,
    );
    expect((await pool.publish(attestation))[0]?.ok).toBe(true);
    await pool.close();
    await d1.waitFor(
      (l) => l.event === 'mint-check' && d1.lines.filter((x) => x.event === 'mint-check').length >= 2,
      'a mint check after the attestation',
    );
    const running = await runCli(['status', '--home', home, '--json']);
    expect(running.code).toBe(0);
    expect(running.json[0]).toMatchObject({
      daemon: { running: true, pid: d1.child.pid },
      npub: init.json[0] && (init.json[0] as { npub: string }).npub,
      relays: [{ url, connected: true }],
    });

    // 2. The relay dies; an event is queued meanwhile; the relay comes back on the same port.
    let mark = d1.lines.length;
    const after =
      (test: (l: LogLine) => boolean) =>
      (l: LogLine): boolean =>
        d1.lines.indexOf(l) >= mark && test(l);
    await relay.close();
    await d1.waitFor(
      after((l) => l.event === 'relay-down'),
      'relay-down',
    );
    const a = note('queued while the relay was down');
    await queueFromAnotherProcess(home, url, a);
    await d1.waitFor(isOutbox(1), 'one pending target');
    relay = await relayOn(port, relayDb);
    await d1.waitFor(
      after((l) => l.event === 'relay-up'),
      'relay-up after the outage',
    );
    mark = d1.lines.findIndex(after((l) => l.event === 'relay-up'));
    await d1.waitFor(after(isOutbox(0)), 'the outbox drained after the outage');
    expect(await relayHolds(url, a.id)).toBe(true);

    // 3. The relay dies again; an event is queued; SIGTERM while it is pending.
    mark = d1.lines.length;
    await relay.close();
    await d1.waitFor(
      after((l) => l.event === 'relay-down'),
      'the second relay-down',
    );
    const b = note('pending at shutdown');
    await queueFromAnotherProcess(home, url, b);
    expect(await d1.terminate()).toBe(0);
    const stopped = d1.lines.at(-1);
    expect(stopped?.event).toBe('stopped');
    expect(d1.lines.every((l) => typeof l.ts === 'string' && typeof l.message === 'string')).toBe(true);
    expect(JSON.stringify(d1.lines) + d1.stderr.join('\n')).not.toMatch(/nsec1|ncryptsec1|daemon test password/);

    // status.json: written at stop, readable without the password.
    const snapshot = JSON.parse(readFileSync(join(home, 'status.json'), 'utf8')) as Record<string, unknown>;
    expect(snapshot).toMatchObject({ version: 1, pid: d1.child.pid, state: 'stopped', relays: [{ url }] });
    const offline = await runCli(['status', '--home', home, '--json'], { env: {} });
    expect(offline.code).toBe(0);
    expect(offline.json[0]).toMatchObject({
      daemon: { running: false, pid: null, state: 'stopped' },
      outbox: { pending: 1, failed: 0 },
      payments: { total: 0, inFlight: 0 },
    });
    const human = await runCli(['status', '--home', home], { env: {} });
    expect(human.stdout).toContain('daemon: not running');
    expect(human.stdout).toContain('outbox: 1 pending');
    const paymentsAfter = await runCli(['payments', '--home', home, '--json']);
    expect(paymentsAfter.code).toBe(0);
    expect(paymentsAfter.json).toEqual(paymentsBefore.json);

    // 4. Relay and daemon back: the target pending at shutdown is delivered.
    relay = await relayOn(port, relayDb);
    const d2 = new Daemon(home, url);
    started.push(d2);
    await d2.waitFor(isOutbox(0), 'the outbox drained after the restart');
    expect(await relayHolds(url, b.id)).toBe(true);
    expect(await d2.terminate()).toBe(0);
    // Snapshots are written through a temp file and a rename: none is left behind.
    expect(readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(home, 'status.json'))).toBe(true);
  }, 180_000);

  it('starts while its relay is down, then syncs and delivers its relay lists once the relay appears', async () => {
    const home = tmpDir('otp2p-daemon-');
    const relayDb = join(home, 'relay.sqlite');
    const probe = await startEmbeddedRelay({ host: '127.0.0.1', port: 0 });
    const { port, url } = probe;
    await probe.close(); // a port nobody listens on, for now
    const init = await runCli(['init', '--home', home, '--json'], { env: ENV });
    expect(init.code).toBe(0);
    const d = new Daemon(home, url);
    started.push(d);
    await d.waitFor((l) => l.event === 'sync-incomplete', 'sync-incomplete');
    // status.json follows within a status interval (1 s here).
    let down: Record<string, unknown> | undefined;
    for (let i = 0; i < 40 && (down?.sync as { state?: string } | null | undefined)?.state !== 'error'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250));
      down = (await runCli(['status', '--home', home, '--json'], { env: {} })).json[0] as Record<string, unknown>;
    }
    expect(down).toMatchObject({
      daemon: { running: true },
      relays: [{ url, connected: false }],
      sync: { state: 'error', error: 'no relay was connected' },
    });
    await relayOn(port, relayDb);
    await d.waitFor((l) => l.event === 'synced', 'synced once the relay is up');
    await d.waitFor(isOutbox(0), 'the relay lists delivered');
    expect(await d.terminate()).toBe(0);
  }, 120_000);

  it('refuses to start beside a running daemon of the same data folder (daemon-running)', async () => {
    const home = tmpDir('otp2p-daemon-');
    // The test runner's parent process stands in for another daemon: alive, and not us.
    writeSnapshot(home, {
      version: 1,
      pid: process.ppid,
      state: 'running',
      npub: 'npub1x',
      startedAt: '',
      updatedAt: '',
      relays: [],
      outbox: { pending: 0, acked: 0, failed: 0 },
      sync: { state: 'live', done: 0, total: 0, web: 0, offers: 0, catalogs: 0, lastSyncAt: null },
      alarms: [],
      mint: { checks: 0, lastCheckAt: null, nextCheckAt: null, intervalSeconds: 600 },
      payments: { total: 0, inFlight: 0 },
      dms: { received: 0 },
    });
    const r = await runCli(['daemon', '--home', home, '--json'], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.json[0]).toMatchObject({ error: { code: 'daemon-running', context: { pid: process.ppid } } });
  });

  it('refuses bad intervals (usage, exit 2) before asking for the password', async () => {
    const home = tmpDir('otp2p-daemon-');
    const r = await runCli(['daemon', '--home', home, '--mint-interval', '1s', '--json']);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'usage' } });
    expect(r.stderr).toContain('--mint-interval');
  });
});
