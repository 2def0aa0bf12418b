import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { verifyReceipt } from '../../src/cli/commands/pay.ts';

const PW = 'pay test password, long enough';
const DAVE = 'npub1tqajh6qtz9seqffemxxzfzpv80gkh8yl65was0uqnslfpeneqyzqlvqpms';

async function errorCode(argv: string[], home: string): Promise<unknown> {
  const r = await runCli([...argv, '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } });
  expect(r.code).not.toBe(0);
  return (r.json[0] as { error?: { code: string } }).error?.code;
}

describe('otp2p pay / online route: input checks before anything moves', () => {
  it('refuses bad input with exact codes', async () => {
    const home = join(tmpDir(), 'h');
    expect(await errorCode(['pay', '--amount', '10'], home)).toBe('usage');
    expect(await errorCode(['pay', '--to', 'zz', '--amount', '10'], home)).toBe('bad-hex');
    expect(await errorCode(['pay', '--to', `${DAVE.slice(0, -1)}q`, '--amount', '10'], home)).toBe('bad-checksum');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '0'], home)).toBe('bad-amount');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '1.5.0'], home)).toBe('bad-amount');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '0.00'], home)).toBe('bad-amount');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '1.5', '--base-units'], home)).toBe('bad-amount');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '10', '--max-fee', 'x'], home)).toBe('bad-amount');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '10', '--timeout', '0'], home)).toBe('usage');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '10', '--max-hops', '13'], home)).toBe('usage');
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '10'], home)).toBe('no-identity');
    expect(await errorCode(['route', '--amount', '10'], home)).toBe('usage');
    expect(await errorCode(['route', '--to', DAVE, '--amount', '10'], home)).toBe('no-identity');
  });

  it('simulated notaries need otUser; the config keys are validated', async () => {
    const home = join(tmpDir(), 'h');
    expect((await runCli(['init', '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } })).code).toBe(0);
    expect(await errorCode(['config', 'set', 'otUser', 'issuer:USD'], home)).toBe('bad-config');
    expect(await errorCode(['config', 'set', 'simulatedNotaries', '"n1"'], home)).toBe('bad-config');
    expect(await errorCode(['config', 'set', 'simulatedNotaries', '[""]'], home)).toBe('bad-config');
    const n1 = join(tmpDir(), 'n1');
    expect((await runCli(['notary', 'init', n1, '--unit', 'USD'])).code).toBe(0);
    expect((await runCli(['config', 'set', 'simulatedNotaries', JSON.stringify([n1]), '--home', home])).code).toBe(0);
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '10'], home)).toBe('bad-config');
    expect(
      (await runCli(['config', 'set', 'simulatedNotaries', JSON.stringify([join(n1, 'missing')]), '--home', home]))
        .code,
    ).toBe(0);
    expect((await runCli(['config', 'set', 'otUser', 'alice', '--home', home])).code).toBe(0);
    expect(await errorCode(['pay', '--to', DAVE, '--amount', '10'], home)).toBe('not-found');
  });

  it('a receipt verifies only when sha256(preimage) is the payment hash', () => {
    const preimage = '00'.repeat(32);
    const hash = '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925';
    expect(verifyReceipt(hash, preimage)).toBe(true);
    expect(verifyReceipt(hash, '01'.repeat(32))).toBe(false);
    expect(verifyReceipt(null, preimage)).toBe(false);
    expect(verifyReceipt(hash, 'zz')).toBe(false);
  });
});
