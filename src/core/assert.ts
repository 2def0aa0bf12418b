/**
 * Validation at boundaries, in one place. Every check returns the value narrowed to its type or
 * throws an {@link OtP2pError} whose message names the field, what was expected and what came
 * (`offer.min must be an integer in 0..100, got "x"`), with `context.field` set for programs.
 *
 * Each module passes the error code of its own boundary (`bad-message` for payment messages,
 * `bad-config` for the config file, ...), so the stable codes callers match on do not change when
 * a module moves to these helpers. Amounts (integer strings -> bigint) stay in `core/amount.ts`.
 */
import type { ErrorCode } from './errors.ts';
import { OtP2pError, describeValue } from './errors.ts';
import { isHex } from './bytes.ts';
import { isRecord } from './json.ts';

/** Throw the typed error every helper here throws: `<field> must be <expected>, got <value>`. */
export function fail(code: ErrorCode, field: string, expected: string, value: unknown): never {
  throw new OtP2pError(code, `${field} must be ${expected}, got ${describeValue(value)}`, { context: { field } });
}

/** A plain object (not null, not an array). @throws OtP2pError `code`. */
export function record(value: unknown, field: string, code: ErrorCode = 'bad-input'): Record<string, unknown> {
  if (!isRecord(value)) fail(code, field, 'an object', value);
  return value;
}

/** Options of {@link string}. */
export interface StringRule {
  /** The string must match this pattern (anchor it). */
  re?: RegExp;
  /** Said in the error instead of the generic description, e.g. `an identifier`. */
  expected?: string;
  /** Longest length in UTF-16 code units (checked before the pattern). */
  maxLength?: number;
  /** Shortest length; default 0. */
  minLength?: number;
}

/** A string within the rule. @throws OtP2pError `code`. */
export function string(value: unknown, field: string, code: ErrorCode = 'bad-input', rule: StringRule = {}): string {
  const { re, maxLength = Number.MAX_SAFE_INTEGER, minLength = 0 } = rule;
  const expected =
    rule.expected ??
    (maxLength < Number.MAX_SAFE_INTEGER ? `a string of ${minLength}..${maxLength} characters` : 'a string');
  if (typeof value !== 'string' || value.length > maxLength || value.length < minLength)
    fail(code, field, expected, value);
  if (re !== undefined && !re.test(value)) fail(code, field, expected, value);
  return value;
}

/** A safe integer in `min..max` (inclusive). @throws OtP2pError `code`. */
export function integer(value: unknown, field: string, code: ErrorCode, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(code, field, `an integer in ${min}..${max}`, value);
  }
  // -0 is a valid JSON number; as 0 it re-encodes to what it parsed from (JSON writes -0 as 0)
  return value === 0 ? 0 : value;
}

/** Lowercase hex of exactly `bytes` bytes. @throws OtP2pError `code`. */
export function hex(value: unknown, field: string, code: ErrorCode, bytes: number): string {
  if (!isHex(value, bytes)) fail(code, field, `${bytes * 2} lowercase hex characters`, value);
  return value;
}

/** A boolean. @throws OtP2pError `code`. */
export function boolean(value: unknown, field: string, code: ErrorCode = 'bad-input'): boolean {
  if (typeof value !== 'boolean') fail(code, field, 'true or false', value);
  return value;
}

/** An array of at most `maxLength` items. @throws OtP2pError `code`. */
export function array(
  value: unknown,
  field: string,
  code: ErrorCode = 'bad-input',
  maxLength = Number.MAX_SAFE_INTEGER,
): unknown[] {
  if (!Array.isArray(value) || value.length > maxLength) {
    fail(
      code,
      field,
      maxLength < Number.MAX_SAFE_INTEGER ? `an array of at most ${maxLength} items` : 'an array',
      value,
    );
  }
  return value;
}

/** One of the listed literals. @throws OtP2pError `code`. */
export function oneOf<T extends string>(value: unknown, field: string, code: ErrorCode, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(code, field, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** `read(o[key])` when the key is present (not undefined), else undefined. */
export function optional<T>(o: Record<string, unknown>, key: string, read: (value: unknown) => T): T | undefined {
  const v = o[key];
  return v === undefined ? undefined : read(v);
}
