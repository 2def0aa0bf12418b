import { parseAmount } from '../../core/amount.ts';
import { OtP2pError } from '../../core/errors.ts';
import type { Catalog } from '../../events/catalog.ts';
import { fetchCatalog, requestCatalog } from '../../catalog/exchange.ts';
import { holdingsFromAccounts } from '../../catalog/from-ot.ts';
import { negotiate } from '../../catalog/negotiation.ts';
import type { Holdings } from '../../catalog/negotiation.ts';
import { npubEncode } from '../../keys/nip19.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { CATALOG_SOURCE_OPTIONS, catalogFromOptions } from './catalog.ts';
import { openSession, pubkeyArg } from './dm.ts';

export default defineCommand({
  name: 'negotiate',
  description: 'Find the assets you and a peer can settle in (ranked), or say that a conversion path is needed',
  details:
    'otp2p negotiate <npub> [--amount A --unit U] [--dm] [--json]\n' +
    '  My catalog: --ot-data DIR (with holdings from account balances) or --notary/--unit/--btc flags,\n' +
    '  else my published catalog. The peer\'s: its public catalog, or with --dm the (possibly private)\n' +
    '  catalog it offers me in a gift-wrapped catalog.request. Exit code 1 with code no-common-asset\n' +
    '  (and, with --json, a handoff for `otp2p route`) when nothing is accepted by both.\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [{ name: 'npub', description: 'the peer', required: true }],
  options: {
    'password-stdin': PASSWORD_OPTION,
    amount: { type: 'string', value: 'A', description: 'amount in base units of --unit' },
    unit: { type: 'string', value: 'U', description: 'unit ID, TLA or btc' },
    dm: { type: 'boolean', description: "ask the peer for its catalog by DM (it must be online)" },
    timeout: { type: 'string', value: 'MS', default: '10000', description: 'how long to wait for the peer (--dm)' },
    ...CATALOG_SOURCE_OPTIONS,
  },
  run: async (ctx) => {
    const peer = pubkeyArg(ctx.args.npub);
    const amount = ctx.options.amount === undefined ? undefined : parseAmount(ctx.options.amount, '--amount');
    const unit = typeof ctx.options.unit === 'string' ? ctx.options.unit : undefined;
    if (amount !== undefined && unit === undefined) throw new OtP2pError('usage', '--amount needs --unit');
    const local = await catalogFromOptions(ctx);
    let holdings: Holdings | undefined;
    if (local?.folder !== undefined) holdings = holdingsFromAccounts(await local.folder.listAccounts());
    const s = await openSession(ctx);
    try {
      let mine: Catalog | undefined = local?.catalog;
      if (mine === undefined) mine = (await fetchCatalog(s.pool, s.id.pubkey))?.catalog;
      if (mine === undefined) throw new OtP2pError('usage', 'no catalog of mine: pass --ot-data DIR or --notary/--unit/--btc, or run `otp2p catalog publish`');
      let theirs: Catalog | undefined;
      if (ctx.options.dm === true) {
        await s.messenger.start();
        theirs = await requestCatalog(s.messenger, peer, { timeoutMs: Number(ctx.options.timeout ?? '10000') });
      } else theirs = (await fetchCatalog(s.pool, peer))?.catalog;
      if (theirs === undefined) throw new OtP2pError('not-found', `no catalog (kind 11560) found for ${npubEncode(peer)}; try --dm`);
      const result = negotiate(mine, theirs, { ...(holdings ? { holdings } : {}), ...(amount !== undefined ? { amount } : {}), ...(unit !== undefined ? { unit } : {}) });
      if (ctx.json) printJson(ctx, { peer: npubEncode(peer), ...result });
      if (!result.ok) {
        if (!ctx.json) ctx.io.stdout(`${result.message}\nfrom: ${result.handoff.from.join(', ') || '-'}\nto:   ${result.handoff.to.join(', ') || '-'}\n`);
        throw new OtP2pError('no-common-asset', result.message, { context: { peer } });
      }
      if (!ctx.json) {
        printTable(
          ctx,
          ['#', 'asset', 'tla', 'my rank', 'peer rank', 'holding', 'note'],
          result.options.map((o, i) => [String(i + 1), o.asset, o.tla, String(o.myRank + 1), String(o.peerRank + 1), o.holding?.toString() ?? '', [o.fallback ? 'fallback' : '', o.needsConversion ? 'needs a rate' : '', o.sufficient === false ? 'insufficient' : ''].filter(Boolean).join(', ')]),
        );
      }
      return 0;
    } finally {
      await s.close();
    }
  },
});
