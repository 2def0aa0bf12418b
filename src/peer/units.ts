/** Unit references as the Peer reads them from what a user typed, against a payee's catalog. */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { btcRef, formatUnitRef, parseUnitRef } from '../core/assets.ts';
import type { UnitRef } from '../core/assets.ts';
import type { Catalog } from '../events/catalog.ts';

/**
 * Resolve a unit the user typed (ID, `unit@notary`, or TLA) against the payee's catalog.
 * @throws OtP2pError `bad-input` for a malformed `unit@notary`, `no-route` when the payee accepts no such unit.
 */
export function resolveUnit(text: string, c: Catalog, all: UnitRef[]): UnitRef[] {
  if (text.includes('@')) {
    const ref = parseUnitRef(text);
    return all.filter((u) => u.unit === ref.unit && u.notary === ref.notary);
  }
  const lower = text.toLowerCase();
  const byId = all.filter((u) => u.unit === text);
  if (byId.length) return byId;
  const byTla = c.units.filter((u) => u.tla.toLowerCase() === lower).map((u) => ({ unit: u.id, notary: u.notary }));
  if (byTla.length) return byTla;
  if (lower === 'btc' && c.btc) return [btcRef(c.btc.network)];
  throw new OtP2pError(
    'no-route',
    `the payee does not accept ${describeValue(text)}; it accepts ${all.map(formatUnitRef).join(', ') || 'nothing'}`,
    { context: { unit: text } },
  );
}
