/**
 * "My catalog" as described on the command line (`catalog show|publish`, `negotiate`): from an OT
 * client data folder, or from `--notary/--unit/--btc/--prefer` flags.
 */
import type { Catalog } from '../events/catalog.ts';
import { BTC_NETWORKS } from '../events/catalog.ts';
import { catalogFromFlags, catalogFromOt } from '../catalog/from-ot.ts';
import { OtDataFolder } from '../otapi/datafolder.ts';
import type { CommandContext, OptionDef } from './command.ts';
import { enumOption, listOption, stringOption } from './options.ts';

/** Options that describe my catalog. */
export const CATALOG_SOURCE_OPTIONS: Record<string, OptionDef> = {
  'ot-data': {
    type: 'string',
    value: 'DIR',
    description: 'build the catalog from this OT client data folder (read-only)',
  },
  nym: { type: 'string', value: 'ID', description: 'with --ot-data: only accounts of this nym' },
  notary: { type: 'string', multiple: true, value: 'ID[=URL]', description: 'accepted notary (repeatable)' },
  unit: {
    type: 'string',
    multiple: true,
    value: 'UNIT@NOTARY:TLA[:FACTOR]',
    description: 'accepted unit (repeatable)',
  },
  btc: { type: 'string', value: 'NETWORK', description: 'accept on-chain BTC on bitcoin|testnet|signet|regtest' },
  prefer: {
    type: 'string',
    multiple: true,
    value: 'ASSET',
    description: 'preference order: UNIT@NOTARY or btc@NETWORK (repeatable, first = most preferred)',
  },
  private: {
    type: 'string',
    multiple: true,
    value: 'NOTARY',
    description: 'with --ot-data: keep this notary to DM catalogs',
  },
};

/**
 * My catalog from `--ot-data DIR` or from `--notary/--unit/--btc/--prefer`; undefined when none given.
 * `units` replaces the `--unit` values (`negotiate` keeps some of them for the unit of `--amount`).
 * @throws OtP2pError `usage`, `bad-catalog`, the OT reader's codes.
 */
export async function catalogFromOptions(
  ctx: Pick<CommandContext, 'options'>,
  units?: string[],
): Promise<{ catalog: Catalog; folder?: OtDataFolder } | undefined> {
  const btc = enumOption(ctx, 'btc', BTC_NETWORKS);
  const dir = stringOption(ctx, 'ot-data');
  const prefer = listOption(ctx, 'prefer');
  if (dir !== undefined) {
    const folder = new OtDataFolder(dir);
    const nym = stringOption(ctx, 'nym');
    const catalog = await catalogFromOt(folder, {
      ...(nym !== undefined ? { nymId: nym } : {}),
      ...(btc !== undefined ? { btc } : {}),
      ...(prefer ? { preference: prefer } : {}),
      privateNotaries: listOption(ctx, 'private') ?? [],
    });
    return { catalog, folder };
  }
  const notary = listOption(ctx, 'notary');
  const unit = units !== undefined ? (units.length > 0 ? units : undefined) : listOption(ctx, 'unit');
  if (notary === undefined && unit === undefined && btc === undefined) return undefined;
  return {
    catalog: catalogFromFlags({
      ...(notary ? { notary } : {}),
      ...(unit ? { unit } : {}),
      ...(btc !== undefined ? { btc } : {}),
      ...(prefer ? { prefer } : {}),
    }),
  };
}
