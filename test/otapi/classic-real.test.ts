/**
 * The real classic (2013) OT sample data: every mint, contract, account and wallet name read, and
 * every notary and issuer signature verified with OT's own scheme (SAMY, RSA-PSS).
 */
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OtDataFolder, detectLayout, readTrustedContract } from '../../src/otapi/datafolder.ts';
import { armor, dearmor } from '../../src/otapi/armor.ts';
import { parseMintFile, readOtDocument } from '../../src/otapi/files.ts';
import { contractIdMatches, verifyOtSignature } from '../../src/otapi/otcrypto.ts';
import { parseSignedContract } from '../../src/otapi/signed.ts';
import { mintFingerprint } from '../../src/mint/fingerprint.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ROOT = sharedPath('fixtures', 'ot', 'classic-2013', 'ot-sample-data');
const NOTARY = 'r1fUoHwJOWCuK3WBAAySjmKYqsG6G2TYIxdqY6YNuuG';
const NOTARY_NYM = 'voeqDVAJwDwROywFtg5mEyYpcu2dcPJRLFHYh7tyhqk';
const TOKEN = '7f8nlUn795x8931JParRnmKAyw8cegRyBMcFg9FccaF';
const USD = 'EYGad9FjZWgGKeVbgh2FbA0Hf8oP0XlnRyYCsvSIYKL';
const GRAM = 'JY7kEFnm2c50CGNphdpgnlVo2hOZuLrBua5cFqWWR9Q';
const BTC = 'XU1Gu6sjcLxg260FmRgrSvRz9L0OohXRSEhlkeSd9j2';
const SERVER_MINTS = join(ROOT, 'server_data', 'mints', NOTARY);
const CLIENT_MINTS = join(ROOT, 'client_data', 'mints', NOTARY);

