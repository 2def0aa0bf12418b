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
    // Injected by the proxy: the embedded relay's own validator stops at 2000 tags, nostream does not.
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
