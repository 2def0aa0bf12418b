import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, isHex } from '../../core/bytes.ts';
import { OtP2pError } from '../../core/errors.ts';
import { routeToJson } from '../../pathing/index.ts';
import type { PaymentResult } from '../../payments/coordinator.ts';
import type { CoordinatorLimits } from '../../payments/coordinator.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { amountOption, intOption, requiredAmount, requiredPubkey, requiredString, stringOption } from '../options.ts';
import { openPeer } from '../peer.ts';
import { printRoute } from '../print.ts';
import { BASE_UNITS_OPTION, baseUnits, peerScales } from '../scale.ts';
import { checkDecimalText } from '../../core/decimal.ts';
import { parseUnitRef } from '../../core/assets.ts';
import type { UnitRef } from '../../core/assets.ts';
import { PASSWORD_OPTION } from '../secrets.ts';

/** A payer's receipt: the payee's preimage and whether it hashes to the payment hash. */
export interface PaymentReceiptJson {
  paymentHash: string;
  preimage: string;
  verified: boolean;
}

/** Whether sha256(preimage) is the payment hash (both hex). */
export function verifyReceipt(paymentHash: string | null, preimage: string | null): boolean {
  if (paymentHash === null || preimage === null || !isHex(paymentHash, 32) || !isHex(preimage, 32)) return false;
  return bytesToHex(sha256(hexToBytes(preimage))) === paymentHash;
}

/** One part's result as printed by `otp2p pay --json`. */
export function resultToJson(r: PaymentResult): Record<string, unknown> {
  const receipt: PaymentReceiptJson | null =
    r.preimage !== null && r.paymentHash !== null
      ? { paymentHash: r.paymentHash, preimage: r.preimage, verified: verifyReceipt(r.paymentHash, r.preimage) }
      : null;
  return {
    paymentId: r.paymentId,
    state: r.state,
    sent: r.sent.toString(),
    delivered: r.delivered.toString(),
    refunded: r.refunded.toString(),
    receipt,
    ...(r.error ? { error: r.error } : {}),
  };
}

