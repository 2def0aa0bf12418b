import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OtDataFolder } from '../../src/otapi/datafolder.ts';
import { mintFingerprint } from '../../src/mint/fingerprint.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const SAMPLE = sharedPath('fixtures', 'ot', 'opentxs-sample-data', 'ot-sample-data');
const NOTARY = 'otxExcN3REqYNrSHEbdsuD4YdQyzZv6CShD5';
const USD = 'otxUzCCyxRBYZ5dQaqi5CrM2fikPxUcyxvfo';
const GRAM = 'otxUpr8fzZahXm75TgXaGMWXHNWEjENgZmTp';
const BTC = 'otxF1M3XBTuT1RiWwkFaX5Nj7STsPfK6hD26';

describe.skipIf(!HAS_SHARED)(`OtDataFolder on the real 0.94 sample folder ${HAS_SHARED ? '' : SHARED_MISSING}`, () => {
  const folder = new OtDataFolder(SAMPLE);

  it('detects the 0.94 layout and reads every file without an error', () => {
    const scan = folder.scan();
    expect(scan.layout).toBe('v094');
    expect(scan.errors).toEqual([]);
  });

  it('finds the notary with its name and address', async () => {
    expect(await folder.listNotaries()).toEqual([
      { id: NOTARY, name: 'Transactions.com', hostname: 'localhost', port: 7085 },
    ]);
  });

  it('finds the USD, silver and BTC units with TLA, factor and decimal power', async () => {
    const units = await folder.listUnits();
    const byTla = Object.fromEntries(units.map((u) => [u.tla, u]));
    expect(units).toHaveLength(3);
    expect(byTla.USD).toMatchObject({ id: USD, name: 'US Dollars', factor: 100n, decimalPower: 2, symbol: '$' });
    expect(byTla.GRAM).toMatchObject({ id: GRAM, name: 'silver grams', factor: 1n, decimalPower: 0 });
    expect(byTla.BTC).toMatchObject({ id: BTC, name: 'Bitcoins', factor: 1000n, decimalPower: 3 });
  });

  it('finds the client USD mint and the three notary .PUBLIC mints', () => {
    const found = folder
      .scan()
      .mints.map((m) => `${m.origin}:${m.mint.unitId}`)
      .sort();
    expect(found).toEqual([`client:${USD}`, `server:${BTC}`, `server:${GRAM}`, `server:${USD}`].sort());
    for (const { mint } of folder.scan().mints) {
      expect(mint.notaryId).toBe(NOTARY);
      expect(mint.signer).toBe('otxN4Vz3xQLiEcwtKeHi9rSWh2zgH6Xkjqjg');
      expect(mint.series).toBe('0');
      expect(mint.denominations.length).toBe(10);
      expect(mint.denominations[0]?.keyText).toMatch(/^g=5\np=[0-9A-F]+\npublic=[0-9A-F]+$/);
      expect(mint.validTo).toBeGreaterThan(mint.validFrom);
    }
  });

  it("verifies every mint's notary signature and every contract's signer (0.94: HASH256 = double SHA-256, RSA-PSS)", () => {
    const scan = folder.scan();
    expect(scan.mints).toHaveLength(4);
    for (const m of scan.mints)
      expect(m.signature).toEqual({
        ok: true,
        signer: 'otxN4Vz3xQLiEcwtKeHi9rSWh2zgH6Xkjqjg',
        credentialId: 'otxCYRARYR4SmGFBNR5YqYXrBuyBTBWtJJdz',
      });
    expect(scan.contracts).toHaveLength(4);
    for (const c of scan.contracts) expect(c.signature.ok, c.id).toBe(true);
    expect(scan.contracts.find((c) => c.kind === 'notary')?.signature.signer).toBe(
      'otxN4Vz3xQLiEcwtKeHi9rSWh2zgH6Xkjqjg',
    );
  });

  it('gives the client USD mint and the notary .PUBLIC copy the same fingerprint', () => {
    const usd = folder.scan().mints.filter((m) => m.mint.unitId === USD);
    expect(usd).toHaveLength(2);
    const [a, b] = usd.map((m) => mintFingerprint(m.mint));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
    // and the three units differ
    const all = new Set(folder.scan().mints.map((m) => mintFingerprint(m.mint)));
    expect(all.size).toBe(3);
  });

  it('reads ISO validity times as UTC Unix seconds', async () => {
    const usd = await folder.getMint(NOTARY, USD);
    expect(usd?.validFrom).toBe(Date.UTC(2015, 0, 29, 12, 1, 58) / 1000);
    expect(usd?.expiration).toBe(Date.UTC(2015, 3, 29, 12, 1, 58) / 1000);
  });

  it('lists accounts with balances from wallet.xml and the account file', async () => {
    const accounts = await folder.listAccounts();
    expect(accounts).toHaveLength(9);
    expect(await folder.getBalance('otxFigR2CsdgjkbFGu6ZLyDXeGkmPqTjEmxV')).toBe(7_200_000n);
    const issuer = accounts.find((a) => a.id === 'otxJpB331xhobbUTJuNudFiNo6DHSVzo9Lrn');
    expect(issuer).toMatchObject({ type: 'issuer', balance: -150_000_000n, unitId: BTC, name: 'btc_issuer' });
    await expect(folder.getBalance('otxNOPE')).rejects.toMatchObject({ code: 'unknown-account' });
  });

  it('refuses transfers: a data folder is read-only', async () => {
    await expect(
      folder.transfer({
        idempotencyKey: 'k-12345678',
        notaryId: NOTARY,
        fromAccountId: 'a',
        toAccountId: 'b',
        amount: 1n,
      }),
    ).rejects.toMatchObject({ code: 'ot-read-only' });
  });

  it('accepts client_data/ itself as the folder', () => {
    expect(new OtDataFolder(join(SAMPLE, 'client_data')).scan().mints.length).toBe(4);
  });

  it('reports a damaged file in scan().errors and keeps the rest', () => {
    const dir = tmpDir();
    cpSync(SAMPLE, dir, { recursive: true });
    const p = join(dir, 'client_data', 'mints', NOTARY, USD);
    const text = readFileSync(p, 'utf8');
    writeFileSync(p, text.slice(0, text.length / 2), { mode: 0o644 });
    const scan = new OtDataFolder(dir).scan();
    expect(scan.errors).toEqual([expect.objectContaining({ path: p, code: 'bad-armor' })]);
    expect(scan.mints.length).toBe(3);
  });
});

