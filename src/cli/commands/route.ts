import { OtP2pError } from '../../core/errors.ts';
import { parseJson } from '../../core/json.ts';
import { parseUnitRef } from '../../events/offer.ts';
import { Router, buildGraph, parseOffersFile, routeToJson } from '../../pathing/index.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../command.ts';
import { printJson, progress } from '../io.ts';
import { readTextFileBounded } from '../input.ts';
import { intOption, intOptionOr, requiredAmount, requiredPubkey, requiredString, stringOption } from '../options.ts';
import { openPeer } from '../peer.ts';
import { printRoute } from '../print.ts';
import { BASE_UNITS_OPTION, baseUnits, peerScales } from '../scale.ts';
import { checkDecimalText } from '../../core/decimal.ts';
import { PASSWORD_OPTION } from '../secrets.ts';

/** Offline files can be large (a whole offer graph): 64 MiB of JSON text. */
export const MAX_OFFERS_FILE_BYTES = 64 << 20;

/**
 * Online mode: open our peer, sync the offers of our social radius from the relays and route to
 * `--to` over them (`--unit` is then what the payee receives, as in `otp2p pay`).
 * @throws OtP2pError `usage`, `bad-amount`, `no-route`, and what `openPeer` throws.
 */
async function onlineRoute(ctx: CommandContext): Promise<void> {
  const to = requiredPubkey(ctx, 'to');
  const base = baseUnits(ctx);
  // The form is checked before anything opens; the scale comes with the payee's catalog.
  const amountText = base
    ? requiredAmount(ctx, 'amount', { min: 1n }).toString()
    : checkDecimalText(requiredString(ctx, 'amount', 'A'), '--amount', { positive: true });
  const maxHops = intOption(ctx, 'max-hops', { min: 1, max: 12 });
  const maxParts = intOptionOr(ctx, 'parts', 8, { min: 1, max: 8 });
  const unit = stringOption(ctx, 'unit');
  const { peer, close } = await openPeer(ctx);
  try {
    const bar = progress(ctx, 'syncing offers');
    // The payee's catalog says what it accepts and the amount's scale: one check, in the library.
    const payee = await peer.routes
      .payee(to, { sync: true, ...(unit !== undefined ? { unit } : {}), onProgress: (d, t) => bar.update(d, t) })
      .finally(() => bar.done());
    const scales = await peerScales(peer);
    const amount = scales.parse(amountText, payee.units, '--amount', {
      base,
      min: 1n,
      warn: (l) => ctx.io.stderr(l),
    });
    const result = await peer.routes.find({
      to,
      amount,
      maxParts,
      ...(maxHops !== undefined ? { maxHops } : {}),
      ...(unit !== undefined ? { unit } : {}),
    });
    if (ctx.json) printJson(ctx, routeToJson(result));
    else printRoute(ctx, result, { nameOf: (pk) => peer.nameOf(pk), scales, base });
  } finally {
    await close();
  }
}

