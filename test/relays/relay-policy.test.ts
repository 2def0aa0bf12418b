/** The embedded relay's policy on its own: REQ checks, limits, and the relay-wide byte budget. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteBudget, DEFAULT_RELAY_POLICY, checkReq, rowsFor } from '../../src/relays/relay-policy.ts';
import type { Lease } from '../../src/relays/relay-policy.ts';

const policy = DEFAULT_RELAY_POLICY;

describe('checkReq', () => {
  it('refuses too many filters with invalid: and a full connection with restricted:, but lets a REQ replace its own id', () => {
    expect(checkReq(policy, 10, 0, false)).toEqual({ ok: true });
    expect(checkReq(policy, 11, 0, false)).toEqual({
      ok: false,
      reason: 'invalid: too many filters in one REQ: 11 (at most 10)',
    });
    expect(checkReq(policy, 0, 0, false)).toEqual({ ok: false, reason: 'invalid: a REQ needs at least one filter' });
    const full = checkReq(policy, 1, policy.maxSubscriptions, false);
    expect(full.ok).toBe(false);
    expect(full.ok === false && full.reason).toMatch(/^restricted: too many open subscriptions/);
    expect(checkReq(policy, 1, policy.maxSubscriptions, true)).toEqual({ ok: true });
  });
});

describe('rowsFor', () => {
  it('uses the default limit, caps at max_limit and at the number of ids', () => {
    expect(rowsFor(policy, {})).toBe(policy.defaultLimit);
    expect(rowsFor(policy, { limit: 5000 })).toBe(policy.maxLimit);
    expect(rowsFor(policy, { limit: 0 })).toBe(0);
    expect(rowsFor(policy, { limit: -3 })).toBe(0);
    expect(rowsFor(policy, { ids: ['a', 'b'], limit: 100 })).toBe(2);
  });
});

describe('ByteBudget', () => {
  it('grants first come first served, never more than its capacity, and frees on shrink and release', async () => {
    const b = new ByteBudget(100);
    const a = (await b.acquire(60)) as Lease;
    const order: string[] = [];
    const big = b.acquire(70).then((l) => (order.push('big'), l));
    const small = b.acquire(10).then((l) => (order.push('small'), l));
    await Promise.resolve();
    // 10 would fit now, but it waits behind the larger request that came first.
    expect(order).toEqual([]);
    expect(b.waiting).toBe(2);
    a.shrink(30);
    const bigLease = (await big) as Lease;
    expect(b.used).toBe(100);
    a.release();
    a.release(); // idempotent
    expect((await small)?.bytes).toBe(10);
    expect(order).toEqual(['big', 'small']);
    bigLease.release();
    expect(b.used).toBe(10);
  });

  it('lowers a request larger than the whole budget to it, and drops a waiter whose signal aborts', async () => {
    const b = new ByteBudget(50);
    const huge = (await b.acquire(10_000)) as Lease;
    expect(huge.bytes).toBe(50);
    const ctl = new AbortController();
    const waiting = b.acquire(1, ctl.signal);
    const behind = b.acquire(1);
    ctl.abort();
    expect(await waiting).toBeUndefined();
    expect(b.waiting).toBe(1);
    huge.release();
    expect((await behind)?.bytes).toBe(1);
    expect(await b.acquire(1, ctl.signal)).toBeUndefined();
    expect(() => new ByteBudget(0)).toThrow(RangeError);
  });

  it('never has more granted than its capacity, and ends at zero once every lease is released (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })), {
          minLength: 1,
          maxLength: 30,
        }),
        async (reqs) => {
          const b = new ByteBudget(200);
          const leases = await Promise.all(
            reqs.map(async ([want, keep]) => {
              const l = (await b.acquire(want)) as Lease;
              expect(b.used).toBeLessThanOrEqual(200);
              l.shrink(keep);
              await Promise.resolve();
              l.release();
              return l;
            }),
          );
          expect(leases.every((l) => l.bytes === 0)).toBe(true);
          expect(b.used).toBe(0);
          expect(b.waiting).toBe(0);
        },
      ),
      { seed: 19, numRuns: 200 },
    );
  });
});
