import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { deriveIdentity } from '../../src/keys/index.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PW = 'hunter2 but longer';

function noSecrets(r: CliResult, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(r.stderr).not.toContain(s);
    for (const e of r.json) expect(JSON.stringify((e as { error?: unknown }).error ?? '')).not.toContain(s);
  }
}

describe('otp2p init / whoami', () => {
  it('imports a mnemonic (stdin line 1) with the password (stdin line 2), then whoami shows the same identity', async () => {
    const home = join(tmpDir(), 'home');
    const init = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json', '--home', home], {
      stdin: `${ABANDON}\n${PW}\n`,
    });
    expect(init.code).toBe(0);
    expect(init.json[0]).toMatchObject({
      npub: deriveIdentity(ABANDON).npub,
      bitcoin: {
        network: 'mainnet',
        xpub: 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs',
        firstAddress: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
      },
    });
    expect(init.json[0]).not.toHaveProperty('mnemonic'); // imported: not echoed
    expect(init.stdout).not.toContain('abandon');
    noSecrets(init, 'abandon', PW);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'vault.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'vault.json'), 'utf8')).not.toContain('abandon');

    const who = await runCli(['whoami', '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } });
    expect(who.code).toBe(0);
    expect(who.json[0]).toEqual(init.json[0]);
    noSecrets(who, PW);

    // network comes from config.json
    expect((await runCli(['config', 'set', 'network', 'regtest', '--home', home])).code).toBe(0);
    const reg = await runCli(['whoami', '--json', '--password-stdin', '--home', home, '--bech32-prefix', 'rb'], {
      stdin: `${PW}\n`,
    });
    expect(reg.code).toBe(0);
    expect(reg.json[0]).toMatchObject({ bitcoin: { network: 'regtest', path: "m/84'/1'/0'" } });
    expect((reg.json[0] as { bitcoin: { firstAddress: string } }).bitcoin.firstAddress.startsWith('rb1q')).toBe(true);
  });

  it('generates a 24-word mnemonic, prints it once on stdout, and refuses a second init', async () => {
    const home = tmpDir();
    const r = await runCli(['init', '--home', home, '--account', '2'], { env: { OTP2P_PASSWORD: PW } });
    expect(r.code).toBe(0);
    const m = /^mnemonic: (.+)$/m.exec(r.stdout)?.[1] as string;
    expect(m.split(' ')).toHaveLength(24);
    const npub = /^npub: (npub1\S+)$/m.exec(r.stdout)?.[1];
    expect(npub).toBe(deriveIdentity(m, { account: 2 }).npub);
    noSecrets(r, m, PW, m.split(' ')[0] as string);

    const again = await runCli(['init', '--json', '--home', home], { env: { OTP2P_PASSWORD: PW } });
    expect(again.code).toBe(2);
    expect(again.json[0]).toMatchObject({ error: { code: 'identity-exists' } });

    const who = await runCli(['whoami', '--home', home], { env: { OTP2P_PASSWORD: PW } });
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(npub);
    expect(who.stdout).toContain("m/84'/0'/2'");
    expect(who.stdout).not.toContain(m.split(' ')[1]);
  });

  it('wrong password exits 3 (bad-password), missing password exits 2 (no-password), nothing leaks', async () => {
    const home = tmpDir();
    expect(
      (
        await runCli(['init', '--mnemonic-stdin', '--home', home], {
          stdin: `${ABANDON}\n`,
          env: { OTP2P_PASSWORD: PW },
        })
      ).code,
    ).toBe(0);
    const wrong = await runCli(['whoami', '--json', '--password-stdin', '--home', home], { stdin: 'not-it\n' });
    expect(wrong.code).toBe(3);
    expect(wrong.json[0]).toMatchObject({ error: { code: 'bad-password' } });
    noSecrets(wrong, 'not-it', PW, 'abandon');
    const missing = await runCli(['whoami', '--json', '--home', home]);
    expect(missing.code).toBe(2);
    expect(missing.json[0]).toMatchObject({ error: { code: 'no-password' } });
    const emptyLine = await runCli(['whoami', '--json', '--password-stdin', '--home', home], { stdin: '' });
    expect(emptyLine.code).toBe(2);
    expect(emptyLine.json[0]).toMatchObject({ error: { code: 'no-password' } });
  });

  it('init without a password writes nothing; a bad mnemonic is refused without echo', async () => {
    const home = tmpDir();
    const r = await runCli(['init', '--json', '--home', home]);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'no-password' } });
    expect(existsSync(join(home, 'vault.json'))).toBe(false);
    const bad = ABANDON.replace('about', 'abandon');
    const b = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--json', '--home', home], {
      stdin: `${bad}\n${PW}\n`,
    });
    expect(b.code).toBe(2);
    expect(b.json[0]).toMatchObject({ error: { code: 'bad-mnemonic' } });
    noSecrets(b, 'abandon', PW);
    expect(existsSync(join(home, 'vault.json'))).toBe(false);
  });

  it('whoami without an identity says no-identity', async () => {
    const r = await runCli(['whoami', '--json', '--home', tmpDir()], { env: { OTP2P_PASSWORD: PW } });
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'no-identity' } });
  });
});

