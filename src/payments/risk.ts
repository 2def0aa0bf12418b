/**
 * Risk limits of the payer: which routes we accept (social radius, the misbehaving record, length)
 * and how much we let any one intermediate peer hold at once.
 */
import { OtP2pError } from '../core/errors.ts';
import type { PaymentContext } from './context.ts';
import { payerData } from './store.ts';
import type { PayRequest, RouteLeg } from './types.ts';

/** What the checks read. */
export type RiskContext = Pick<PaymentContext, 'repo' | 'ports' | 'limits' | 'self'>;

/**
 * Check a route before anything is stored: shape, length, no peer twice, and every hop inside our
 * social radius and off the misbehaving record.
 * @throws OtP2pError `bad-input`, `bad-amount`, `hop-misbehaved`, `outside-radius`.
 */
export function checkRoute(ctx: RiskContext, request: PayRequest): RouteLeg[] {
  const legs = request.route;
  if (!Array.isArray(legs) || legs.length === 0) throw new OtP2pError('bad-input', 'route must have at least one leg');
  if (legs.length > ctx.limits.maxHops) {
    throw new OtP2pError('bad-input', `route has ${legs.length} legs, over the limit of ${ctx.limits.maxHops}`, {
      context: { legs: legs.length },
    });
  }
  if (legs[0]!.from !== ctx.self) throw new OtP2pError('bad-input', 'route must start with us');
  const seen = new Set([ctx.self]);
  legs.forEach((leg, i) => {
    if (i > 0 && leg.from !== legs[i - 1]!.to)
      throw new OtP2pError('bad-input', `route leg ${i} does not start where leg ${i - 1} ends`);
    if (!/^[0-9a-f]{64}$/.test(leg.to))
      throw new OtP2pError('bad-input', `route leg ${i} has a bad pubkey`, { context: { leg: i } });
    if (seen.has(leg.to))
      throw new OtP2pError('bad-input', `route visits ${leg.to.slice(0, 8)} twice`, { context: { leg: i } });
    seen.add(leg.to);
    if (typeof leg.amount !== 'bigint' || leg.amount <= 0n)
      throw new OtP2pError('bad-amount', `route leg ${i} amount must be a positive bigint`);
  });
  for (const leg of legs.slice(0, -1)) {
    if (ctx.repo.isFlagged(leg.to)) {
      throw new OtP2pError(
        'hop-misbehaved',
        `hop ${leg.to.slice(0, 8)} misbehaved in an earlier payment (see otp2p payments --misbehaving)`,
        {
          context: { hop: leg.to },
        },
      );
    }
    const degree = ctx.ports.social?.degreeOf(leg.to);
    if (degree === undefined || degree > ctx.limits.maxDegree) {
      throw new OtP2pError(
        'outside-radius',
        `hop ${leg.to.slice(0, 8)} is outside our social radius of ${ctx.limits.maxDegree}`,
        {
          context: { hop: leg.to, degree },
        },
      );
    }
  }
  return legs;
}

/**
 * Refuse a payment that would put more than the per-peer limit at risk with any of `hops`.
 * @throws OtP2pError `exposure-limit`.
 */
export function checkRisk(ctx: RiskContext, hops: string[], amount: bigint): void {
  const atRisk = exposure(ctx);
  for (const hop of hops) {
    const now = atRisk.get(hop) ?? 0n;
    if (now + amount > ctx.limits.maxExposurePerPeer) {
      throw new OtP2pError(
        'exposure-limit',
        `paying through ${hop.slice(0, 8)} would put ${now + amount} at risk, over the limit of ${ctx.limits.maxExposurePerPeer}`,
        {
          context: { hop, exposure: now.toString(), limit: ctx.limits.maxExposurePerPeer.toString() },
        },
      );
    }
  }
}

/** At risk per intermediate peer: in-flight payments, and failed ones whose funds never came back. */
export function exposure(ctx: RiskContext): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const row of ctx.repo.atRisk()) {
    const d = payerData(row);
    if (row.state === 'failed' && d.sent === undefined) continue;
    const at = d.sent !== undefined ? BigInt(d.sent) : BigInt(d.legs[0]!.amount) + BigInt(d.maxFee);
    for (const p of d.parties.slice(1, -1)) out.set(p, (out.get(p) ?? 0n) + at);
  }
  return out;
}
