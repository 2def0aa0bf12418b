/**
 * Negotiating a settlement asset: given my catalog and holdings and a peer's catalog, the
 * mutually acceptable (unit, notary) options, ranked; on-chain BTC is the universal fallback
 * when both accept the same network. When nothing matches, the result says so
 * (`no-common-asset`) and carries what path finding needs to look for a conversion.
 *
 * Pure: no I/O, no clock. Amounts are bigint base units.
 */
import type { BtcNetwork } from '../core/assets.ts';
import { BTC_UNIT, btcAssetKey, formatUnitRef } from '../core/assets.ts';
import type { Catalog } from '../events/catalog.ts';
import { catalogAssets } from '../events/catalog.ts';

/** Base units held per asset key (`<unitID>@<notaryID>` or `btc@<network>`). */
export type Holdings = ReadonlyMap<string, bigint>;

/** One mutually acceptable way to settle. */
export interface SettlementOption {
  asset: string;
  kind: 'ot' | 'btc';
  unitId?: string;
  notaryId?: string;
  network?: BtcNetwork;
  tla: string;
  /** Position in my preference (0 = first); unlisted assets rank after listed ones. */
  myRank: number;
  peerRank: number;
  /** What I hold of it, when holdings were given. */
  holding?: bigint;
  /** Whether the holding covers the amount, when both were given. */
  sufficient?: boolean;
  /** True when the amount's unit differs from this asset (settling needs a rate). */
  needsConversion: boolean;
  /** True for the BTC fallback. */
  fallback: boolean;
}

/** What path finding needs when no asset is common. */
export interface PathHandoff {
  /** Assets I can pay with (held or accepted), most preferred first. */
  from: string[];
  /** Assets the peer accepts, most preferred first. */
  to: string[];
  amount?: bigint;
  unit?: string;
}

/** The outcome of {@link negotiate}. */
export type NegotiationResult =
  | { ok: true; options: SettlementOption[] }
  | { ok: false; code: 'no-common-asset'; message: string; handoff: PathHandoff };

/** Options for {@link negotiate}. */
export interface NegotiateOptions {
  holdings?: Holdings;
  /** Amount to settle, in base units of `unit`. */
  amount?: bigint;
  /** Restrict to this unit: a unit ID, a TLA (case-insensitive), or `btc`. */
  unit?: string;
}

function ranks(catalog: Catalog): Map<string, number> {
  const out = new Map<string, number>();
  for (const [i, k] of catalog.preference.entries()) out.set(k, i);
  let next = catalog.preference.length;
  for (const k of catalogAssets(catalog)) if (!out.has(k)) out.set(k, next++);
  return out;
}

function matchesUnit(unit: string, option: { kind: 'ot' | 'btc'; unitId?: string; tla: string }): boolean {
  const u = unit.toLowerCase();
  if (option.kind === 'btc') return u === BTC_UNIT;
  return option.unitId === unit || option.tla.toLowerCase() === u;
}

/** Assets ordered by preference rank. */
function ordered(catalog: Catalog): string[] {
  const r = ranks(catalog);
  return [...r.keys()].sort((a, b) => (r.get(a) ?? 0) - (r.get(b) ?? 0));
}

/**
 * Rank the settlement options both sides accept. Order: options whose holding covers the amount
 * (when known) first; then OT options before the BTC fallback; then by the sum of both
 * preference ranks, ties broken by the peer's rank (the payee's wish) and the asset key.
 */
export function negotiate(mine: Catalog, peer: Catalog, options: NegotiateOptions = {}): NegotiationResult {
  const myRanks = ranks(mine);
  const peerRanks = ranks(peer);
  const holdings = options.holdings;
  const out: SettlementOption[] = [];
  const peerUnits = new Map(peer.units.map((u) => [formatUnitRef({ unit: u.id, notary: u.notary }), u]));
  for (const u of mine.units) {
    const key = formatUnitRef({ unit: u.id, notary: u.notary });
    if (!peerUnits.has(key)) continue;
    out.push({
      asset: key,
      kind: 'ot',
      unitId: u.id,
      notaryId: u.notary,
      tla: u.tla,
      myRank: myRanks.get(key) ?? 0,
      peerRank: peerRanks.get(key) ?? 0,
      needsConversion: false,
      fallback: false,
    });
  }
  if (mine.btc !== undefined && peer.btc !== undefined && mine.btc.network === peer.btc.network) {
    const key = btcAssetKey(mine.btc.network);
    out.push({
      asset: key,
      kind: 'btc',
      network: mine.btc.network,
      tla: 'BTC',
      myRank: myRanks.get(key) ?? 0,
      peerRank: peerRanks.get(key) ?? 0,
      needsConversion: false,
      fallback: true,
    });
  }
  let candidates = out;
  if (options.unit !== undefined) {
    const unit = options.unit;
    candidates = out.filter((o) => matchesUnit(unit, o));
    // BTC stays available as the universal fallback, priced at a rate agreed elsewhere.
    const btc = out.find((o) => o.kind === 'btc');
    if (btc !== undefined && !candidates.includes(btc)) candidates.push({ ...btc, needsConversion: true });
  }
  if (holdings !== undefined) {
    for (const o of candidates) {
      o.holding = holdings.get(o.asset) ?? 0n;
      if (options.amount !== undefined && !o.needsConversion) o.sufficient = o.holding >= options.amount;
    }
  }
  if (candidates.length === 0) {
    const handoff: PathHandoff = {
      // With holdings known, only what I actually hold can start a path.
      from: ordered(mine).filter((k) => holdings === undefined || (holdings.get(k) ?? 0n) > 0n),
      to: ordered(peer),
    };
    if (options.amount !== undefined) handoff.amount = options.amount;
    if (options.unit !== undefined) handoff.unit = options.unit;
    return {
      ok: false,
      code: 'no-common-asset',
      message:
        options.unit === undefined
          ? 'no unit, notary or bitcoin network is accepted by both catalogs: a conversion path is needed'
          : `no option in ${options.unit} (and no common bitcoin network) is accepted by both catalogs: a conversion path is needed`,
      handoff,
    };
  }
  const suff = (o: SettlementOption): number => (o.sufficient === false ? 1 : 0);
  candidates.sort(
    (a, b) =>
      suff(a) - suff(b) ||
      Number(a.needsConversion) - Number(b.needsConversion) ||
      Number(a.fallback) - Number(b.fallback) ||
      a.myRank + a.peerRank - (b.myRank + b.peerRank) ||
      a.peerRank - b.peerRank ||
      (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0),
  );
  return { ok: true, options: candidates };
}
