/**
 * Human renderings shared by several commands (identities, routes, catalogs). Commands import
 * these and the library, never another command. Cells go through `printTable`, which shows
 * control characters visibly: catalog names, notary URLs and offer ids come from the network.
 */
import type { Catalog } from '../events/catalog.ts';
import { catalogToJson } from '../events/catalog.ts';
import { formatUnitRef } from '../events/offer.ts';
import type { UnitRef } from '../core/assets.ts';
import type { PublicIdentity } from '../keys/identity.ts';
import { shortNpub } from '../events/names.ts';
import type { MultiRouteResult } from '../pathing/index.ts';
import type { CommandContext } from './command.ts';
import { printJson, printTable } from './io.ts';
import { Scales } from './scale.ts';

/** Print a public identity as text or JSON (`whoami`, `key derive`). */
export function printIdentity(ctx: Pick<CommandContext, 'io' | 'json'>, pub: PublicIdentity): void {
  if (ctx.json) {
    printJson(ctx, pub);
    return;
  }
  const b = pub.bitcoin;
  ctx.io.stdout(
    `${[
      `npub:          ${pub.npub}`,
      `pubkey:        ${pub.pubkey}`,
      `account:       ${pub.account}`,
      `network:       ${b.network}`,
      `bip84 path:    ${b.path}`,
      `xpub:          ${b.xpub}`,
      `account xpub:  ${b.accountXpub}`,
      `first address: ${b.firstAddress}`,
    ].join('\n')}\n`,
  );
}

/**
 * The human rendering of a route: one table row per transfer (`route`, `pay`). Peers are shown by
 * `nameOf` (the peer's {@link Peer.nameOf}: petname, profile name or short npub), never as bare hex;
 * amounts in each unit's own scale when `scales` knows it, else (and with `base`) in base units, said so.
 */
export function printRoute(
  ctx: Pick<CommandContext, 'io'>,
  r: MultiRouteResult,
  options: { nameOf?: (pubkey: string) => string; scales?: Scales; base?: boolean } = {},
): void {
  const { nameOf = shortNpub, scales = new Scales(), base = false } = options;
  const rows: string[][] = [];
  r.parts.forEach((p, i) => {
    p.hops.forEach((h, j) => {
      rows.push([
        String(i + 1),
        String(j + 1),
        nameOf(h.from),
        nameOf(h.to),
        unitLabel(h.unit, scales),
        scales.format(h.amount, h.unit, base),
        h.offer ?? '-',
      ]);
    });
  });
  printTable(ctx, ['part', 'hop', 'from', 'to', 'unit', 'amount', 'offer'], rows);
  const first = r.parts[0]?.hops[0];
  const last = r.parts[0]?.hops[r.parts[0].hops.length - 1];
  const amount = (a: bigint, h: typeof first): string => (h ? scales.format(a, h.unit, base) : String(a));
  ctx.io.stdout(`spend ${amount(r.spend, first)}, receive ${amount(r.receive, last)}, ${r.parts.length} part(s)\n`);
}

/**
 * A unit in a route table: `USD@otxNRzcurd…` when its TLA is known (the full IDs are in --json),
 * else `unit@notary` as published.
 */
export function unitLabel(ref: UnitRef, scales: Scales): string {
  if (scales.of(ref).tla === undefined) return formatUnitRef(ref);
  const notary = ref.notary.length > 12 ? `${ref.notary.slice(0, 10)}…` : ref.notary;
  return `${scales.label(ref)}@${notary}`;
}

/** Print a catalog as a table or a JSON line (`catalog show`, `negotiate`). */
export function printCatalog(
  ctx: Pick<CommandContext, 'io' | 'json'>,
  catalog: Catalog,
  extra: Record<string, unknown> = {},
): void {
  if (ctx.json) {
    printJson(ctx, { ...extra, catalog: catalogToJson(catalog) });
    return;
  }
  const rank = new Map(catalog.preference.map((k, i) => [k, i + 1]));
  const rows = catalog.units.map((u) => {
    const key = `${u.id}@${u.notary}`;
    const n = catalog.notaries.find((x) => x.id === u.notary);
    return [
      String(rank.get(key) ?? '-'),
      u.tla,
      u.id,
      u.notary,
      n?.url ?? '',
      u.factor.toString(),
      u.private ? 'private' : '',
    ];
  });
  if (catalog.btc)
    rows.push([
      String(rank.get(`btc@${catalog.btc.network}`) ?? '-'),
      'BTC',
      'btc',
      catalog.btc.network,
      'on-chain',
      '100000000',
      '',
    ]);
  printTable(ctx, ['pref', 'tla', 'unit', 'notary', 'url', 'factor', ''], rows);
}
