/**
 * One definition of "the mints this wallet holds": `otp2p mint check` and the daemon (through
 * `OtApi.listMints()`, which `peer.mint.check()` compares) count the same mints, on the real OT
 * folders and on simulated notaries.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPublicKey } from '../../src/events/sign.ts';
import { OtDataFolder } from '../../src/otapi/datafolder.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { tmpDir } from '../helpers/tmp.ts';

const FOLDERS = {
  '0.94': sharedPath('fixtures', 'ot', 'opentxs-sample-data', 'ot-sample-data'),
  'classic-2013': sharedPath('fixtures', 'ot', 'classic-2013', 'ot-sample-data'),
};
const ME = getPublicKey(new Uint8Array(32).fill(23));

interface Verdicts {
  verdicts: Array<{ notaryId: string; unitId: string; series: string }>;
}

describe('the mints a wallet holds', () => {
  for (const [name, dir] of Object.entries(FOLDERS)) {
    it.skipIf(!HAS_SHARED)(
      `${name}: mint check and the daemon's listMints count the client's mints ${HAS_SHARED ? '' : SHARED_MISSING}`,
      async () => {
        const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
        try {
          const home = tmpDir();
          const r = await runCli([
            'mint',
            'check',
            '--pubkey',
            ME,
            '--relay',
            relay.url,
            '--json',
            '--home',
            home,
            '--ot-data',
            dir,
          ]);
          expect(r.code).toBe(0);
          const cli = (r.json[0] as Verdicts).verdicts.map((v) => `${v.notaryId}:${v.unitId}:${v.series}`).sort();
          const scan = new OtDataFolder(dir).scan();
          const client = scan.mints
            .filter((m) => m.origin === 'client')
            .map((m) => `${m.mint.notaryId}:${m.mint.unitId}:${m.mint.series}`)
            .sort();
          // the folder also holds the notary's own copies: they are not the wallet's
          expect(scan.mints.length).toBeGreaterThan(client.length);
          const daemon = (await new OtDataFolder(dir).listMints())
            .map((m) => `${m.notaryId}:${m.unitId}:${m.series}`)
            .sort();
          expect(cli).toEqual(client);
          expect(daemon).toEqual(cli);
        } finally {
          await relay.close();
        }
      },
    );
  }

  it('mint check reads the mints of the configured simulated notaries, as the daemon does', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    try {
      const home = tmpDir();
      const n1 = join(tmpDir(), 'n1');
      expect((await runCli(['notary', 'init', n1, '--unit', 'USD', '--unit', 'EUR:100'])).code).toBe(0);
      expect((await runCli(['config', 'set', 'simulatedNotaries', JSON.stringify([n1]), '--home', home])).code).toBe(0);
      const check = ['mint', 'check', '--pubkey', ME, '--relay', relay.url, '--json', '--home', home];
      const noUser = await runCli(check);
      expect(noUser.json[0]).toMatchObject({ error: { code: 'bad-config' } });
      expect((await runCli(['config', 'set', 'otUser', 'alice', '--home', home])).code).toBe(0);
      const r = await runCli(check);
      expect(r.code).toBe(0);
      expect((r.json[0] as Verdicts).verdicts).toHaveLength(2);
    } finally {
      await relay.close();
    }
  });
});
