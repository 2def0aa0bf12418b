import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isOtP2pError } from '../../src/core/errors.ts';
import {
  ensureAccount,
  initNotaryDir,
  ledgerAccounts,
  notaryUnit,
  openNotaryDir,
  parseNotaryConfig,
  parseUnitSpec,
} from '../../src/otapi/notary-dir.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isOtP2pError(err) ? err.code : 'not-an-OtP2pError';
  }
};

describe('SimulatedNotary in a folder', () => {
  it('every opening of the folder is the same notary: IDs, mints and ledger', () => {
    const dir = join(tmpDir(), 'n1');
    const a = initNotaryDir(dir, { name: 'One', units: [parseUnitSpec('USD'), parseUnitSpec('eur:100')] });
    const usd = notaryUnit(a, 'usd');
    const alice = ensureAccount(a, 'alice', usd, 500n);
    expect(alice).toMatchObject({ created: true, balance: 500n });
    const b = openNotaryDir(dir);
    expect(b.id).toBe(a.id);
    expect(b.units.map((u) => u.id)).toEqual(a.units.map((u) => u.id));
    expect(b.mintFileFor(usd, 'alice')).toBe(a.mintFileFor(usd, 'alice'));
    expect(b.balance(alice.account)).toBe(500n);
    // a second funding of the same owner finds the account and issues again
    expect(ensureAccount(b, 'alice', usd, 250n)).toMatchObject({
      account: alice.account,
      created: false,
      balance: 750n,
    });
    const rows = ledgerAccounts(dir);
    expect(rows.reduce((s, r) => s + r.balance, 0n)).toBe(0n);
    expect(rows.find((r) => r.issuer)).toMatchObject({ owner: 'issuer:USD', balance: -750n });
    expect(code(() => initNotaryDir(dir, { name: 'again', units: [parseUnitSpec('USD')] }))).toBe('bad-input');
    expect(code(() => notaryUnit(a, 'GBP'))).toBe('unknown-unit');
    expect(code(() => ensureAccount(a, 'issuer:USD', usd))).toBe('usage');
    a.close();
    b.close();
  });

  it('another process transfers on the same ledger (WAL, busy timeout): balances agree', async () => {
    const dir = join(tmpDir(), 'n');
    const n = initNotaryDir(dir, { name: 'Shared', units: [parseUnitSpec('USD')] });
    const usd = notaryUnit(n, 'USD');
    const a = ensureAccount(n, 'alice', usd, 1000n).account;
    const b = ensureAccount(n, 'bob', usd).account;
    const script = join(tmpDir(), 'child.ts');
    writeFileSync(
      script,
      `import { openNotaryDir } from ${JSON.stringify(join(PROJECT_ROOT, 'src/otapi/notary-dir.ts'))};\n` +
        `const n = openNotaryDir(${JSON.stringify(dir)});\n` +
        `process.stdout.write('go\\n');\n` +
        `for (let i = 0; i < 100; i++) n.transfer({ idempotencyKey: 'child-key-' + i, notaryId: n.id, fromAccountId: ${JSON.stringify(a)}, toAccountId: ${JSON.stringify(b)}, amount: 1n });\n` +
        `n.close();\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // start writing once the child has the ledger open, so both write at the same time
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    for (let i = 0; i < 100; i++)
      n.transfer({ idempotencyKey: `parent-key-${i}`, notaryId: n.id, fromAccountId: a, toAccountId: b, amount: 2n });
    const exit = await new Promise<number | null>((r) => child.on('exit', r));
    expect(err).toBe('');
    expect(exit).toBe(0);
    expect(n.balance(a)).toBe(1000n - 300n);
    expect(n.balance(b)).toBe(300n);
    expect(n.transferCount()).toBe(201);
    n.close();
  });

  it('notary.json is validated field by field; arbitrary text never crashes the parser', () => {
    const good = {
      seed: 'ab'.repeat(32),
      name: 'N',
      units: [{ name: 'USD', tla: 'USD', factor: '100', decimalPower: 2 }],
      idStyle: 'otx',
      createdAt: 1,
    };
    expect(parseNotaryConfig(JSON.stringify(good)).units[0]?.tla).toBe('USD');
    for (const bad of [
      { ...good, seed: 'ab' },
      { ...good, name: '' },
      { ...good, idStyle: 'x' },
      { ...good, createdAt: -1 },
      { ...good, units: [] },
      { ...good, units: [good.units[0], good.units[0]] },
      { ...good, units: [{ ...good.units[0], factor: '0' }] },
      { ...good, units: [{ ...good.units[0], tla: '1X' }] },
    ]) {
      expect(code(() => parseNotaryConfig(JSON.stringify(bad)))).toBe('bad-input');
    }
    expect(code(() => parseNotaryConfig('{'))).toBe('bad-json');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const c = code(() => parseNotaryConfig(text));
        expect(c === undefined || c === 'bad-json' || c === 'bad-input').toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(parseUnitSpec('JPY:1')).toMatchObject({ tla: 'JPY', factor: 1n, decimalPower: 0 });
    expect(parseUnitSpec('BTC:100000000')).toMatchObject({ decimalPower: 8 });
    for (const bad of ['', 'US D', 'USD:0', 'USD:-1', 'USD:1.5', 'ABCDEFGHIJK'])
      expect(code(() => parseUnitSpec(bad))).toBe('usage');
  });
});

describe('otp2p notary', () => {
  it('init, account --fund, balance (--json), and exact error codes', async () => {
    const dir = join(tmpDir(), 'n1');
    const init = await runCli([
      'notary',
      'init',
      dir,
      '--name',
      'Notary One',
      '--unit',
      'USD',
      '--unit',
      'EUR:100',
      '--json',
    ]);
    expect(init.code).toBe(0);
    const info = init.json[0] as { id: string; units: { tla: string; id: string }[] };
    expect(info.units.map((u) => u.tla)).toEqual(['USD', 'EUR']);
    const acct = await runCli([
      'notary',
      'account',
      dir,
      '--owner',
      'alice',
      '--unit',
      'usd',
      '--fund',
      '100000',
      '--json',
    ]);
    expect(acct.code).toBe(0);
    expect(acct.json[0]).toMatchObject({
      notary: info.id,
      owner: 'alice',
      unit: 'USD',
      created: true,
      balance: '100000',
    });
    const bob = await runCli(['notary', 'account', dir, '--owner', 'bob', '--unit', 'EUR', '--json']);
    expect(bob.json[0]).toMatchObject({ balance: '0', created: true });
    const bal = await runCli(['notary', 'balance', dir, '--json']);
    expect(bal.code).toBe(0);
    const b = bal.json[0] as { accounts: { owner: string; balance: string }[]; total: Record<string, string> };
    expect(b.total).toEqual({ USD: '0', EUR: '0' });
    expect(b.accounts.find((a) => a.owner === 'alice')?.balance).toBe('100000');
    const mine = await runCli(['notary', 'balance', dir, '--owner', 'alice']);
    // In the unit's own scale (issue 20): 100000 base units of a 2-decimal unit.
    expect(mine.stdout).toContain('1000.00');
    expect(mine.stdout).not.toContain('bob');

    expect((await runCli(['notary', 'init', dir, '--unit', 'USD', '--json'])).json[0]).toMatchObject({
      error: { code: 'bad-input' },
    });
    expect((await runCli(['notary', 'init', join(dir, 'x'), '--json'])).json[0]).toMatchObject({
      error: { code: 'usage' },
    });
    expect(
      (await runCli(['notary', 'init', join(dir, 'y'), '--unit', 'USD', '--unit', 'usd', '--json'])).json[0],
    ).toMatchObject({ error: { code: 'usage' } });
    expect((await runCli(['notary', 'account', dir, '--owner', 'x', '--unit', 'GBP', '--json'])).json[0]).toMatchObject(
      { error: { code: 'unknown-unit' } },
    );
    expect(
      (await runCli(['notary', 'account', dir, '--owner', 'x', '--unit', 'USD', '--fund', '1.5', '--json'])).json[0],
    ).toMatchObject({ error: { code: 'bad-amount' } });
    expect((await runCli(['notary', 'account', dir, '--unit', 'USD', '--json'])).json[0]).toMatchObject({
      error: { code: 'usage' },
    });
    expect((await runCli(['notary', 'balance', join(dir, 'none'), '--json'])).json[0]).toMatchObject({
      error: { code: 'not-found' },
    });
  });
});
