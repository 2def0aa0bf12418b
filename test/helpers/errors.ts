/** Asserting on typed errors: every invalid input must fail with its exact `OtP2pError` code. */
import type { ErrorCode } from '../../src/core/errors.ts';
import { OtP2pError } from '../../src/core/errors.ts';

/**
 * The code `fn` throws: an `OtP2pError`'s code, `'no-error'` when it returns, `'foreign-error'`
 * when it throws anything else (which no boundary may do).
 */
export function codeOf(fn: () => unknown): ErrorCode | 'no-error' | 'foreign-error' {
  try {
    fn();
    return 'no-error';
  } catch (e) {
    return e instanceof OtP2pError ? e.code : 'foreign-error';
  }
}

/** The `OtP2pError` that `fn` throws; rethrows anything else, fails when nothing is thrown. */
export function errorOf(fn: () => unknown): OtP2pError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OtP2pError) return e;
    throw e;
  }
  throw new Error('expected an OtP2pError');
}

/** {@link codeOf} for an async `fn`: the code its promise rejects with. */
export async function asyncCodeOf(fn: () => Promise<unknown>): Promise<ErrorCode | 'no-error' | 'foreign-error'> {
  try {
    await fn();
    return 'no-error';
  } catch (e) {
    return e instanceof OtP2pError ? e.code : 'foreign-error';
  }
}
