/** A hop quotes from its own offers, and an offer bound to counterparties (`to`) serves only them. */
import { describe, expect, it } from 'vitest';
import type { Offer } from '../../src/events/offer.ts';
import { OwnOffersPolicy } from '../../src/payments/own-offers-policy.ts';
import type { QuoteAsk } from '../../src/payments/ports.ts';

const friend = 'f1'.repeat(32);
const stranger = '5a'.repeat(32);

function offer(to?: string[]): Offer {
  return {
    id: 'usd-eur',
    in: { unit: 'usd', notary: 'n1' },
    out: { unit: 'eur', notary: 'n2' },
    rateNum: 92n,
    rateDen: 100n,
    cutPpm: 0n,
    fee: 0n,
    min: 1n,
    max: 1_000_000n,
    liquidity: 1_000_000n,
    expiration: 2_000_000_000,
    status: 'open',
    ...(to ? { to } : {}),
  };
}

const ask = (outTo?: string): QuoteAsk => ({
  inNotary: 'n1',
  inUnit: 'usd',
  outNotary: 'n2',
  outUnit: 'eur',
  outAmount: 920n,
  ...(outTo ? { outTo } : {}),
});

describe('OwnOffersPolicy', () => {
  it('quotes an unbound offer for anyone', () => {
    const p = new OwnOffersPolicy(
      () => [offer()],
      () => 1_700_000_000,
    );
    expect(p.quote(ask(stranger)).ok).toBe(true);
    expect(p.quote(ask()).ok).toBe(true);
  });

  it('quotes a bound offer only for a listed counterparty', () => {
    const p = new OwnOffersPolicy(
      () => [offer([friend])],
      () => 1_700_000_000,
    );
    expect(p.quote(ask(friend))).toMatchObject({ ok: true, minIn: 1000n, offer: 'usd-eur' });
    expect(p.quote(ask(stranger))).toMatchObject({ ok: false, reason: 'no-offer' });
    expect(p.quote(ask())).toMatchObject({ ok: false, reason: 'no-offer' });
  });
});
