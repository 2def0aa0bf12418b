/**
 * NIP-77 over real sockets: the embedded relay's side checked with NDK's independent client
 * (`@nostr-dev-kit/sync`), our client (src/relays/nip77.ts over the RelayPool) against the
 * embedded relay, and our Negentropy against NDK's, both roles, in process.
 */
import { randomBytes } from 'node:crypto';
import NDK from '@nostr-dev-kit/ndk';
import fc from 'fast-check';
import { Negentropy as NdkNegentropy, NegentropyStorage, SyncSession } from '@nostr-dev-kit/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isOtP2pError } from '../../src/core/errors.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { Negentropy } from '../../src/relays/negentropy.ts';
import type { NegRecord } from '../../src/relays/negentropy.ts';
import { Nip77Client } from '../../src/relays/nip77.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { until } from '../helpers/until.ts';
import { makeEvent, newKey } from './_helpers.ts';

// NDK 3 looks for a global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const now = (): number => Math.floor(Date.now() / 1000);
const key = newKey();
const other = newKey();
const events: NostrEvent[] = [];
let relay: EmbeddedRelay;
let pool: RelayPool;
const frames: unknown[][] = [];

beforeAll(async () => {
  relay = await startEmbeddedRelay({ onFrame: (f) => void frames.push(JSON.parse(f) as unknown[]) });
  pool = new RelayPool({ relays: [relay.url] });
  // 300 notes over a spread of seconds (several share one), plus one of another author.
  for (let i = 0; i < 300; i++)
    events.push(makeEvent(key, { created_at: now() - 1000 + Math.floor(i / 3), content: `n${i}` }));
  const results = await Promise.all([...events, makeEvent(other)].map((e) => pool.publish(e)));
  expect(results.flat().every((r) => r.ok)).toBe(true);
});

afterAll(async () => {
  await pool.close();
  await relay.close();
});

const records = (es: readonly NostrEvent[]): NegRecord[] => es.map((e) => ({ id: e.id, created_at: e.created_at }));
const fakeId = (): string => randomBytes(32).toString('hex');

describe('Negentropy (src/relays/negentropy.ts) against NDK’s implementation', () => {
  const run = async (ours: 'initiator' | 'responder', a: NegRecord[], b: NegRecord[]) => {
    const need = new Set<string>();
    const have = new Set<string>();
    const ndkStore = new NegentropyStorage();
    for (const r of ours === 'initiator' ? b : a) ndkStore.insert(r.created_at, r.id);
    ndkStore.seal();
    const ndk = new NdkNegentropy(ndkStore, 60_000);
    if (ours === 'initiator') {
      const me = new Negentropy(a, 'initiator');
      let msg: string | null = me.initiate();
      for (let round = 0; msg !== null && round < 50; round++) {
        const r = await ndk.reconcile(Buffer.from(msg, 'hex'));
        msg = me.reconcile(
          Buffer.from(r.nextMessage ?? new Uint8Array()).toString('hex'),
          (id) => have.add(id),
          (id) => need.add(id),
        );
      }
      expect(msg).toBeNull();
    } else {
      const me = new Negentropy(b, 'responder');
      let msg: Uint8Array | undefined = await ndk.initiate();
      for (let round = 0; msg !== undefined && round < 50; round++) {
        const r = await ndk.reconcile(Buffer.from(me.reconcile(Buffer.from(msg).toString('hex'))!, 'hex'));
        for (const id of r.have) have.add(Buffer.from(id).toString('hex'));
        for (const id of r.need) need.add(Buffer.from(id).toString('hex'));
        msg = r.nextMessage;
      }
      expect(msg).toBeUndefined();
    }
    return { need, have };
  };

  for (const ours of ['initiator', 'responder'] as const)
    for (const [n, shared] of [
      [0, 0],
      [20, 10],
      [2000, 1950],
      [3000, 0],
    ] as const)
      it(`as ${ours}: ${n} records each, ${shared} shared`, async () => {
        const common = Array.from({ length: shared }, (_, i) => ({ id: fakeId(), created_at: 1000 + (i % 700) }));
        const onlyA = Array.from({ length: n - shared }, (_, i) => ({ id: fakeId(), created_at: 1000 + (i % 500) }));
        const onlyB = Array.from({ length: n - shared }, (_, i) => ({ id: fakeId(), created_at: 1200 + (i % 900) }));
        const { need, have } = await run(ours, [...common, ...onlyA], [...common, ...onlyB]);
        expect([...have].sort()).toEqual(onlyA.map((r) => r.id).sort());
        expect([...need].sort()).toEqual(onlyB.map((r) => r.id).sort());
      });
});

