import { OtP2pError } from '../../core/errors.ts';
import type { Catalog } from '../../events/catalog.ts';
import { fetchCatalog, requestCatalog } from '../../catalog/exchange.ts';
import { holdingsFromAccounts } from '../../catalog/from-ot.ts';
import { negotiate } from '../../catalog/negotiation.ts';
import type { Holdings } from '../../catalog/negotiation.ts';
import { npubEncode } from '../../keys/nip19.ts';
import { defineCommand } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { unitLabel } from '../print.ts';
import { CATALOG_SOURCE_OPTIONS, catalogFromOptions } from '../catalog-source.ts';
import { amountOption, boolOption, intOptionOr, listOption, pubkeyArg, stringOption } from '../options.ts';
import { BASE_UNITS_OPTION, Scales, baseUnits } from '../scale.ts';
import { checkDecimalText } from '../../core/decimal.ts';
import { btcRef, parseUnitRef } from '../../core/assets.ts';
import type { UnitRef } from '../../core/assets.ts';
import { openPeer } from '../peer.ts';
import { peerInternals } from '../../peer/internals.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { describeGaps } from '../../relays/query.ts';
import type { RelayGap } from '../../relays/transport.ts';

/** `--timeout` bounds (ms). */
const TIMEOUT_MS = { min: 1, max: 600_000 };

