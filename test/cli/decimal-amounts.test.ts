/**
 * Amounts in the unit's own scale (issue 20, item 8): typed and printed as `10.50 USD` where a
 * contract or catalog gives the unit's factor, base units under `--json` and `--base-units`, and
 * base units said explicitly when the scale is unknown.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scales } from '../../src/cli/scale.ts';
import { checkDecimalText } from '../../src/core/decimal.ts';
import { runCli } from '../helpers/cli.ts';
import { codeOf } from '../helpers/errors.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ME = 'ab'.repeat(32);
const USD = { unit: 'usdid', notary: 'n1' };
const JPY = { unit: 'jpyid', notary: 'n1' };
const catalog = {
  notaries: [{ id: 'n1' }],
  units: [
    { id: 'usdid', notary: 'n1', tla: 'USD', factor: 100n },
    { id: 'jpyid', notary: 'n1', tla: 'JPY', factor: 1n },
  ],
  preference: [],
};

describe('Scales', () => {
  const s = new Scales().addCatalog(catalog);
  it('parses and formats in the unit scale, exactly', () => {
    expect(s.parse('10.5', [USD], '--amount')).toBe(1050n);
    expect(s.parse('10', [USD], '--amount')).toBe(1000n);
    expect(s.format(1050n, USD)).toBe('10.50 USD');
    expect(s.format(1050n, USD, true)).toBe('1050 base units of USD');
    expect(s.format(7n, JPY)).toBe('7 JPY');
    expect(s.format(150000000n, { unit: 'btc', notary: 'regtest' })).toBe('1.50000000 BTC');
    expect(s.parse('1050', [USD], '--amount', { base: true })).toBe(1050n);
  });

  it('refuses what it cannot convert exactly, with the exact code', () => {
    expect(codeOf(() => s.parse('10.505', [USD], '--amount'))).toBe('bad-amount');
    expect(codeOf(() => s.parse('1.5', [USD], '--amount', { base: true }))).toBe('bad-amount');
    expect(codeOf(() => s.parse('1', [USD, JPY], '--amount'))).toBe('usage');
    expect(codeOf(() => s.parse('1.5', [{ unit: 'x', notary: 'n1' }], '--amount'))).toBe('bad-amount');
    expect(codeOf(() => checkDecimalText('0.00', '--amount', { positive: true }))).toBe('bad-amount');
    expect(codeOf(() => checkDecimalText('1e3', '--amount'))).toBe('bad-amount');
  });

  it('an unknown scale takes an integer as base units and says so', () => {
    const said: string[] = [];
    expect(s.parse('1050', [{ unit: 'x', notary: 'n1' }], '--amount', { warn: (l) => said.push(l) })).toBe(1050n);
    expect(said.join('')).toContain('taken as base units');
    expect(s.format(1050n, { unit: 'x', notary: 'n1' })).toBe('1050 base units of x@n1');
  });
});

describe('offer add with the wallet configured', () => {
  it('reads --min/--max in the input scale and --fee/--liquidity in the output scale', async () => {
    const home = tmpDir();
    const n1 = join(tmpDir(), 'n1');
    const init = await runCli(['notary', 'init', n1, '--unit', 'USD', '--unit', 'JPY:1', '--json']);
    const units = (init.json[0] as { id: string; units: Array<{ id: string; tla: string }> }).units;
    const id = (init.json[0] as { id: string }).id;
    const usd = `${units.find((u) => u.tla === 'USD')!.id}@${id}`;
    const jpy = `${units.find((u) => u.tla === 'JPY')!.id}@${id}`;
    expect((await runCli(['config', 'set', 'simulatedNotaries', JSON.stringify([n1]), '--home', home])).code).toBe(0);
    expect((await runCli(['config', 'set', 'otUser', 'alice', '--home', home])).code).toBe(0);
    const add = (extra: string[]) =>
      runCli([
        'offer',
        'add',
        '--pubkey',
        ME,
        '--id',
        'o1',
        '--in',
        usd,
        '--out',
        jpy,
        '--rate',
        '150/1',
        '--home',
        home,
        '--json',
        ...extra,
      ]);
    const r = await add(['--min', '0.50', '--max', '10.25', '--fee', '3', '--liquidity', '9000']);
    expect(r.code, r.stderr).toBe(0);
    const tags = Object.fromEntries((r.json[0] as { tags: string[][] }).tags.map((t) => [t[0], t[1]]));
    expect(tags).toMatchObject({ min: '50', max: '1025', fee: '3', liquidity: '9000' });
    expect(r.stderr).not.toContain('base units');

    const base = await add(['--max', '1025', '--liquidity', '9000', '--base-units']);
    expect(Object.fromEntries((base.json[0] as { tags: string[][] }).tags.map((t) => [t[0], t[1]]))).toMatchObject({
      max: '1025',
    });
    const tooFine = await add(['--max', '10.255', '--liquidity', '9000']);
    expect([tooFine.code, (tooFine.json[0] as { error: { code: string } }).error.code]).toEqual([2, 'bad-amount']);
  });

  it('without a wallet the scale is unknown: integers are base units, said on stderr', async () => {
    const home = tmpDir();
    const add = (max: string) =>
      runCli([
        'offer',
        'add',
        '--pubkey',
        ME,
        '--id',
        'o1',
        '--in',
        'u1@n1',
        '--out',
        'u2@n1',
        '--rate',
        '1/1',
        '--max',
        max,
        '--liquidity',
        '10',
        '--home',
        home,
        '--json',
      ]);
    const r = await add('1025');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--max 1025 is taken as base units');
    const dec = await add('10.25');
    expect((dec.json[0] as { error: { code: string } }).error.code).toBe('bad-amount');
  });
});