describe('Negentropy on hostile input', () => {
  it('a malformed message is an Error, never a hang or another throw, in both roles', () => {
    const recs = Array.from({ length: 100 }, (_, i) => ({ id: fakeId(), created_at: 1000 + i }));
    for (const role of ['initiator', 'responder'] as const) {
      const neg = new Negentropy(recs, role);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, versioned) => {
          const msg = Buffer.concat([versioned ? Buffer.of(0x61) : Buffer.alloc(0), Buffer.from(bytes)]).toString(
            'hex',
          );
          try {
            const out = neg.reconcile(msg);
            expect(out === null || /^61([0-9a-f]{2})*$/.test(out)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
          }
        }),
        { numRuns: 500 },
      );
    }
  });
});

describe('the embedded relay answers NIP-77 (checked with NDK’s client)', () => {
  it('advertises 77 in its NIP-11 document', async () => {
    const res = await fetch(relay.url.replace('ws:', 'http:'), { headers: { accept: 'application/nostr+json' } });
    expect(((await res.json()) as { supported_nips: number[] }).supported_nips).toContain(77);
  });

  it('NDK learns the ids it lacks and those only it holds', async () => {
    const ndk = new NDK({ explicitRelayUrls: [relay.url] });
    await ndk.connect(5000);
    try {
      const ndkRelay = [...ndk.pool.relays.values()][0]!;
      await until(() => ndkRelay.connected, 'NDK connected');
      const storage = new NegentropyStorage();
      const held = events.slice(0, 200);
      const extra = { id: fakeId(), created_at: now() - 500 };
      for (const r of [...records(held), extra]) storage.insert(r.created_at, r.id);
      storage.seal();
      const session = new SyncSession(ndkRelay, [{ kinds: [1], authors: [key.pk] }], storage, { timeout: 10_000 });
      const { need, have } = await session.start();
      expect([...need].sort()).toEqual(
        events
          .slice(200)
          .map((e) => e.id)
          .sort(),
      );
      expect([...have]).toEqual([extra.id]);
    } finally {
      for (const r of ndk.pool.relays.values()) r.disconnect();
    }
  });
});

