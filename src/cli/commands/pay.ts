import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, isHex } from '../../core/bytes.ts';
import { OtP2pError } from '../../core/errors.ts';
import { routeToJson } from '../../pathing/index.ts';
import type { PaymentResult } from '../../payments/coordinator.ts';
import type { CoordinatorLimits } from '../../payments/coordinator.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { amountOption, intOption, requiredAmount, requiredPubkey, stringOption } from '../options.ts';
import { openPeer } from '../peer.ts';
import { printRoute } from '../print.ts';
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
    'social radius, finds a route delivering --amount (base units of what the payee accepts) and pays it.\n' +
    'Every hop and the payee must be online (otp2p daemon). Each part of a split route is its own payment\n' +
    "with its own receipt: the payee's preimage, which hashes (sha256) to the payment hash.\n" +
    'Exit 0 when every part succeeded, 1 otherwise (failed or refunded: see otp2p payments).\n' +
    'Example: otp2p pay --to npub1... --amount 10000 --unit EUR --max-fee 50 --json\n' +
    'JSON: { route: { spend, receive, parts: [...] }, state, results: [{ paymentId, state, sent, delivered,\n' +
    '  refunded, receipt: { paymentHash, preimage, verified } | null, error? }] }',
  options: {
    to: { type: 'string', value: 'NPUB', description: 'the payee (npub or hex pubkey)' },
    amount: { type: 'string', value: 'A', description: 'what the payee receives, in base units' },
    unit: {
      type: 'string',
      value: 'UNIT',
      description: 'what the payee receives: TLA, unit ID or unit@notary from its catalog',
    },
    from: { type: 'string', value: 'UNIT@NOTARY', description: 'what you spend (default: any unit you hold)' },
    'max-fee': {
      type: 'string',
      value: 'F',
      description: 'most you accept to spend above the quoted route, in the spent unit',
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
    const amount = requiredAmount(ctx, 'amount', { min: 1n });
    const maxFee = amountOption(ctx, 'max-fee');
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
      await peer.sync({ extra: [to] });
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
        printRoute(ctx, route, (pk) => peer.nameOf(pk));
        for (const r of results) {
          const verified = verifyReceipt(r.paymentHash, r.preimage);
          ctx.io.stdout(
            `payment ${r.paymentId}: ${r.state}, sent ${r.sent}, delivered ${r.delivered}${r.refunded > 0n ? `, refunded ${r.refunded}` : ''}\n`,
          );
          if (r.preimage !== null)
            ctx.io.stdout(
              `  receipt: preimage ${r.preimage}, payment hash ${r.paymentHash} (${verified ? 'verified' : 'NOT verified'})\n`,
            );
          if (r.error) ctx.io.stdout(`  ${r.error.code}: ${r.error.message}\n`);
        }
      }
      return ok ? 0 : 1;
    } finally {
      await close();
    }
  },
});
