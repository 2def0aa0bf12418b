import { describe, expect, it } from 'vitest';
import { array, boolean, hex, integer, oneOf, optional, record, string } from '../../src/core/assert.ts';
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

describe('core/assert', () => {
  it('returns the narrowed value when valid', () => {
    expect(record({ a: 1 }, 'x')).toEqual({ a: 1 });
    expect(string('abc', 'x', 'bad-input', { re: /^[a-c]+$/, maxLength: 3 })).toBe('abc');
    expect(integer(7, 'x', 'bad-input', 0, 10)).toBe(7);
    expect(hex('ab'.repeat(32), 'x', 'bad-hex', 32)).toBe('ab'.repeat(32));
    expect(boolean(false, 'x')).toBe(false);
    expect(array([1, 2], 'x', 'bad-input', 2)).toEqual([1, 2]);
    expect(oneOf('b', 'x', 'bad-input', ['a', 'b'] as const)).toBe('b');
    expect(optional({}, 'k', (v) => integer(v, 'k', 'bad-input', 0, 1))).toBeUndefined();
  });

  it('names the field, the expectation and the bad value, with the caller code', () => {
    const e = thrown(() => integer('5', 'offer.min', 'bad-offer', 0, 100));
    expect(e.code).toBe('bad-offer');
    expect(e.message).toBe('offer.min must be an integer in 0..100, got "5"');
    expect(e.context).toMatchObject({ field: 'offer.min' });
  });

  it('rejects each wrong shape with the given code', () => {
    expect(thrown(() => record([], 'r', 'bad-message')).code).toBe('bad-message');
    expect(thrown(() => string('x'.repeat(5), 's', 'bad-config', { maxLength: 4 })).message).toContain(
      '0..4 characters',
    );
    expect(thrown(() => string('ABC', 's', 'bad-config', { re: /^[a-z]+$/, expected: 'lowercase' })).message).toBe(
      's must be lowercase, got "ABC"',
    );
    expect(thrown(() => integer(1.5, 'i', 'bad-input', 0, 9)).code).toBe('bad-input');
    expect(thrown(() => integer(2 ** 60, 'i', 'bad-input', 0, Number.MAX_VALUE)).code).toBe('bad-input');
    expect(thrown(() => hex('AB'.repeat(32), 'h', 'bad-hex', 32)).code).toBe('bad-hex');
    expect(thrown(() => boolean('true', 'b')).code).toBe('bad-input');
    expect(thrown(() => array([1, 2, 3], 'a', 'bad-input', 2)).message).toBe(
      'a must be an array of at most 2 items, got array(3)',
    );
    expect(thrown(() => oneOf('c', 'o', 'bad-input', ['a', 'b'])).message).toBe('o must be one of a, b, got "c"');
  });
});
