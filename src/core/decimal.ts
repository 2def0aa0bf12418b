/**
 * Amounts in a unit's own scale. A unit's contract (or catalog) gives its `factor`: base units per
 * display unit (100 for cents). Ledgers, events and the JSON API keep base units; people read and
 * type `109.20 USD`. Conversion is exact in both directions (bigint and string digits, never a
 * float), so what is shown is what is paid.
 */
import { MAX_AMOUNT } from './amount.ts';
import { OtP2pError, describeValue } from './errors.ts';

const POWER_OF_TEN_RE = /^10*$/;
const DECIMAL_RE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Decimal places of a unit whose factor is a power of ten (`100` -> 2, `1` -> 0), or undefined
 * for any other factor (then amounts can only be shown in base units).
 */
export function decimalPlaces(factor: bigint | string | undefined): number | undefined {
  if (factor === undefined) return undefined;
  const s = typeof factor === 'bigint' ? factor.toString() : factor;
  return POWER_OF_TEN_RE.test(s) ? s.length - 1 : undefined;
}

function placesOf(factor: bigint | string, field: string): number {
  const places = decimalPlaces(factor);
  if (places === undefined) {
    throw new OtP2pError(
      'bad-amount',
      `${field}: the unit's factor must be a power of ten to use decimals, got ${describeValue(String(factor))}`,
      { context: { field } },
    );
  }
  return places;
}

/**
 * A base amount in the unit's scale: `10920n` with factor 100 -> `109.20` (always every decimal
 * place, so amounts line up). Negative amounts keep their sign.
 * @throws OtP2pError `bad-amount` when the factor is not a power of ten.
 */
export function formatDecimal(amount: bigint, factor: bigint | string): string {
  const places = placesOf(factor, 'factor');
  const neg = amount < 0n;
  const digits = (neg ? -amount : amount).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const frac = places > 0 ? `.${digits.slice(digits.length - places)}` : '';
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/**
 * A decimal string in the unit's scale to base units, exactly: `109.2` with factor 100 -> `10920n`.
 * No sign, exponent, grouping or more decimals than the unit has (`0.001` USD is refused, never
 * rounded).
 * @throws OtP2pError `bad-amount` naming `field` and the bad value.
 */
export function parseDecimal(
  text: unknown,
  factor: bigint | string,
  field = 'amount',
  options: { min?: bigint } = {},
): bigint {
  const places = placesOf(factor, field);
  const m = typeof text === 'string' && text.length <= 40 ? DECIMAL_RE.exec(text) : null;
  if (!m) {
    throw new OtP2pError(
      'bad-amount',
      `${field} must be a non-negative decimal number like 109.20, got ${describeValue(text)}`,
      { context: { field } },
    );
  }
  const frac = m[2] ?? '';
  if (frac.length > places) {
    throw new OtP2pError(
      'bad-amount',
      `${field} has ${frac.length} decimals but the unit has ${places}, got ${describeValue(text)}`,
      { context: { field, value: text } },
    );
  }
  const n = BigInt(`${m[1]}${frac.padEnd(places, '0')}`);
  const min = options.min ?? 0n;
  if (n < min || n > MAX_AMOUNT) {
    throw new OtP2pError(
      'bad-amount',
      `${field} must be between ${formatDecimal(min, factor)} and ${formatDecimal(MAX_AMOUNT, factor)}, got ${text as string}`,
      { context: { field, value: text } },
    );
  }
  return n;
}

/**
 * Check the form of a decimal amount before its unit (and so its scale) is known: digits with at
 * most one point, no sign, exponent or grouping; with `positive`, not zero. Lets a command refuse
 * a typo before it opens anything.
 * @throws OtP2pError `bad-amount` naming `field` and the bad value.
 */
export function checkDecimalText(text: unknown, field = 'amount', options: { positive?: boolean } = {}): string {
  const m = typeof text === 'string' && text.length <= 40 ? DECIMAL_RE.exec(text) : null;
  if (!m || typeof text !== 'string') {
    throw new OtP2pError(
      'bad-amount',
      `${field} must be a non-negative decimal number like 109.20, got ${describeValue(text)}`,
      { context: { field } },
    );
  }
  if (options.positive && /^[0.]*$/.test(text))
    throw new OtP2pError('bad-amount', `${field} must be more than 0, got ${describeValue(text)}`, {
      context: { field, value: text },
    });
  return text;
}
