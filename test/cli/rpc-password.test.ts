/**
 * The Bitcoin RPC password never goes through argv or sits in config.json (issue 20, item 9): it
 * comes from the node's cookie file or `$OTP2P_BITCOIN_RPC_PASSWORD`; a plaintext password in the
 * config is refused with a message saying how to move it, and is never printed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
