/**
 * Exact amount arithmetic for the router: a Number fast path when every value is an exact
 * integer below 2^52, and bigint otherwise. Results are always exact; a float never decides an
 * amount (the float path is only taken when integer arithmetic in doubles is provably exact).
 */

/** Below this, integers and the products the fast path forms are exact in a double. */
export const FAST_LIMIT = 2 ** 52;

// The largest amount (2^63 - 1) is core/amount.ts's MAX_AMOUNT.

/** Greatest common divisor of non-negative bigints. */
export function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Relative error bound of `x * n / d` in doubles (two roundings of 2^-53 each), with room to spare. */
const REL_ERR = 1e-15;

/**
 * ceil(x * n / d) with doubles, for an integer x < 2^52 and positive integers n, d given as
 * doubles: exact when n * d < 2^52; otherwise each may also be the rounded double of a larger
 * integer (the caller's choice). Returns -1 when it cannot answer exactly: the result reaches
 * {@link FAST_LIMIT}, or (when n * d is large) the quotient lies too close to an integer for
 * the double to decide; the caller then computes with bigint.
 *
 * When n * d < 2^52 the remainder arithmetic below is exact. Otherwise (rates with large
 * numerators and denominators, common across units) the double quotient y has gone through at
 * most four roundings (n, d, the product, the quotient), so it is within y * 4.5e-16 of the
 * true one: when y is farther than REL_ERR * y from every integer, the true quotient lies
 * strictly between the same two integers and ceil(y) is exact.
 */
export function fastCeilMulDiv(x: number, n: number, d: number): number {
  if (n * d >= FAST_LIMIT) {
    const y = (x * n) / d;
    if (y >= FAST_LIMIT / 2) return -1;
    const c = Math.ceil(y);
    const err = y * REL_ERR;
    return c - y > err && y - (c - 1) > err ? c : -1;
  }
  let q = Math.floor(x / d);
  let r = x - q * d;
  if (r < 0) {
    q -= 1;
    r += d;
  } else if (r >= d) {
    q += 1;
    r -= d;
  }
  const m = r * n;
  let c = Math.ceil(m / d);
  if ((c - 1) * d >= m) c -= 1;
  else if (c * d < m) c += 1;
  const hi = q * n;
  if (hi >= FAST_LIMIT) return -1;
  const res = hi + c;
  return res >= FAST_LIMIT ? -1 : res;
}

/** ceil(a / b) for non-negative bigints, b > 0. */
export function ceilDivBig(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
