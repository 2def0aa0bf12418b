/**
 * Unit scales (`catalog/scales.ts`), the one definition the CLI and the dashboard read amounts
 * with: catalogs of the web first, the user's contracts last; unknown scales never guessed.
 */
import { describe, expect, it } from 'vitest';
import { SATS_PER_BTC, UnitScales, unitScalesOf } from '../../src/catalog/scales.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import { codeOf } from '../helpers/errors.ts';

const usd = { unit: 'usd-id', notary: 'n1' };
const catalog = (factor: bigint, tla = 'USD'): Catalog => ({
  notaries: [{ id: 'n1' }],
  units: [{ id: 'usd-id', notary: 'n1', tla, factor }],
  preference: [],
});

describe('unit scales', () => {
  it("the user's own contract wins over a catalog; a contract without a factor keeps the catalog's", () => {
    const s = unitScalesOf({
      catalogs: [catalog(1000n, 'XUSD')],
      units: [{ id: 'usd-id', tla: 'USD', decimalPower: 2 }],
    });
    expect(s.of(usd)).toEqual({ tla: 'USD', factor: 100n });
    expect(s.format(10920n, usd)).toBe('109.20 USD');
    const kept = unitScalesOf({ catalogs: [catalog(1000n)], units: [{ id: 'usd-id' }] });
    expect(kept.of(usd)).toEqual({ tla: 'USD', factor: 1000n });
    expect([...kept.entries().keys()]).toEqual(['usd-id']);
  });

  it('on-chain BTC is sats, 8 decimals', () => {
    const s = new UnitScales();
    expect(s.of({ unit: 'btc', notary: 'bitcoin' }).factor).toBe(SATS_PER_BTC);
    expect(s.decimal(150_000_000n, { unit: 'btc', notary: 'bitcoin' })).toBe('1.50000000');
  });

  it('an unknown scale is never guessed: integers are base units (said so), decimals are refused', () => {
    const s = new UnitScales();
    const lines: string[] = [];
    expect(s.parse('500', [usd], '--amount', { warn: (l) => lines.push(l) })).toBe(500n);
    expect(lines[0]).toContain('taken as base units');
    expect(codeOf(() => s.parse('5.00', [usd], '--amount'))).toBe('bad-amount');
    expect(s.format(500n, usd)).toBe('500 base units of usd-id@n1');
  });

  it('units of different scales for one amount are a usage error; too many decimals bad-amount', () => {
    const s = unitScalesOf({ catalogs: [catalog(100n)], units: [{ id: 'eur-id', factor: 1000n }] });
    expect(codeOf(() => s.parse('1', [usd, { unit: 'eur-id', notary: 'n1' }], '--amount'))).toBe('usage');
    expect(codeOf(() => s.parse('1.001', [usd], '--amount'))).toBe('bad-amount');
    expect(s.parse('1.5', [usd], '--amount')).toBe(150n);
  });
});