describe('Nip77Client over the pool against the embedded relay', () => {
  const client = (): Nip77Client => new Nip77Client((r) => pool.channel(r), { timeoutMs: 3000 });

  it('reconciles a filter: need is what the relay has and we lack, have the reverse', async () => {
    const extra = { id: fakeId(), created_at: now() - 10 };
    const out = await client().reconcile(relay.url, { kinds: [1], authors: [key.pk] }, [
      ...records(events.slice(50)),
      extra,
    ]);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.need.sort()).toEqual(
      events
        .slice(0, 50)
        .map((e) => e.id)
        .sort(),
    );
    expect(out.have).toEqual([extra.id]);
  });

  it('an empty set learns every id; a full set learns nothing in one round', async () => {
    const c = client();
    const all = await c.reconcile(relay.url, { authors: [key.pk] }, []);
    expect(all).toMatchObject({ ok: true, have: [] });
    if (all.ok) expect(all.need.length).toBe(300);
    const none = await c.reconcile(relay.url, { authors: [key.pk] }, records(events));
    expect(none).toEqual({ ok: true, need: [], have: [], rounds: 1 });
    expect(c.supports(relay.url)).toBe(true);
  });

  it('a NEG-ERR (too many records) is a typed failure naming the reason, not an empty answer', async () => {
    const small = await startEmbeddedRelay({ negentropy: { maxRecords: 10 } });
    const p = new RelayPool({ relays: [small.url] });
    try {
      for (const e of events.slice(0, 11)) await p.publish(e);
      const c = new Nip77Client((r) => p.channel(r), { timeoutMs: 3000 });
      const out = await c.reconcile(small.url, { authors: [key.pk] }, []);
      expect(out).toMatchObject({ ok: false, code: 'neg-err' });
      if (!out.ok) expect(out.reason).toMatch(/^blocked: more than 10 records/);
      expect(c.supports(small.url)).toBe(true);
      // Within the bound it answers.
      expect(await c.reconcile(small.url, { ids: events.slice(0, 3).map((e) => e.id) }, [])).toMatchObject({
        ok: true,
      });
    } finally {
      await p.close();
      await small.close();
    }
  });

  it('a relay without NIP-77 (NOTICE) is unsupported, remembered, and asked only once', async () => {
    const seen: string[] = [];
    const plain = await startEmbeddedRelay({ negentropy: false, onFrame: (f) => void seen.push(f) });
    const p = new RelayPool({ relays: [plain.url] });
    try {
      const res = await fetch(plain.url.replace('ws:', 'http:'), { headers: { accept: 'application/nostr+json' } });
      expect(((await res.json()) as { supported_nips: number[] }).supported_nips).not.toContain(77);
      const c = new Nip77Client((r) => p.channel(r), { timeoutMs: 3000 });
      const first = await c.reconcile(plain.url, { authors: [key.pk] }, []);
      expect(first).toMatchObject({ ok: false, code: 'unsupported' });
      if (!first.ok) expect(first.reason).toMatch(/^NOTICE: invalid/);
      expect(c.supports(plain.url)).toBe(false);
      expect(await c.reconcile(plain.url, { authors: [key.pk] }, [])).toMatchObject({ ok: false, code: 'unsupported' });
      expect(seen.filter((f) => f.startsWith('["NEG-OPEN"'))).toHaveLength(1);
    } finally {
      await p.close();
      await plain.close();
    }
  });

  it('silence after NEG-OPEN is unsupported; silence midway is no-answer (a proxy drops the frames)', async () => {
    const proxy = await FaultProxy.start(relay.url);
    const p = new RelayPool({ relays: [proxy.url], fetchLimits: false });
    try {
      proxy.dropClientFrames = (m) => m[0] === 'NEG-OPEN';
      const c = new Nip77Client((r) => p.channel(r), { timeoutMs: 500 });
      expect(await c.reconcile(proxy.url, { authors: [key.pk] }, [])).toMatchObject({
        ok: false,
        code: 'unsupported',
        reason: 'no answer to NEG-OPEN within 500 ms',
      });
      // Nothing held against 300 records: the relay answers with fingerprints, so a second round is needed.
      proxy.dropClientFrames = (m) => m[0] === 'NEG-MSG';
      const c2 = new Nip77Client((r) => p.channel(r), { timeoutMs: 500 });
      expect(await c2.reconcile(proxy.url, { kinds: [1], authors: [key.pk] }, [])).toMatchObject({
        ok: false,
        code: 'no-answer',
      });
      expect(c2.supports(proxy.url)).toBe(true);
    } finally {
      await p.close();
      await proxy.close();
    }
  });

  it('a relay answering garbage is invalid, not an answer (a proxy forges the reply)', async () => {
    const proxy = await FaultProxy.start(relay.url);
    const p = new RelayPool({ relays: [proxy.url], fetchLimits: false });
    try {
      proxy.fromRelay = (m) => (m[0] === 'NEG-MSG' ? 'drop' : 'pass');
      proxy.onClientMessage = (m, client) => {
        if (m[0] === 'NEG-OPEN') client.send(['NEG-MSG', m[1], '61ff']);
      };
      const c = new Nip77Client((r) => p.channel(r), { timeoutMs: 3000 });
      expect(await c.reconcile(proxy.url, { authors: [key.pk] }, [])).toMatchObject({ ok: false, code: 'invalid' });
    } finally {
      await p.close();
      await proxy.close();
    }
  });

  it('a NIP-11 document without 77 skips the attempt', async () => {
    const c = new Nip77Client((r) => pool.channel(r), { supportedNips: async () => [1, 11] });
    const before = frames.filter((f) => f[0] === 'NEG-OPEN').length;
    expect(await c.reconcile(relay.url, { authors: [key.pk] }, [])).toMatchObject({ ok: false, code: 'unsupported' });
    expect(frames.filter((f) => f[0] === 'NEG-OPEN').length).toBe(before);
  });

  it('a malformed held record is bad-input', async () => {
    try {
      await client().reconcile(relay.url, { authors: [key.pk] }, [{ id: 'zz', created_at: 1 }]);
      expect.unreachable();
    } catch (err) {
      expect(isOtP2pError(err) && err.code).toBe('bad-input');
    }
  });

  it('the relay refuses malformed NIP-77 frames with NEG-ERR, and private kinds are never reconciled', async () => {
    const c = client();
    expect(await c.reconcile(relay.url, { kinds: [1059] }, [])).toEqual({ ok: true, need: [], have: [], rounds: 1 });
    const ch = pool.channel(relay.url);
    const got: unknown[][] = [];
    const stop = ch.listen((m) => void got.push(m));
    ch.send(['NEG-OPEN', 'bad1', { authors: ['nothex'] }, '61']);
    ch.send(['NEG-OPEN', 'bad2', { kinds: [1] }, 'zz']);
    ch.send(['NEG-MSG', 'nosuch', '61']);
    await until(() => got.filter((m) => m[0] === 'NEG-ERR').length >= 3, 'three NEG-ERR');
    stop();
    expect(got.filter((m) => m[0] === 'NEG-ERR').map((m) => [m[0], m[1], String(m[2]).split(':')[0]])).toEqual([
      ['NEG-ERR', 'bad1', 'invalid'],
      ['NEG-ERR', 'bad2', 'invalid'],
      ['NEG-ERR', 'nosuch', 'closed'],
    ]);
  });
});
