import { shortNpub } from '../../events/names.ts';
import { listMisbehaving, listPayments } from '../../payments/store.ts';
import { openStore } from '../../store/db.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { boolOption, enumOption, intOptionOr } from '../options.ts';

export default defineCommand({
  name: 'payments',
  description: 'History and state of each payment this peer took part in (as payer, hop or payee)',
  details:
    "States: payer quoting, preparing, sending, in-flight, failing, then succeeded | failed | refunded; hop prepared, received, then forwarded | refunded | rejected | expired; payee invoiced, prepared, then fulfilled | refunded | rejected | expired.\nA payee's preimage is never shown; a payer's is, once the payment succeeded (it is the receipt).\nExamples: otp2p payments   otp2p payments --role payer --json   otp2p payments --misbehaving",
  options: {
    role: { type: 'string', description: 'only payments in this role: payer, hop or payee', value: 'ROLE' },
    limit: { type: 'string', description: 'at most this many payments, newest first', value: 'N', default: '100' },
    misbehaving: { type: 'boolean', description: 'list peers recorded as misbehaving instead' },
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
      printTable(
        ctx,
        [
          'payment',
          'role',
          'state',
          'in (base units)',
          'out (base units)',
          'sent (base units)',
          'delivered (base units)',
          'refunded',
          'error',
          'updated',
        ],
        rows.map((p) => [
          p.id.slice(0, 16),
          p.role,
          p.state,
          p.amountIn ?? '',
          p.amountOut ?? '',
          p.sent ?? '',
          p.delivered ?? '',
          p.refunded ?? '',
          p.error ? p.error.code : '',
          new Date(p.updatedAt).toISOString(),
        ]),
      );
    } finally {
      await store.close();
    }
  },
});
