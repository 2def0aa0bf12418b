/** REQ frames stay under the relay's NIP-11 max_message_length (nostream closes the socket past it). */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { DEFAULT_MAX_MESSAGE_LENGTH, splitReq } from '../../src/relays/req-split.ts';
import type { Filter } from '../../src/events/filter.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { RawClient, makeEvent, newKey } from './_helpers.ts';

const hex = (): string => randomBytes(32).toString('hex');

describe('splitReq', () => {
  it('keeps filters that fit as one REQ', () => {
    const f: Filter[] = [{ kinds: [1], authors: [hex()] }];
    expect(splitReq(f)).toEqual([f]);
  });

  it('every frame fits and the parts cover exactly the authors asked for', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1024, max: 200_000 }), (n, max) => {
        const authors = Array.from({ length: n }, (_, i) => i.toString(16).padStart(64, '0'));
        const groups = splitReq([{ kinds: [3, 11560], authors, since: 5 }], max);
        for (const g of groups)
          expect(Buffer.byteLength(JSON.stringify(['REQ', 'x'.repeat(40), ...g]))).toBeLessThanOrEqual(max);
        const got = groups.flat().flatMap((f) => f.authors ?? []);
        expect(got.sort()).toEqual([...authors].sort());
        expect(groups.flat().every((f) => f.since === 5 && f.kinds?.length === 2)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('defaults to 64 KiB when the relay does not say', () => {
    const authors = Array.from({ length: 2000 }, hex);
    const groups = splitReq([{ authors }]);
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups)
      expect(Buffer.byteLength(JSON.stringify(['REQ', 'x'.repeat(40), ...g]))).toBeLessThanOrEqual(
        DEFAULT_MAX_MESSAGE_LENGTH,
      );
  });
});

describe('the pool splits REQs to the NIP-11 max_message_length', () => {
  let relay: EmbeddedRelay;
  let proxy: FaultProxy;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    proxy = await FaultProxy.start(relay.url);
    proxy.nip11 = { name: 'small frames', limitation: { max_message_length: 4096 } };
  });
  afterAll(async () => {
    await proxy.close();
    await relay.close();
  });

  it('300 authors: every REQ frame is under 4096 bytes, EOSE waits for every part, events of the last part arrive', async () => {
    const k = newKey();
    const ev = makeEvent(k);
    const c = await RawClient.connect(relay.url);
    await c.publish(ev);
    c.close();
    const frames: number[] = [];
    proxy.onClientMessage = (m) => {
      if (m[0] === 'REQ') frames.push(Buffer.byteLength(JSON.stringify(m)));
    };
    const authors = [...Array.from({ length: 299 }, hex), k.pk];
    const pool = new RelayPool({ relays: [proxy.url] });
    const r = await queryEvents(pool, [{ kinds: [1], authors }], 10_000);
    await pool.close();
    proxy.onClientMessage = () => undefined;
    expect(r).toEqual({ events: [ev], incomplete: [] });
    expect(frames.length).toBeGreaterThan(5);
    expect(Math.max(...frames)).toBeLessThanOrEqual(4096);
  });
});
