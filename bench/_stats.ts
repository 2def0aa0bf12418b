/** Shared statistics for benchmarks. */

/** The q-quantile (0..1) of `values` (copied and sorted). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i] as number;
}

/** Median. */
export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Round to `digits` decimals for printing. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
