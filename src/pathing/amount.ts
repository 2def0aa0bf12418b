/**
 * Exact amount arithmetic for the router: a Number fast path when every value is an exact
 * integer below 2^52, and bigint otherwise. Results are always exact; a float never decides an
 * amount (the float path is only taken when integer arithmetic in doubles is provably exact).
 */

/** Below this, integers and the products the fast path forms are exact in a double. */
export const FAST_LIMIT = 2 ** 52;

/** 2^63 - 1: the largest amount anyone can hold or send. */
export const MAX_AMOUNT_BIG = (1n << 63n) - 1n;
export const MAX_AMOUNT_NUM = 2 ** 63;

/** Greatest common divisor of non-negative bigints. */
export function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * ceil(x * n / d) with doubles, exact when x < 2^52 and n * d < 2^52 (checked by the caller when
 * it precomputes n and d). Returns -1 when the result would reach {@link FAST_LIMIT}.
 */
export function fastCeilMulDiv(x: number, n: number, d: number): number {
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