describe('OtDataFolder on the project fixtures', () => {
  it('reads the modern layout (singular client_data/mint/)', async () => {
    const folder = new OtDataFolder(join(PROJECT_ROOT, 'test/fixtures/ot/modern'));
    expect(folder.layout()).toBe('modern');
    const mints = await folder.listMints();
    expect(mints).toHaveLength(2);
    expect(mints.map((m) => m.denominations.length).sort()).toEqual([2, 4]);
    expect(await folder.getMint(mints[0]!.notaryId, mints[0]!.unitId)).toEqual(mints[0]);
  });

  it('refuses a folder with no client_data/ or server_data/', () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'something'));
    try {
      new OtDataFolder(dir);
      expect.unreachable();
    } catch (err) {
      expect(isOtP2pError(err, 'bad-ot-layout')).toBe(true);
    }
  });

  it('refuses an oversized file without reading it (too-large) and keeps scanning', () => {
    const dir = tmpDir();
    cpSync(join(PROJECT_ROOT, 'test/fixtures/ot/modern'), dir, { recursive: true });
    const nd = join(dir, 'client_data', 'mint', 'otxP4B9YiPGov8HZfEfksVn9YyD9rV2cPSHw');
    writeFileSync(join(nd, 'otxHuge'), Buffer.alloc(9 * 1024 * 1024, 0x41));
    const scan = new OtDataFolder(dir).scan();
    expect(scan.errors).toEqual([expect.objectContaining({ code: 'too-large', path: join(nd, 'otxHuge') })]);
    expect(scan.mints).toHaveLength(2);
  });

  it('flags a mint filed under another notary or unit', () => {
    const dir = tmpDir();
    cpSync(join(PROJECT_ROOT, 'test/fixtures/ot/modern'), dir, { recursive: true });
    const nd = join(dir, 'client_data', 'mint', 'otxP4B9YiPGov8HZfEfksVn9YyD9rV2cPSHw');
    cpSync(join(nd, 'otxQMQkQxPk6y5KYP3yfQs17vbHZnmnF9iJq'), join(nd, 'otxWrongUnit'));
    const scan = new OtDataFolder(dir).scan();
    expect(scan.errors).toEqual([expect.objectContaining({ code: 'bad-mint' })]);
    expect(scan.mints).toHaveLength(2);
  });
});
