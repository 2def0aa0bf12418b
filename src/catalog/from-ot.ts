/**
 * Building a catalog from an OT wallet (`OtApi`: a data folder or a live binding) or from
 * command-line flags, and reading holdings from account balances.
 */
import * as check from '../core/assert.ts';
import type { BtcNetwork } from '../core/assets.ts';
import { BTC_NETWORKS, btcAssetKey, formatUnitRef } from '../core/assets.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { Catalog, CatalogNotary, CatalogUnit } from '../events/catalog.ts';
import { validateCatalog, catalogToJson } from '../events/catalog.ts';
import type { AccountInfo, OtApi } from '../otapi/api.ts';

/** Options for {@link catalogFromOt}. */
export interface CatalogFromOtOptions {
  /** Only accounts of this nym count. */
  nymId?: string;
  /** Accept on-chain BTC on this network. */
  btc?: BtcNetwork;
  /** Explicit preference (asset keys); default: by holding, largest first, BTC last. */
  preference?: string[];
  /** Notary IDs to keep out of the public catalog (DM catalogs only). */
  privateNotaries?: string[];
}

/**
 * The catalog of what the wallet holds accounts in: every notary with an account, every unit
 * with an account on that notary (TLA and factor from the unit's contract).
 * @throws OtP2pError `bad-catalog` when the result is inconsistent (e.g. a bad explicit preference).
 */
export async function catalogFromOt(api: OtApi, options: CatalogFromOtOptions = {}): Promise<Catalog> {
  const [notaries, units, accounts] = await Promise.all([api.listNotaries(), api.listUnits(), api.listAccounts()]);
  const unitById = new Map(units.map((u) => [u.id, u]));
  const notaryById = new Map(notaries.map((n) => [n.id, n]));
  const priv = new Set(options.privateNotaries ?? []);
  const mine = accounts.filter((a) => options.nymId === undefined || a.nymId === options.nymId);
  const holdings = holdingsFromAccounts(mine);
  const outNotaries: CatalogNotary[] = [];
  const outUnits: CatalogUnit[] = [];
  const seen = new Set<string>();
  for (const a of mine) {
    if (a.unitId === undefined) continue;
    if (!seen.has(a.notaryId)) {
      seen.add(a.notaryId);
      const n = notaryById.get(a.notaryId);
      const entry: CatalogNotary = { id: a.notaryId };
      if (n?.hostname !== undefined) entry.url = `tcp://${n.hostname}${n.port !== undefined ? `:${n.port}` : ''}`;
      if (priv.has(a.notaryId)) entry.private = true;
      outNotaries.push(entry);
    }
    const key = formatUnitRef({ unit: a.unitId, notary: a.notaryId });
    if (outUnits.some((u) => formatUnitRef({ unit: u.id, notary: u.notary }) === key)) continue;
    const def = unitById.get(a.unitId);
    outUnits.push({ id: a.unitId, notary: a.notaryId, tla: def?.tla ?? 'UNIT', factor: def?.factor ?? 1n });
  }
  const keys = outUnits.map((u) => formatUnitRef({ unit: u.id, notary: u.notary }));
  keys.sort((x, y) => {
    const hx = holdings.get(x) ?? 0n;
    const hy = holdings.get(y) ?? 0n;
    return hx === hy ? (x < y ? -1 : 1) : hx > hy ? -1 : 1;
  });
  const catalog: Catalog = { notaries: outNotaries, units: outUnits, preference: options.preference ?? keys };
  if (options.btc !== undefined) {
    catalog.btc = { network: options.btc };
    if (options.preference === undefined) catalog.preference.push(btcAssetKey(options.btc));
  }
  return validateCatalog(catalogToJson(catalog));
}

/**
 * Sum of spendable balances per asset key. Accounts without a unit or balance are skipped, and
 * so are negative balances: those are OT issuer accounts, which are not holdings.
 */
export function holdingsFromAccounts(accounts: AccountInfo[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const a of accounts) {
    if (a.unitId === undefined || a.balance === undefined || a.balance <= 0n) continue;
    const k = formatUnitRef({ unit: a.unitId, notary: a.notaryId });
    out.set(k, (out.get(k) ?? 0n) + a.balance);
  }
  return out;
}

/** Flags describing a catalog by hand (see `otp2p catalog publish --help`). */
export interface CatalogFlags {
  /** `ID` or `ID=URL`. */
  notary?: string[];
  /** `UNIT@NOTARY:TLA[:FACTOR]`. */
  unit?: string[];
  btc?: string;
  /** Asset keys, most preferred first. */
  prefer?: string[];
}

/**
 * Build a catalog from flags.
 * @throws OtP2pError `usage` for a malformed flag, `bad-catalog` for an inconsistent catalog.
 */
export function catalogFromFlags(flags: CatalogFlags): Catalog {
  const notaries: Record<string, unknown>[] = [];
  for (const n of flags.notary ?? []) {
    const eq = n.indexOf('=');
    notaries.push(eq < 0 ? { id: n } : { id: n.slice(0, eq), url: n.slice(eq + 1) });
  }
  const units: Record<string, unknown>[] = [];
  for (const u of flags.unit ?? []) {
    const m = /^([^@:]+)@([^:]+):([^:]+)(?::([0-9]+))?$/.exec(u);
    if (m === null) throw new OtP2pError('usage', `--unit must be UNIT@NOTARY:TLA[:FACTOR], got ${describeValue(u)}`);
    units.push({ id: m[1], notary: m[2], tla: m[3], factor: m[4] ?? '1' });
    if (!notaries.some((n) => n.id === m[2])) notaries.push({ id: m[2] });
  }
  const raw: Record<string, unknown> = { notaries, units, preference: flags.prefer ?? [] };
  if (flags.btc !== undefined) {
    raw.btc = { network: check.oneOf(flags.btc, '--btc', 'usage', BTC_NETWORKS) };
  }
  return validateCatalog(raw);
}

/**
 * A catalog replaces the user's previous one on every relay: publishing one with nothing in it
 * (because the OT folder could not be read) would erase the real one. Every publisher of a
 * catalog built from OT data calls this first.
 * @throws OtP2pError `empty-catalog` naming how many files could not be read, unless `force`.
 */
export function refuseEmptyCatalog(
  catalog: Catalog,
  unreadable: ReadonlyArray<{ path: string; code: string }> = [],
  force = false,
): void {
  if (force || catalog.units.length > 0 || catalog.btc !== undefined) return;
  const first = unreadable[0];
  const why = first ? `; ${unreadable.length} file(s) could not be read (first: ${first.path}: ${first.code})` : '';
  throw new OtP2pError(
    'empty-catalog',
    `refusing to publish an empty catalog: it would replace your published one on every relay${why}; use --force to publish it anyway`,
    {
      context: { unreadable: unreadable.length },
    },
  );
}
