/**
 * A simulated OT notary with USD and EUR (factor 100, two decimals) on a real SQLite ledger, and
 * a way to fund accounts from an issuer: the set-up of every "pay through Bob's USD -> EUR offer"
 * test (signer, interop), in one place.
 */
import { join } from 'node:path';
import { unixSeconds } from '../../src/core/clock.ts';
import type { Offer } from '../../src/events/offer.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { simulatedNotaryLookup } from '../../src/payments/adapters/otapi.ts';

/** The notary, its two unit ids, the receipt lookup over its ledger, and `fund`. */
export interface UsdEurNotary {
  notary: SimulatedNotary;
  usd: string;
  eur: string;
  lookup: ReturnType<typeof simulatedNotaryLookup>;
  /** Open `owner`'s account in `unit` and, when `amount` > 0, issue that much into it. */
  fund(owner: string, unit: string, amount: bigint): void;
  close(): void;
}

/** Open a USD/EUR notary whose ledger lives in `dir`. */
export function openUsdEurNotary(dir: string): UsdEurNotary {
  const ledgerPath = join(dir, 'ledger.sqlite');
  const notary = SimulatedNotary.open({
    ledgerPath,
    units: [
      { name: 'US Dollar', tla: 'USD', factor: 100n, decimalPower: 2 },
      { name: 'Euro', tla: 'EUR', factor: 100n, decimalPower: 2 },
    ],
  });
  const unit = (tla: string): string => notary.units.find((u) => u.tla === tla)?.id as string;
  const lookup = simulatedNotaryLookup({ [notary.id]: ledgerPath });
  return {
    notary,
    usd: unit('USD'),
    eur: unit('EUR'),
    lookup,
    fund: (owner, unitId, amount) => {
      const acct = notary.openAccount(owner, unitId);
      if (amount === 0n) return;
      const issuer = notary.openAccount(`issuer:${owner}`, unitId, 0n, true);
      notary.transfer({
        idempotencyKey: `fund:${owner}:${unitId}`,
        notaryId: notary.id,
        fromAccountId: issuer,
        toAccountId: acct,
        amount,
      });
    },
    close: () => {
      lookup.close();
      notary.close();
    },
  };
}

/**
 * Bob's USD -> EUR offer of these tests, on `notaryId`: rate 1, cut 0.1 %, fee 5, so 1,000 EUR out
 * takes ceil((1000 + 5) / 0.999) = 1,007 USD in.
 */
export function usdEurOffer(usd: string, eur: string, notaryId: string): Offer {
  return {
    id: 'usd-eur',
    in: { unit: usd, notary: notaryId },
    out: { unit: eur, notary: notaryId },
    rateNum: 1n,
    rateDen: 1n,
    cutPpm: 1_000n,
    fee: 5n,
    min: 100n,
    max: 1_000_000n,
    liquidity: 50_000n,
    expiration: unixSeconds() + 86_400,
    status: 'open',
  };
}
