/** Amounts are integers in base units: strings on the wire, bigint in code. A float never decides an amount. */
import { OtP2pError, describeValue } from './errors.ts';

/** The largest amount we accept anywhere (2^63 - 1, what a signed 64-bit ledger can hold). */
export const MAX_AMOUNT = (1n << 63n) - 1n;

const INT_RE = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parse a non-negative integer string (no sign, no leading zeros, no exponent) into a bigint.
 * @throws OtP2pError `bad-amount` naming `field` and the bad value.
 */
export function parseAmount(value: unknown, field = 'amount', options: { min?: bigint; max?: bigint } = {}): bigint {
  if (typeof value !== 'string' || value.length > 19 || !INT_RE.test(value)) {
    throw new OtP2pError('bad-amount', `${field} must be a non-negative integer string, got ${describeValue(value)}`, {
      context: { field },
    });
  }
  const n = BigInt(value);
  const min = options.min ?? 0n;
  const max = options.max ?? MAX_AMOUNT;
  if (n < min || n > max) {
    throw new OtP2pError('bad-amount', `${field} must be between ${min} and ${max}, got ${value}`, {
      context: { field, value },
    });
  }
  return n;
}

/** Ceiling division of non-negative bigints. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
