import { OtP2pError, describeValue } from '../../core/errors.ts';
import type { BtcNetwork, Catalog } from '../../events/catalog.ts';
import { btcAssetKey, catalogToJson } from '../../events/catalog.ts';
import { catalogFromFlags, catalogFromOt, refuseEmptyCatalog } from '../../catalog/from-ot.ts';
import { fetchCatalog, publishCatalog } from '../../catalog/exchange.ts';
import { npubEncode } from '../../keys/nip19.ts';
import { OtDataFolder } from '../../otapi/datafolder.ts';
import type { CommandContext, OptionDef } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { openSession, pubkeyArg } from './dm.ts';

/** Options that describe my catalog (shared with `negotiate`). */
export const CATALOG_SOURCE_OPTIONS: Record<string, OptionDef> = {
  'ot-data': { type: 'string', value: 'DIR', description: 'build the catalog from this OT client data folder (read-only)' },
  nym: { type: 'string', value: 'ID', description: 'with --ot-data: only accounts of this nym' },
  notary: { type: 'string', multiple: true, value: 'ID[=URL]', description: 'accepted notary (repeatable)' },
  unit: { type: 'string', multiple: true, value: 'UNIT@NOTARY:TLA[:FACTOR]', description: 'accepted unit (repeatable)' },
  btc: { type: 'string', value: 'NETWORK', description: 'accept on-chain BTC on bitcoin|testnet|signet|regtest' },
  prefer: { type: 'string', multiple: true, value: 'ASSET', description: 'preference order: UNIT@NOTARY or btc@NETWORK (repeatable, first = most preferred)' },
  private: { type: 'string', multiple: true, value: 'NOTARY', description: 'with --ot-data: keep this notary to DM catalogs' },
};

const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : undefined);

/**
 * My catalog from `--ot-data DIR` or from `--notary/--unit/--btc/--prefer`; undefined when none given.
 * @throws OtP2pError `usage`, `bad-catalog`, the OT reader's codes.
 */
export async function catalogFromOptions(ctx: CommandContext): Promise<{ catalog: Catalog; folder?: OtDataFolder } | undefined> {
  const btc = ctx.options.btc as BtcNetwork | undefined;
  const dir = ctx.options['ot-data'];
  if (typeof dir === 'string') {
    const folder = new OtDataFolder(dir);
    const prefer = list(ctx.options.prefer);
    const catalog = await catalogFromOt(folder, {
      ...(typeof ctx.options.nym === 'string' ? { nymId: ctx.options.nym } : {}),
      ...(btc !== undefined ? { btc } : {}),
      ...(prefer ? { preference: prefer } : {}),
      privateNotaries: list(ctx.options.private) ?? [],
    });
    return { catalog, folder };
  }
  const notary = list(ctx.options.notary);
  const unit = list(ctx.options.unit);
  if (notary === undefined && unit === undefined && btc === undefined) return undefined;
  return { catalog: catalogFromFlags({ ...(notary ? { notary } : {}), ...(unit ? { unit } : {}), ...(btc !== undefined ? { btc } : {}), ...(list(ctx.options.prefer) ? { prefer: list(ctx.options.prefer) as string[] } : {}) }) };
}

/** Print a catalog as a table or a JSON line. */
export function printCatalog(ctx: CommandContext, catalog: Catalog, extra: Record<string, unknown> = {}): void {
  if (ctx.json) {
    printJson(ctx, { ...extra, catalog: catalogToJson(catalog) });
    return;
  }
  const rank = new Map(catalog.preference.map((k, i) => [k, i + 1]));
  const rows = catalog.units.map((u) => {
    const key = `${u.id}@${u.notary}`;
    const n = catalog.notaries.find((x) => x.id === u.notary);
    return [String(rank.get(key) ?? '-'), u.tla, u.id, u.notary, n?.url ?? '', u.factor.toString(), u.private ? 'private' : ''];
  });
  if (catalog.btc) rows.push([String(rank.get(btcAssetKey(catalog.btc.network)) ?? '-'), 'BTC', 'btc', catalog.btc.network, 'on-chain', '100000000', '']);
  printTable(ctx, ['pref', 'tla', 'unit', 'notary', 'url', 'factor', ''], rows);
}

export default defineCommand({
  name: 'catalog',
  description: 'Show or publish catalogs (kind 11560): accepted notaries, units and bitcoin',
  details:
    'otp2p catalog show [<npub>] [--json]: the newest public catalog of <npub> (default: yours) from the relays;\n' +
    '    with --ot-data DIR or --notary/--unit/--btc, the catalog those describe (offline).\n' +
    'otp2p catalog publish (--ot-data DIR [--nym ID] [--private NOTARY] | --notary ID[=URL] --unit UNIT@NOTARY:TLA[:FACTOR])\n' +
    '    [--btc NETWORK] [--prefer ASSET]...: sign and publish the public part (private notaries stay out).\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [
    { name: 'action', description: 'show | publish', required: true },
    { name: 'npub', description: 'whose catalog (show)' },
  ],
  options: { 'password-stdin': PASSWORD_OPTION, ...CATALOG_SOURCE_OPTIONS, force: { type: 'boolean', description: 'publish even an empty catalog (it replaces your published one)' } },
  run: async (ctx) => {
    const action = ctx.args.action;
    if (action !== 'show' && action !== 'publish') throw new OtP2pError('usage', `unknown action ${describeValue(action)}: use show or publish`);
    const local = await catalogFromOptions(ctx);
    if (action === 'show' && local !== undefined && ctx.args.npub === undefined) {
      printCatalog(ctx, local.catalog, { source: 'local' });
      return 0;
    }
    if (action === 'publish' && local === undefined) throw new OtP2pError('usage', 'catalog publish needs --ot-data DIR or --notary/--unit/--btc');
    if (action === 'publish') {
      refuseEmptyCatalog(local!.catalog, local!.folder?.scan().errors ?? [], ctx.options.force === true);
      const unread = local!.folder?.scan().errors.length ?? 0;
      if (unread > 0) ctx.io.stderr(`warning: ${unread} file(s) in the OT data folder could not be read (otp2p mint scan --ot-data DIR lists them)\n`);
    }
    const s = await openSession(ctx);
    try {
      if (action === 'publish') {
        const { event, results } = await publishCatalog(s.pool, s.id.secretKey, local!.catalog);
        if (ctx.json) printJson(ctx, { id: event.id, relays: results.map((r) => ({ relay: r.relay, ok: r.ok, code: r.code })), catalog: catalogToJson(local!.catalog) });
        else ctx.io.stdout(`published catalog ${event.id} to ${results.filter((r) => r.ok).map((r) => r.relay).join(', ')}\n`);
        return 0;
      }
      const who = ctx.args.npub === undefined ? s.id.pubkey : pubkeyArg(ctx.args.npub);
      const found = await fetchCatalog(s.pool, who);
      if (found === undefined) throw new OtP2pError('not-found', `no catalog (kind 11560) found for ${npubEncode(who)} on ${s.relays.join(', ')}`);
      printCatalog(ctx, found.catalog, { npub: npubEncode(who), event: found.event.id, created_at: found.event.created_at });
      return 0;
    } finally {
      await s.close();
    }
  },
});
