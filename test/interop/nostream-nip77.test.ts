/**
 * nostream does not speak NIP-77: the client finds it unsupported (a NOTICE or silence, never an
 * empty answer), and the web sync reads it with `since` REQs, with the same result as without
 * NIP-77.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import type { NostrEvent } from '../../src/events/types.ts';
import { Nip77Client } from '../../src/relays/nip77.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { openStore } from '../../src/store/db.ts';
import { WebStore, syncWeb, transportQueryPort } from '../../src/web/index.ts';
import type { TransportPortOptions } from '../../src/web/port.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

const url = NOSTREAM_URL as string;
const now = (): number => Math.floor(Date.now() / 1000);
const key = (): { sk: Uint8Array; pk: string } => {
  const sk = new Uint8Array(randomBytes(32));
  return { sk, pk: getPublicKey(sk) };
};

const toClose: { close(): Promise<unknown> | unknown }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0).reverse()) await c.close();
});

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream and NIP-77', () => {
  it('the client, asking without the NIP-11 hint, finds it unsupported and remembers it', async () => {
    const pool = new RelayPool({ relays: [url], reqRetryMs: 1000 });
    toClose.push(pool);
    const c = new Nip77Client((r) => pool.channel(r), { timeoutMs: 3000 });
    const out = await c.reconcile(url, { kinds: [3], authors: [key().pk] }, []);
    expect(out).toMatchObject({ ok: false, code: 'unsupported' });
    expect(c.supports(url)).toBe(false);
  });

  it('the web sync reads it with since REQs, with the same result as with NIP-77 off', async () => {
    const payer = key();
    const friend = key();
    const other = key();
    const publisher = new RelayPool({ relays: [url], reqRetryMs: 1000 });
    toClose.push(publisher);
    const publish = async (e: NostrEvent): Promise<void> => {
      expect((await publisher.publish(e))[0]).toMatchObject({ ok: true });
    };
    const t = now() - 60;
    await publish(signEvent(buildFollowsEvent([{ pubkey: friend.pk }], t), payer.sk, payer.pk));
    await publish(signEvent(buildFollowsEvent([{ pubkey: payer.pk }], t), friend.sk, friend.pk));
    const follows: string[][] = [];
    for (const port of [{}, { negentropy: false }] as TransportPortOptions[]) {
      const store = await openStore(join(tmpDir(), 'web.sqlite'));
      toClose.push(store);
      const pool = new RelayPool({ relays: [url], reqRetryMs: 1000 });
      toClose.push(pool);
      const web = new WebStore(store);
      const query = transportQueryPort(pool, { eoseTimeoutMs: 10_000, ...port });
      const o = { query, store: web, cursors: new CursorStore(store), clock: systemClock, self: payer.pk };
      const run = () => syncWeb({ ...o, relays: [url], radius: 2 });
      expect((await run()).gaps).toEqual([]);
      if (follows.length === 0)
        await publish(signEvent(buildFollowsEvent([{ pubkey: other.pk }], now()), friend.sk, friend.pk));
      const warm = await run();
      expect(warm.gaps).toEqual([]);
      expect(warm.reconciled).toBe(0);
      follows.push(web.followsOf(friend.pk));
    }
    expect(follows).toEqual([[other.pk], [other.pk]]);
  });
});
