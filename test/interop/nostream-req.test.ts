/**
 * nostream drops frames sent in the first milliseconds of a connection: every query and publish
 * here goes out on a fresh connection, as a one-shot command's does, and must still be answered.
 */
import { describe, expect, it } from 'vitest';
import { RelayPool } from '../../src/relays/pool.ts';
import { queryEvents } from '../../src/relays/query.ts';
import { makeEvent, newKey } from '../relays/_helpers.ts';
import { NOSTREAM_SKIP, NOSTREAM_URL } from './_nostream.ts';

const url = NOSTREAM_URL as string;

describe.skipIf(NOSTREAM_SKIP !== undefined)('nostream: requests sent at once on a fresh connection', () => {
  it('a publish and then a query, each on a fresh connection, 6 times: every one is answered', async () => {
    for (let i = 0; i < 6; i++) {
      const ev = makeEvent(newKey(), { content: `early ${i}` });
      const writer = new RelayPool({ relays: [url], reqRetryMs: 1000 });
      const [res] = await writer.publish(ev);
      await writer.close();
      expect(res).toMatchObject({ relay: url, ok: true });
      const reader = new RelayPool({ relays: [url], reqRetryMs: 1000 });
      const r = await queryEvents(reader, [{ ids: [ev.id] }], 15_000);
      await reader.close();
      expect(r).toEqual({ events: [ev], incomplete: [] });
    }
  });
});
