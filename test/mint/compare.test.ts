/**
 * `otp2p mint compare` and `mint scan` on pairs built from the real classic files: identical,
 * re-armored, tampered key, and mints re-signed by a test notary (the real notary's private key is
 * not available) with disjoint windows (reissued) and overlapping ones (equivocation).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armor, dearmor } from '../../src/otapi/armor.ts';
import { parseMintFile } from '../../src/otapi/files.ts';
import { conflictKind, mintRelation, windowsOverlap } from '../../src/mint/compare.ts';
import { runCli } from '../helpers/cli.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { reissueMint, testNotary } from '../otapi/ot-signing.ts';

const ROOT = sharedPath('fixtures', 'ot', 'classic-2013', 'ot-sample-data');
const NOTARY = 'r1fUoHwJOWCuK3WBAAySjmKYqsG6G2TYIxdqY6YNuuG';
const GRAM = 'JY7kEFnm2c50CGNphdpgnlVo2hOZuLrBua5cFqWWR9Q';
const CLIENT_GRAM = join(ROOT, 'client_data', 'mints', NOTARY, GRAM);
const SERVER = join(ROOT, 'server_data', 'mints', NOTARY);

interface Comparison {
  relation: string;
  proven: boolean;
  signatures: Array<{ ok: boolean; signer: string; reason?: string }>;
}

async function compare(a: string, b: string, ...extra: string[]): Promise<{ code: number; out: Comparison }> {
  const r = await runCli(['mint', 'compare', a, b, '--json', '--home', tmpDir(), ...extra]);
  return { code: r.code, out: r.json[0] as Comparison };
}

describe('validity windows', () => {
  it('overlap only when they share an instant; touching windows are a reissue', () => {
    expect(windowsOverlap({ validFrom: 0, validTo: 10 }, { validFrom: 5, validTo: 20 })).toBe(true);
    expect(windowsOverlap({ validFrom: 0, validTo: 10 }, { validFrom: 10, validTo: 20 })).toBe(false);
    expect(conflictKind({ validFrom: 20, validTo: 30 }, { validFrom: 0, validTo: 10 })).toBe('reissued');
    expect(conflictKind({ validFrom: 0, validTo: 30 }, { validFrom: 10, validTo: 11 })).toBe('equivocation');
  });
});

describe.skipIf(!HAS_SHARED)(`otp2p mint compare on the real classic files ${HAS_SHARED ? '' : SHARED_MISSING}`, () => {
  it('identical: the same file twice, both signatures verified', async () => {
    const r = await compare(CLIENT_GRAM, CLIENT_GRAM);
    expect(r.code).toBe(0);
    expect(r.out.relation).toBe('identical');
    expect(r.out.signatures).toEqual([
      { ok: true, signer: 'voeqDVAJwDwROywFtg5mEyYpcu2dcPJRLFHYh7tyhqk' },
      { ok: true, signer: 'voeqDVAJwDwROywFtg5mEyYpcu2dcPJRLFHYh7tyhqk' },
    ]);
  });

  it("same-mint: the client's series 0 and the notary's .0 file; and a re-armored copy, whose signature still verifies", async () => {
    expect((await compare(CLIENT_GRAM, join(SERVER, `${GRAM}.0`))).out.relation).toBe('same-mint');
    const dir = tmpDir();
    cpSync(ROOT, dir, { recursive: true });
    const copy = join(dir, 'client_data', 'mints', NOTARY, GRAM);
    const d = dearmor(readFileSync(CLIENT_GRAM));
    writeFileSync(
      copy,
      armor(d.text.replace(/\n/g, '\r\n'), 'MINT', {
        protobufWrap: true,
        level: 1,
        lineLength: 76,
        headers: [['Version', 'other']],
      }),
    );
    const r = await compare(CLIENT_GRAM, copy);
    expect(r.out.relation).toBe('same-mint');
    expect(r.out.signatures.map((s) => s.ok)).toEqual([true, true]);
    expect(r.code).toBe(0);
  });

  it('different-series: the client series 0 against the notary .PUBLIC series 1', async () => {
    expect((await compare(CLIENT_GRAM, join(SERVER, `${GRAM}.PUBLIC`))).out.relation).toBe('different-series');
    expect(
      (
        await compare(
          CLIENT_GRAM,
          join(ROOT, 'client_data', 'mints', NOTARY, '7f8nlUn795x8931JParRnmKAyw8cegRyBMcFg9FccaF'),
        )
      ).out.relation,
    ).toBe('different-unit');
  });

  it('tampered key: equivocation on its face, but the signature fails, so it proves nothing (exit 3)', async () => {
    const dir = tmpDir();
    cpSync(ROOT, dir, { recursive: true });
    const copy = join(dir, 'client_data', 'mints', NOTARY, GRAM);
    const text = dearmor(readFileSync(CLIENT_GRAM)).text;
    const infos = [...text.matchAll(/<mintPublicInfo denomination="\d+">([\s\S]*?)<\/mintPublicInfo>/g)].map(
      (m) => m[1] as string,
    );
    writeFileSync(copy, armor(text.replace(infos[0] as string, infos[1] as string), 'MINT', { protobufWrap: true }));
    const r = await compare(CLIENT_GRAM, copy);
    expect(r.out.relation).toBe('equivocation');
    expect(r.out.proven).toBe(false);
    expect(r.out.signatures[1]).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(r.code).toBe(3);
  });

  it('re-signed by a test notary: disjoint windows are reissued (exit 0), overlapping ones a proven equivocation (exit 3)', async () => {
    const notary = testNotary();
    const real = readFileSync(CLIENT_GRAM, 'latin1');
    const dir = tmpDir();
    const mints = join(dir, 'client_data', 'mints', notary.id);
    mkdirSync(mints, { recursive: true });
    mkdirSync(join(dir, 'client_data', 'contracts'), { recursive: true });
    writeFileSync(join(dir, 'client_data', 'contracts', notary.id), notary.contractArmored);
    const write = (name: string, armored: string): string => {
      writeFileSync(join(mints, name), armored);
      return join(mints, name);
    };
    const first = write('first', reissueMint(real, notary, { validFrom: 1_400_000_000, validTo: 1_410_000_000 }));
    const reset = write(
      'reset',
      reissueMint(real, notary, { validFrom: 1_420_000_000, validTo: 1_430_000_000, swapKeys: true }),
    );
    const split = write(
      'split',
      reissueMint(real, notary, { validFrom: 1_405_000_000, validTo: 1_415_000_000, swapKeys: true }),
    );
    expect(mintRelation(parseMintFile(readFileSync(first)), parseMintFile(readFileSync(reset)))).toBe('reissued');

    const reissued = await compare(first, reset);
    expect(reissued.out).toMatchObject({ relation: 'reissued', proven: true });
    expect(reissued.out.signatures).toEqual([
      { ok: true, signer: notary.nymId },
      { ok: true, signer: notary.nymId },
    ]);
    expect(reissued.code).toBe(0);

    const equivocation = await compare(first, split);
    expect(equivocation.out).toMatchObject({ relation: 'equivocation', proven: true });
    expect(equivocation.code).toBe(3);

    // without the contract, nothing is checked: unproven, and no false security alarm
    const bare = tmpDir();
    cpSync(first, join(bare, 'first'));
    cpSync(split, join(bare, 'split'));
    const unchecked = await compare(join(bare, 'first'), join(bare, 'split'));
    expect(unchecked.out).toMatchObject({ relation: 'equivocation', proven: false });
    expect(unchecked.out.signatures[0]).toMatchObject({ ok: false, reason: 'no-key' });
    expect(unchecked.code).toBe(0);
    // --contract FILE supplies it
    expect(
      (
        await compare(
          join(bare, 'first'),
          join(bare, 'split'),
          '--contract',
          join(dir, 'client_data', 'contracts', notary.id),
        )
      ).out.proven,
    ).toBe(true);
  });
});

describe.skipIf(!HAS_SHARED)(`otp2p mint scan on the real classic folder ${HAS_SHARED ? '' : SHARED_MISSING}`, () => {
  it('reads 6 mints with 6 verified signatures', async () => {
    const r = await runCli(['mint', 'scan', '--ot-data', ROOT, '--json', '--home', tmpDir()]);
    expect(r.code).toBe(0);
    expect(r.json[0]).toMatchObject({
      layout: 'classic',
      read: 6,
      verified: 6,
      bad_signatures: 0,
      unreadable: 0,
      errors: [],
    });
  });

  it('exits 3 when one byte of a signed mint is flipped', async () => {
    const dir = tmpDir();
    cpSync(ROOT, dir, { recursive: true });
    const path = join(dir, 'client_data', 'mints', NOTARY, GRAM);
    const text = dearmor(readFileSync(path)).text;
    writeFileSync(
      path,
      armor(text.replace('<mint version="2.0"', '<mint version="2.1"'), 'MINT', { protobufWrap: true }),
    );
    const r = await runCli(['mint', 'scan', '--ot-data', dir, '--json', '--home', tmpDir()]);
    expect(r.code).toBe(3);
    expect(r.json[0]).toMatchObject({ read: 6, verified: 5, bad_signatures: 1 });
    expect(r.stderr).toContain('BAD SIGNATURE');
    const fp = await runCli(['mint', 'fingerprint', path, '--json', '--home', tmpDir()]);
    expect(fp.code).toBe(3);
    expect(fp.json[0]).toMatchObject({
      signature: { ok: false, reason: 'bad-signature', signer: 'voeqDVAJwDwROywFtg5mEyYpcu2dcPJRLFHYh7tyhqk' },
    });
  });

  it('exits non-zero and says why on stdout when no mint could be read', async () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'client_data', 'mints', NOTARY), { recursive: true });
    writeFileSync(join(dir, 'client_data', 'mints', NOTARY, GRAM), 'not a mint');
    const r = await runCli(['mint', 'scan', '--ot-data', dir, '--home', tmpDir()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('no mint read');
    expect(r.stdout).toContain('1 file(s) could not be read');
    const empty = tmpDir();
    mkdirSync(join(empty, 'client_data', 'mints'), { recursive: true });
    const json = await runCli(['mint', 'scan', '--ot-data', empty, '--json', '--home', tmpDir()]);
    expect(json.code).toBe(1);
    expect(json.json[0]).toMatchObject({ read: 0, error: expect.stringContaining('no mint files found') });
  });
});
