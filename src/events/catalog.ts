/**
 * Kind 11560 (replaceable) catalog: which notaries and units a peer accepts, whether it takes
 * on-chain BTC, and in which order it prefers them.
 *
 * Tags (all values strings; unknown tags are ignored so later versions can add some):
 * - `["v", "1"]` format version
 * - `["notary", <notaryID>, <url or "">, <contract hash or "">]`
 * - `["unit", <unitID>, <notaryID>, <TLA>, <factor>]` (factor: base units per display unit)
 * - `["btc", <chain>]` on-chain BTC accepted (`bitcoin`, `testnet`, `signet`, `regtest`)
 * - `["preference", <asset>, <asset>, ...]` most preferred first; an asset is
 *   `<unitID>@<notaryID>` or `btc@<chain>`, the same keys routing and payments use
 *   (`core/assets.ts`: a catalog accepting BTC on regtest accepts `btc@regtest`)
 *
 * The same data travels as JSON in a DM `catalog.response`, where entries may be `private`
 * (shown only to that peer); {@link buildCatalogEvent} never publishes private entries.
 */
import * as check from '../core/assert.ts';
import type { BtcNetwork, UnitRef } from '../core/assets.ts';
import { BTC_NETWORKS, BTC_UNIT, btcAssetKey, btcRef, formatUnitRef } from '../core/assets.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { Kind } from './kinds.ts';
import type { EventTemplate, NostrEvent } from './types.ts';

// A catalog names its BTC chain with the one vocabulary of assets; re-exported for catalog users.
export type { BtcNetwork } from '../core/assets.ts';
export { BTC_NETWORKS, btcAssetKey } from '../core/assets.ts';

/** A notary the peer accepts. */
export interface CatalogNotary {
  id: string;
  /** Where the notary is reached (e.g. `tcp://host:7085`), when known. */
  url?: string;
  /** Hash of the notary's contract, when known. */
  contract?: string;
  /** Shown only in DM catalogs. */
  private?: boolean;
}

/** A unit accepted on one notary. */
export interface CatalogUnit {
  id: string;
  notary: string;
  tla: string;
  /** Base units per display unit. */
  factor: bigint;
  private?: boolean;
}

/** A whole catalog. */
export interface Catalog {
  notaries: CatalogNotary[];
  units: CatalogUnit[];
  /** Present when on-chain BTC is accepted. */
  btc?: { network: BtcNetwork };
  /** Asset keys, most preferred first (a subset of the catalog's assets). */
  preference: string[];
}

/** Format version written by this code. */
export const CATALOG_VERSION = '1';
/** Limits that keep a catalog well inside one event. */
export const CATALOG_LIMITS = { maxNotaries: 200, maxUnits: 1000, maxUrl: 512 } as const;

const ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const TLA_RE = /^[A-Za-z0-9.$_-]{1,16}$/;
const FACTOR_RE = /^[1-9][0-9]{0,29}$/;
const CONTRACT_RE = /^[A-Za-z0-9]{16,128}$/;

const CODE = 'bad-catalog';

/** A rule broken across fields (a repeat, a dangling reference): no single value to quote. */
function inconsistent(message: string, field: string, context: Record<string, unknown> = {}): never {
  throw new OtP2pError(CODE, message, { context: { field, ...context } });
}

function checkId(value: unknown, field: string): string {
  return check.string(value, field, CODE, { re: ID_RE, expected: '1-128 characters of [A-Za-z0-9_.:-]' });
}

function checkUrl(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const expected = `a URL with a scheme and a host, of at most ${CATALOG_LIMITS.maxUrl} characters`;
  check.string(value, field, CODE, { maxLength: CATALOG_LIMITS.maxUrl, expected });
  let u: URL;
  try {
    u = new URL(value as string);
  } catch {
    check.fail(CODE, field, expected, value);
  }
  if (!/^[a-z][a-z0-9+.-]*:$/.test(u.protocol) || u.hostname === '') check.fail(CODE, field, expected, value);
  return value as string;
}