describe.skipIf(!HAS_SHARED)(`the real classic sample folder ${HAS_SHARED ? '' : SHARED_MISSING}`, () => {
  const folder = HAS_SHARED ? new OtDataFolder(ROOT) : (undefined as unknown as OtDataFolder);

  it('is detected as classic from the folder itself and read without one error', () => {
    expect(detectLayout(ROOT)).toBe('classic');
    const scan = folder.scan();
    expect(scan.layout).toBe('classic');
    expect(scan.errors).toEqual([]);
  });

  it('reads the client mints (TOKEN, GRAM series 0) and all four notary .PUBLIC mints (series 1), each signed by the notary', () => {
    const scan = folder.scan();
    expect(scan.mints.map((m) => `${m.origin}:${m.mint.unitId}:${m.mint.series}`).sort()).toEqual(
      [
        `client:${TOKEN}:0`,
        `client:${GRAM}:0`,
        `server:${TOKEN}:1`,
        `server:${USD}:1`,
        `server:${GRAM}:1`,
        `server:${BTC}:1`,
      ].sort(),
    );
    for (const m of scan.mints) {
      expect(m.mint.attributeStyle).toBe('classic');
      expect(m.mint.signer).toBe(NOTARY_NYM);
      expect(m.mint.denominations.length).toBe(10);
      expect(m.mint.denominations[0]?.keyText).toMatch(/^g=[0-9A-F]+\np=[0-9A-F]+\npublic=[0-9A-F]+$/);
      expect(m.signature).toEqual({
        ok: true,
        signer: NOTARY_NYM,
        credentialId: 'EvcfMaNJ3fiK4lUVhQNhHmX1Qc3mjlA6q0MS96JXNNO',
      });
    }
  });

  it("verifies every one of the 18 mint files (client and notary copies) against the notary contract's key", () => {
    const contract = readTrustedContract(join(ROOT, 'client_data', 'contracts', NOTARY), NOTARY);
    const files = [
      ...readdirSync(CLIENT_MINTS).map((f) => join(CLIENT_MINTS, f)),
      ...readdirSync(SERVER_MINTS).map((f) => join(SERVER_MINTS, f)),
    ];
    expect(files).toHaveLength(18);
    for (const f of files) {
      const mint = parseMintFile(readFileSync(f), f);
      expect(mint.notaryId).toBe(NOTARY);
      expect(verifyOtSignature(parseSignedContract(mint.signedText), contract.keys, mint.signer).ok, f).toBe(true);
    }
  });

  it("gives the client's series-0 TOKEN and GRAM the fingerprints of the notary's .0 files", () => {
    for (const unit of [TOKEN, GRAM]) {
      const client = parseMintFile(readFileSync(join(CLIENT_MINTS, unit)));
      const notary0 = parseMintFile(readFileSync(join(SERVER_MINTS, `${unit}.0`)));
      expect(client.series).toBe('0');
      expect(mintFingerprint(client)).toBe(mintFingerprint(notary0));
      expect(mintFingerprint(client)).not.toBe(
        mintFingerprint(parseMintFile(readFileSync(join(SERVER_MINTS, `${unit}.PUBLIC`)))),
      );
    }
  });

  it('authenticates all five contracts by their ID and verifies the notary and issuer signatures', () => {
    const scan = folder.scan();
    expect(scan.contracts.map((c) => `${c.kind}:${c.id}`).sort()).toEqual(
      [`notary:${NOTARY}`, ...[TOKEN, USD, GRAM, BTC].map((u) => `unit:${u}`)].sort(),
    );
    for (const c of scan.contracts) {
      expect(c.signature.ok, c.id).toBe(true);
      expect(c.signature.signer).toBe(c.kind === 'notary' ? NOTARY_NYM : 'DYEB6U7dcpbwdGrftPnslNKz76BDuBTFAjiAgKaiY2n');
    }
  });

  it('names the notary and the units from the contracts and wallet, with clean names', async () => {
    expect(await folder.listNotaries()).toEqual([
      { id: NOTARY, name: 'Transactions.com', hostname: 'localhost', port: 7085 },
    ]);
    const units = Object.fromEntries((await folder.listUnits()).map((u) => [u.id, u]));
    expect(units[TOKEN]).toMatchObject({ name: 'game tokens', tla: 'TOKEN' });
    expect(units[USD]).toMatchObject({ name: 'US Dollars', tla: 'USD', factor: 100n });
    expect(units[GRAM]).toMatchObject({ name: 'silver grams', tla: 'GRAM' });
    expect(units[BTC]).toMatchObject({ name: 'Bitcoins', tla: 'BTC' });
  });

  it('reads the 12 <assetAccount> accounts with balances, units and clean wallet names', async () => {
    const accounts = await folder.listAccounts();
    expect(accounts).toHaveLength(12);
    for (const a of accounts) {
      expect(a.notaryId).toBe(NOTARY);
      expect(a.unitId).toMatch(/^[0-9A-Za-z]{43}$/);
      expect(typeof a.balance).toBe('bigint');
      if (a.name !== undefined) expect(a.name).toMatch(/^[\x20-\x7e]+$/);
    }
    // wallet.xml lists (and names) 10 of them; two exist only as account files
    expect(accounts.filter((a) => a.name !== undefined)).toHaveLength(10);
    expect(accounts.find((a) => a.id === 'O8uUtFNyeKUqYdaBrroDR9OIgPhvtW91iBBVNEfbHDC')).toMatchObject({
      name: "Bob's Silver",
      balance: 87_000n,
      type: 'simple',
    });
    expect(accounts.find((a) => a.id === '60kCKd5j50LVqaFshwtfCSDXIWxFbxcwMtxyNIbI7bT')).toMatchObject({
      name: 'silver issuer',
      type: 'issuer',
      balance: -187_000n,
      unitId: GRAM,
    });
    expect(await folder.getBalance('6iMI58MBdPsI8pBw4blS88vG65cXsKo8X1Gbuvcr6kI')).toBe(0n);
    expect(accounts.find((a) => a.id === '6iMI58MBdPsI8pBw4blS88vG65cXsKo8X1Gbuvcr6kI')?.name).toBe('bitcoins');
  });

  it('fails the signature of a mint with one byte flipped in its signed text, and only that one', () => {
    const dir = tmpDir();
    cpSync(ROOT, dir, { recursive: true });
    const path = join(dir, 'client_data', 'mints', NOTARY, GRAM);
    const d = dearmor(readFileSync(path));
    const at = d.text.indexOf('<mint version="2.0"') + '<mint version="2.'.length;
    const flipped = `${d.text.slice(0, at)}1${d.text.slice(at + 1)}`; // one byte: version 2.0 -> 2.1
    expect(flipped.length).toBe(d.text.length);
    expect(flipped).not.toBe(d.text);
    writeFileSync(path, armor(flipped, 'MINT', { protobufWrap: true }));
    const scan = new OtDataFolder(dir).scan();
    const gram = scan.mints.find((m) => m.origin === 'client' && m.mint.unitId === GRAM);
    expect(gram?.signature).toMatchObject({ ok: false, reason: 'bad-signature', signer: NOTARY_NYM });
    expect(scan.mints.filter((m) => m.signature.ok)).toHaveLength(5);
  });

  it('does not take keys from a contract that does not hash to its ID', () => {
    const text = readOtDocument(readFileSync(join(ROOT, 'client_data', 'contracts', NOTARY))).text;
    expect(contractIdMatches(text, NOTARY)).toBe(true);
    const tampered = text.replace('Transactions.com', 'Transactions.con');
    expect(contractIdMatches(tampered, NOTARY)).toBe(false);
    const dir = tmpDir();
    cpSync(ROOT, dir, { recursive: true });
    for (const side of ['client_data', 'server_data'])
      writeFileSync(join(dir, side, 'contracts', NOTARY), armor(tampered, 'CONTRACT', { protobufWrap: true }));
    const scan = new OtDataFolder(dir).scan();
    expect(scan.errors.filter((e) => e.code === 'bad-signature')).toHaveLength(2);
    expect(scan.mints.every((m) => !m.signature.ok && m.signature.reason === 'no-key')).toBe(true);
  });
});
