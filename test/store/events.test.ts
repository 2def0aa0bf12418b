/**
 * EventStore write semantics, mirroring strfry's write-policy cases: replaceable and
 * addressable replacement (newer wins, older dropped, equal timestamps keep the lowest id, `d`
 * must match), NIP-09 deletions (own events only, by `e` and by `a`, no re-add), ephemeral
 * kinds, event_relays bookkeeping, and NIP-01 filter queries. Real SQLite files throughout.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { signEvent, getPublicKey } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { VerifyPool } from '../../src/events/verify-pool.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { EventStore } from '../../src/store/events.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ALICE = new Uint8Array(32).fill(1);
const BOB = new Uint8Array(32).fill(2);
const alice = getPublicKey(ALICE);
const bob = getPublicKey(BOB);
const T = 1_700_000_000;

function ev(sk: Uint8Array, t: Partial<EventTemplate>): NostrEvent {
  return signEvent({ created_at: T, kind: 1, tags: [], content: '', ...t }, sk);
}

/** Sign templates until two events with equal created_at have ids in the wanted order. */
function pairAtSameTime(kind: number, tags: string[][]): [low: NostrEvent, high: NostrEvent] {
  const a = ev(ALICE, { kind, tags, content: 'one' });
  const b = ev(ALICE, { kind, tags, content: 'two' });
  return a.id < b.id ? [a, b] : [b, a];
}

const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function fresh(): Promise<EventStore> {
  const store = await openStore(join(tmpDir(), 'events.db'));
  opened.push(store);
  return new EventStore(store, { clock: new ManualClock(T * 1000) });
}

describe('regular events', () => {
  it('inserts, reports duplicates, and records every delivering relay', async () => {
    const s = await fresh();
    const e = ev(ALICE, { content: 'hello' });
    expect(s.insert(e, 'wss://a.example')).toBe('inserted');
    expect(s.insert(e, 'wss://b.example')).toBe('duplicate');
    expect(s.insert(e, 'wss://a.example')).toBe('duplicate');
    expect(await s.get(e.id)).toEqual(e);
    expect(await s.relaysOf(e.id)).toEqual(['wss://a.example', 'wss://b.example']);
    expect(await s.count()).toBe(1);
  });

  it('never stores ephemeral kinds', async () => {
    const s = await fresh();
    const e = ev(ALICE, { kind: 20001 });
    expect(s.insert(e)).toBe('ephemeral');
    expect(await s.get(e.id)).toBeUndefined();
  });
});

describe('replaceable events (strfry write-policy cases)', () => {
  it('a newer version replaces the older one', async () => {
    const s = await fresh();
    const old = ev(ALICE, { kind: 0, created_at: T - 10, content: '{"name":"old"}' });
    const neu = ev(ALICE, { kind: 0, created_at: T, content: '{"name":"new"}' });
    expect(s.insert(old, 'wss://r.example')).toBe('inserted');
    expect(s.insert(neu)).toBe('replaced-older');
    expect(await s.get(old.id)).toBeUndefined();
    expect(await s.relaysOf(old.id)).toEqual([]);
    expect(await s.getAddress(0, alice)).toEqual(neu);
  });

  it('an older version arriving later is dropped', async () => {
    const s = await fresh();
    const old = ev(ALICE, { kind: 10002, created_at: T - 10 });
    const neu = ev(ALICE, { kind: 10002, created_at: T });
    expect(s.insert(neu)).toBe('inserted');
    expect(s.insert(old)).toBe('superseded');
    expect(await s.getAddress(10002, alice)).toEqual(neu);
    expect(await s.count()).toBe(1);
  });

  it('equal created_at: the lowest id wins when it arrives second', async () => {
    const s = await fresh();
    const [low, high] = pairAtSameTime(3, []);
    expect(s.insert(high)).toBe('inserted');
    expect(s.insert(low)).toBe('replaced-older');
    expect((await s.getAddress(3, alice))?.id).toBe(low.id);
  });

  it('equal created_at: the highest id is dropped when it arrives second', async () => {
    const s = await fresh();
    const [low, high] = pairAtSameTime(3, []);
    expect(s.insert(low)).toBe('inserted');
    expect(s.insert(high)).toBe('superseded');
    expect((await s.getAddress(3, alice))?.id).toBe(low.id);
  });

  it('different authors do not replace each other', async () => {
    const s = await fresh();
    expect(s.insert(ev(ALICE, { kind: 0 }))).toBe('inserted');
    expect(s.insert(ev(BOB, { kind: 0, created_at: T + 1 }))).toBe('inserted');
    expect(await s.count()).toBe(2);
  });
});

