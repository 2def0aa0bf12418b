import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/events/catalog.ts';
import { negotiate } from '../../src/catalog/negotiation.ts';

const cat = (units: [string, string, string][], btc?: 'bitcoin' | 'regtest', preference: string[] = []): Catalog => ({
  notaries: [...new Set(units.map((u) => u[1]))].map((id) => ({ id })),
  units: units.map(([id, notary, tla]) => ({ id, notary, tla, factor: 100n })),
  ...(btc ? { btc: { network: btc } } : {}),
  preference,
});

describe('negotiation', () => {
  it('overlapping catalogs: only common (unit, notary) pairs, ranked by both preferences, BTC last', () => {
    const me = cat(
      [
        ['usd', 'n1', 'USD'],
        ['eur', 'n1', 'EUR'],
        ['usd', 'n2', 'USD'],
      ],
      'bitcoin',
      ['eur@n1', 'usd@n1'],
    );
    const peer = cat(
      [
        ['usd', 'n1', 'USD'],
        ['eur', 'n1', 'EUR'],
        ['gld', 'n3', 'GLD'],
      ],
      'bitcoin',
      ['usd@n1', 'btc@bitcoin', 'eur@n1'],
    );
    const r = negotiate(me, peer);
    if (!r.ok) throw new Error(r.message);
    expect(r.options.map((o) => o.asset)).toEqual(['usd@n1', 'eur@n1', 'btc@bitcoin']);
    expect(r.options[2]?.fallback).toBe(true);
  });

  it('same unit on a different notary is not a match', () => {
    const r = negotiate(cat([['usd', 'n1', 'USD']]), cat([['usd', 'n2', 'USD']]));
    expect(r.ok).toBe(false);
  });

  it('disjoint catalogs: no-common-asset with a handoff for path finding', () => {
    const me = cat([['usd', 'n1', 'USD']], 'bitcoin');
    const peer = cat([['gld', 'n3', 'GLD']], 'regtest');
    const r = negotiate(me, peer, { amount: 500n, unit: 'USD', holdings: new Map([['usd@n1', 1000n]]) });
    expect(r).toMatchObject({
      ok: false,
      code: 'no-common-asset',
      handoff: { from: ['usd@n1'], to: ['gld@n3', 'btc@regtest'], amount: 500n, unit: 'USD' },
    });
  });

  it('BTC-only overlap: BTC is the universal fallback, also for an amount in another unit', () => {
    const me = cat([['usd', 'n1', 'USD']], 'bitcoin');
    const peer = cat([['gld', 'n3', 'GLD']], 'bitcoin');
    const r = negotiate(me, peer);
    expect(r.ok && r.options.map((o) => o.asset)).toEqual(['btc@bitcoin']);
    const r2 = negotiate(me, peer, { unit: 'USD', amount: 100n });
    expect(r2.ok && r2.options[0]).toMatchObject({ asset: 'btc@bitcoin', needsConversion: true });
  });

  it('holdings that cover the amount come first; unit filter by TLA or id', () => {
    const me = cat(
      [
        ['usd', 'n1', 'USD'],
        ['usd', 'n2', 'USD'],
        ['eur', 'n1', 'EUR'],
      ],
      undefined,
      ['usd@n1', 'usd@n2'],
    );
    const peer = cat([
      ['usd', 'n1', 'USD'],
      ['usd', 'n2', 'USD'],
      ['eur', 'n1', 'EUR'],
    ]);
    const holdings = new Map([
      ['usd@n1', 10n],
      ['usd@n2', 5000n],
    ]);
    const r = negotiate(me, peer, { unit: 'usd', amount: 1000n, holdings });
    if (!r.ok) throw new Error(r.message);
    expect(r.options.map((o) => [o.asset, o.sufficient])).toEqual([
      ['usd@n2', true],
      ['usd@n1', false],
    ]);
  });

  it('property: every option is in both catalogs, and the result is symmetric as a set', () => {
    const unit = fc.tuple(fc.constantFrom('usd', 'eur', 'gld'), fc.constantFrom('n1', 'n2'), fc.constant('X'));
    const catArb = fc.tuple(
      fc.uniqueArray(unit, { selector: (u) => `${u[0]}@${u[1]}`, maxLength: 6 }),
      fc.constantFrom(undefined, 'bitcoin' as const, 'regtest' as const),
    );
    fc.assert(
      fc.property(catArb, catArb, ([u1, b1], [u2, b2]) => {
        const a = cat(u1, b1);
        const b = cat(u2, b2);
        const r1 = negotiate(a, b);
        const r2 = negotiate(b, a);
        const set = (r: typeof r1): string[] => (r.ok ? r.options.map((o) => o.asset).sort() : []);
        expect(set(r1)).toEqual(set(r2));
        for (const k of set(r1)) {
          expect(
            k.startsWith('btc@')
              ? a.btc && b.btc
              : a.units.some((u) => `${u.id}@${u.notary}` === k) && b.units.some((u) => `${u.id}@${u.notary}` === k),
          ).toBeTruthy();
        }
      }),
      { numRuns: 300 },
    );
  });
});