export default defineCommand({
  name: 'negotiate',
  description: 'Find the assets you and a peer can settle in (ranked), or say that a conversion path is needed',
  details:
    'otp2p negotiate <npub> [--amount A --unit U] [--dm] [--json]\n' +
    '  My catalog: --ot-data DIR (with holdings from account balances) or --notary/--unit/--btc flags,\n' +
    "  else my published catalog. The peer's: its public catalog, or with --dm the (possibly private)\n" +
    '  catalog it offers me in a gift-wrapped catalog.request. Exit code 1 with code no-common-asset\n' +
    '  (and, with --json, a handoff for `otp2p route`) when nothing is accepted by both. A catalog\n' +
    '  found while some relay did not answer is used, and named: INCOMPLETE on stderr, incomplete in\n' +
    '  JSON, exit 1.\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [{ name: 'npub', description: 'the peer: npub, nprofile or hex pubkey', required: true }],
  options: {
    'password-stdin': PASSWORD_OPTION,
    amount: {
      type: 'string',
      value: 'A',
      description: 'amount of the --unit without @, in its own scale (12.50; base units with --base-units)',
    },
    'base-units': BASE_UNITS_OPTION,
    dm: { type: 'boolean', description: 'ask the peer for its catalog by DM (it must be online)' },
    timeout: {
      type: 'string',
      value: 'MS',
      default: '10000',
      description: `how long to wait for the peer (--dm; ${TIMEOUT_MS.min}..${TIMEOUT_MS.max})`,
    },
    ...CATALOG_SOURCE_OPTIONS,
    // One option, two roles told apart by the @: a unit of my catalog, or the unit of --amount.
    unit: {
      type: 'string',
      multiple: true,
      value: 'UNIT',
      description:
        'accepted unit UNIT@NOTARY:TLA[:FACTOR] (repeatable), or the unit of --amount: a unit ID, TLA or btc (no @)',
    },
  },
  run: async (ctx) => {
    const peerKey = pubkeyArg(ctx, 'npub');
    const base = baseUnits(ctx);
    // The form now; the scale once both catalogs are known.
    const amountText = stringOption(ctx, 'amount');
    if (amountText !== undefined) {
      if (base) amountOption(ctx, 'amount');
      else checkDecimalText(amountText, '--amount');
    }
    const units = listOption(ctx, 'unit') ?? [];
    const amountUnits = units.filter((u) => !u.includes('@'));
    if (amountUnits.length > 1)
      throw new OtP2pError('usage', `give the unit of --amount once, got ${amountUnits.join(', ')}`, {
        context: { option: 'unit' },
      });
    const unit = amountUnits[0];
    const timeoutMs = intOptionOr(ctx, 'timeout', 10_000, TIMEOUT_MS);
    if (amountText !== undefined && unit === undefined)
      throw new OtP2pError('usage', '--amount needs --unit U (a unit ID, TLA or btc)', {
        context: { option: 'amount' },
      });
    const local = await catalogFromOptions(
      ctx,
      units.filter((u) => u.includes('@')),
    );
    let holdings: Holdings | undefined;
    if (local?.folder !== undefined) holdings = holdingsFromAccounts(await local.folder.listAccounts());
    const { peer, close } = await openPeer(ctx);
    try {
      // Relays that did not answer a catalog lookup: the catalog used may not be the newest.
      const incomplete: RelayGap[] = [];
      let mine: Catalog | undefined = local?.catalog;
      // Else the configured OT wallet (otData or simulated notaries), as the daemon reads it.
      if (mine === undefined && peer.otApi) {
        mine = await peer.catalog.build();
        holdings = holdingsFromAccounts(await peer.otApi.listAccounts());
      }
      if (mine === undefined) {
        const found = await fetchCatalog(peerInternals(peer).transport, peer.pubkey);
        mine = found?.catalog;
        incomplete.push(...(found?.incomplete ?? []));
      }
      if (mine === undefined)
        throw new OtP2pError(
          'usage',
          'no catalog of mine: pass --ot-data DIR or --notary/--unit/--btc, or run `otp2p catalog publish`',
        );
      let theirs: Catalog | undefined;
      if (boolOption(ctx, 'dm')) {
        const { outbox, messenger } = peerInternals(peer);
        outbox.start();
        await messenger.start();
        theirs = await requestCatalog(messenger, peerKey, { timeoutMs });
      } else {
        const found = await fetchCatalog(peerInternals(peer).transport, peerKey);
        theirs = found?.catalog;
        incomplete.push(...(found?.incomplete ?? []));
      }
      if (theirs === undefined)
        throw new OtP2pError('not-found', `no catalog (kind 11560) found for ${peer.nameOf(peerKey)}; try --dm`);
      const scales = new Scales().addCatalog(theirs).addCatalog(mine);
      if (local?.folder) scales.addUnits(await local.folder.listUnits());
      else if (peer.otApi) scales.addUnits(await peer.otApi.listUnits());
      const amount =
        amountText === undefined || unit === undefined
          ? undefined
          : scales.parse(amountText, unitRefsNamed(unit, [mine, theirs]), '--amount', {
              base,
              warn: (l) => ctx.io.stderr(l),
            });
      const result = negotiate(mine, theirs, {
        ...(holdings ? { holdings } : {}),
        ...(amount !== undefined ? { amount } : {}),
        ...(unit !== undefined ? { unit } : {}),
      });
      if (incomplete.length > 0)
        ctx.io.stderr(
          `INCOMPLETE: no full answer from ${describeGaps(incomplete)}; a newer catalog may be held there\n`,
        );
      if (ctx.json)
        printJson(ctx, { peer: npubEncode(peerKey), ...result, ...(incomplete.length > 0 ? { incomplete } : {}) });
      if (!result.ok && ctx.json) {
        // One JSON document on stdout (the result, with its handoff), the typed error on stderr.
        ctx.io.stderr(`otp2p: no-common-asset: ${result.message}\n`);
        return 1;
      }
      if (!result.ok) {
        // Short labels (USD@otxNRzcurd…): the full keys are in --json.
        const label = (key: string): string => {
          try {
            return unitLabel(parseUnitRef(key), scales);
          } catch {
            return key;
          }
        };
        const side = (keys: readonly string[]): string => keys.map(label).join(', ') || '-';
        ctx.io.stdout(
          `${result.message}\nyou can pay in:  ${side(result.handoff.from)}\n${peer.nameOf(peerKey)} accepts: ${side(result.handoff.to)}\nfind a path across offers: otp2p route --to ${npubEncode(peerKey)} --amount A\n`,
        );
        throw new OtP2pError('no-common-asset', result.message, { context: { peer: peerKey } });
      }
      if (!ctx.json) {
        printTable(
          ctx,
          ['#', 'asset', 'tla', 'my rank', 'peer rank', 'holding', 'note'],
          result.options.map((o, i) => [
            String(i + 1),
            o.asset,
            o.tla,
            String(o.myRank + 1),
            String(o.peerRank + 1),
            o.holding === undefined ? '' : showHolding(scales, o.asset, o.holding, base),
            [
              o.fallback ? 'fallback' : '',
              o.needsConversion ? 'needs a rate' : '',
              o.sufficient === false ? 'insufficient' : '',
            ]
              .filter(Boolean)
              .join(', '),
          ]),
        );
      }
      return incomplete.length > 0 ? 1 : 0;
    } finally {
      await close();
    }
  },
});

/** The units `text` (a unit ID, TLA or btc, as negotiation reads it) names in these catalogs. */
function unitRefsNamed(text: string, catalogs: Catalog[]): UnitRef[] {
  const lower = text.toLowerCase();
  const out: UnitRef[] = [];
  for (const c of catalogs) {
    if (lower === 'btc' && c.btc) out.push(btcRef(c.btc.network));
    for (const u of c.units)
      if (u.id === text || u.tla.toLowerCase() === lower) out.push({ unit: u.id, notary: u.notary });
  }
  return out;
}

/** A holding in its asset's scale (`unit@notary` or `btc@chain`). */
function showHolding(scales: Scales, asset: string, amount: bigint, base: boolean): string {
  try {
    return scales.format(amount, parseUnitRef(asset), base);
  } catch {
    return `${amount} base units`;
  }
}
