import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { hexToBytes } from '../../src/core/bytes.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import type { EventTemplate } from '../../src/events/types.ts';
import type { Unwrapped, WrapOptions } from '../../src/messaging/nip59.ts';
import { giftWrap, unwrapGift } from '../../src/messaging/nip59.ts';
import { LocalSigner } from '../../src/signers/local.ts';
import { ReceivedMessages } from '../../src/messaging/replay.ts';
import { openStore } from '../../src/store/db.ts';
import { tmpDir } from '../helpers/tmp.ts';

const alice = hexToBytes('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
const bob = hexToBytes('c15d2a640a7bd00f291e074e5e5fc8a9bb9b2ae6daf2e4e9e6a9c6b3b5d1a1f2');
const B = getPublicKey(bob);
const aliceS = new LocalSigner(alice, 'seed');
const bobS = new LocalSigner(bob, 'seed');

describe('received_messages replay protection', async () => {
  const store = await openStore(join(tmpDir(), 'db.sqlite'));
  afterAll(() => store.close());
  const clock = new ManualClock(1_800_000_000_000);
  const now = 1_800_000_000;
  const table = new ReceivedMessages(store, { clock });
  /** Alice wraps `template` for Bob, Bob unwraps it. */
  const roundTrip = async (template: EventTemplate, options: WrapOptions = {}): Promise<Unwrapped> =>
    unwrapGift((await giftWrap(template, aliceS, B, { clock, ...options })).wrap, bobS, { clock });

  const codeOf = (fn: () => void): string => {
    try {
      fn();
      return 'no-error';
    } catch (e) {
      return isOtP2pError(e) ? e.code : 'foreign-error';
    }
  };

  it('refuses the same rumor twice, even in a different wrap', async () => {
    const u = await roundTrip({ kind: 14, created_at: now, tags: [['p', B]], content: 'once' });
    table.accept(u);
    expect(codeOf(() => table.accept(u))).toBe('replay');
    // The attacker re-wraps the same seal in a fresh wrap: same rumor id, still a replay.
    const rewrapped = await roundTrip({ kind: 14, created_at: now, tags: [['p', B]], content: 'once' });
    expect(rewrapped.rumor.id).toBe(u.rumor.id);
    expect(codeOf(() => table.accept(rewrapped))).toBe('replay');
    expect(table.seen(u.rumor.id)).toBe(true);
  });

  it('refuses a second message with the same sender nonce', async () => {
    const nonce = 'aa'.repeat(16);
    const m1 = await roundTrip({ kind: 21560, created_at: now, tags: [], content: '{"a":1}' });
    const m2 = await roundTrip({ kind: 21560, created_at: now, tags: [], content: '{"a":2}' });
    table.accept(m1, { nonce, maxAgeSeconds: 3600 });
    expect(codeOf(() => table.accept(m2, { nonce, maxAgeSeconds: 3600 }))).toBe('replay');
  });

  it('judges freshness by the rumor created_at, not the back-dated wrap', async () => {
    const fresh = await roundTrip({ kind: 21560, created_at: now - 10, tags: [], content: '{}' });
    expect(fresh.wrap.created_at).toBeLessThanOrEqual(now);
    table.accept(fresh, { nonce: 'bb'.repeat(16), maxAgeSeconds: 60 });
    const old = await roundTrip({ kind: 21560, created_at: now - 7200, tags: [], content: '{}' }, { wrapKind: 21059 });
    expect(old.wrap.created_at).toBe(now); // a brand-new wrap around an old rumor
    expect(codeOf(() => table.accept(old, { nonce: 'cc'.repeat(16), maxAgeSeconds: 3600 }))).toBe('stale-message');
    expect((await table.list(14)).map((r) => (JSON.parse(r.rumor_json) as { content: string }).content)).toEqual([
      'once',
    ]);
    expect(await table.prune(21560, now - 5)).toBeGreaterThanOrEqual(1);
  });
});
