import { OtP2pError } from '../../core/errors.ts';
import type { Catalog } from '../../events/catalog.ts';
import type { OtApi } from '../../otapi/api.ts';
import type { Peer } from '../../peer.ts';
import { catalogToJson } from '../../events/catalog.ts';
import { fetchCatalog } from '../../catalog/exchange.ts';
import { refuseEmptyCatalog } from '../../catalog/from-ot.ts';
import { npubEncode } from '../../keys/nip19.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { CATALOG_SOURCE_OPTIONS, catalogFromOptions } from '../catalog-source.ts';
import { choiceArg, parsePubkeyText } from '../options.ts';
import { openPeer } from '../peer.ts';
import { peerInternals } from '../../peer/internals.ts';
import { printCatalog } from '../print.ts';
import { awaitDelivery } from '../publish.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';

export default defineCommand({
  name: 'catalog',
  description: 'Show or publish catalogs (kind 11560): accepted notaries, units and bitcoin',
  details:
    'otp2p catalog show [<npub>] [--json]: the newest public catalog of <npub> (default: yours) from the relays;\n' +
    '    with --ot-data DIR or --notary/--unit/--btc, the catalog those describe (offline).\n' +
    'otp2p catalog publish [--ot-data DIR [--nym ID] [--private NOTARY] | --notary ID[=URL] --unit UNIT@NOTARY:TLA[:FACTOR]]\n' +
    '    [--btc NETWORK] [--prefer ASSET]...: sign and publish the public part (private notaries stay out); without\n' +
    '    a source, the configured OT wallet. Refused (cannot-receive) when a unit has no account at its notary in\n' +
    '    the wallet, or BTC without bitcoinRpc, unless --force. Queued in the outbox when no relay answers (exit 1).\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [
    { name: 'action', description: 'show | publish', required: true },
    { name: 'npub', description: 'whose catalog (show): npub, nprofile or hex pubkey' },
  ],
  options: {
    'password-stdin': PASSWORD_OPTION,
    ...CATALOG_SOURCE_OPTIONS,
    force: {
      type: 'boolean',
      description:
        'publish even an empty catalog (it replaces your published one), or units this wallet has no account to receive in',
    },
  },
  run: async (ctx) => {
    const action = choiceArg(ctx, 'action', ['show', 'publish'] as const);
    const whoArg = ctx.args.npub === undefined ? undefined : parsePubkeyText(ctx.args.npub, '<npub>');
    let local = await catalogFromOptions(ctx);
    if (action === 'show' && local !== undefined && whoArg === undefined) {
      printCatalog(ctx, local.catalog, { source: 'local' });
      return 0;
    }
    if (action === 'publish' && local !== undefined) {
      // Never publish what was not read: an empty catalog replaces the published one everywhere.
      const errors = local!.folder?.scan().errors ?? [];
      refuseEmptyCatalog(local!.catalog, errors, ctx.options.force === true);
      if (errors.length > 0)
        ctx.io.stderr(
          `warning: ${errors.length} file(s) in the OT data folder could not be read (otp2p mint scan --ot-data DIR lists them)\n`,
        );
    }
    const { peer, close } = await openPeer(ctx);
    try {
      if (action === 'publish') {
        // Without a source on the command line: the configured OT wallet, as the daemon reads it.
        if (local === undefined) {
          if (!peer.otApi)
            throw new OtP2pError(
              'usage',
              'catalog publish needs --ot-data DIR or --notary/--unit/--btc, or a configured OT wallet (otp2p config set otData DIR)',
            );
          const built = await peer.catalog.build();
          refuseEmptyCatalog(built, [], ctx.options.force === true);
          local = { catalog: built };
        }
        // A unit advertised but not receivable is found only when a payment fails: check first.
        if (ctx.options.force !== true) await refuseUnreceivable(peer, local!.catalog, local!.folder);
        const event = await peer.catalog.publish(local!.catalog, { force: true });
        const [report] = await awaitDelivery(peer, [event]);
        const relays = (report?.relays ?? []).map((r) => ({ relay: r.relay, ok: r.status === 'acked', code: r.code }));
        const ok = relays.some((r) => r.ok);
        // Queued in the outbox before the first send: a relay that is down gets it on a retry.
        if (ctx.json) printJson(ctx, { id: event.id, ok, queued: !ok, relays, catalog: catalogToJson(local!.catalog) });
        else
          ctx.io.stdout(
            `${ok ? 'published' : 'queued, NOT yet published:'} catalog ${event.id} ${ok ? 'to' : 'for'} ${relays
              .filter((r) => r.ok || !ok)
              .map((r) => (ok ? r.relay : `${r.relay} (${r.code ?? 'pending'})`))
              .join(', ')}\n`,
          );
        if (!ok) {
          ctx.io.stderr(
            'no relay accepted the catalog yet: it stays queued in the outbox (otp2p outbox lists it; a running daemon or the next publishing command retries it)\n',
          );
          return 1;
        }
        return 0;
      }
      const who = whoArg ?? peer.pubkey;
      const found = await fetchCatalog(peerInternals(peer).transport, who);
      if (found === undefined)
        throw new OtP2pError(
          'not-found',
          `no catalog (kind 11560) found for ${peer.nameOf(who)} on ${(ctx.relays ?? peer.config.relays).join(', ')}`,
        );
      printCatalog(ctx, found.catalog, {
        npub: npubEncode(who),
        event: found.event.id,
        created_at: found.event.created_at,
      });
      return 0;
    } finally {
      await close();
    }
  },
});

/**
 * Refuse a catalog advertising what this wallet cannot receive: a unit without an account (not
 * an issuer account) at its notary in the OT wallet (`--ot-data`, else the configured one), or
 * on-chain BTC without a Bitcoin node configured.
 * @throws OtP2pError `cannot-receive` naming each such asset, from the OT backend.
 */
async function refuseUnreceivable(peer: Peer, catalog: Catalog, folder: OtApi | undefined): Promise<void> {
  const ot = folder ?? peer.otApi;
  const accounts = (await ot?.listAccounts()) ?? [];
  const held = new Set(
    accounts.filter((a) => a.unitId !== undefined && a.type !== 'issuer').map((a) => `${a.unitId}@${a.notaryId}`),
  );
  const missing = catalog.units
    .filter((u) => !held.has(`${u.id}@${u.notary}`))
    .map((u) => `${u.tla} (${u.id}@${u.notary})`);
  if (catalog.btc && !peer.config.bitcoinRpc) missing.push(`btc@${catalog.btc.network} (no bitcoinRpc configured)`);
  if (missing.length === 0) return;
  throw new OtP2pError(
    'cannot-receive',
    `the catalog advertises what this wallet cannot receive: ${missing.join(', ')}; ${ot ? 'open an account at the notary for each unit' : 'configure the OT wallet (otp2p config set otData DIR, or simulatedNotaries and otUser)'}, or publish anyway with --force`,
    { context: { missing } },
  );
}
