/** The decrypt budget in front of a remote signer: grants per window, a bounded queue, in order. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { DecryptBudget } from '../../src/messaging/decrypt-budget.ts';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OtP2pError) return e.code;
    throw e;
  }
  return 'resolved';
}

describe('DecryptBudget', () => {
  it('grants max per window, queues the excess in order, and refuses beyond maxQueued', async () => {
    const queuedAt: number[] = [];
    const budget = new DecryptBudget({ max: 2, windowMs: 30, maxQueued: 2 }, { onQueued: (n) => queuedAt.push(n) });
    const order: string[] = [];
    await budget.acquire();
    await budget.acquire();
    const third = budget.acquire().then(() => order.push('third'));
    const fourth = budget.acquire().then(() => order.push('fourth'));
    expect(await codeOf(budget.acquire())).toBe('rate-limited');
    expect(queuedAt).toEqual([1]); // said once per backlog
    expect(budget.stats()).toEqual({ granted: 2, deferred: 2, refused: 1, queued: 2 });
    await Promise.all([third, fourth]);
    expect(order).toEqual(['third', 'fourth']);
    expect(budget.stats()).toMatchObject({ granted: 4, queued: 0 });
  });

  it('close fails the waiting requests with closed and stays usable', async () => {
    const clock = new ManualClock();
    const budget = new DecryptBudget({ max: 1, windowMs: 600_000, maxQueued: 5 }, { clock });
    await budget.acquire();
    const waiting = budget.acquire();
    budget.close();
    expect(await codeOf(waiting)).toBe('closed');
    // once the window has passed, a request is granted at once
    clock.advance(600_001);
    expect(await codeOf(budget.acquire())).toBe('resolved');
    expect(budget.stats()).toMatchObject({ granted: 2, deferred: 1, queued: 0 });
  });

  it('refuses limits that are not positive integers', () => {
    for (const limits of [
      { max: 0, windowMs: 1000, maxQueued: 1 },
      { max: 1, windowMs: 1.5, maxQueued: 1 },
      { max: 1, windowMs: 1000, maxQueued: -1 },
    ]) {
      let code = '';
      try {
        new DecryptBudget(limits);
      } catch (e) {
        code = (e as OtP2pError).code;
      }
      expect(code).toBe('bad-input');
    }
  });
});
