import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('otp2p config', () => {
  it('creates the data folder 0700 with defaults on first use', async () => {
    const home = join(tmpDir(), 'home');
    const r = await runCli(['config', 'get', 'relays', '--json', '--home', home]);
    expect(r.code).toBe(0);
    expect(r.json[0]).toEqual({ relays: ['ws://127.0.0.1:7777'] });
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  it('honours $OTP2P_HOME', async () => {
    const home = join(tmpDir(), 'env-home');
    const r = await runCli(['config', 'set', 'trustDepth', '3', '--json'], { env: { OTP2P_HOME: home } });
    expect(r.code).toBe(0);
    const g = await runCli(['config', 'get', 'trustDepth', '--json', '--home', home]);
    expect(g.json[0]).toEqual({ trustDepth: 3 });
  });

  it('sets JSON values and validates them', async () => {
    const home = tmpDir();
    const ok = await runCli(['config', 'set', 'relays', '["wss://relay.example.com"]', '--home', home, '--json']);
    expect(ok.code).toBe(0);
    const bad = await runCli(['config', 'set', 'relays', '["http://x"]', '--home', home, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json[0]).toMatchObject({ error: { code: 'bad-relay-url' } });
    const unknown = await runCli(['config', 'set', 'nope', '1', '--home', home, '--json']);
    expect(unknown.json[0]).toMatchObject({ error: { code: 'bad-config' } });
  });

  it('refuses a corrupt config.json with a typed error', async () => {
    const home = tmpDir();
    writeFileSync(join(home, 'config.json'), '{"relays": [');
    const r = await runCli(['config', 'list', '--home', home, '--json']);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'bad-json' } });
  });
});

describe('otp2p runMain', () => {
  it('maps unknown commands and options to usage errors (exit 2)', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const r = await runCli(['config', 'get', '--bogus', '--json']);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'usage' } });
  });

  it('rejects a bad --relay URL before running', async () => {
    const r = await runCli(['config', 'list', '--relay', 'not a url', '--json', '--home', tmpDir()]);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'bad-relay-url' } });
  });

  it('prints help for every level', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: otp2p <command>');
    const c = await runCli(['config', '--help']);
    expect(c.stdout).toContain('Usage: otp2p config <action>');
  });
});