describe('addressable events', () => {
  it('d tags must match for a replacement', async () => {
    const s = await fresh();
    const a1 = ev(ALICE, { kind: 31562, tags: [['d', 'offer-1']], created_at: T - 5 });
    const a2 = ev(ALICE, { kind: 31562, tags: [['d', 'offer-2']], created_at: T });
    const a1b = ev(ALICE, { kind: 31562, tags: [['d', 'offer-1']], created_at: T });
    expect(s.insert(a1)).toBe('inserted');
    expect(s.insert(a2)).toBe('inserted');
    expect(s.insert(a1b)).toBe('replaced-older');
    expect((await s.getAddress(31562, alice, 'offer-1'))?.id).toBe(a1b.id);
    expect((await s.getAddress(31562, alice, 'offer-2'))?.id).toBe(a2.id);
  });

  it('a missing d tag is the empty d', async () => {
    const s = await fresh();
    const none = ev(ALICE, { kind: 30000, created_at: T - 1 });
    const empty = ev(ALICE, { kind: 30000, tags: [['d', '']], created_at: T });
    expect(s.insert(none)).toBe('inserted');
    expect(s.insert(empty)).toBe('replaced-older');
  });

  it('equal created_at tie-break applies to addresses too', async () => {
    const s = await fresh();
    const [low, high] = pairAtSameTime(31560, [['d', 'n:u:1']]);
    expect(s.insert(low)).toBe('inserted');
    expect(s.insert(high)).toBe('superseded');
  });
});

describe('NIP-09 deletions', () => {
  it('deletes the author own event by e, and the event cannot be re-added', async () => {
    const s = await fresh();
    const e = ev(ALICE, { content: 'oops' });
    expect(s.insert(e, 'wss://r.example')).toBe('inserted');
    const del = ev(ALICE, { kind: 5, tags: [['e', e.id]], created_at: T + 1 });
    expect(s.insert(del)).toBe('inserted');
    expect(await s.get(e.id)).toBeUndefined();
    expect(await s.relaysOf(e.id)).toEqual([]);
    expect(s.insert(e)).toBe('deleted');
    expect(await s.get(e.id)).toBeUndefined();
    expect(await s.isDeleted(e.id, alice)).toBe(true);
  });

  it('a deletion arriving before its target still prevents the add', async () => {
    const s = await fresh();
    const e = ev(ALICE, { content: 'later' });
    expect(s.insert(ev(ALICE, { kind: 5, tags: [['e', e.id]] }))).toBe('inserted');
    expect(s.insert(e)).toBe('deleted');
  });

  it('a deletion of someone else event is ignored', async () => {
    const s = await fresh();
    const e = ev(ALICE, { content: 'mine' });
    s.insert(e);
    expect(s.insert(ev(BOB, { kind: 5, tags: [['e', e.id]], created_at: T + 1 }))).toBe('inserted');
    expect(await s.get(e.id)).toEqual(e);
    expect(await s.isDeleted(e.id, alice)).toBe(false);
    // and it does not block a re-delivery either
    expect(s.insert(e)).toBe('duplicate');
  });

  it('an a-tag deletion removes versions up to its created_at, and newer versions still count', async () => {
    const s = await fresh();
    const addr = `31562:${alice}:o1`;
    const v1 = ev(ALICE, { kind: 31562, tags: [['d', 'o1']], created_at: T - 10 });
    expect(s.insert(v1)).toBe('inserted');
    expect(s.insert(ev(ALICE, { kind: 5, tags: [['a', addr]], created_at: T - 5 }))).toBe('inserted');
    expect(await s.getAddress(31562, alice, 'o1')).toBeUndefined();
    // an older or same-time version is still deleted
    expect(s.insert(ev(ALICE, { kind: 31562, tags: [['d', 'o1']], created_at: T - 5, content: 'x' }))).toBe('deleted');
    // a version published after the deletion is live
    const v3 = ev(ALICE, { kind: 31562, tags: [['d', 'o1']], created_at: T });
    expect(s.insert(v3)).toBe('inserted');
    expect((await s.getAddress(31562, alice, 'o1'))?.id).toBe(v3.id);
  });

  it('an a-tag deletion naming another author address is ignored', async () => {
    const s = await fresh();
    const v = ev(ALICE, { kind: 31562, tags: [['d', 'o1']], created_at: T - 10 });
    s.insert(v);
    s.insert(ev(BOB, { kind: 5, tags: [['a', `31562:${alice}:o1`]] }));
    expect((await s.getAddress(31562, alice, 'o1'))?.id).toBe(v.id);
  });

  it('a deletion cannot delete a deletion', async () => {
    const s = await fresh();
    const d1 = ev(ALICE, { kind: 5, tags: [['e', 'ab'.repeat(32)]] });
    s.insert(d1);
    s.insert(ev(ALICE, { kind: 5, tags: [['e', d1.id]], created_at: T + 1 }));
    expect(await s.get(d1.id)).toEqual(d1);
  });
});

