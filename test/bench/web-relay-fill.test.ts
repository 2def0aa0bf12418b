import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { fillRelayDb } from '../../bench/web/relay-fill.ts';
import { secretOf, signNetwork } from '../../bench/web/check-model.ts';
import { generateNetwork } from '../../bench/web/network.ts';
import { buildOfferEvent } from '../../src/events/offer.ts';
import { signEvent } from '../../src/events/sign.ts';
import { Kind } from '../../src/events/kinds.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { tmpDir } from '../helpers/tmp.ts';

const NOW = 1_796_299_200;

/** Every row of the tables the relay serves from, in a stable order. */
function dump(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      events: db.prepare('SELECT * FROM events ORDER BY id').all(),
      tags: db.prepare('SELECT * FROM generic_tags ORDER BY event_id, tag').all(),
      fts: db.prepare('SELECT id, content FROM events_fts ORDER BY id').all(),
      schema: db
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'events_fts_%' ORDER BY name")
        .all(),
    };
  } finally {
    db.close();
  }
}

describe('bench/web bulk relay fill', () => {
  it('leaves the same rows as the repository upserting one event at a time', async () => {
    const net = generateNetwork({ keys: 100, seed: 3, now: NOW, relays: 4 });
    const events = signNetwork(net)[0]!;
    // Replacements the network alone does not make: a newer offer at the same address, the older
    // one arriving after it (ignored), and the same event twice (a duplicate).
    const sk = secretOf(3, 1);
    const pk = net.hexCache[1]!;
    const offer = {
      id: 'offer-fill-test',
      in: { unit: 'A'.repeat(43), notary: 'N'.repeat(43) },
      out: { unit: 'B'.repeat(43), notary: 'N'.repeat(43) },
      rateNum: 1n,
      rateDen: 1n,
      cutPpm: 0n,
      fee: 0n,
      min: 1n,
      max: 100n,
      liquidity: 100n,
      expiration: NOW + 3600,
      status: 'open' as const,
    };
    const older = signEvent(buildOfferEvent(offer, NOW - 100), sk, pk);
    const newer = signEvent(buildOfferEvent({ ...offer, fee: 5n }, NOW - 50), sk, pk);
    const all: NostrEvent[] = [...events, newer, older, newer];
    expect(events.some((e) => e.kind === Kind.Follows && e.tags.length > 10)).toBe(true);
    expect(events.some((e) => e.kind === Kind.Metadata)).toBe(true);

    const dir = tmpDir();
    const slow = join(dir, 'slow.sqlite');
    const repo = new EventRepositorySqlite(slow);
    await repo.init();
    for (const e of all) await repo.upsert(e as never);
    await repo.destroy();
    const fast = join(dir, 'fast.sqlite');
    const r = await fillRelayDb(fast, all);

    // the duplicate and the older offer at least (the network may replace an attestation too)
    expect(r.stored + r.ignored).toBe(all.length);
    expect(r.ignored).toBeGreaterThanOrEqual(2);
    const a = dump(slow) as { events: { id: string }[]; tags: unknown[]; fts: unknown[] };
    expect(a.events.length).toBeGreaterThan(events.length / 2);
    expect(a.tags.length).toBeGreaterThan(a.events.length);
    expect(a.fts.length).toBeGreaterThan(0);
    // the indexes dropped for the fill are there again
    expect(JSON.stringify(a)).toContain('g_tag_created_at_desc_event_id_idx');
    expect(a.events.some((e) => e.id === newer.id)).toBe(true);
    expect(a.events.some((e) => e.id === older.id)).toBe(false);
    expect(dump(fast)).toEqual(a);
  });
});
