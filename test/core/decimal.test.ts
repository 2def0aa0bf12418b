import { describe, expect, it } from 'vitest';
import { decimalPlaces, formatDecimal, parseDecimal } from '../../src/core/decimal.ts';
import { OtP2pError } from '../../src/core/errors.ts';

function thrown(fn: () => unknown): OtP2pError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OtP2pError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('core/decimal', () => {
  it('knows the decimal places of power-of-ten factors only', () => {
    expect(decimalPlaces(100n)).toBe(2);
    expect(decimalPlaces('1')).toBe(0);
    expect(decimalPlaces(100000000n)).toBe(8);
    expect(decimalPlaces(12n)).toBeUndefined();
    expect(decimalPlaces(undefined)).toBeUndefined();
  });

  it('formats base units in the unit scale, every decimal place shown', () => {
    expect(formatDecimal(10920n, 100n)).toBe('109.20');
    expect(formatDecimal(1500n, '100')).toBe('15.00');
    expect(formatDecimal(5n, 100n)).toBe('0.05');
    expect(formatDecimal(0n, 100n)).toBe('0.00');
    expect(formatDecimal(-5n, 100n)).toBe('-0.05');
    expect(formatDecimal(42n, 1n)).toBe('42');
    expect(formatDecimal(1n, 100000000n)).toBe('0.00000001');
    expect(thrown(() => formatDecimal(1n, 12n)).code).toBe('bad-amount');
  });

  it('parses decimal strings to base units exactly, and round-trips', () => {
    expect(parseDecimal('109.2', 100n)).toBe(10920n);
    expect(parseDecimal('109.20', 100n)).toBe(10920n);
    expect(parseDecimal('15', 100n)).toBe(1500n);
    expect(parseDecimal('0.01', 100n)).toBe(1n);
    expect(parseDecimal('7', 1n)).toBe(7n);
    // 0.1 + 0.2 style float errors cannot happen: digits, not numbers.
    expect(parseDecimal('0.29', 100n)).toBe(29n);
    for (const v of [0n, 1n, 99n, 10920n, 123456789012n]) expect(parseDecimal(formatDecimal(v, 100n), 100n)).toBe(v);
  });

  it('refuses what it cannot represent exactly, naming the field and the value', () => {
    for (const bad of ['', '-1', '1.', '.5', '1e3', '1,000', '01.5', '1.001', ' 1', 'abc', 12, null]) {
      const e = thrown(() => parseDecimal(bad, 100n, 'amount'));
      expect(e.code).toBe('bad-amount');
      expect(e.message).toMatch(/^amount /);
    }
    expect(thrown(() => parseDecimal('1.001', 100n)).message).toBe(
      'amount has 3 decimals but the unit has 2, got "1.001"',
    );
    expect(thrown(() => parseDecimal('0', 100n, 'amount', { min: 1n })).message).toContain('between 0.01 and');
    expect(thrown(() => parseDecimal('92233720368547758.08', 100n)).code).toBe('bad-amount');
    expect(thrown(() => parseDecimal('1', 3n)).code).toBe('bad-amount');
  });
});
