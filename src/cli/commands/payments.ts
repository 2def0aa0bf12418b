import { unitScalesOf } from '../../catalog/scales.ts';
import { parseUnitRef } from '../../core/assets.ts';
import { isOtP2pError } from '../../core/errors.ts';
import { parseCatalogEvent } from '../../events/catalog.ts';
import type { Catalog } from '../../events/catalog.ts';
import { Kind } from '../../events/kinds.ts';
import type { UnitDefinition } from '../../otapi/api.ts';
import { shortNpub } from '../../events/names.ts';
import { listMisbehaving, listPayments } from '../../payments/store.ts';
import { openStore } from '../../store/db.ts';
import type { Store } from '../../store/db.ts';
import { WebStore } from '../../web/store.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { boolOption, enumOption, intOptionOr } from '../options.ts';
import { attachOt } from '../peer.ts';
import { BASE_UNITS_OPTION, Scales, baseUnits } from '../scale.ts';

export default defineCommand({
  name: 'payments',
  description: 'History and state of each payment this peer took part in (as payer, hop or payee)',
  details:
    "States: payer quoting, preparing, sending, in-flight, failing, then succeeded | failed | refunded; hop prepared, received, then forwarded | refunded | rejected | expired; payee invoiced, prepared, then fulfilled | refunded | rejected | expired.\nA payee's preimage is never shown; a payer's is, once the payment succeeded (it is the receipt).\nAmounts print in their unit's scale (109.20 USD) from the catalogs held and the OT wallet's contracts; a unit of unknown scale, or a record naming no unit, prints base units and says so. --json keeps base units, with each payment's units (unitIn: amountIn, sent, refunded; unitOut: amountOut, delivered) as unit@notary.\nExamples: otp2p payments   otp2p payments --role payer --json   otp2p payments --misbehaving",
  options: {
    role: { type: 'string', description: 'only payments in this role: payer, hop or payee', value: 'ROLE' },
    limit: { type: 'string', description: 'at most this many payments, newest first', value: 'N', default: '100' },
    misbehaving: { type: 'boolean', description: 'list peers recorded as misbehaving instead' },
    'base-units': BASE_UNITS_OPTION,
  },
  run: async (ctx) => {
    const role = enumOption(ctx, 'role', ['payer', 'hop', 'payee'] as const);
    const limit = intOptionOr(ctx, 'limit', 100, { min: 1, max: 999_999 });
    ctx.home.ensure();
    const store = await openStore(ctx.home.dbPath);
    try {
      if (boolOption(ctx, 'misbehaving')) {
        const rows = await listMisbehaving(store.db);
        if (ctx.json) return void printJson(ctx, { misbehaving: rows });
        if (rows.length === 0) return void ctx.io.stdout('no peer recorded as misbehaving\n');
        printTable(
          ctx,
          ['peer', 'payment', 'reason', 'detail', 'when'],
          rows.map((r) => [
            shortNpub(r.pubkey),
            r.paymentId.slice(0, 16),
            r.reason,
            r.detail ?? '',
            new Date(r.createdAt).toISOString(),
          ]),
        );
        return;
      }
      const all = await listPayments(store.db, limit);
      const rows = role === undefined ? all : all.filter((p) => p.role === role);
      if (ctx.json) return void printJson(ctx, { payments: rows });
      if (rows.length === 0) return void ctx.io.stdout('no payments\n');
      const scales = await storedScales(ctx, store);
      const base = baseUnits(ctx);
      const amount = (n: string | null, unit: string | undefined): string => {
        if (n === null) return '';
        // A record that names no unit (or an amount this version did not write) is never scaled.
        if (unit === undefined || !/^\d+$/.test(n)) return `${n} base units`;
        return scales.format(BigInt(n), parseUnitRef(unit), base);
      };
      printTable(
        ctx,
        ['payment', 'role', 'state', 'in', 'out', 'sent', 'delivered', 'refunded', 'error', 'updated'],
        rows.map((p) => [
          p.id.slice(0, 16),
          p.role,
          p.state,
          amount(p.amountIn, p.unitIn),
          amount(p.amountOut, p.unitOut),
          amount(p.sent, p.unitIn),
          amount(p.delivered, p.unitOut),
          amount(p.refunded, p.unitIn),
          p.error ? p.error.code : '',
          new Date(p.updatedAt).toISOString(),
        ]),
      );
    } finally {
      await store.close();
    }
  },
});

/**
 * The scales this home knows without unlocking the identity: the catalogs its web holds (oldest
 * first, so a newer one wins), then the OT wallet's contracts (what the user's wallet says wins).
 * A wallet that cannot be read leaves its units of unknown scale (printed in base units, said on
 * stderr) rather than hiding the history.
 */
async function storedScales(ctx: CommandContext, store: Store): Promise<Scales> {
  const catalogs: Catalog[] = [];
  const held = new WebStore(store).eventsOfKind(Kind.Catalog).sort((a, b) => a.created_at - b.created_at);
  for (const e of held) {
    try {
      catalogs.push(parseCatalogEvent(e));
    } catch {
      // A held catalog this version cannot read gives no scale.
    }
  }
  let units: UnitDefinition[] = [];
  try {
    const ot = attachOt(ctx);
    try {
      units = (await ot.otApi?.listUnits()) ?? [];
    } finally {
      ot.close?.();
    }
  } catch (err) {
    ctx.io.stderr(
      `the OT wallet could not be read (${isOtP2pError(err) ? err.code : 'error'}): its units show in base units\n`,
    );
  }
  return unitScalesOf({ catalogs, units }, new Scales());
}
