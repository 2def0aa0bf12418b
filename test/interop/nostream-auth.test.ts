/**
 * NIP-42 on nostream: it challenges every connection, and with `nip42.authRequired` it takes a
 * publish only from a connection authenticated as the event's author.
 */
import { describe, expect, it } from 'vitest';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { signEvent } from '../../src/events/sign.ts';
import type { EventTemplate, NostrEvent } from '../../src/events/types.ts';
import { makeEvent, newKey } from '../relays/_helpers.ts';
import { NOSTREAM_AUTH_SKIP, NOSTREAM_AUTH_URL, NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream (default settings): AUTH', () => {
  it('a read answers none of its challenges: the npub is not revealed', async () => {
    const me = newKey();
    const url = NOSTREAM_URL as string;
    const pool = new RelayPool({ relays: [url], signer: (t: EventTemplate): NostrEvent => signEvent(t, me.sk, me.pk) });
    const r = await queryEvents(pool, [{ kinds: [1], authors: [me.pk] }], 15_000);
    expect(r).toEqual({ events: [], incomplete: [] });
    await until(() => (pool.stats()[url]?.authChallenges ?? 0) >= 1, 'the challenge');
    expect(pool.stats()[url]?.authAnswers).toBe(0);
    await pool.close();
  });
});

describe.skipIf(NOSTREAM_AUTH_SKIP !== undefined)('nostream (nip42.authRequired): AUTH as the author', () => {
  const url = NOSTREAM_AUTH_URL as string;

  it("the identity's own event is published after an AUTH as the identity", async () => {
    const me = newKey();
    const pool = new RelayPool({ relays: [url], signer: (t) => signEvent(t, me.sk, me.pk) });
    const ev = makeEvent(me);
    expect(await pool.publish(ev)).toEqual([{ relay: url, ok: true, code: 'ok', message: expect.any(String) }]);
    await pool.close();
  });

  it('an event signed by a throwaway key is refused as auth-required without its AUTH, published with it', async () => {
    const me = newKey();
    const throwaway = newKey();
    const ev = makeEvent(throwaway, { kind: 1 });
    const pool = new RelayPool({ relays: [url], signer: (t) => signEvent(t, me.sk, me.pk) });
    const [bare] = await pool.publish(ev);
    expect(bare).toMatchObject({ ok: false, code: 'auth-required' });
    await pool.close();
    const pool2 = new RelayPool({ relays: [url] });
    const [res] = await pool2.publish(ev, undefined, { authSigner: (t) => signEvent(t, throwaway.sk, throwaway.pk) });
    expect(res).toMatchObject({ ok: true });
    const r = await queryEvents(pool2, [{ ids: [ev.id] }], 15_000);
    expect(r).toEqual({ events: [ev], incomplete: [] });
    await pool2.close();
  });
});