export default defineCommand({
  name: 'pay',
  description:
    'Pay a peer: find a path across conversion offers, pay it hop by hop over gift-wrapped DMs, print the receipt',
  details:
    'Opens your peer (vault password from --password-stdin or $OTP2P_PASSWORD), syncs the offers of your\n' +
    'social radius, finds a route delivering --amount (in the scale of what the payee accepts: 100.50 for a unit\n' +
    'whose catalog factor is 100; an integer in base units when no catalog gives the scale, or with\n' +
    '--base-units) and pays it. --json prints every amount in base units (integer strings).\n' +
    'Every hop and the payee must be online (otp2p daemon). Each part of a split route is its own payment\n' +
    "with its own receipt: the payee's preimage, which hashes (sha256) to the payment hash.\n" +
    'Exit 0 when every part succeeded, 1 otherwise (failed or refunded: see otp2p payments).\n' +
    'Example: otp2p pay --to npub1... --amount 100.00 --unit EUR --max-fee 0.50 --json\n' +
    'JSON: { route: { spend, receive, parts: [...] }, state, results: [{ paymentId, state, sent, delivered,\n' +
    '  refunded, receipt: { paymentHash, preimage, verified } | null, error? }] }',
  options: {
    to: { type: 'string', value: 'NPUB', description: 'the payee (npub or hex pubkey)' },
    amount: {
      type: 'string',
      value: 'A',
      description: "what the payee receives, in the unit's own scale (100.50; base units with --base-units)",
    },
    'base-units': BASE_UNITS_OPTION,
    unit: {
      type: 'string',
      value: 'UNIT',
      description: 'what the payee receives: TLA, unit ID or unit@notary from its catalog',
    },
    from: { type: 'string', value: 'UNIT@NOTARY', description: 'what you spend (default: any unit you hold)' },
    'max-fee': {
      type: 'string',
      value: 'F',
      description: "most you accept to spend above the quoted route, in the spent unit's scale",
      default: '0',
    },
    'max-hops': { type: 'string', value: 'H', description: 'most transfers on a path (default: config maxHops)' },
    parts: {
      type: 'string',
      value: 'N',
      default: '8',
      description: 'most parts when splitting (1 = single path only)',
    },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      default: '20',
      description: "how long to wait for each quote and for the hops' acknowledgements",
    },
    'expiry-delta': {
      type: 'string',
      value: 'SECONDS',
      default: '30',
      description: "the payee's expiry; each earlier hop gets this much more",
    },
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const to = requiredPubkey(ctx, 'to');
    const base = baseUnits(ctx);
    // Forms checked before anything opens; scales come with the payee's catalog and our contracts.
    const amountText = base
      ? requiredAmount(ctx, 'amount', { min: 1n }).toString()
      : checkDecimalText(requiredString(ctx, 'amount', 'A'), '--amount', { positive: true });
    const maxFeeText = stringOption(ctx, 'max-fee');
    if (maxFeeText !== undefined) {
      if (base) amountOption(ctx, 'max-fee');
      else checkDecimalText(maxFeeText, '--max-fee');
    }
    const maxHops = intOption(ctx, 'max-hops', { min: 1, max: 12 });
    const maxParts = intOption(ctx, 'parts', { min: 1, max: 8 });
    const timeout = intOption(ctx, 'timeout', { min: 1, max: 3600 });
    const expiryDelta = intOption(ctx, 'expiry-delta', { min: 1, max: 86_400 });
    const unit = stringOption(ctx, 'unit');
    const from = stringOption(ctx, 'from');
    const limits: Partial<CoordinatorLimits> = {
      ...(timeout !== undefined ? { replyTimeoutMs: timeout * 1000 } : {}),
      ...(expiryDelta !== undefined
        ? { expiryDeltaSeconds: expiryDelta, graceMs: Math.min(10_000, expiryDelta * 1000) }
        : {}),
    };
    const { peer, close } = await openPeer(ctx, { paymentLimits: limits });
    try {
      if (to === peer.pubkey) throw new OtP2pError('usage', '--to is yourself', { context: { option: 'to' } });
      await peer.start();
      // The payee's catalog says what it accepts and the amount's scale: one check, in the library
      // (no-route without a catalog, relay-incomplete when a relay's silence may hide it).
      const payee = await peer.routes.payee(to, { sync: true, ...(unit !== undefined ? { unit } : {}) });
      const scales = await peerScales(peer);
      const warn = (l: string): void => ctx.io.stderr(l);
      const amount = scales.parse(amountText, payee.units, '--amount', { base, min: 1n, warn });
      const spent: UnitRef[] =
        from !== undefined
          ? [parseUnitRef(from, '--from')]
          : ((await peer.otApi?.listAccounts()) ?? [])
              .filter((a) => a.unitId !== undefined && (a.balance ?? 0n) > 0n && a.type !== 'issuer')
              .map((a) => ({ unit: a.unitId as string, notary: a.notaryId }));
      // Zero (the default) is zero in every scale: no unit needs to be known for it.
      const maxFee =
        maxFeeText === undefined
          ? undefined
          : /^[0.]+$/.test(maxFeeText)
            ? 0n
            : scales.parse(maxFeeText, spent, '--max-fee', { base, warn });
      const { route, results } = await peer.payments.pay({
        to,
        amount,
        ...(unit !== undefined ? { unit } : {}),
        ...(from !== undefined ? { fromUnit: from } : {}),
        ...(maxFee !== undefined ? { maxFee } : {}),
        ...(maxHops !== undefined ? { maxHops } : {}),
        ...(maxParts !== undefined ? { maxParts } : {}),
      });
      const ok =
        results.length > 0 && results.every((r) => r.state === 'succeeded' && verifyReceipt(r.paymentHash, r.preimage));
      const state = ok ? 'succeeded' : results.some((r) => r.state === 'failed') ? 'failed' : 'refunded';
      if (ctx.json) {
        printJson(ctx, { route: routeToJson(route), state, results: results.map(resultToJson) });
      } else {
        printRoute(ctx, route, { nameOf: (pk) => peer.nameOf(pk), scales, base });
        results.forEach((r, i) => {
          const verified = verifyReceipt(r.paymentHash, r.preimage);
          // Each result is one part of the route: sent in its first hop's unit, delivered in its last.
          const hops = results.length === route.parts.length ? route.parts[i]?.hops : undefined;
          const first = hops?.[0]?.unit;
          const last = hops?.[hops.length - 1]?.unit;
          const show = (a: bigint, u: UnitRef | undefined): string =>
            u ? scales.format(a, u, base) : `${a} base units`;
          ctx.io.stdout(
            `payment ${r.paymentId}: ${r.state}, sent ${show(r.sent, first)}, delivered ${show(r.delivered, last)}${r.refunded > 0n ? `, refunded ${show(r.refunded, first)}` : ''}\n`,
          );
          if (r.preimage !== null)
            ctx.io.stdout(
              `  receipt: preimage ${r.preimage}, payment hash ${r.paymentHash} (${verified ? 'verified' : 'NOT verified'})\n`,
            );
          if (r.error) ctx.io.stdout(`  ${r.error.code}: ${r.error.message}\n`);
        });
      }
      return ok ? 0 : 1;
    } finally {
      await close();
    }
  },
});
