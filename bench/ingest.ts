/**
 * `npm run bench -- ingest [--json] [--events N] [--baseline-events M]`: verify + store N
 * (default 20,000) generated signed events, given as raw JSON texts, into a file database, and
 * the first M (default 5,000: the baseline is ~10x slower) through the baseline path.
 * The two sides run interleaved in 10 rounds so that load from other processes on a shared
 * machine hits both alike; the ratio is the solid figure.
 *
 * ours:     VerifyPool (worker threads, native libsecp256k1 or its WASM build) + EventStore.ingest (raw prepared
 *           statements, one transaction per 1,000 events), verification overlapping the inserts.
 * baseline: nostr-tools' default `verifyEvent` (pure JS) on a fresh JSON.parse copy of each text
 *           (it caches its verdict on the object) + row-by-row kysely inserts, 1,000 per transaction.
 *
 * Each side writes to its own fresh file database opened with openStore (WAL, synchronous=FULL).
 * The pool is started and warmed up before timing: a long-running peer keeps it open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEvent } from 'nostr-tools/pure';
import { signEvent } from '../src/events/sign.ts';
import type { NostrEvent } from '../src/events/types.ts';
import { VerifyPool } from '../src/events/verify-pool.ts';
import { EventVerifier } from '../src/events/verify.ts';
import { openStore } from '../src/store/db.ts';
import type { Store } from '../src/store/db.ts';
import { EventStore } from '../src/store/events.ts';
import { median, quantile, round } from './_stats.ts';

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
    const tags = [
      ['p', ((i * 7919) % 65536).toString(16).padStart(64, '0')],
      ['t', `topic-${i % 97}`],
    ];
    if (i % 3 === 0)
      tags.push(['e', ((i * 104729) % 1e9).toString(16).padStart(64, '0'), 'wss://relay.example', 'reply']);
    const content = `event ${seed}/${i}: ${'offer liquidity on notary N1 for unit A at rate 3/2 '.repeat(1 + (i % 5))}`;
    out.push(
      JSON.stringify(
        signEvent({ created_at: now - (i % 86_400), kind: 1, tags, content }, keys[i % keys.length] as Uint8Array),
      ),
    );
  }
  return out;
}

interface Side {
  events: number;
  seconds: number;
}

async function oursRound(raws: string[], pool: VerifyPool, events: EventStore, side: Side): Promise<void> {
  const t0 = performance.now();
  const results = await events.ingest(raws, { verifier: pool, relay: 'wss://relay.example' });
  side.seconds += (performance.now() - t0) / 1000;
  const stored = results.filter((r) => r.ok && r.status === 'inserted').length;
  if (stored !== raws.length) throw new Error(`ours stored ${stored} of ${raws.length}`);
  side.events += raws.length;
}

async function baselineRound(raws: string[], store: Store, side: Side): Promise<void> {
  const t0 = performance.now();
  let stored = 0;
  for (let i = 0; i < raws.length; i += 1000) {
    const chunk = raws.slice(i, i + 1000);
    await store.db.transaction().execute(async (tx) => {
      for (const raw of chunk) {
        // A fresh object per text: verifyEvent caches its verdict on the object it is given.
        const e = JSON.parse(raw) as NostrEvent;
        if (!verifyEvent(e)) continue;
        const now = Math.floor(Date.now() / 1000);
        await tx
          .insertInto('events')
          .values({
            id: e.id,
            pubkey: e.pubkey,
            kind: e.kind,
            created_at: e.created_at,
            d: null,
            tags: JSON.stringify(e.tags),
            content: e.content,
            sig: e.sig,
            first_seen: now,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        await tx
          .insertInto('event_relays')
          .values({ event_id: e.id, relay: 'wss://relay.example', received_at: now })
          .onConflict((oc) => oc.doNothing())
          .execute();
        stored++;
      }
    });
  }
  side.seconds += (performance.now() - t0) / 1000;
  if (stored !== raws.length) throw new Error(`baseline stored ${stored} of ${raws.length}`);
  side.events += raws.length;
}

function numberArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}

export default async function ingest(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const n = numberArg(args, '--events', 20_000);
  const nBase = Math.min(n, numberArg(args, '--baseline-events', 5_000));
  const rounds = 10;
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'otp2p-bench-ingest-'));
  const pool = new VerifyPool();
  const oursStore = await openStore(join(dir, 'ours.db'));
  const baseStore = await openStore(join(dir, 'baseline.db'));
  try {
    log(`generating ${n} signed events ...`);
    const raws = generate(n, 1);
    await pool.verifyBatch(generate(200, 9)); // start and warm the workers
    const events = new EventStore(oursStore);
    const ours: Side = { events: 0, seconds: 0 };
    const base: Side = { events: 0, seconds: 0 };
    const ratios: number[] = [];
    // Interleave the two sides in rounds, so that load from other processes hits both alike.
    for (let r = 0; r < rounds; r++) {
      const o = raws.slice(Math.floor((r * n) / rounds), Math.floor(((r + 1) * n) / rounds));
      const b = raws.slice(Math.floor((r * nBase) / rounds), Math.floor(((r + 1) * nBase) / rounds));
      const o0 = { ...ours };
      const b0 = { ...base };
      await oursRound(o, pool, events, ours);
      await baselineRound(b, baseStore, base);
      ratios.push(
        (ours.events - o0.events) /
          (ours.seconds - o0.seconds) /
          ((base.events - b0.events) / (base.seconds - b0.seconds)),
      );
    }
    const oursPerS = ours.events / ours.seconds;
    const basePerS = base.events / base.seconds;
    log(
      `ours (VerifyPool x${pool.size} [${(await pool.backends()).join(', ')}] + EventStore.ingest, ${ours.events} events): ${round(oursPerS, 0)} events/s`,
    );
    log(
      `baseline (nostr-tools verifyEvent + row-by-row kysely, ${base.events} events): ${round(basePerS, 0)} events/s`,
    );
    log(
      `ratio: ${round(oursPerS / basePerS, 2)}x (per round: median ${round(median(ratios), 2)}x, p10 ${round(quantile(ratios, 0.1), 2)}x, p90 ${round(quantile(ratios, 0.9), 2)}x)`,
    );
    // Where the time goes (same process, right after): verification alone on one thread and on
    // the pool, and the store alone on already-verified events.
    const sample = generate(Math.min(n, 4_000), 4);
    const rate = async (f: () => unknown): Promise<number> => {
      const t0 = performance.now();
      await f();
      return sample.length / ((performance.now() - t0) / 1000);
    };
    const one = new EventVerifier();
    const parsed = sample.map((r) => JSON.parse(r) as NostrEvent);
    const oneRate = await rate(() =>
      sample.forEach((r) => {
        one.verifyJson(r);
      }),
    );
    const poolRate = await rate(() => pool.verifyBatch(sample));
    const storeRate = await rate(() => {
      for (let k = 0; k < parsed.length; k += 1000)
        events.insertBatch(parsed.slice(k, k + 1000).map((event) => ({ event, relay: 'wss://relay.example' })));
    });
    log(
      `components: verify 1 thread ${round(oneRate, 0)}/s, verify pool x${pool.size} ${round(poolRate, 0)}/s, insertBatch ${round(storeRate, 0)}/s`,
    );
    if (json)
      process.stdout.write(
        `${JSON.stringify({ events: n, ours_per_s: round(oursPerS, 0), baseline_per_s: round(basePerS, 0), ratio: round(oursPerS / basePerS, 2) })}\n`,
      );
  } finally {
    await pool.close();
    await oursStore.close();
    await baseStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