describe('otp2p key derive', () => {
  it('derives the BIP84 vector from stdin and touches no data folder', async () => {
    const home = join(tmpDir(), 'untouched');
    const r = await runCli(['key', 'derive', '--mnemonic-stdin', '--json', '--home', home], { stdin: `${ABANDON}\n` });
    expect(r.code).toBe(0);
    expect(r.json[0]).toMatchObject({
      pubkey: deriveIdentity(ABANDON).pubkey,
      bitcoin: { network: 'mainnet', firstAddress: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu' },
    });
    expect(existsSync(home)).toBe(false);
  });

  it('applies --passphrase, --passphrase-stdin, --account and --network', async () => {
    const want = deriveIdentity(ABANDON, { passphrase: 'TREZOR', account: 1, network: 'testnet' });
    const a = await runCli(
      [
        'key',
        'derive',
        '--mnemonic-stdin',
        '--passphrase',
        'TREZOR',
        '--account',
        '1',
        '--network',
        'testnet',
        '--json',
      ],
      { stdin: ABANDON },
    );
    expect(a.json[0]).toMatchObject({
      npub: want.npub,
      bitcoin: { xpub: want.bitcoin.xpub, firstAddress: want.bitcoin.firstAddress },
    });
    const b = await runCli(
      ['key', 'derive', '--mnemonic-stdin', '--passphrase-stdin', '--account', '1', '--network', 'testnet', '--json'],
      { stdin: `${ABANDON}\nTREZOR\n` },
    );
    expect(b.json[0]).toEqual(a.json[0]);
  });

  it('refuses bad input with usage-class codes', async () => {
    expect((await runCli(['key', 'derive', '--json'])).json[0]).toMatchObject({ error: { code: 'usage' } });
    const noMn = await runCli(['key', 'derive', '--mnemonic-stdin', '--json'], { stdin: '' });
    expect(noMn.code).toBe(2);
    expect(noMn.json[0]).toMatchObject({ error: { code: 'bad-mnemonic' } });
    for (const a of ['--account=-1', '--account=abc', '--account=2147483648']) {
      const acct = await runCli(['key', 'derive', '--mnemonic-stdin', a, '--json'], { stdin: ABANDON });
      expect(acct.code).toBe(2);
      expect(acct.json[0]).toMatchObject({ error: { code: 'bad-derivation-path' } });
    }
    const net = await runCli(['key', 'derive', '--mnemonic-stdin', '--network', 'signet', '--json'], {
      stdin: ABANDON,
    });
    expect(net.json[0]).toMatchObject({ error: { code: 'bad-input' } });
  });

  it('documents the stdin order in help', async () => {
    for (const cmd of [['init'], ['whoami'], ['key', 'derive']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('one per line, in this order');
    }
  });
});
