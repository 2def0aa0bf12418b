/**
 * NIP-11 limits fetched from a real embedded relay's information document, and respected by the
 * pool: events outside the relay's created_at window are not sent, oversize frames are not sent,
 * and REQ limits are clamped to max_limit.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { fetchRelayLimits } from '../../src/relays/nip11.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { makeEvent, newKey } from './_helpers.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';

let relay: EmbeddedRelay;
let pool: RelayPool;
const key = newKey();
const now = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  relay = await startEmbeddedRelay({ dbPath: join(tmpDir(), 'relay.sqlite'), maxAgeSeconds: 3600, defaultLimit: 5 });
  pool = new RelayPool({ relays: [relay.url] });
});
afterAll(async () => {
  await pool.close();
  await relay.close();
});

describe('NIP-11 limits', () => {
  it('are read from the relay document', async () => {
    const limits = await fetchRelayLimits(relay.url);
    expect(limits).toMatchObject({ maxLimit: 50, createdAtLowerLimit: 3600 });
  });

  it('keep an event outside the created_at window from being sent (typed invalid, says why)', async () => {
    const [old] = await pool.publish(makeEvent(key, { created_at: now() - 7200 }));
    expect(old).toMatchObject({ ok: false, code: 'invalid' });
    expect(old?.message).toContain('NIP-11 window');
    const [fresh] = await pool.publish(makeEvent(key));
    expect(fresh).toMatchObject({ ok: true, code: 'ok' });
  });

  it('clamp a REQ limit to max_limit before it is sent', async () => {
    const proxy = await FaultProxy.start(relay.url);
    proxy.nip11 = { limitation: { max_limit: 7 } };
    const sent: unknown[][] = [];
    proxy.onClientMessage = (m) => void sent.push(m);
    const viaProxy = new RelayPool({ relays: [proxy.url] });
    try {
      await new Promise<void>((resolve) => {
        // Limits are fetched on first contact: publish once so they are known before the REQ.
        void viaProxy.publish(makeEvent(key)).then(() => {
          viaProxy.subscribe(
            [
              { authors: [key.pk], limit: 1000 },
              { kinds: [1], limit: 3 },
            ],
            { oneose: () => resolve() },
            { closeOnEose: true },
          );
        });
      });
      const req = sent.find((m) => m[0] === 'REQ');
      expect(req?.slice(2)).toEqual([
        { authors: [key.pk], limit: 7 },
        { kinds: [1], limit: 3 },
      ]);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });
});
