/** `otp2p mint` reads the OT data folder the configuration names (`otData`), as the daemon does. */
import { describe, expect, it } from 'vitest';
import { getPublicKey } from '../../src/events/sign.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const SAMPLE = sharedPath('fixtures', 'ot', 'opentxs-sample-data', 'ot-sample-data');

describe('otp2p mint with otData configured', () => {
  it.skipIf(!HAS_SHARED)(`check and scan use the configured folder ${HAS_SHARED ? '' : SHARED_MISSING}`, async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    try {
      const home = tmpDir();
      const me = getPublicKey(new Uint8Array(32).fill(21));
      const check = ['mint', 'check', '--pubkey', me, '--relay', relay.url, '--json', '--home', home];
      const explicit = await runCli([...check, '--ot-data', SAMPLE]);
      expect(explicit.json[0]).toMatchObject({
        verdicts: [expect.objectContaining({ series: '0', verdict: 'unknown' })],
      });

      const none = await runCli(check);
      expect(none.code).toBe(2);
      expect(none.json[0]).toMatchObject({ error: { code: 'usage' } });
      expect((none.json[0] as { error: { message: string } }).error.message).toContain('config set otData');

      expect((await runCli(['config', 'set', 'otData', SAMPLE, '--home', home])).code).toBe(0);
      const configured = await runCli(check);
      expect([configured.code, configured.json]).toEqual([explicit.code, explicit.json]);

      const scan = await runCli(['mint', 'scan', '--json', '--home', home]);
      expect(scan.code).toBe(0);
      expect(scan.json[0]).toMatchObject({ root: expect.any(String), layout: 'v094' });
    } finally {
      await relay.close();
    }
  });
});
