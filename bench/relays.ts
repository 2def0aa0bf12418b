/**
 * `npm run bench -- relays [--json] [--events N]`: the embedded relay's acknowledged publish
 * throughput through our RelayPool, and the time to receive N stored events (default 20,000)
 * until EOSE, verified, through our RelayPool and through nostr-tools' SimplePool against the
 * same relay in the same run. The relay runs in a child process so client and relay do not share
 * a core's event loop.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { getPublicKey, signEvent } from '../src/events/sign.ts';
import type { NostrEvent } from '../src/events/types.ts';
import { RelayPool } from '../src/relays/pool.ts';
import { round } from './_stats.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function spawnRelay(dbPath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'relay',
      '--port',
      '0',
      '--db',
      dbPath,
      '--default-limit',
      '5000',
      '--json',
      '--home',
      dirname(dbPath),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`relay exited ${c}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

export default async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const nIdx = args.indexOf('--events');
  const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 20_000;
  const PUBLISH = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-bench-relays-'));
  const log = (s: string): void => {
    if (!json) console.log(s);
  };
  try {
    const sk = new Uint8Array(randomBytes(32));
    const pk = getPublicKey(sk);
    const now = Math.floor(Date.now() / 1000);
    const dbPath = join(dir, 'relay.sqlite');

    // 1. Publish throughput with acknowledgements (pipelined, 100 in flight).
    let relay = await spawnRelay(dbPath);
    const toPublish: NostrEvent[] = [];
    for (let i = 0; i < PUBLISH; i++)
      toPublish.push(signEvent({ kind: 7, created_at: now, tags: [], content: `p${i}` }, sk, pk));
    const pub = new RelayPool({ relays: [relay.url], publishTimeoutMs: 60_000 });
    let t = performance.now();
    for (let i = 0; i < PUBLISH; i += 100) {
      const res = await Promise.all(toPublish.slice(i, i + 100).map((e) => pub.publish(e)));
      if (!res.every((r) => r[0]?.ok)) throw new Error('a publish was refused');
    }
    const publishPerS = PUBLISH / ((performance.now() - t) / 1000);
    await pub.close();
    await stop(relay.child);
    log(`publish with OK: ${round(publishPerS, 0)} events/s (${PUBLISH} events, 100 in flight)`);

    // 2. Seed N stored events straight into the relay's tables (the ack path would take minutes).
    //    The schema exists: the relay of step 1 created it. REQ limit cap = 10 x --default-limit.
    const events: NostrEvent[] = [];
    for (let i = 0; i < N; i++)
      events.push(signEvent({ kind: 1, created_at: now - N + i, tags: [], content: `stored event ${i}` }, sk, pk));
    const db = new Database(dbPath);
    const ins = db.prepare(
      'INSERT INTO events (id, pubkey, author, created_at, kind, tags, content, sig, d_tag_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
    );
    db.transaction(() => {
      for (const e of events)
        ins.run(e.id, e.pubkey, e.pubkey, e.created_at, e.kind, JSON.stringify(e.tags), e.content, e.sig);
    })();
    db.close();
    relay = await spawnRelay(dbPath);
    const filter = { kinds: [1], authors: [pk], limit: N };

    // 3. Our pool: receive, verify, deduplicate until EOSE.
    const ours = new RelayPool({ relays: [relay.url], eoseTimeoutMs: 600_000, fetchLimits: false });
    let got = 0;
    t = performance.now();
    await new Promise<void>((resolve) => {
      ours.subscribe([filter], { onevent: () => got++, oneose: () => resolve() }, { closeOnEose: true });
    });
    const oursS = (performance.now() - t) / 1000;
    await ours.close();
    if (got !== N) throw new Error(`our pool received ${got} of ${N} (relay REQ limit cap?)`);
    log(`RelayPool:  ${N} events to EOSE in ${round(oursS, 2)} s = ${round(N / oursS, 0)} verified events/s`);

    // 4. nostr-tools SimplePool (pure-JS verification) against the same relay.
    useWebSocketImplementation(WebSocket);
    const simple = new SimplePool();
    let gotSimple = 0;
    t = performance.now();
    await new Promise<void>((resolve) => {
      simple.subscribeManyEose([relay.url], filter, {
        onevent: () => gotSimple++,
        onclose: () => resolve(),
        maxWait: 600_000,
      });
    });
    const simpleS = (performance.now() - t) / 1000;
    simple.destroy();
    if (gotSimple !== N) throw new Error(`SimplePool received ${gotSimple} of ${N}`);
    log(`SimplePool: ${N} events to EOSE in ${round(simpleS, 2)} s = ${round(N / simpleS, 0)} verified events/s`);
    const ratio = simpleS / oursS;
    log(`ratio (RelayPool / SimplePool receive rate): ${round(ratio, 2)}x`);
    await stop(relay.child);
    if (json) {
      console.log(
        JSON.stringify({
          events: N,
          publish_per_s: round(publishPerS, 0),
          receive_per_s: round(N / oursS, 0),
          baseline_receive_per_s: round(N / simpleS, 0),
          ratio: round(ratio, 2),
        }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
