import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/core/bytes.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import type { Catalog } from '../../src/events/catalog.ts';
import {
  buildCatalogEvent,
  parseCatalogEvent,
  publicPart,
  validateCatalog,
  catalogToJson,
} from '../../src/events/catalog.ts';
import { signEvent } from '../../src/events/sign.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { catalogFromFlags, catalogFromOt, holdingsFromAccounts } from '../../src/catalog/from-ot.ts';
import { OtDataFolder } from '../../src/otapi/datafolder.ts';
import { HAS_SHARED, sharedPath } from '../helpers/shared.ts';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no-error';
  } catch (e) {
    return isOtP2pError(e) ? e.code : 'foreign-error';
  }
};

const full: Catalog = {
  notaries: [
    { id: 'otNotary1', url: 'tcp://notary.example:7085', contract: 'a'.repeat(64) },
    { id: 'otHidden', private: true },
  ],
  units: [
    { id: 'otUSD', notary: 'otNotary1', tla: 'USD', factor: 100n },
    { id: 'otEUR', notary: 'otNotary1', tla: 'EUR', factor: 100n, private: true },
    { id: 'otGLD', notary: 'otHidden', tla: 'GLD', factor: 1000n },
  ],
  btc: { network: 'bitcoin' },
  preference: ['otGLD@otHidden', 'otEUR@otNotary1', 'btc@bitcoin', 'otUSD@otNotary1'],
};

describe('kind 11560 catalog', () => {
  it('publishes only the public part and parses back to it', () => {
    const t = buildCatalogEvent(full, 1_800_000_000);
    expect(t.kind).toBe(11560);
    const ev = signEvent(t, hexToBytes('11'.repeat(32)));
    expect(new EventVerifier({ limits: { maxFutureSeconds: 1e10 } }).verify(JSON.parse(JSON.stringify(ev))).ok).toBe(
      true,
    );
    const parsed = parseCatalogEvent(ev);
    expect(parsed).toEqual(publicPart(full));
    expect(parsed.units.map((u) => u.id)).toEqual(['otUSD']);
    expect(parsed.preference).toEqual(['btc@bitcoin', 'otUSD@otNotary1']);
    expect(JSON.stringify(ev)).not.toContain('otHidden');
    expect(JSON.stringify(ev)).not.toContain('otEUR');
  });

  it('rejects inconsistent catalogs with bad-catalog and unknown versions with unsupported-version', () => {
    const j = catalogToJson(full);
    expect(codeOf(() => validateCatalog({ ...j, units: [{ id: 'x', notary: 'nope', tla: 'X', factor: '1' }] }))).toBe(
      'bad-catalog',
    );
    expect(codeOf(() => validateCatalog({ ...j, preference: ['ghost@otNotary1'] }))).toBe('bad-catalog');
    expect(codeOf(() => validateCatalog({ ...j, btc: { network: 'dogecoin' } }))).toBe('bad-catalog');
    expect(
      codeOf(() => validateCatalog({ ...j, units: [{ id: 'btc', notary: 'otNotary1', tla: 'B', factor: '1' }] })),
    ).toBe('bad-catalog');
    expect(
      codeOf(() => validateCatalog({ ...j, units: [{ id: 'u', notary: 'otNotary1', tla: 'U', factor: '1.5' }] })),
    ).toBe('bad-catalog');
    expect(
      codeOf(() => validateCatalog({ ...j, notaries: [{ id: 'n', url: 'not a url' }], units: [], preference: [] })),
    ).toBe('bad-catalog');
    expect(codeOf(() => parseCatalogEvent({ kind: 11560, tags: [['v', '2']] }))).toBe('unsupported-version');
    expect(codeOf(() => parseCatalogEvent({ kind: 1, tags: [] }))).toBe('bad-kind');
  });

  it('fuzz: arbitrary tags give a catalog or a typed error', () => {
    const tag = fc.array(
      fc.oneof(
        fc.constantFrom('v', 'notary', 'unit', 'btc', 'preference', 'x', '1', 'bitcoin', 'n@m', 'n', 'm'),
        fc.string({ maxLength: 12 }),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 12 }), (tags) => {
        const c = codeOf(() => parseCatalogEvent({ kind: 11560, tags }));
        expect(['no-error', 'bad-catalog', 'unsupported-version']).toContain(c);
      }),
      { numRuns: 400 },
    );
  });

  it('builds from flags', () => {
    const c = catalogFromFlags({
      notary: ['n1=tcp://127.0.0.1:7085'],
      unit: ['usd@n1:USD:100', 'gld@n2:GLD'],
      btc: 'regtest',
      prefer: ['gld@n2'],
    });
    expect(c.notaries.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(c.units[1]).toEqual({ id: 'gld', notary: 'n2', tla: 'GLD', factor: 1n });
    expect(c.btc).toEqual({ network: 'regtest' });
    expect(codeOf(() => catalogFromFlags({ unit: ['nonsense'] }))).toBe('usage');
    expect(codeOf(() => catalogFromFlags({ btc: 'doge' }))).toBe('usage');
  });
});

describe.skipIf(!HAS_SHARED)('catalog from the real OT sample data folder', () => {
  const NOTARY = 'otxExcN3REqYNrSHEbdsuD4YdQyzZv6CShD5';
  const USD = 'otxUzCCyxRBYZ5dQaqi5CrM2fikPxUcyxvfo';
  it('lists the notary with its address and the units the nym holds, largest holding first', async () => {
    const folder = new OtDataFolder(sharedPath('fixtures', 'ot', 'opentxs-sample-data', 'ot-sample-data'));
    const c = await catalogFromOt(folder, { nymId: 'otxVqDyz7aRmRu3i5Cf4wVJX5g5euDAKFh64', btc: 'bitcoin' });
    expect(c.notaries).toEqual([{ id: NOTARY, url: 'tcp://localhost:7085' }]);
    // The OT unit with TLA "BTC" is an asset on the notary, distinct from on-chain btc@bitcoin.
    expect(c.units.map((u) => u.tla).sort()).toEqual(['BTC', 'GRAM', 'USD']);
    expect(c.units.find((u) => u.tla === 'USD')?.factor).toBe(100n);
    const nymAccounts = (await folder.listAccounts()).filter((a) => a.nymId === 'otxVqDyz7aRmRu3i5Cf4wVJX5g5euDAKFh64');
    const mine = holdingsFromAccounts(nymAccounts);
    const held = c.preference.slice(0, -1).map((k) => mine.get(k) ?? 0n);
    expect(held).toEqual([...held].sort((x, y) => (x > y ? -1 : x < y ? 1 : 0)));
    expect(c.preference.at(-1)).toBe('btc@bitcoin');
    expect(c.preference).toContain(`${USD}@${NOTARY}`);
    const h = holdingsFromAccounts(await folder.listAccounts());
    expect(h.get(`${USD}@${NOTARY}`)).toBeGreaterThanOrEqual(7_788_000n + 7_200_000n);
    for (const v of h.values()) expect(v).toBeGreaterThan(0n);
  });
});
