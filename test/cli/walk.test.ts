/**
 * Stumbles met walking the CLI as a newcomer (issue 20, the walk after items 1-10), each checked
 * through the same code path as the binary: a publish waiting for a relay that is down names it;
 * notary amounts read in the unit's scale; a name typed where an npub goes says what a key looks
 * like; `mint scan` on simulated notaries says that `mint check` reads them.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const env = { OTP2P_PASSWORD: PW };

function errorOf(r: { json: unknown[] }): { code: string; message: string } | undefined {
  return (
    r.json.find((j) => (j as { error?: unknown }).error !== undefined) as { error: { code: string; message: string } }
  )?.error;
}

/** A ws:// URL nothing listens on (the connection is refused at once). */
async function deadRelay(): Promise<string> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return `ws://127.0.0.1:${port}`;
}

describe('a publish waiting for a relay that is down', () => {
  let relay: EmbeddedRelay;
  beforeAll(async () => {
    relay = await startEmbeddedRelay();
  });
  afterAll(async () => {
    await relay.close();
  });

  it('says which relays hold it and names the one it waits for, exit 1', async () => {
    const home = tmpDir();
    const down = await deadRelay();
    await runCli(['config', 'set', 'relays', JSON.stringify([relay.url, down]), '--home', home]);
    createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 4 });
    const r = await runCli(
      [
        'offer',
        'add',
        '--publish',
        '--id',
        'o1',
        '--in',
        'usd@n1',
        '--out',
        'eur@n1',
        '--rate',
        '92/100',
        '--max',
        '1000',
        '--liquidity',
        '500',
        '--base-units',
        '--home',
        home,
      ],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('held by 1 of 2 relay(s)');
    expect(r.stdout).toContain(`waiting for ${down}`);
    expect(r.stdout).toContain('otp2p outbox');
  });
});

describe('newcomer messages', () => {
  it('notary account and balance show the amount in the unit scale (--fund stays base units)', async () => {
    const dir = join(tmpDir(), 'n1');
    expect((await runCli(['notary', 'init', dir, '--unit', 'USD'])).code).toBe(0);
    const r = await runCli(['notary', 'account', dir, '--owner', 'alice', '--unit', 'USD', '--fund', '100000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('for alice: 1000.00 USD (100000 base units)');
    const b = await runCli(['notary', 'balance', dir, '--owner', 'alice']);
    expect(b.stdout).toMatch(/alice\s+\S+\s+USD\s+1000\.00/);
    const j = await runCli(['notary', 'account', dir, '--owner', 'alice', '--unit', 'USD', '--json']);
    expect(j.json[0]).toMatchObject({ balance: '100000' });
    expect(Object.keys(j.json[0] as object)).not.toContain('scales');
  });

  it('a name where an npub goes says what a key looks like (same code)', async () => {
    const r = await runCli(['catalog', 'show', 'bob', '--home', tmpDir(), '--json'], { env });
    expect(r.code).toBe(2);
    expect(errorOf(r)?.code).toBe('bad-hex');
    expect(errorOf(r)?.message).toContain('npub1…, nprofile1… or 64-hex pubkey');
    expect(errorOf(r)?.message).toContain('"bob"');
  });

  it('mint scan on simulated notaries says that mint check reads them', async () => {
    const home = tmpDir();
    await runCli(['config', 'set', 'simulatedNotaries', '["n1"]', '--home', home]);
    const r = await runCli(['mint', 'scan', '--home', home, '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ code: 'usage' });
    expect(errorOf(r)?.message).toContain('otp2p mint check reads their mints');
  });
});
