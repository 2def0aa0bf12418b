/**
 * Limits per kind: real follow lists (thousands of `p` tags with relay hints) pass, other kinds
 * keep the tight defaults, and every event dropped on a limit is counted per relay.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { makeEvent, newKey } from './_helpers.ts';

/** A follow list of `n` keys (random hex: a follow list's keys are not checked), with relay hints and petnames or bare. */
function followList(n: number, hints = true): ReturnType<typeof makeEvent> {
  const pk = (): string => randomBytes(32).toString('hex');
  const tags = Array.from({ length: n }, (_, i) =>
    hints ? ['p', pk(), `wss://relay-${i % 40}.example.com`, `friend${i}`] : ['p', pk()],
  );
  return makeEvent(newKey(), { kind: 3, tags, content: '' });
}

describe('event limits per kind', () => {
  const v = new EventVerifier();

  it.each([
    [700, true],
    [1000, true],
    [2600, true],
    [10_000, false],
  ])('a follow list of %i entries (relay hints and petnames: %s) verifies', (n, hints) => {
    const ev = followList(n, hints);
    expect(v.verify(ev)).toEqual({ ok: true, event: ev });
    expect(v.verifyJson(JSON.stringify(ev))).toEqual({ ok: true, event: ev });
  });

  it('a follow list over 20,000 tags is too-many-tags; one over 1 MB is too-large', () => {
    const many = makeEvent(newKey(), { kind: 3, tags: Array.from({ length: 20_001 }, () => ['t', 'x']), content: '' });
    expect(v.verify(many)).toMatchObject({ ok: false, code: 'too-many-tags' });
    const big = makeEvent(newKey(), { kind: 3, tags: [], content: 'x'.repeat(1_000_001) });
    expect(v.verify(big)).toMatchObject({ ok: false, code: 'too-large' });
    expect(v.verifyJson(JSON.stringify(big))).toMatchObject({ ok: false, code: 'too-large' });
  });

  it('other kinds keep the tight defaults (2000 tags, 60 KiB)', () => {
    const tags = Array.from({ length: 2001 }, () => ['t', 'x']);
    expect(v.verify(makeEvent(newKey(), { kind: 1, tags }))).toMatchObject({ ok: false, code: 'too-many-tags' });
    expect(v.verify(makeEvent(newKey(), { kind: 31562, content: 'x'.repeat(61 * 1024) }))).toMatchObject({
      ok: false,
      code: 'too-large',
    });
    expect(
      v.verify(makeEvent(newKey(), { kind: 10002, tags: Array.from({ length: 2001 }, () => ['r', 'wss://a']) })),
    ).toMatchObject({ ok: false, code: 'too-many-tags' });
  });
});

describe('the pool counts every event dropped on a limit', () => {
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

  it('a 2,600-entry follow list arrives; an oversized kind 1 is dropped and counted as too-large', async () => {
    // Injected by the proxy, beside an oversized kind 1 the relay itself would refuse.
    const list = followList(2600);
    const fat = makeEvent(newKey(), { kind: 1, content: 'x'.repeat(100 * 1024) });
    proxy.onClientMessage = (m, client) => {
      if (m[0] === 'REQ') {
        client.send(['EVENT', m[1], list]);
        client.send(['EVENT', m[1], fat]);
      }
    };
    const pool = new RelayPool({ relays: [proxy.url], fetchLimits: false });
    const r = await queryEvents(pool, [{ kinds: [1, 3], authors: [list.pubkey, fat.pubkey] }], 10_000);
    expect(r.events.map((e) => e.id)).toEqual([list.id]);
    expect(pool.stats()[proxy.url]).toMatchObject({ invalid: 1, invalidByCode: { 'too-large': 1 } });
    await pool.close();
    proxy.onClientMessage = () => undefined;
  });
});

describe('the embedded relay takes real follow and relay lists (the verifier’s per-kind limits)', () => {
  let relay: EmbeddedRelay;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
  });
  afterAll(async () => {
    await relay.close();
  });

  it('a 2,600-follow kind 3 (relay hints, petnames) and a 100 KB kind 10002 are stored and read back', async () => {
    const list = followList(2600);
    expect(Buffer.byteLength(JSON.stringify(list))).toBeGreaterThan(256 * 1024);
    const relays = makeEvent(newKey(), {
      kind: 10002,
      tags: Array.from({ length: 1500 }, (_, i) => ['r', `wss://relay-${i}.example.com/${'p'.repeat(40)}`]),
      content: '',
    });
    expect(Buffer.byteLength(JSON.stringify(relays))).toBeGreaterThan(64 * 1024);
    const pool = new RelayPool({ relays: [relay.url] });
    try {
      expect(await pool.publish(list)).toEqual([{ relay: relay.url, ok: true, code: 'ok', message: '' }]);
      expect(await pool.publish(relays)).toEqual([{ relay: relay.url, ok: true, code: 'ok', message: '' }]);
      const r = await queryEvents(pool, [{ kinds: [3, 10002], authors: [list.pubkey, relays.pubkey] }], 10_000);
      expect(r.incomplete).toEqual([]);
      expect(r.events.map((e) => e.id).sort()).toEqual([list.id, relays.id].sort());
    } finally {
      await pool.close();
    }
  });

  it('other kinds keep the tight defaults: a kind 1 with 2001 tags is refused as invalid', async () => {
    const pool = new RelayPool({ relays: [relay.url] });
    try {
      const ev = makeEvent(newKey(), { kind: 1, tags: Array.from({ length: 2001 }, () => ['t', 'x']) });
      const [res] = await pool.publish(ev);
      expect(res).toMatchObject({ ok: false, code: 'invalid' });
    } finally {
      await pool.close();
    }
  });
});
