/**
 * The one asset vocabulary (src/core/assets.ts): `unit@notary` parse/format round trip, on-chain
 * BTC as `btc@<chain>`, and the decision that catalogs, offers, routing and payments name BTC the
 * same way (a regtest catalog and a regtest offer meet; a mainnet offer does not).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BITCOIN_NETWORKS,
  BTC_NETWORKS,
  btcAssetKey,
  btcNetworkOf,
  btcNetworkOfRef,
  btcRef,
  formatUnitRef,
  isOnChainAsset,
  parseUnitRef,
} from '../../src/core/assets.ts';
import type { UnitRef } from '../../src/core/assets.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { bitcoinNetwork } from '../../src/bitcoin/networks.ts';
import { buildCatalogEvent, catalogAssets, catalogUnitRefs, parseCatalogEvent } from '../../src/events/catalog.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import { buildOfferEvent, parseOfferEvent } from '../../src/events/offer.ts';
import type { Offer } from '../../src/events/offer.ts';
import { OfferGraph, Router } from '../../src/pathing/index.ts';
import { isOnChainAsset as paymentsIsOnChain } from '../../src/payments/ports.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof OtP2pError)) throw err;
    return err.code;
  }
}

describe('unit references', () => {
  it('parse is the inverse of format (units may contain @, notaries never do)', () => {
    const unit = fc.string({ minLength: 1, maxLength: 20 });
    const notary = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('@'));
    fc.assert(
      fc.property(unit, notary, (u, n) => {
        const ref: UnitRef = { unit: u, notary: n };
        expect(parseUnitRef(formatUnitRef(ref))).toEqual(ref);
      }),
      { numRuns: 300 },
    );
    expect(parseUnitRef('a@b@n1')).toEqual({ unit: 'a@b', notary: 'n1' });
    expect(formatUnitRef({ unit: 'usd', notary: 'n1' })).toBe('usd@n1');
  });

  it('refuses text without both sides with the caller code, naming the field and value', () => {
    for (const bad of ['', 'usd', '@n1', 'usd@', '@', 42, undefined])
      expect(codeOf(() => parseUnitRef(bad))).toBe('bad-input');
    expect(codeOf(() => parseUnitRef('usd', '--in', 'usage'))).toBe('usage');
    try {
      parseUnitRef('usd', '--in');
    } catch (err) {
      expect((err as OtP2pError).message).toBe('--in must be of the form <unit>@<notary>, got "usd"');
      expect((err as OtP2pError).context).toMatchObject({ field: '--in' });
    }
  });
});

describe('on-chain BTC', () => {
  it('is unit btc on its chain, mainnet spelt bitcoin', () => {
    expect(btcRef()).toEqual({ unit: 'btc', notary: 'bitcoin' });
    expect(btcAssetKey('regtest')).toBe('btc@regtest');
    expect(BITCOIN_NETWORKS.map(btcNetworkOf)).toEqual(['bitcoin', 'testnet', 'regtest']);
    for (const chain of BTC_NETWORKS) {
      expect(isOnChainAsset(chain, 'btc')).toBe(true);
      expect(btcNetworkOfRef(btcRef(chain))).toBe(chain);
      expect(parseUnitRef(btcAssetKey(chain))).toEqual(btcRef(chain));
    }
    // neither an OT unit called BTC, nor the old spellings, nor another "notary" is on-chain BTC
    expect(isOnChainAsset('n1', 'btc')).toBe(false);
    expect(isOnChainAsset('onchain', 'btc')).toBe(false);
    expect(isOnChainAsset('bitcoin', 'BTC')).toBe(false);
    expect(isOnChainAsset('bitcoin', 'btc@bitcoin')).toBe(false);
    expect(btcNetworkOfRef({ unit: 'usd', notary: 'bitcoin' })).toBeUndefined();
    // payments re-export the same predicate, not a copy
    expect(paymentsIsOnChain).toBe(isOnChainAsset);
  });

  const T = 1_700_000_000;
  const PK = (c: string): string => c.repeat(64);
  const [PAYER, HOP, PAYEE] = [PK('a'), PK('b'), PK('f')];
  const USD: UnitRef = { unit: 'usd', notary: 'n1' };
  const regtestCatalog: Catalog = { notaries: [], units: [], btc: { network: 'regtest' }, preference: ['btc@regtest'] };
  const offerPaying = (out: UnitRef): Offer => ({
    id: 'usd-to-btc',
    in: USD,
    out,
    rateNum: 1n,
    rateDen: 1n,
    cutPpm: 0n,
    fee: 0n,
    min: 1n,
    max: 1_000_000n,
    liquidity: 1_000_000n,
    expiration: T + 3600,
    status: 'open',
  });

  /** Route USD from the payer through the hop's offer to the payee accepting what `catalog` says. */
  function route(catalog: Catalog, offer: Offer) {
    const g = new OfferGraph();
    g.upsertOffer({ pubkey: HOP, ...offer });
    g.setFollows(PAYER, [HOP]);
    g.setFollows(HOP, [PAYEE]);
    g.setAccepts(PAYEE, catalogUnitRefs(catalog));
    return new Router(g).findRoute({ from: PAYER, fromUnit: USD, to: PAYEE, amount: 5_000n });
  }

  it('a catalog accepting BTC on regtest and an offer paying BTC on regtest meet: one key for catalog, routing and payments', () => {
    // both sides as a peer receives them: events parsed back
    const catalog = parseCatalogEvent(buildCatalogEvent(regtestCatalog, T));
    const offer = parseOfferEvent(
      { ...buildOfferEvent(offerPaying(btcRef(btcNetworkOf('regtest'))), T), pubkey: HOP },
      T,
    );
    const key = formatUnitRef(offer.out);
    expect(key).toBe('btc@regtest');
    expect(catalogAssets(catalog)).toEqual([key]);
    expect(catalog.preference).toEqual([key]);
    expect(catalogUnitRefs(catalog)).toEqual([offer.out]);

    const r = route(catalog, offer);
    const last = r.best.hops.at(-1)!;
    expect(formatUnitRef(last.unit)).toBe(key);
    expect(r.best.receive).toBe(5_000n);
    // the leg is on-chain BTC, and a regtest wallet is the one that pays it
    expect(isOnChainAsset(last.unit.notary, last.unit.unit)).toBe(true);
    expect(bitcoinNetwork('regtest', 'bcoin').chain).toBe(last.unit.notary);
  });

  it('coins of another chain do not meet: a mainnet BTC offer is no route to a regtest payee', () => {
    expect(codeOf(() => route(regtestCatalog, offerPaying(btcRef('bitcoin'))))).toBe('no-route');
  });
});