describe('replacement is order-independent (fast-check)', () => {
  it('whatever the arrival order, the stored version is the newest, ties to the lowest id', async () => {
    const s = await fresh();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        async (times, rnd) => {
          const d = `run-${run++}`;
          const versions = times.map((dt, i) =>
            ev(ALICE, { kind: 30078, created_at: T - dt, tags: [['d', d]], content: String(i) }),
          );
          const order = [...versions];
          const it = rnd[Symbol.iterator]();
          for (let i = order.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j] as NostrEvent, order[i] as NostrEvent];
          }
          // Split across batches and single inserts: both paths must agree.
          const half = Math.floor(order.length / 2);
          s.insertBatch(order.slice(0, half).map((event) => ({ event })));
          for (const e of order.slice(half)) s.insert(e);
          const best = [...versions].sort(
            (a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1),
          )[0] as NostrEvent;
          expect((await s.getAddress(30078, alice, d))?.id).toBe(best.id);
          expect(await s.query({ kinds: [30078], '#d': [d] })).toHaveLength(1);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('batches and ingest', () => {
  it('insertBatch returns one status per item in order, in one transaction', async () => {
    const s = await fresh();
    const a = ev(ALICE, { content: 'a' });
    const k0old = ev(ALICE, { kind: 0, created_at: T - 1 });
    const k0new = ev(ALICE, { kind: 0, created_at: T });
    expect(
      s.insertBatch([
        { event: a },
        { event: a },
        { event: k0new },
        { event: k0old },
        { event: ev(ALICE, { kind: 25000 }) },
      ]),
    ).toEqual(['inserted', 'duplicate', 'inserted', 'superseded', 'ephemeral']);
  });

  it('ingest verifies raw JSON first: bad texts get their code, good ones are stored', async () => {
    const s = await fresh();
    const verifier = new EventVerifier({ clock: new ManualClock(T * 1000) });
    const good = ev(ALICE, { content: 'good' });
    const forged = { ...good, content: 'forged' };
    const raws = [JSON.stringify(good), '{not json', JSON.stringify(forged), JSON.stringify(good)];
    const out = await s.ingest(raws, { verifier, relay: 'wss://r.example', chunkSize: 2 });
    expect(out.map((r) => (r.ok ? r.status : r.code))).toEqual(['inserted', 'bad-json', 'bad-id', 'duplicate']);
    expect(await s.count()).toBe(1);
    expect(await s.relaysOf(good.id)).toEqual(['wss://r.example']);
  });
});

describe('ingest through the worker pool', () => {
  it('stores exactly the events that verify, with per-item results in input order', async () => {
    const s = await fresh();
    const pool = new VerifyPool({ size: 2, clock: new ManualClock(T * 1000), chunkSize: 50 });
    try {
      const raws: string[] = [];
      const expected: string[] = [];
      for (let i = 0; i < 300; i++) {
        const e = ev(i % 2 ? ALICE : BOB, { content: `n${i}`, created_at: T - i });
        if (i % 10 === 3) {
          raws.push(JSON.stringify({ ...e, kind: 2 }));
          expected.push('bad-id');
        } else {
          raws.push(JSON.stringify(e));
          expected.push('inserted');
        }
      }
      raws.push(raws[0] as string);
      expected.push('duplicate');
      const out = await s.ingest(raws, { verifier: pool, relay: 'wss://r.example', chunkSize: 64 });
      expect(out.map((r) => (r.ok ? r.status : r.code))).toEqual(expected);
      expect(await s.count()).toBe(expected.filter((x) => x === 'inserted').length);
    } finally {
      await pool.close();
    }
  });
});

describe('query by NIP-01 filter', () => {
  it('applies ids, authors, kinds, since/until, tag filters and limit, newest first', async () => {
    const s = await fresh();
    const e1 = ev(ALICE, { created_at: T - 3, tags: [['t', 'ot']] });
    const e2 = ev(ALICE, { created_at: T - 2, tags: [['p', bob]] });
    const e3 = ev(BOB, {
      created_at: T - 1,
      kind: 7,
      tags: [
        ['t', 'ot'],
        ['e', 'cd'.repeat(32)],
      ],
    });
    s.insertBatch([{ event: e1 }, { event: e2 }, { event: e3 }]);
    const ids = async (f: Parameters<EventStore['query']>[0]): Promise<string[]> => (await s.query(f)).map((e) => e.id);
    expect(await ids({})).toEqual([e3.id, e2.id, e1.id]);
    expect(await ids({ authors: [alice] })).toEqual([e2.id, e1.id]);
    expect(await ids({ kinds: [7] })).toEqual([e3.id]);
    expect(await ids({ since: T - 2, until: T - 2 })).toEqual([e2.id]);
    expect(await ids({ '#t': ['ot'] })).toEqual([e3.id, e1.id]);
    expect(await ids({ '#t': ['ot'], authors: [bob] })).toEqual([e3.id]);
    expect(await ids({ '#p': [bob, alice] })).toEqual([e2.id]);
    expect(await ids({ limit: 2 })).toEqual([e3.id, e2.id]);
    expect(await ids({ ids: [e1.id, e3.id] })).toEqual([e3.id, e1.id]);
    expect(await ids({ ids: [] })).toEqual([]);
    expect(await ids([{ kinds: [7] }, { authors: [alice], limit: 1 }])).toEqual([e3.id, e2.id]);
    expect(await s.query({ ids: [e3.id] })).toEqual([e3]);
  });
});
