/**
 * `npm run bench -- ingest [--json] [--events N]`: verify + store N (default 20,000) generated
 * signed events, given as raw JSON texts, into a file database.
 *
 * ours:     VerifyPool (worker threads, tiny-secp256k1) + EventStore.ingest (raw prepared
 *           statements, one transaction per 1,000 events), verification overlapping the inserts.
 * baseline: nostr-tools' default `verifyEvent` (pure JS) on a fresh JSON.parse copy of each text
 *           (it caches its verdict on the object) + row-by-row kysely inserts, 1,000 per transaction.
 *
 * Both write to their own fresh file database opened with openStore (WAL, synchronous=FULL).
 * The pool is started and warmed up before timing: a long-running peer keeps it open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEvent } from 'nostr-tools/pure';
import { signEvent } from '../src/events/sign.ts';
import type { NostrEvent } from '../src/events/types.ts';
import { VerifyPool } from '../src/events/verify-pool.ts';
import { openStore } from '../src/store/db.ts';
import { EventStore } from '../src/store/events.ts';
import { median, round } from './_stats.ts';

function generate(n: number, seed: number): string[] {
  const keys = Array.from({ length: 50 }, (_, i) => {
    const k = new Uint8Array(32);
    k[0] = 1 + (seed % 200);
    k[31] = i + 1;
    return k;
  });
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const tags = [['p', ((i * 7919) % 65536).toString(16).padStart(64, '0')], ['t', `topic-${i % 97}`]];
    if (i % 3 === 0) tags.push(['e', ((i * 104729) % 1e9).toString(16).padStart(64, '0'), 'wss://relay.example', 'reply']);
    const content = `event ${seed}/${i}: ${'offer liquidity on notary N1 for unit A at rate 3/2 '.repeat(1 + (i % 5))}`;
    out.push(JSON.stringify(signEvent({ created_at: now - (i % 86_400), kind: 1, tags, content }, keys[i % keys.length] as Uint8Array)));
  }
  return out;
}

async function ours(raws: string[], pool: VerifyPool, dir: string, run: number): Promise<number> {
  const store = await openStore(join(dir, `ours-${run}.db`));
  try {
    const events = new EventStore(store);
    const t0 = performance.now();
    const results = await events.ingest(raws, { verifier: pool, relay: 'wss://relay.example' });
    const s = (performance.now() - t0) / 1000;
    const stored = results.filter((r) => r.ok && r.status === 'inserted').length;
    if (stored !== raws.length) throw new Error(`ours stored ${stored} of ${raws.length}`);
    return raws.length / s;
  } finally {
    await store.close();
  }
}

async function baseline(raws: string[], dir: string): Promise<number> {
  const store = await openStore(join(dir, 'baseline.db'));
  try {
    const t0 = performance.now();
    let stored = 0;
    for (let i = 0; i < raws.length; i += 1000) {
      const chunk = raws.slice(i, i + 1000);
      await store.db.transaction().execute(async (tx) => {
        for (const raw of chunk) {
          const e = JSON.parse(raw) as NostrEvent;
          if (!verifyEvent(e)) continue;
          await tx
            .insertInto('events')
            .values({ id: e.id, pubkey: e.pubkey, kind: e.kind, created_at: e.created_at, d: null, tags: JSON.stringify(e.tags), content: e.content, sig: e.sig, first_seen: Math.floor(Date.now() / 1000) })
            .onConflict((oc) => oc.doNothing())
            .execute();
          await tx.insertInto('event_relays').values({ event_id: e.id, relay: 'wss://relay.example', received_at: Math.floor(Date.now() / 1000) }).onConflict((oc) => oc.doNothing()).execute();
          stored++;
        }
      });
    }
    const s = (performance.now() - t0) / 1000;
    if (stored !== raws.length) throw new Error(`baseline stored ${stored} of ${raws.length}`);
    return raws.length / s;
  } finally {
    await store.close();
  }
}

export default async function ingest(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const i = args.indexOf('--events');
  const n = i >= 0 ? Number(args[i + 1]) : 20_000;
  if (!Number.isInteger(n) || n <= 0) throw new Error('--events must be a positive integer');
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-bench-ingest-'));
  const pool = new VerifyPool();
  try {
    log(`generating ${n} signed events (3 sets) ...`);
    const sets = [generate(n, 1), generate(n, 2), generate(n, 3)];
    await pool.verifyBatch(generate(200, 9)); // start and warm the workers
    const runs: number[] = [];
    for (let r = 0; r < sets.length; r++) runs.push(await ours(sets[r] as string[], pool, dir, r));
    const oursPerS = median(runs);
    log(`ours (VerifyPool x${pool.size} + EventStore.ingest): ${round(oursPerS, 0)} events/s (median of ${runs.length}; runs ${runs.map((x) => round(x, 0)).join(', ')})`);
    const basePerS = await baseline(sets[0] as string[], dir);
    log(`baseline (nostr-tools verifyEvent + row-by-row kysely): ${round(basePerS, 0)} events/s`);
    log(`ratio: ${round(oursPerS / basePerS, 2)}x`);
    if (json) process.stdout.write(`${JSON.stringify({ events: n, ours_per_s: round(oursPerS, 0), baseline_per_s: round(basePerS, 0), ratio: round(oursPerS / basePerS, 2) })}\n`);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