function checkFactor(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') {
    if (value <= 0n || value >= 10n ** 30n) check.fail(CODE, field, 'a positive integer under 10^30', value);
    return value;
  }
  return BigInt(check.string(value, field, CODE, { re: FACTOR_RE, expected: 'a positive integer string under 10^30' }));
}

/**
 * The units a catalog accepts, as routing and payments name them: its OT units, then on-chain
 * BTC on the catalog's chain (`btc@regtest` for a regtest catalog).
 */
export function catalogUnitRefs(catalog: Catalog): UnitRef[] {
  const refs = catalog.units.map((u) => ({ unit: u.id, notary: u.notary }));
  if (catalog.btc !== undefined) refs.push(btcRef(catalog.btc.network));
  return refs;
}

/** Every asset key a catalog offers, in catalog order (units first, then BTC). */
export function catalogAssets(catalog: Catalog): string[] {
  return catalogUnitRefs(catalog).map(formatUnitRef);
}

/**
 * Check a catalog's consistency and normalise it (a fresh object; optional fields dropped when
 * empty). Accepts factors as bigint or integer strings (the JSON form).
 * @throws OtP2pError `bad-catalog` naming the field.
 */
export function validateCatalog(value: unknown): Catalog {
  const { notaries, units, btc, preference } = check.record(value, 'catalog', CODE);
  check.array(notaries, 'notaries', CODE, CATALOG_LIMITS.maxNotaries);
  check.array(units, 'units', CODE, CATALOG_LIMITS.maxUnits);
  const out: Catalog = { notaries: [], units: [], preference: [] };
  const notaryIds = new Set<string>();
  (notaries as unknown[]).forEach((raw, i) => {
    const n = check.record(raw, `notaries[${i}]`, CODE);
    const id = checkId(n.id, `notaries[${i}].id`);
    if (notaryIds.has(id)) inconsistent(`notary ${id} is listed twice`, `notaries[${i}].id`, { notary: id });
    notaryIds.add(id);
    const entry: CatalogNotary = { id };
    const url = checkUrl(n.url, `notaries[${i}].url`);
    if (url !== undefined) entry.url = url;
    if (n.contract !== undefined && n.contract !== '') {
      entry.contract = check.string(n.contract, `notaries[${i}].contract`, CODE, {
        re: CONTRACT_RE,
        expected: '16-128 alphanumeric characters',
      });
    }
    if (n.private === true) entry.private = true;
    out.notaries.push(entry);
  });
  const keys = new Set<string>();
  (units as unknown[]).forEach((raw, i) => {
    const u = check.record(raw, `units[${i}]`, CODE);
    const id = checkId(u.id, `units[${i}].id`);
    if (id.toLowerCase() === BTC_UNIT)
      inconsistent(`units[${i}].id "${id}" is reserved for on-chain bitcoin`, `units[${i}].id`);
    const notary = checkId(u.notary, `units[${i}].notary`);
    if (!notaryIds.has(notary))
      inconsistent(`units[${i}] names notary ${notary}, which the catalog does not list`, `units[${i}].notary`, {
        notary,
      });
    const tla = check.string(u.tla, `units[${i}].tla`, CODE, {
      re: TLA_RE,
      expected: '1-16 characters of [A-Za-z0-9.$_-]',
    });
    const key = formatUnitRef({ unit: id, notary });
    if (keys.has(key)) inconsistent(`unit ${key} is listed twice`, `units[${i}]`, { asset: key });
    keys.add(key);
    const entry: CatalogUnit = { id, notary, tla, factor: checkFactor(u.factor, `units[${i}].factor`) };
    if (u.private === true) entry.private = true;
    out.units.push(entry);
  });
  if (btc !== undefined && btc !== null) {
    const network = check.oneOf(check.record(btc, 'btc', CODE).network, 'btc.network', CODE, BTC_NETWORKS);
    out.btc = { network };
    keys.add(btcAssetKey(network));
  }
  const pref = check.array(preference ?? [], 'preference', CODE);
  const seen = new Set<string>();
  pref.forEach((k: unknown, i) => {
    if (typeof k !== 'string' || !keys.has(k)) check.fail(CODE, `preference[${i}]`, 'an asset of this catalog', k);
    if (seen.has(k)) inconsistent(`preference lists ${k} twice`, `preference[${i}]`);
    seen.add(k);
    out.preference.push(k);
  });
  return out;
}

