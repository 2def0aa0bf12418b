/**
 * `cli/options.ts`: every numeric, amount, pubkey and choice option is parsed one way, with the
 * exact code and a message naming the option and the bad value.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/command.ts';
import {
  amountOption,
  choiceArg,
  enumOption,
  intOption,
  intOptionOr,
  listOption,
  parsePubkeyText,
  portOption,
  requiredAmount,
  requiredString,
  stringOption,
} from '../../src/cli/options.ts';
import { OtP2pError } from '../../src/core/errors.ts';
import { npubEncode, nprofileEncode } from '../../src/keys/nip19.ts';
import { runCli } from '../helpers/cli.ts';
import { codeOf, errorOf } from '../helpers/errors.ts';
import { tmpDir } from '../helpers/tmp.ts';

const ctx = (
  options: CommandContext['options'],
  args: CommandContext['args'] = {},
): Pick<CommandContext, 'options' | 'args'> => ({ options, args });
const HEX = 'ab'.repeat(32);

describe('integer options', () => {
  it('accept decimal digits in range only', () => {
    expect(intOption(ctx({ n: '42' }), 'n', { min: 1, max: 100 })).toBe(42);
    expect(intOption(ctx({}), 'n', { min: 1, max: 100 })).toBeUndefined();
    expect(intOptionOr(ctx({}), 'n', 7, { min: 1, max: 100 })).toBe(7);
    for (const bad of [
      '1e400',
      '1e10',
      'abc',
      '',
      ' 5',
      '5 ',
      '-1',
      '+1',
      '1.0',
      '0x10',
      'Infinity',
      'NaN',
      '101',
      '0',
      '9'.repeat(17),
    ]) {
      expect([bad, codeOf(() => intOption(ctx({ n: bad }), 'n', { min: 1, max: 100 }))]).toEqual([bad, 'usage']);
    }
    const e = errorOf(() => intOption(ctx({ limit: '1e400' }), 'limit', { min: 1, max: 100_000 }));
    expect(e.message).toBe('--limit must be an integer in 1..100000, got "1e400"');
    expect(e.context).toEqual({ field: '--limit' });
    expect(codeOf(() => intOption(ctx({ n: ['1', '2'] }), 'n', { min: 1, max: 100 }))).toBe('usage');
    expect(codeOf(() => intOption(ctx({ n: true }), 'n', { min: 1, max: 100 }))).toBe('usage');
  });

  it('ports are 0..65535', () => {
    expect(portOption(ctx({ port: '0' }), 'port', 7777)).toBe(0);
    expect(portOption(ctx({}), 'port', 7777)).toBe(7777);
    expect(codeOf(() => portOption(ctx({ port: '65536' }), 'port', 1))).toBe('usage');
  });
});

describe('amount options', () => {
  it('are bigint base units, bad-amount when malformed, usage when required and missing', () => {
    expect(amountOption(ctx({ a: '18446744073' }), 'a')).toBe(18446744073n);
    expect(amountOption(ctx({}), 'a')).toBeUndefined();
    for (const bad of ['-5', '1.5', '1e3', '', 'abc', '01', '9223372036854775808'])
      expect([bad, codeOf(() => amountOption(ctx({ a: bad }), 'a'))]).toEqual([bad, 'bad-amount']);
    expect(codeOf(() => amountOption(ctx({ a: '0' }), 'a', { min: 1n }))).toBe('bad-amount');
    const missing = errorOf(() => requiredAmount(ctx({}), 'amount'));
    expect([missing.code, missing.message]).toEqual(['usage', '--amount A is required']);
  });
});

describe('pubkeys', () => {
  it('accept hex (either case), npub and nprofile, and name the field when wrong', () => {
    expect(parsePubkeyText(HEX, '--to')).toBe(HEX);
    expect(parsePubkeyText(HEX.toUpperCase(), '--to')).toBe(HEX);
    expect(parsePubkeyText(npubEncode(HEX), '--to')).toBe(HEX);
    expect(parsePubkeyText(nprofileEncode({ pubkey: HEX, relays: ['wss://r.example'] }), '--to')).toBe(HEX);
    expect(codeOf(() => parsePubkeyText('npub1qqqq', '--to'))).toBe('bad-bech32');
    expect(codeOf(() => parsePubkeyText(undefined, '--to'))).toBe('usage');
    expect(codeOf(() => parsePubkeyText('abcd', '--to'))).toBe('wrong-length');
    const e = errorOf(() => parsePubkeyText('bob', '--to'));
    expect([e.code, e.message]).toEqual([
      'bad-hex',
      '--to must be an npub1…, nprofile1… or 64-hex pubkey (a name is not one: otp2p follow list shows the npubs of the people you follow), got "bob"',
    ]);
  });
});

describe('strings and choices', () => {
  it('refuse empty values, name the choices', () => {
    expect(stringOption(ctx({ s: 'x' }), 's')).toBe('x');
    expect(codeOf(() => stringOption(ctx({ s: '' }), 's'))).toBe('usage');
    expect(errorOf(() => requiredString(ctx({}), 'to', 'ADDRESS')).message).toBe('--to ADDRESS is required');
    expect(listOption(ctx({ u: 'a' }), 'u')).toEqual(['a']);
    expect(listOption(ctx({ u: ['a', 'b'] }), 'u')).toEqual(['a', 'b']);
    expect(enumOption(ctx({}), 'role', ['payer', 'hop'] as const, 'hop')).toBe('hop');
    expect(errorOf(() => enumOption(ctx({ role: 'x' }), 'role', ['payer', 'hop'] as const)).message).toBe(
      '--role must be one of payer, hop, got "x"',
    );
    expect(choiceArg(ctx({}, { action: 'read' }), 'action', ['send', 'read'] as const)).toBe('read');
    expect(errorOf(() => choiceArg(ctx({}, { action: 'x' }), 'action', ['send', 'read'] as const))).toBeInstanceOf(
      OtP2pError,
    );
  });
});

describe('every numeric option of the commands, through the CLI', () => {
  const home = tmpDir();
  const cases: Array<[string[], string, string]> = [
    [
      [
        'offer',
        'add',
        '--id',
        'o',
        '--in',
        'usd@n1',
        '--out',
        'eur@n1',
        '--rate',
        '1',
        '--max',
        '1',
        '--liquidity',
        '1',
        '--pubkey',
        HEX,
        '--expires-in',
        '1e3',
      ],
      'usage',
      '--expires-in',
    ],
    [
      [
        'offer',
        'add',
        '--id',
        'o',
        '--in',
        'usd@n1',
        '--out',
        'eur@n1',
        '--rate',
        '1',
        '--max',
        '1',
        '--liquidity',
        '1',
        '--pubkey',
        HEX,
        '--status',
        'closed',
      ],
      'usage',
      '--status',
    ],
    [['payments', '--limit', '1e400'], 'usage', '--limit'],
    [['relay', '--port', '70000'], 'usage', '--port'],
    [['relay', '--default-limit', '1e3'], 'usage', '--default-limit'],
    [['relay', '--max-limit', '0'], 'usage', '--max-limit'],
    [['event', 'verify', '--workers', '1e1'], 'usage', '--workers'],
    [['mint', 'check', '--ot-data', home, '--k', '1e400'], 'usage', '--k'],
    [
      [
        'route',
        '--offers',
        'x',
        '--from',
        HEX,
        '--to',
        HEX,
        '--unit',
        'usd@n1',
        '--amount',
        '1',
        '--max-degree',
        'abc',
      ],
      'usage',
      '--max-degree',
    ],
    [['pay', '--to', HEX, '--amount', '1', '--timeout', '1e10'], 'usage', '--timeout'],
    [['negotiate', HEX, '--timeout', 'abc'], 'usage', '--timeout'],
    [['btc', 'balance', '--from-height', '1e9'], 'usage', '--from-height'],
    [['notary', 'init', join(home, 'n'), '--unit', 'USD', '--id-style', 'x'], 'usage', '--id-style'],
    [['ui', '--port', '-1'], 'usage', '--port'],
  ];
  it.each(cases)('%j fails with %s naming %s', async (argv, code, field) => {
    const r = await runCli([...argv, '--home', home, '--json']);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code } });
    expect(r.stderr).toContain(field);
  });
});
