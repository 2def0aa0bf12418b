/** From a path the router found to the legs {@link PaymentCoordinator.pay} takes. */
import { OtP2pError } from '../../core/errors.ts';
import type { RoutePath } from '../../pathing/router.ts';
import type { RouteLeg } from '../coordinator.ts';

/**
 * The legs of one routed path (one part of a multi-path route): each hop's unit reference becomes
 * the leg's notary and unit, and the offer the leg feeds is kept for the quote request.
 * @throws OtP2pError `bad-input` when the path has no hops.
 */
export function legsFromPath(path: RoutePath): RouteLeg[] {
  if (path.hops.length === 0) throw new OtP2pError('bad-input', 'a path needs at least one hop');
  return path.hops.map((h) => ({
    from: h.from,
    to: h.to,
    notary: h.unit.notary,
    unit: h.unit.unit,
    amount: h.amount,
    ...(h.offer !== null ? { offer: h.offer } : {}),
  }));
}
