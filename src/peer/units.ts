/** Unit references as the Peer reads them from catalogs and from what a user typed. */
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { Config } from '../config.ts';
import { formatUnitRef, parseUnitRef } from '../events/offer.ts';
import type { UnitRef } from '../events/offer.ts';
import type { BtcNetwork, Catalog } from '../events/catalog.ts';

/** The catalog's name for each configured Bitcoin network. */
export const BTC_NETWORK_OF: Record<Config['network'], BtcNetwork> = { mainnet: 'bitcoin', testnet: 'testnet', regtest: 'regtest' };

/** The unit refs a catalog accepts (BTC as `btc@bitcoin`). */
export function catalogUnitRefs(c: Catalog): UnitRef[] {
  const refs = c.units.map((u) => ({ unit: u.id, notary: u.notary }));
  if (c.btc) refs.push({ unit: 'btc', notary: 'bitcoin' });
  return refs;
}

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
  if (lower === 'btc' && c.btc) return [{ unit: 'btc', notary: 'bitcoin' }];
  throw new OtP2pError('no-route', `the payee does not accept ${describeValue(text)}; it accepts ${all.map(formatUnitRef).join(', ') || 'nothing'}`, { context: { unit: text } });
}
