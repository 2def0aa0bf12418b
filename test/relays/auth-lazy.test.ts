/**
 * NIP-42 done right: AUTH reveals who we are, so a pool answers a challenge only when a relay
 * asks for it for what we requested (`CLOSED auth-required:`), or when the user trusts the relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';

const fast = { backoff: { baseMs: 20, maxMs: 200 } };

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AUTH only when asked for', () => {
  let relay: EmbeddedRelay;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
  });
  afterAll(async () => {
    await relay.close();
  });

  it('a read of public kinds answers no challenge; a read of gift wraps AUTHs once, after CLOSED auth-required', async () => {
    const alice = newKey();
    const note = makeEvent(alice);
    const wrap = makeEvent(newKey(), {
      kind: 1059,
      tags: [['p', alice.pk]],
      created_at: Math.floor(Date.now() / 1000) - 3600,
    });
    const c = await RawClient.connect(relay.url);
    await c.publish(note);
    await c.publish(wrap);
    c.close();
    const signer = (t: EventTemplate): NostrEvent => signEvent(t, alice.sk, alice.pk);
    const pool = new RelayPool({ relays: [relay.url], signer, connection: fast, fetchLimits: false });
    const pub = await queryEvents(pool, [{ kinds: [1], authors: [alice.pk] }], 5_000);
    expect(pub).toEqual({ events: [note], incomplete: [] });
    await until(() => (pool.stats()[relay.url]?.authChallenges ?? 0) >= 1, 'the challenge');
    expect(pool.stats()[relay.url]?.authAnswers).toBe(0);
    const dms = await queryEvents(pool, [{ kinds: [1059], '#p': [alice.pk] }], 5_000);
    expect(dms).toEqual({ events: [wrap], incomplete: [] });
    expect(pool.stats()[relay.url]?.authAnswers).toBe(1);
    await pool.close();
  });

  it('a relay the user trusts gets its challenge answered at once', async () => {
    const me = newKey();
    const signer = (t: EventTemplate): NostrEvent => signEvent(t, me.sk, me.pk);
    const pool = new RelayPool({
      relays: [relay.url],
      signer,
      trustedAuthRelays: [relay.url],
      connection: fast,
      fetchLimits: false,
    });
    pool.subscribe([{ kinds: [1], authors: [me.pk] }]);
    await until(() => (pool.stats()[relay.url]?.authAnswers ?? 0) === 1, 'the AUTH');
    await pool.close();
  });

  it('an event signed by another key AUTHs as that key when the relay asks, never as the identity', async () => {
    // The FaultProxy plays a relay requiring the author to authenticate before a publish
    // (nostream's nip42.authRequired), a policy the embedded relay does not have.
    const proxy = await FaultProxy.start(relay.url);
    const authed = new Set<string>();
    const challenge = 'proxy-challenge';
    proxy.dropClientFrames = (m, client) => {
      if (m[0] === 'AUTH') {
        const ev = m[1] as NostrEvent;
        const ok = ev.kind === 22242 && ev.tags.some((t) => t[0] === 'challenge' && t[1] === challenge);
        if (ok) authed.add(ev.pubkey);
        client.send(['OK', ev.id, ok, ok ? '' : 'invalid: bad challenge']);
        return true;
      }
      if (m[0] !== 'EVENT' || authed.has((m[1] as NostrEvent).pubkey)) return false;
      client.send(['AUTH', challenge]);
      client.send(['OK', (m[1] as NostrEvent).id, false, 'auth-required: authenticate as the event author']);
      return true;
    };
    const me = newKey();
    const throwaway = newKey();
    const pool = new RelayPool({
      relays: [proxy.url],
      signer: (t) => signEvent(t, me.sk, me.pk),
      authRelays: [],
      connection: fast,
      fetchLimits: false,
    });
    const evidence = makeEvent(throwaway, { kind: 1560 });
    const [bare] = await pool.publish(evidence, [proxy.url]);
    expect(bare).toMatchObject({ ok: false, code: 'auth-required' });
    const [res] = await pool.publish(evidence, [proxy.url], {
      authSigner: (t) => signEvent(t, throwaway.sk, throwaway.pk),
    });
    expect(res).toMatchObject({ ok: true, code: 'ok' });
    expect([...authed]).toEqual([throwaway.pk]);
    await pool.close();
    await proxy.close();
  });
});
