/**
 * Multi-path splitting: when no single path carries the amount, a greedy split over residual
 * liquidity (an overlay on the graph's, see context.ts Residual, so the graph itself is never
 * touched) into parts of at least ceil(amount / 8).
 */
import { ceilDivBig } from './amount.ts';
import type { Found, SearchContext } from './context.ts';
import { amountsOnPath, largestOnPath, toPath } from './path.ts';
import type { RoutePath } from './router.ts';

/** What a split found: its parts, and whether every search it ran was exact. */
export interface Split {
  parts: RoutePath[];
  rest: bigint;
  minPart: bigint;
  exact: boolean;
}

/**
 * Split `amount` into at most `maxParts` parts. `search(x)` finds the best single path for x over
 * the liquidity in force (the residual one while this runs). The whole amount was already tried
 * by the caller. Returns the parts and what is left undelivered (0n when the split works).
 */
export function splitAmount(
  c: SearchContext,
  amount: bigint,
  maxParts: number,
  search: (x: bigint) => Found | undefined,
): Split {
  // residual liquidity: the graph's, with the offers the parts change overlaid (see Residual)
  c.useResidual();
  let exact = !c.meter.exhausted;
  const minPart = ceilDivBig(amount, 8n);
  let rest = amount;
  const parts: RoutePath[] = [];
  try {
    let tryWhole = false; // the whole amount was just tried by the caller
    while (rest > 0n) {
      if (parts.length >= maxParts) break;
      const whole = tryWhole ? search(rest) : undefined;
      tryWhole = true;
      exact &&= !c.meter.exhausted;
      if (whole) {
        parts.push(commit(c, whole, rest));
        rest = 0n;
        break;
      }
      if (parts.length === maxParts - 1 || rest < 2n * minPart) break;
      const small = search(minPart);
      exact &&= !c.meter.exhausted;
      if (!small) break;
      const take = largestOnPath(c, small, minPart, rest - minPart);
      const f = amountsOnPath(c, small.offers, take);
      if (!f) break;
      parts.push(commit(c, { ...small, spend: f }, take));
      rest -= take;
    }
  } finally {
    c.useGraphLiquidity();
  }
  return { parts, rest, minPart, exact };
}

/** Record a part: its path, and the liquidity it uses up. */
function commit(c: SearchContext, f: Found, deliver: bigint): RoutePath {
  const p = toPath(c, f, deliver);
  let out = deliver;
  for (let i = f.offers.length - 1; i >= 0; i--) {
    const o = f.offers[i] as number;
    c.setResidual(o, c.liqBig(o) - out);
    out = c.inputBig(o, out);
  }
  return p;
}
