import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('otp2p config set: values as a user types them', () => {
  it('takes a bare number for a key that holds an integer string', async () => {
    const home = tmpDir();
    const r = await runCli(['config', 'set', 'maxExposurePerPeer', '5000', '--home', home, '--json']);
    expect(r.code).toBe(0);
    expect(r.json[0]).toEqual({ maxExposurePerPeer: '5000' });
    const g = await runCli(['config', 'get', 'maxExposurePerPeer', '--home', home, '--json']);
    expect(g.json[0]).toEqual({ maxExposurePerPeer: '5000' });
  });

  it('still refuses a number that is not a non-negative integer', async () => {
    const home = tmpDir();
    for (const bad of ['12.5', '1e3', '007', 'lots']) {
      const r = await runCli(['config', 'set', 'maxExposurePerPeer', bad, '--home', home, '--json']);
      expect(r.code).toBe(2);
      expect(r.json[0]).toMatchObject({ error: { code: 'bad-config' } });
    }
    const g = await runCli(['config', 'get', 'maxExposurePerPeer', '--home', home, '--json']);
    expect(g.json[0]).toEqual({ maxExposurePerPeer: '100000' });
  });

  it('refuses a relay URL with a space in it', async () => {
    const home = tmpDir();
    const r = await runCli(['config', 'set', 'relays', '["wss://relay.damus.io/ foo"]', '--home', home, '--json']);
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'bad-relay-url' } });
    const g = await runCli(['config', 'get', 'relays', '--home', home, '--json']);
    expect(g.json[0]).toEqual({ relays: ['ws://127.0.0.1:7777'] });
  });
});