/** The public part of a catalog: private notaries, their units and private units removed. */
export function publicPart(catalog: Catalog): Catalog {
  const notaries = catalog.notaries.filter((n) => n.private !== true);
  const ids = new Set(notaries.map((n) => n.id));
  const units = catalog.units.filter((u) => u.private !== true && ids.has(u.notary));
  const out: Catalog = { notaries, units, preference: [] };
  if (catalog.btc !== undefined) out.btc = { ...catalog.btc };
  const keys = new Set(catalogAssets(out));
  out.preference = catalog.preference.filter((k) => keys.has(k));
  return out;
}

/** The JSON form (factors as strings) used in DM `catalog.response` messages and `--json`. */
export function catalogToJson(catalog: Catalog): Record<string, unknown> {
  return {
    notaries: catalog.notaries.map((n) => ({ ...n })),
    units: catalog.units.map((u) => ({ ...u, factor: u.factor.toString() })),
    ...(catalog.btc !== undefined ? { btc: { ...catalog.btc } } : {}),
    preference: [...catalog.preference],
  };
}

/**
 * Build the kind 11560 template of the public part of `catalog`.
 * @throws OtP2pError `bad-catalog` when the catalog is inconsistent.
 */
export function buildCatalogEvent(catalog: Catalog, createdAt: number): EventTemplate {
  const c = publicPart(validateCatalog(catalogToJson(catalog)));
  const tags: string[][] = [['v', CATALOG_VERSION]];
  for (const n of c.notaries) tags.push(['notary', n.id, n.url ?? '', n.contract ?? '']);
  for (const u of c.units) tags.push(['unit', u.id, u.notary, u.tla, u.factor.toString()]);
  if (c.btc !== undefined) tags.push(['btc', c.btc.network]);
  if (c.preference.length > 0) tags.push(['preference', ...c.preference]);
  tags.push(['alt', 'otp2p catalog: notaries, units and bitcoin this peer accepts']);
  return { kind: Kind.Catalog, created_at: createdAt, tags, content: '' };
}

/**
 * Read a (verified) kind 11560 event.
 * @throws OtP2pError `bad-kind` for another kind, `unsupported-version` for a `v` other than 1,
 * `bad-catalog` for inconsistent or malformed tags.
 */
export function parseCatalogEvent(event: Pick<NostrEvent, 'kind' | 'tags'>): Catalog {
  if (event.kind !== Kind.Catalog)
    throw new OtP2pError('bad-kind', `catalog must be kind ${Kind.Catalog}, got ${event.kind}`);
  const raw: { notaries: unknown[]; units: unknown[]; btc?: unknown; preference: unknown[] } = {
    notaries: [],
    units: [],
    preference: [],
  };
  for (const t of event.tags) {
    switch (t[0]) {
      case 'v':
        if (t[1] !== CATALOG_VERSION)
          throw new OtP2pError(
            'unsupported-version',
            `catalog version ${describeValue(t[1])} is not supported (only ${CATALOG_VERSION})`,
          );
        break;
      case 'notary':
        raw.notaries.push({ id: t[1], url: t[2], contract: t[3] });
        break;
      case 'unit':
        raw.units.push({ id: t[1], notary: t[2], tla: t[3], factor: t[4] });
        break;
      case 'btc':
        if (raw.btc !== undefined) inconsistent('catalog has two btc tags', 'btc');
        raw.btc = { network: t[1] };
        break;
      case 'preference':
        raw.preference.push(...t.slice(1));
        break;
      default:
        break;
    }
  }
  return validateCatalog(raw);
}
