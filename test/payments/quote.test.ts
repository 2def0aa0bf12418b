/** Hop arithmetic: the minimum input is exactly the smallest that yields the wanted output. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OfferPolicy, minInputFor, outputFor } from '../../src/payments/quote.ts';

describe('conversion arithmetic', () => {
  it('minInputFor is the least input whose output reaches the target', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        (out, num, den, cut, fee) => {
          const rate = { num, den };
          const x = minInputFor(out, rate, cut, fee);
          expect(outputFor(x, rate, cut, fee)).toBeGreaterThanOrEqual(out);
          expect(outputFor(x - 1n, rate, cut, fee)).toBeLessThan(out);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses bad terms with bad-rate', () => {
    expect(() => outputFor(1n, { num: 0n, den: 1n }, 0, 0n)).toThrow(expect.objectContaining({ code: 'bad-rate' }));
    expect(() => minInputFor(1n, { num: 1n, den: 1n }, 1_000_000, 0n)).toThrow(
      expect.objectContaining({ code: 'bad-rate' }),
    );
  });

  it('quotes from the matching offer and refuses out-of-range or over-liquidity asks', () => {
    const policy = new OfferPolicy([
      {
        id: 'o1',
        inNotary: 'n',
        inUnit: 'usd',
        outNotary: 'n',
        outUnit: 'eur',
        rate: { num: 9n, den: 10n },
        cutPpm: 1000,
        fee: 1n,
        minOut: 10n,
        maxOut: 500n,
        liquidity: 300n,
      },
    ]);
    const ask = { inNotary: 'n', inUnit: 'usd', outNotary: 'n', outUnit: 'eur' };
    expect(policy.quote({ ...ask, outAmount: 102n })).toMatchObject({ ok: true, minIn: 116n, offer: 'o1' });
    expect(policy.quote({ ...ask, outAmount: 5n })).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(policy.quote({ ...ask, outAmount: 400n })).toMatchObject({ ok: false, reason: 'no-liquidity' });
    expect(policy.quote({ ...ask, outUnit: 'gbp', outAmount: 100n })).toMatchObject({ ok: false, reason: 'no-offer' });
    expect(policy.quote({ ...ask, outAmount: 100n, offer: 'o2' })).toMatchObject({ ok: false, reason: 'no-offer' });
  });
});
