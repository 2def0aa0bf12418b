/**
 * The Bitcoin RPC password never goes through argv or sits in config.json (issue 20, item 9): it
 * comes from the node's cookie file or `$OTP2P_BITCOIN_RPC_PASSWORD`; a plaintext password in the
 * config is refused with a message saying how to move it, and is never printed.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPC_PASSWORD_FILE } from '../../src/cli/rpc-password.ts';
import { startRegtest } from '../helpers/regtest.ts';
import type { RegtestNode } from '../helpers/regtest.ts';
import { RPC_PASSWORD_ENV, rpcSettings } from '../../src/bitcoin/open.ts';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { runCli } from '../helpers/cli.ts';
import { codeOf } from '../helpers/errors.ts';
import { tmpDir } from '../helpers/tmp.ts';

const SECRET = 'rpc-secret-do-not-print';
const PW = 'correct horse battery staple';

describe('bitcoinRpc credentials', () => {
  it('reads the cookie file, else the environment', () => {
    const cookie = join(tmpDir(), '.cookie');
    writeFileSync(cookie, `__cookie__:${SECRET}\n`);
    expect(rpcSettings({ url: 'http://127.0.0.1:8332/', cookieFile: cookie }, {})).toEqual({
      url: 'http://127.0.0.1:8332/',
      user: '__cookie__',
      password: SECRET,
    });
    expect(rpcSettings({ url: 'http://127.0.0.1:8332/', user: 'u' }, { [RPC_PASSWORD_ENV]: SECRET })).toMatchObject({
      user: 'u',
      password: SECRET,
    });
    expect(codeOf(() => rpcSettings({ url: 'http://127.0.0.1:8332/', user: 'u' }, {}))).toBe('bad-config');
    writeFileSync(cookie, 'nocolon');
    expect(codeOf(() => rpcSettings({ url: 'http://127.0.0.1:8332/', cookieFile: cookie }, {}))).toBe('bad-config');
    expect(
      codeOf(() => rpcSettings({ url: 'http://127.0.0.1:8332/', cookieFile: join(tmpDir(), 'missing') }, {})),
    ).toBe('bad-config');
  });

  it('config set refuses a password (field or URL) without writing or echoing it', async () => {
    const home = tmpDir();
    for (const value of [
      { url: 'http://127.0.0.1:8332/', user: 'u', password: SECRET },
      { url: `http://u:${SECRET}@127.0.0.1:8332/`, user: 'u' },
    ]) {
      const r = await runCli(['config', 'set', 'bitcoinRpc', JSON.stringify(value), '--home', home, '--json']);
      expect(r.code).toBe(2);
      expect(r.json[0]).toMatchObject({ error: { code: 'bad-config' } });
      expect(r.stdout + r.stderr).toContain(RPC_PASSWORD_ENV);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain('bitcoinRpc":{');
    const ok = await runCli([
      'config',
      'set',
      'bitcoinRpc',
      '{"url":"http://127.0.0.1:8332/","user":"u"}',
      '--home',
      home,
    ]);
    expect(ok.code).toBe(0);
  });

  it('a password left in config.json by an older version is hidden and refused with how to move it', async () => {
    const home = tmpDir();
    createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 4, network: 'regtest' });
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ network: 'regtest', bitcoinRpc: { url: 'http://127.0.0.1:9/', user: 'u', password: SECRET } }),
    );
    const list = await runCli(['config', 'list', '--home', home]);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(SECRET);
    const bal = await runCli(['btc', 'balance', '--home', home, '--json'], { env: { OTP2P_PASSWORD: PW } });
    expect(bal.code).toBe(2);
    expect(bal.json[0]).toMatchObject({ error: { code: 'bad-config' } });
    const message = (bal.json[0] as { error: { message: string } }).error.message;
    expect(message).toContain(RPC_PASSWORD_ENV);
    expect(message).toContain('cookieFile');
    expect(bal.stdout + bal.stderr).not.toContain(SECRET);
  });
});

describe('bitcoinRpc password from stdin (config set --rpc-password-stdin)', () => {
  let node: RegtestNode;
  beforeAll(async () => {
    node = await startRegtest();
  });
  afterAll(async () => {
    await node.close();
  });

  const setup = (): string => {
    const home = tmpDir();
    createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 4, network: 'regtest' });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ network: 'regtest' }));
    return home;
  };
  const rpc = (url: string): string => JSON.stringify({ url, user: 'otp2p' });

  it('is sealed under the vault password, never in config.json, and opens the wallet later', async () => {
    const home = setup();
    const password = node.settings.password;
    const set = await runCli(
      ['config', 'set', 'bitcoinRpc', rpc(node.settings.url), '--rpc-password-stdin', '--home', home, '--json'],
      { stdin: `${password}\n`, env: { OTP2P_PASSWORD: PW } },
    );
    expect(set.code).toBe(0);
    expect(set.json[0]).toMatchObject({ rpcPassword: 'sealed' });
    expect(set.stdout + set.stderr).not.toContain(password);
    for (const f of readdirSync(home)) {
      if (statSync(join(home, f)).isFile()) expect(readFileSync(join(home, f), 'utf8')).not.toContain(password);
    }
    expect(statSync(join(home, RPC_PASSWORD_FILE)).mode & 0o077).toBe(0);
    // No password in the environment: the sealed one opens the node.
    const bal = await runCli(['btc', 'balance', '--home', home, '--json'], { env: { OTP2P_PASSWORD: PW } });
    expect(bal.stderr).toBe('');
    expect(bal.code).toBe(0);
    expect(bal.json[0]).toMatchObject({ network: 'regtest', confirmed: '0' });
    // With the vault password from stdin too: that line first, then the RPC password.
    const again = await runCli(
      [
        'config',
        'set',
        'bitcoinRpc',
        rpc(node.settings.url),
        '--password-stdin',
        '--rpc-password-stdin',
        '--home',
        home,
      ],
      { stdin: `${PW}\n${password}\n` },
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('sealed under the vault password');
    // null forgets it.
    const off = await runCli(['config', 'set', 'bitcoinRpc', 'null', '--home', home]);
    expect(off.code).toBe(0);
    expect(readdirSync(home)).not.toContain(RPC_PASSWORD_FILE);
  });

  it('a wrong vault password seals nothing (bad-password)', async () => {
    const home = setup();
    const r = await runCli(
      ['config', 'set', 'bitcoinRpc', rpc(node.settings.url), '--rpc-password-stdin', '--home', home, '--json'],
      { stdin: `${SECRET}\n`, env: { OTP2P_PASSWORD: 'not the password' } },
    );
    expect(r.code).not.toBe(0);
    expect(r.json[0]).toMatchObject({ error: { code: 'bad-password' } });
    expect(readdirSync(home)).not.toContain(RPC_PASSWORD_FILE);
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain('bitcoinRpc');
  });

  it('usage errors: with a cookie file, for another key, or an empty stdin line', async () => {
    const home = setup();
    const env = { OTP2P_PASSWORD: PW };
    const cookie = JSON.stringify({ url: node.settings.url, cookieFile: join(home, '.cookie') });
    for (const argv of [
      ['config', 'set', 'bitcoinRpc', cookie, '--rpc-password-stdin'],
      ['config', 'set', 'otUser', 'me', '--rpc-password-stdin'],
      ['config', 'set', 'bitcoinRpc', 'null', '--rpc-password-stdin'],
    ]) {
      const r = await runCli([...argv, '--home', home, '--json'], { stdin: `${SECRET}\n`, env });
      expect(r.code).toBe(2);
      expect(r.json[0]).toMatchObject({ error: { code: 'usage', context: { option: 'rpc-password-stdin' } } });
    }
    const empty = await runCli(
      ['config', 'set', 'bitcoinRpc', rpc(node.settings.url), '--rpc-password-stdin', '--home', home, '--json'],
      { stdin: '', env },
    );
    expect(empty.code).toBe(2);
    expect(empty.json[0]).toMatchObject({ error: { code: 'usage', context: { option: 'rpc-password-stdin' } } });
    expect(readdirSync(home)).not.toContain(RPC_PASSWORD_FILE);
  });
});
