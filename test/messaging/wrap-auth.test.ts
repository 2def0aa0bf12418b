/**
 * Gift wraps at relays that require the event's author to authenticate (nostream's
 * `nip42.authRequired`), over real sockets: the embedded relay behind FaultProxies, which play
 * that policy and a relay refusing gift wraps outright (policies the embedded relay lacks). The
 * sender AUTHs as the wrap's one-time key (never as its identity), and a refusal by policy is
 * reported per relay.
 */
import { LocalSigner } from '../../src/signers/local.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDmRelaysEvent } from '../../src/events/dm-relays.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { Messenger } from '../../src/messaging/messenger.ts';
import { createHeldWrap, createRumor, createSeal } from '../../src/messaging/nip59.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { openStore } from '../../src/store/db.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { RawClient, newKey } from '../relays/_helpers.ts';

const fast = { backoff: { baseMs: 20, maxMs: 200 } };
const CHALLENGE = 'author-auth-challenge';

describe('gift wraps at relays requiring AUTH as the author', () => {
  let relay: EmbeddedRelay;
  let authProxy: FaultProxy;
  let refusing: FaultProxy;
  const authed: string[] = [];
  /** Author of every event the AUTH-requiring relay was offered, by id. */
  const authorOf = new Map<string, string>();
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    authProxy = await FaultProxy.start(relay.url);
    const ok = new Set<string>();
    authProxy.dropClientFrames = (m, client) => {
      if (m[0] === 'AUTH') {
        const ev = m[1] as NostrEvent;
        const good = ev.kind === 22242 && ev.tags.some((t) => t[0] === 'challenge' && t[1] === CHALLENGE);
        if (good) {
          ok.add(ev.pubkey);
          authed.push(ev.pubkey);
        }
        client.send(['OK', ev.id, good, good ? '' : 'invalid: bad challenge']);
        return true;
      }
      if (m[0] === 'EVENT') authorOf.set((m[1] as NostrEvent).id, (m[1] as NostrEvent).pubkey);
      if (m[0] !== 'EVENT' || ok.has((m[1] as NostrEvent).pubkey)) return false;
      client.send(['AUTH', CHALLENGE]);
      client.send(['OK', (m[1] as NostrEvent).id, false, 'auth-required: authenticate as the event author']);
      return true;
    };
    refusing = await FaultProxy.start(relay.url);
    refusing.dropClientFrames = (m, client) => {
      if (m[0] !== 'EVENT') return false;
      client.send(['OK', (m[1] as NostrEvent).id, false, 'restricted: no gift wraps here']);
      return true;
    };
  });
  afterAll(async () => {
    await refusing.close();
    await authProxy.close();
    await relay.close();
  });

  it('AUTHs as the one-time key, and reports the relay that refuses by policy', async () => {
    const alice = newKey();
    const bob = newKey();
    const dmRelays = signEvent(
      buildDmRelaysEvent([authProxy.url, refusing.url], Math.floor(Date.now() / 1000)),
      bob.sk,
    );
    const c = await RawClient.connect(relay.url);
    expect((await c.publish(dmRelays))[2]).toBe(true);
    c.close();

    const store = await openStore(join(tmpDir(), 'alice.db'));
    const transport = new RelayPool({
      relays: [relay.url],
      signer: (t) => signEvent(t, alice.sk),
      authRelays: [],
      connection: fast,
      fetchLimits: false,
    });
    const warnings: string[] = [];
    const m = new Messenger({
      transport,
      signer: new LocalSigner(alice.sk, 'seed'),
      pubkey: alice.pk,
      store,
      discoveryRelays: [relay.url],
      inboxRelays: [relay.url],
      onWarning: (w) => warnings.push(w),
    });
    try {
      const report = await m.sendChat(bob.pk, 'hello through an auth-required relay');
      expect(report.choice.relays).toEqual([authProxy.url, refusing.url]);
      const byRelay = Object.fromEntries(report.results.map((r) => [r.relay, r.code]));
      expect(byRelay).toEqual({ [authProxy.url]: 'ok', [refusing.url]: 'restricted' });
      expect(report.ok).toBe(true);
      expect(report.refused).toEqual([
        { relay: refusing.url, ok: false, code: 'restricted', message: 'restricted: no gift wraps here' },
      ]);
      expect(warnings.some((w) => w.includes(refusing.url) && w.includes('restricted'))).toBe(true);
      // The AUTH came from the wrap's one-time key: neither the identity nor any other key.
      const wrapAuthor = authorOf.get(report.wrapId);
      expect(wrapAuthor).toBeDefined();
      expect(authed).toEqual([wrapAuthor]);
      expect(authed).not.toContain(getPublicKey(alice.sk));
    } finally {
      m.stop();
      await transport.close();
      await store.close();
    }
  });
});

describe('createHeldWrap', () => {
  it("signs only AUTH with the wrap's key, and nothing after the wipe", async () => {
    const alice = newKey();
    const bob = newKey();
    const seal = await createSeal(
      createRumor({ kind: 14, tags: [], content: 'x', created_at: 1 }, alice.pk),
      new LocalSigner(alice.sk, 'seed'),
      bob.pk,
    );
    const held = createHeldWrap(seal, bob.pk);
    const auth = held.authSigner({ kind: 22242, created_at: 1, tags: [['challenge', 'c']], content: '' });
    expect(auth.pubkey).toBe(held.wrap.pubkey);
    expect(() => held.authSigner({ kind: 1, created_at: 1, tags: [], content: '' })).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    held.wipe();
    expect(() => held.authSigner({ kind: 22242, created_at: 1, tags: [], content: '' })).toThrow(
      expect.objectContaining({ code: 'closed' }),
    );
  });
});