export default defineCommand({
  name: 'route',
  description: 'Find a payment path across conversion offers (offline: from an offers file)',
  details:
    'Offline what-if analysis and audits: otp2p route --offers FILE --from <pubkey> --unit <unit>@<notary>\n' +
    '  --to <pubkey> --amount A [--max-hops H] [--max-degree D] [--parts N] [--no-direct] [--json]\n' +
    'FILE: { "offers": [{ "pubkey", "id", "in": {"unit","notary"}, "out": {"unit","notary"}, "rate": [num, den],\n' +
    '  "cut_ppm", "fee", "min", "max", "liquidity", "to"?: [pubkey, ...] }], "follows": { pubkey: [pubkey, ...] },\n' +
    '  "accepts": { pubkey: [{"unit","notary"}, ...] } } (amounts as integer strings, pubkeys hex). An offer\n' +
    'with "to" delivers only to those counterparties (absent: to anyone). Transfers run along follows.\n' +
    'Direct payment: a payer that holds a unit the payee accepts pays it directly, with no offer and no\n' +
    'follow needed (one hop, fee 0), as OT peers can. --no-direct turns that off: every transfer then needs\n' +
    'a follow between its two ends, like a channel on Lightning.\n' +
    'An offer delivering out needs in = ceil((out + fee) * den * 1000000 / (num * (1000000 - cut_ppm))).\n' +
    "JSON: { spend, receive, parts: [{ spend, receive, hops: [{ from, to, unit, amount, offer }] }] }; a hop's\n" +
    'offer is the offer of `to` that the transfer feeds (null at the payee). No route: exit 1 with\n' +
    '{ "error": { "code": "no-route", ... } }.\n' +
    'Online (without --offers): otp2p route --to <npub> --amount A [--unit U] [--max-hops H] [--json] opens your\n' +
    'peer (vault password from $OTP2P_PASSWORD or --password-stdin), syncs the offers of your social radius\n' +
    'and routes from what you hold; --unit is then what the payee receives (TLA, unit ID or unit@notary).',
  options: {
    offers: { type: 'string', value: 'FILE', description: 'offline offers file (JSON, see above)' },
    from: { type: 'string', value: 'PUBKEY', description: 'payer pubkey (hex, npub or nprofile)' },
    unit: { type: 'string', value: 'UNIT@NOTARY', description: 'the unit the payer spends' },
    to: { type: 'string', value: 'PUBKEY', description: 'payee pubkey (hex, npub or nprofile)' },
    amount: {
      type: 'string',
      value: 'A',
      description: "amount the payee receives: online in the unit's own scale (10.50), offline in base units",
    },
    'base-units': BASE_UNITS_OPTION,
    'max-hops': { type: 'string', value: 'H', default: '6', description: 'most transfers on a path' },
    'max-degree': {
      type: 'string',
      value: 'D',
      default: '6',
      description: 'social radius: follow-steps from the payer',
    },
    parts: {
      type: 'string',
      value: 'N',
      default: '8',
      description: 'most parts when splitting (1 = single path only, at most 8)',
    },
    'no-direct': {
      type: 'boolean',
      description: 'offline: never pay the payee directly; every transfer needs a follow (see above)',
    },
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const file = stringOption(ctx, 'offers');
    if (file === undefined) {
      if (ctx.options.to === undefined)
        throw new OtP2pError('usage', '--to NPUB is required (and --offers FILE for the offline mode)', {
          context: { option: 'to' },
        });
      if (ctx.options['no-direct'] === true)
        throw new OtP2pError('usage', '--no-direct applies to the offline mode (--offers FILE) only', {
          context: { option: 'no-direct' },
        });
      return onlineRoute(ctx);
    }
    const from = requiredPubkey(ctx, 'from', 'PUBKEY');
    const to = requiredPubkey(ctx, 'to', 'PUBKEY');
    const fromUnit = parseUnitRef(requiredString(ctx, 'unit', 'UNIT@NOTARY'), '--unit');
    const amount = requiredAmount(ctx, 'amount', { min: 1n });
    const maxHops = intOptionOr(ctx, 'max-hops', 6, { min: 1, max: 32 });
    const maxDegree = intOptionOr(ctx, 'max-degree', 6, { min: 0, max: 1000 });
    const maxParts = intOptionOr(ctx, 'parts', 8, { min: 1, max: 8 });
    const text = await readTextFileBounded(file, MAX_OFFERS_FILE_BYTES, 'offers file', ctx.signal);
    const graph = buildGraph(parseOffersFile(parseJson(text, 'offers file', MAX_OFFERS_FILE_BYTES)));
    const direct = ctx.options['no-direct'] !== true;
    const result = new Router(graph).findMultiRoute({
      from,
      fromUnit,
      to,
      amount,
      maxHops,
      maxDegree,
      maxParts,
      direct,
    });
    if (ctx.json) printJson(ctx, routeToJson(result));
    // Offline files carry no unit scales: amounts are base units, and said so.
    else printRoute(ctx, result, { base: true });
  },
});
