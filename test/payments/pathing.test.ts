/** Routed paths become payment legs. */
import { describe, expect, it } from 'vitest';
import { legsFromPath } from '../../src/payments/adapters/pathing.ts';

describe('legsFromPath', () => {
  it('maps unit references and keeps the offer each leg feeds', () => {
    const a = 'aa'.repeat(32);
    const b = 'bb'.repeat(32);
    const c = 'cc'.repeat(32);
    const legs = legsFromPath({
      spend: 116n,
      receive: 100n,
      hops: [
        { from: a, to: b, unit: { unit: 'usd', notary: 'n1' }, amount: 116n, offer: 'bob-usd-eur' },
        { from: b, to: c, unit: { unit: 'eur', notary: 'n1' }, amount: 100n, offer: null },
      ],
    });
    expect(legs).toEqual([
      { from: a, to: b, notary: 'n1', unit: 'usd', amount: 116n, offer: 'bob-usd-eur' },
      { from: b, to: c, notary: 'n1', unit: 'eur', amount: 100n },
    ]);
    expect(() => legsFromPath({ spend: 0n, receive: 0n, hops: [] })).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
  });
});
