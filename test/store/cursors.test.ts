import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { openStore } from '../../src/store/db.ts';
import { CursorStore } from '../../src/store/cursors.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('CursorStore', () => {
  it('only moves marks forward and persists them on flush', async () => {
    const path = join(tmpDir(), 'c.db');
    let store = await openStore(path);
    let cursors = new CursorStore(store);
    expect(cursors.load('ws://a', 'inbox')).toBeUndefined();
    cursors.save('ws://a', 'inbox', 100);
    cursors.save('ws://a', 'inbox', 90);
    expect(cursors.load('ws://a', 'inbox')).toBe(100);
    cursors.flush();
    cursors.save('ws://a', 'inbox', 50);
    cursors.flush();
    cursors.save('ws://b', 'inbox', -1); // ignored
    expect(cursors.load('ws://a', 'inbox')).toBe(100);
    await store.close();
    store = await openStore(path);
    cursors = new CursorStore(store);
    expect(cursors.all()).toEqual([{ relay: 'ws://a', subKey: 'inbox', since: 100 }]);
    await store.close();
  });

  it('the stored mark is the maximum of every saved value (property)', async () => {
    const store = await openStore(join(tmpDir(), 'c.db'));
    let n = 0;
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 2 ** 40 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 20 }),
        (values, flushes) => {
          const cursors = new CursorStore(store);
          const key = `k${n++}`;
          values.forEach((v, i) => {
            cursors.save('ws://r', key, v);
            if (flushes[i]) cursors.flush();
          });
          cursors.flush();
          expect(new CursorStore(store).load('ws://r', key)).toBe(Math.max(...values));
        },
      ),
      { numRuns: 50 },
    );
    await store.close();
  });
});
